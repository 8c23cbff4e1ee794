// `flink dispose <path...> [--dry-run] [--force --reason <text>] [--offline]`: remove snapshots safely. The
// plan (what, how many bytes, why) is made first and printed; --dry-run stops there. Every target goes through
// the one disposal guard (src/domain/disposal-guard.ts) with the running jobs' facts from the cluster's REST
// API; local paths go through the local coordinator when it runs (so its records know, and it guards again),
// object-store paths (s3://, wasbs://, abfss://) are disposed from here through the storage interface.
import type { Command } from 'commander';
import type { FlinkRestClient } from '../../client/rest-client.js';
import type { JobFacts } from '../../domain/disposal-guard.js';
import { FlinkCliError, OperationError, UnreachableError, UsageError } from '../../domain/errors.js';
import type { StorageSettings } from '../../config/storage.js';
import type { DisposalStep } from '../../storage/disposal.js';
import { resolveSavepointTarget } from '../../config/savepoint-target.js';
import type { CommandContext } from '../context.js';
import type { CommandModule } from '../program.js';
import { formatBytes } from './common.js';

export interface DisposeOptions {
  paths: string[];
  dryRun: boolean;
  /** Overrides pins and the incomplete-leftover rule (never a running job's snapshot); needs a reason. */
  force?: boolean;
  reason?: string;
  /** Dispose from storage alone when the cluster is unreachable (the in-use rules cannot run). */
  offline?: boolean;
}

export const disposeCommand: CommandModule = {
  name: 'dispose',
  register(program, deps) {
    return program
      .command('dispose')
      .argument('<paths...>', 'snapshot directories or their _metadata files')
      .option('--dry-run', 'print what would be removed, remove nothing')
      .option('--force', 'also dispose a pinned snapshot or an incomplete leftover no writer holds (needs --reason; never a snapshot a running job needs)')
      .option('--reason <text>', 'why --force is used (recorded in the audit log)')
      .option('--offline', 'the coordinator is unreachable: dispose from storage alone, without checking running jobs')
      .addHelpText(
        'after',
        '\nRefused, deleting nothing: a non-snapshot (by its _metadata), a symbolic link, a root, \'..\', a snapshot a running job restored from\n' +
          'and has not checkpointed past, the newest restorable snapshot of a running job, a pinned snapshot (unless --force).\n' +
          '\nExamples:\n  flink dispose --dry-run /data/savepoints/savepoint-fd7201-0123456789ab\n  flink dispose /data/savepoints/savepoint-fd7201-0123456789ab /data/ckpt/fd72014d4c864993a2e5a9287b4a9c5d/chk-42\n' +
          '  flink dispose --force --reason "superseded by the 2.0 upgrade" /data/savepoints/savepoint-fd7201-0123456789ab\n',
      )
      .action(async (paths: string[], opts: { dryRun?: boolean; force?: boolean; reason?: string; offline?: boolean }, command: Command) => {
        await runDispose({ paths, dryRun: Boolean(opts.dryRun), force: Boolean(opts.force), reason: opts.reason, offline: Boolean(opts.offline) }, await deps.contextFor(command));
      });
  },
};

/** The cluster as the guard sees it: its client, whether it is the local coordinator, and its jobs' facts. */
export interface ClusterView {
  client?: FlinkRestClient;
  local: boolean;
  /** Undefined when the cluster is unreachable. */
  jobs?: JobFacts[];
}

export async function clusterView(ctx: CommandContext): Promise<ClusterView> {
  try {
    const client = await ctx.client();
    const local = (await client.capabilities()).kind === 'local';
    const { gatherJobFacts } = await import('../job-facts.js');
    return { client, local, jobs: await gatherJobFacts(client) };
  } catch (error) {
    if (!(error instanceof FlinkCliError) || error.kind !== 'unreachable') throw error;
    return { local: false };
  }
}

/** The configured snapshot roots (local ones and object-store ones): never disposed themselves. */
export async function snapshotRoots(ctx: CommandContext): Promise<string[]> {
  const config = await ctx.config();
  return [resolveSavepointTarget(config).directory, config.string('execution.checkpointing.dir')].filter((r): r is string => r !== undefined && r !== '');
}

/** Object-store credentials and endpoints from the configuration (Flink's keys). */
export async function storageSettingsOf(ctx: CommandContext): Promise<StorageSettings> {
  const { storageSettings } = await import('../../config/storage.js');
  return storageSettings(await ctx.config());
}

export async function runDispose(options: DisposeOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  if (options.force && (options.reason === undefined || options.reason.trim() === '')) {
    throw new UsageError('--force needs --reason <text>: the reason goes into the audit log with the disposal.');
  }
  if (options.reason !== undefined && !options.force) throw new UsageError('--reason goes with --force.');
  if (options.force) {
    ctx.audit.forced = true;
    ctx.audit.reason = options.reason!.trim();
  }
  const cluster = await clusterView(ctx);
  if (cluster.jobs === undefined) {
    if (!options.offline) {
      throw new UnreachableError('Cannot see running jobs (the coordinator is unreachable), so snapshots they still need cannot be protected; nothing was disposed.', {
        hint: 'Run it when the coordinator answers, or pass --offline to dispose from storage alone.',
      });
    }
    io.note('--offline: running jobs are not checked; disposing from storage alone.');
  }
  const { planDisposal } = await import('../../storage/disposal.js');
  const steps = await planDisposal(options.paths, { roots: await snapshotRoots(ctx), cwd: ctx.cwd, jobs: cluster.jobs ?? [], force: options.force, storage: await storageSettingsOf(ctx) });
  if (options.dryRun) {
    if (io.mode.json) io.print(JSON.stringify({ version: 1, dryRun: true, plan: steps.map(stepJson) }));
    else {
      for (const s of steps) {
        io.print(`Would dispose ${s.directory ?? s.pointer}${s.bytes !== undefined ? ` (${formatBytes(s.bytes)})` : ''}: ${s.reason}${sharedSummary(s)}`);
        for (const f of s.sharedFiles ?? []) io.print(`  ${f.action === 'delete' ? 'delete' : 'keep  '} ${f.path} (${formatBytes(f.bytes)}): ${f.reason}`);
      }
    }
    return;
  }
  const disposer = await createDisposer(ctx, { cluster, force: options.force });
  const done: DisposalStep[] = [];
  for (const step of steps) {
    await disposer.dispose(step);
    done.push(step);
    ctx.audit.paths.push(step.directory ?? step.pointer);
    if (!io.mode.json) io.print(`Disposed ${step.directory ?? step.pointer}${step.bytes !== undefined ? ` (${formatBytes(step.bytes)})` : ''}${sharedSummary(step)}`);
  }
  if (io.mode.json) io.print(JSON.stringify({ version: 1, dryRun: false, disposed: done.map(stepJson), bytes: done.reduce((n, s) => n + (s.bytes ?? 0), 0) }));
  else if (done.length > 1) io.note(`${done.length} snapshots disposed, ${formatBytes(done.reduce((n, s) => n + (s.bytes ?? 0), 0))} freed.`);
}

/**
 * Removes planned snapshots: through the local coordinator when it runs (its records must know; it runs the
 * guard again with its own facts), else directly on disk after the guard ran once more right before deleting;
 * paths this machine cannot reach go to the cluster's /savepoint-disposal.
 */
export async function createDisposer(ctx: CommandContext, options: { cluster?: ClusterView; force?: boolean } = {}): Promise<{ dispose(step: DisposalStep): Promise<void> }> {
  const cluster = options.cluster ?? (await clusterView(ctx));
  const { client, local } = cluster;
  const roots = await snapshotRoots(ctx);
  return {
    async dispose(step) {
      const { isRemote } = await import('../../storage/store-catalog.js');
      if (step.directory !== undefined && isRemote(step.directory)) {
        // On an object store this machine reaches: the guard runs once more on what it holds right now.
        const { guardRemote } = await import('../../storage/store-disposal.js');
        const { applyDisposal } = await import('../../storage/disposal.js');
        const settings = await storageSettingsOf(ctx);
        await guardRemote(step.directory, { roots, jobs: cluster.jobs ?? [], settings, force: options.force });
        await applyDisposal({ ...step, remote: true }, settings);
      } else if (step.directory === undefined || (local && client)) {
        if (!client) throw new OperationError(`Cannot dispose ${step.pointer}: it is not on this machine and no coordinator is reachable.`);
        await disposeViaCluster(ctx, client, step.directory ?? step.pointer, local && Boolean(options.force));
      } else {
        const { applyDisposal, guardLocal } = await import('../../storage/disposal.js');
        guardLocal(step.directory, { roots, cwd: ctx.cwd, jobs: cluster.jobs ?? [], force: options.force });
        await applyDisposal(step);
      }
    },
  };
}

async function disposeViaCluster(ctx: CommandContext, client: FlinkRestClient, pointer: string, force: boolean): Promise<void> {
  const { pollUntilComplete } = await import('../../client/async-operation.js');
  const { failureError } = await import('./common.js');
  const triggerId = await client.disposeSavepoint(pointer, { force });
  const operation = await pollUntilComplete(() => client.disposalStatus(triggerId), { timeoutMs: await ctx.waitTimeoutMs(), what: 'Disposal', triggerId });
  if (operation['failure-cause']) throw failureError(`Failed to dispose the savepoint '${pointer}'`, operation['failure-cause']);
}

function stepJson(s: DisposalStep): Record<string, unknown> {
  return {
    pointer: s.pointer, directory: s.directory ?? null, bytes: s.bytes ?? null, reason: s.reason, kind: s.entry?.kind ?? null, jobId: s.entry?.jobId ?? null,
    sharedFiles: (s.sharedFiles ?? []).map((f) => ({ path: f.path, bytes: f.bytes, action: f.action, reason: f.reason })),
  };
}

/** ", and 3 of its 10 shared file(s) (4.2 KiB) no other retained checkpoint references" (empty without shared files). */
function sharedSummary(s: DisposalStep): string {
  const shared = s.sharedFiles ?? [];
  if (shared.length === 0) return '';
  const deleted = shared.filter((f) => f.action === 'delete');
  return `; and ${deleted.length} of its ${shared.length} shared file(s) (${formatBytes(deleted.reduce((n, f) => n + f.bytes, 0))}) no other retained checkpoint references`;
}
