// `flink dispose <path...> [--dry-run]`: remove snapshots safely. The plan (what, how many bytes, why) is
// made first and printed; --dry-run stops there. Local paths go through the storage rules (and through the
// local coordinator when it runs, so its records know); paths the CLI cannot reach go to /savepoint-disposal.
import type { Command } from 'commander';
import { FlinkCliError, OperationError } from '../../domain/errors.js';
import { hasScheme } from '../../domain/pointers.js';
import type { DisposalStep } from '../../storage/disposal.js';
import { resolveSavepointTarget } from '../../config/savepoint-target.js';
import type { CommandContext } from '../context.js';
import type { CommandModule } from '../program.js';
import { formatBytes } from './common.js';

export interface DisposeOptions {
  paths: string[];
  dryRun: boolean;
}

export const disposeCommand: CommandModule = {
  name: 'dispose',
  register(program, deps) {
    return program
      .command('dispose')
      .argument('<paths...>', 'snapshot directories or their _metadata files')
      .option('--dry-run', 'print what would be removed, remove nothing')
      .addHelpText('after', '\nExamples:\n  flink dispose --dry-run /data/savepoints/savepoint-fd7201-0123456789ab\n  flink dispose /data/savepoints/savepoint-fd7201-0123456789ab /data/ckpt/fd72014d4c864993a2e5a9287b4a9c5d/chk-42\n')
      .action(async (paths: string[], opts: { dryRun?: boolean }, command: Command) => {
        await runDispose({ paths, dryRun: Boolean(opts.dryRun) }, await deps.contextFor(command));
      });
  },
};

async function plan(ctx: CommandContext, pointers: string[]): Promise<DisposalStep[]> {
  const { planDisposal } = await import('../../storage/disposal.js');
  const config = await ctx.config();
  const roots = [resolveSavepointTarget(config).directory, config.string('execution.checkpointing.dir')]
    .filter((r): r is string => r !== undefined && (!hasScheme(r) || /^file:/i.test(r)));
  return planDisposal(pointers, { roots, cwd: ctx.cwd });
}

export async function runDispose(options: DisposeOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const steps = await plan(ctx, options.paths);
  if (options.dryRun) {
    if (io.mode.json) io.print(JSON.stringify({ version: 1, dryRun: true, plan: steps.map(stepJson) }));
    else for (const s of steps) io.print(`Would dispose ${s.directory ?? s.pointer}${s.bytes !== undefined ? ` (${formatBytes(s.bytes)})` : ''}: ${s.reason}`);
    return;
  }
  const disposer = await createDisposer(ctx);
  const done: DisposalStep[] = [];
  for (const step of steps) {
    await disposer.dispose(step);
    done.push(step);
    ctx.audit.paths.push(step.directory ?? step.pointer);
    if (!io.mode.json) io.print(`Disposed ${step.directory ?? step.pointer}${step.bytes !== undefined ? ` (${formatBytes(step.bytes)})` : ''}`);
  }
  if (io.mode.json) io.print(JSON.stringify({ version: 1, dryRun: false, disposed: done.map(stepJson), bytes: done.reduce((n, s) => n + (s.bytes ?? 0), 0) }));
  else if (done.length > 1) io.note(`${done.length} snapshots disposed, ${formatBytes(done.reduce((n, s) => n + (s.bytes ?? 0), 0))} freed.`);
}

/**
 * Removes planned snapshots: through the local coordinator when it runs (its records must know), else
 * directly on disk; paths this machine cannot reach go to the cluster's /savepoint-disposal.
 */
export async function createDisposer(ctx: CommandContext): Promise<{ dispose(step: DisposalStep): Promise<void> }> {
  let client: Awaited<ReturnType<CommandContext['client']>> | undefined;
  let local = false;
  try {
    client = await ctx.client();
    local = (await client.capabilities()).kind === 'local';
  } catch (error) {
    if (!(error instanceof FlinkCliError) || error.kind !== 'unreachable') throw error;
    client = undefined;
  }
  return {
    async dispose(step) {
      if (step.directory === undefined || (local && client)) {
        if (!client) throw new OperationError(`Cannot dispose ${step.pointer}: it is not on this machine and no coordinator is reachable.`);
        await disposeViaCluster(ctx, client, step.directory ?? step.pointer);
      } else {
        const { applyDisposal } = await import('../../storage/disposal.js');
        await applyDisposal(step);
      }
    },
  };
}

async function disposeViaCluster(ctx: CommandContext, client: NonNullable<Awaited<ReturnType<CommandContext['client']>>>, pointer: string): Promise<void> {
  const { pollUntilComplete } = await import('../../client/async-operation.js');
  const { failureError } = await import('./common.js');
  const triggerId = await client.disposeSavepoint(pointer);
  const operation = await pollUntilComplete(() => client.disposalStatus(triggerId), { timeoutMs: await ctx.waitTimeoutMs(), what: 'Disposal', triggerId });
  if (operation['failure-cause']) throw failureError(`Failed to dispose the savepoint '${pointer}'`, operation['failure-cause']);
}

function stepJson(s: DisposalStep): Record<string, unknown> {
  return { pointer: s.pointer, directory: s.directory ?? null, bytes: s.bytes ?? null, reason: s.reason, kind: s.entry?.kind ?? null, jobId: s.entry?.jobId ?? null };
}
