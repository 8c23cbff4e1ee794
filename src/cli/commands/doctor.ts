// `flink doctor`: one checklist of what an operator would otherwise debug by hand, with a fix for each
// failing item. Exit code 0 when nothing failed (warnings and skipped checks do not fail), 1 otherwise.
import type { Command } from 'commander';
import { OperationError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import { emit } from '../output/export.js';
import type { CommandModule } from '../program.js';
import type { CheckResult } from '../services/doctor-checks.js';

export const doctorCommand: CommandModule = {
  name: 'doctor',
  register(program, deps) {
    return program
      .command('doctor')
      .addHelpText(
        'after',
        [
          '',
          'Checks: configuration files and keys (unknown, deprecated), TLS (the truststore and keystore open with their',
          'passwords, certificates in their validity), the REST endpoint and its Flink version,',
          'the savepoint and checkpoint directories (readable and writable from here, local or object storage),',
          "the local coordinator's state directory (stale pid file, leftovers), and clock skew against the cluster.",
          'The write check writes one small .flink-doctor-* object into each directory and removes it again.',
          '',
          'Examples:',
          '  flink doctor',
          '  flink doctor -m flink-jm:8081 --json',
          '',
        ].join('\n'),
      )
      .action(async (_opts: unknown, command: Command) => {
        const ctx = await deps.contextFor(command);
        const results = await runDoctor(ctx);
        await printResults(ctx, results);
        const failed = results.filter((r) => r.status === 'fail').length;
        if (failed > 0) throw new OperationError(`${failed} of ${results.length} checks failed.`);
      });
  },
};

export async function runDoctor(ctx: CommandContext): Promise<CheckResult[]> {
  const checks = await import('../services/doctor-checks.js');
  const results: CheckResult[] = [];
  let config;
  try {
    config = await ctx.config();
  } catch (error) {
    const hint = (error as { hint?: string }).hint;
    return [
      {
        id: 'config-files',
        title: 'Configuration files',
        status: 'fail',
        detail: (error as Error).message,
        fix: hint ?? 'Fix the file named above (flink config shows what is read), or point --config-dir / FLINK_CONF_DIR elsewhere.',
      },
    ];
  }
  const files = config.loaded.files.map((f) => f.path);
  results.push({
    id: 'config-files',
    title: 'Configuration files',
    status: 'pass',
    detail:
      files.length === 0
        ? 'none found: defaults apply (looked in --config-dir, FLINK_CONF_DIR, then .flinkrc*, flink.config.*, conf/ from here)'
        : `${files.join(', ')} (found via ${config.loaded.source})`,
  });
  const [{ KEYS }, { namesOf }] = await Promise.all([import('../../config/keys.js'), import('../../config/resolve.js')]);
  const { resolveSavepointTarget: chain } = await import('../../config/savepoint-target.js');
  results.push(...checks.configKeysCheck(config, new Set(KEYS.flatMap((k) => namesOf(k))), chain(config).warnings));

  const { tlsCheck } = await import('../services/doctor-tls.js');
  results.push(tlsCheck(config, ctx.env));

  const { probeCluster, describeCluster } = await import('../services/cluster-probe.js');
  const probe = await probeCluster(ctx);
  if (probe.reachable) results.push({ id: 'rest', title: 'REST endpoint', status: 'pass', detail: describeCluster(probe) });
  else {
    const [{ unreachableHint }, { UnreachableError }] = await Promise.all([import('../services/unreachable.js'), import('../../domain/errors.js')]);
    const detail = probe.error ?? `not reachable at ${probe.url}`;
    const fix = probe.hint ?? (await unreachableHint(ctx, new UnreachableError(detail, { address: probe.url })));
    results.push({ id: 'rest', title: 'REST endpoint', status: 'fail', detail, ...(fix ? { fix } : {}) });
  }
  results.push(
    probe.reachable && probe.sentAt !== undefined && probe.receivedAt !== undefined
      ? checks.clockSkewCheck(probe.serverDate, probe.sentAt, probe.receivedAt)
      : { id: 'clock-skew', title: 'Clock skew against the cluster', status: 'skip', detail: 'the REST endpoint is not reachable' },
  );

  const [{ resolveSavepointTarget }, { storageSettings }, { describeOrigin }] = await Promise.all([
    import('../../config/savepoint-target.js'),
    import('../../config/storage.js'),
    import('../../config/types.js'),
  ]);
  let settings;
  try {
    settings = storageSettings(config);
  } catch (error) {
    results.push({ id: 'storage-settings', title: 'Storage settings', status: 'fail', detail: (error as Error).message, fix: 'Fix the value named above.' });
  }
  if (settings) {
    const target = resolveSavepointTarget(config);
    results.push(
      await checks.directoryCheck(
        'savepoint-dir',
        'Savepoint directory',
        target.directory,
        target.origin ? describeOrigin(target.origin) : 'default',
        settings,
        ctx.cwd,
      ),
    );
    const checkpoint = config.get('execution.checkpointing.dir');
    results.push(await checks.directoryCheck('checkpoint-dir', 'Checkpoint directory', checkpoint.value, describeOrigin(checkpoint.origin), settings, ctx.cwd));
  }

  const { coordinatorStateDir } = await import('../../config/state-dir.js');
  results.push(await checks.stateDirCheck(coordinatorStateDir(config, ctx.env, ctx.cwd), answersAsCoordinator));
  return results;
}

async function answersAsCoordinator(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/config`, { signal: AbortSignal.timeout(1500) });
    return response.ok && ((await response.json()) as Record<string, unknown>)['flink-cli-coordinator'] !== undefined;
  } catch {
    return false;
  }
}

const MARK: Record<CheckResult['status'], string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

async function printResults(ctx: CommandContext, results: CheckResult[]): Promise<void> {
  const { io } = ctx;
  await emit(io, {
    data: { ok: results.every((r) => r.status !== 'fail'), checks: results },
    human: async () => {
      const colour = { pass: io.out.green, warn: io.out.yellow, fail: io.out.red, skip: io.out.dim };
      for (const r of results) {
        io.print(`${colour[r.status](`${MARK[r.status]} ${r.title}`)}: ${r.detail}`);
        if (r.fix && r.status !== 'pass') io.print(`    fix: ${r.fix}`);
      }
    },
  });
}
