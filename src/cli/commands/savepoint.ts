// `flink savepoint <jobId> [targetDirectory]`, `flink savepoint -d <path>`, `flink savepoint status <jobId> <triggerId>`.
// Flink's key output lines are kept on stdout (scripts parse "Savepoint completed. Path: <location>");
// Flink's other lines are notes on stderr.
import type { Command } from 'commander';
import path from 'node:path';
import { FlinkCliError, OperationError, UsageError } from '../../domain/errors.js';
import { parseJobId, parseTriggerId } from '../../domain/ids.js';
import { absolutePointer, pointerToPath } from '../../domain/pointers.js';
import type { CommandContext } from '../context.js';
import type { CommandModule } from '../program.js';
import { parseKeep, parseMaxAge, parseTimeout } from '../options.js';
import {
  isMissingSavepointDir, missingSavepointDirError, parseFormatType, requireJob, savepointTarget, waitForSavepoint,
} from '../services/snapshot-ops.js';

export type SavepointOptions =
  | {
      mode: 'trigger'; jobId: string; targetDirectory?: string; format: 'CANONICAL' | 'NATIVE'; detached: boolean; timeoutMs?: number; extraArgs: boolean;
      /** Cron retention: after the savepoint completed, prune this job's savepoints to these rules. */
      keep?: number; maxAgeMs?: number;
    }
  | { mode: 'dispose'; path: string; timeoutMs?: number }
  | { mode: 'status'; jobId: string; triggerId: string; timeoutMs?: number };

interface RawOptions {
  dispose?: string;
  type?: string;
  detached?: boolean;
  timeout?: string;
  jarfile?: string;
  keep?: string;
  maxAge?: string;
}

export function parseSavepointArgs(args: string[], opts: RawOptions): SavepointOptions {
  const timeoutMs = parseTimeout(opts.timeout);
  if (opts.dispose !== undefined) return { mode: 'dispose', path: opts.dispose, timeoutMs };
  if (args[0] === 'status') {
    if (args.length !== 3) throw new UsageError('Usage: flink savepoint status <jobId> <triggerId>');
    return { mode: 'status', jobId: parseJobId(args[1]), triggerId: parseTriggerId(args[2]), timeoutMs };
  }
  const jobId = parseJobId(args[0], 'Missing JobID. Specify a Job ID to trigger a savepoint.');
  return {
    mode: 'trigger',
    jobId,
    targetDirectory: args[1],
    format: parseFormatType(opts.type),
    detached: Boolean(opts.detached),
    timeoutMs,
    extraArgs: args.length > 2,
    keep: opts.keep === undefined ? undefined : parseKeep(opts.keep),
    maxAgeMs: parseMaxAge(opts.maxAge),
  };
}

export const savepointCommand: CommandModule = {
  name: 'savepoint',
  register(program, deps) {
    return program
      .command('savepoint')
      .usage('[options] <jobId> [targetDirectory]')
      .argument('[args...]', '<jobId> [targetDirectory], or: status <jobId> <triggerId>')
      .option('-d, --dispose <path>', 'dispose the savepoint at <path> (through the coordinator) instead of triggering one')
      .option('--type <type>', 'savepoint format: canonical (default) or native (also -type)')
      .option('--detached', 'return right after triggering, print the trigger id (also -detached)')
      .option('--timeout <duration>', 'how long to wait (default: client.timeout, 60 s); the savepoint continues after a timeout')
      .option('-j, --jarfile <jar>', 'accepted for compatibility with Flink; unused')
      .option('--keep <N>', "after the savepoint completed, dispose this job's oldest savepoints beyond the newest N (cron)")
      .option('--max-age <duration>', 'with --keep: also dispose savepoints older than this (never the newest)')
      .addHelpText(
        'after',
        [
          '',
          'The target directory is the one given here, else execution.checkpointing.savepoint-dir / state.savepoints.dir,',
          "else the deprecated savepoints.state.backend.fs.dir, else the cluster's own default (see: flink config --explain savepoint-dir).",
          '',
          'Examples:',
          '  flink savepoint fd72014d4c864993a2e5a9287b4a9c5d',
          '  flink savepoint fd72014d4c864993a2e5a9287b4a9c5d file:///data/savepoints -type native',
          '  flink savepoint fd72014d4c864993a2e5a9287b4a9c5d -detached',
          '  flink savepoint status fd72014d4c864993a2e5a9287b4a9c5d 5b3e0d1fc4a6e44e0a4f6a4bc28e3a6b',
          '  flink savepoint -d file:/data/savepoints/savepoint-fd7201-0123456789ab',
          '  SP=$(flink savepoint --json $JOB | jq -r .location)',
          '  flink savepoint $JOB --keep 24 --max-age 2d         (hourly cron: one run at a time per job, bounded retention)',
          '',
        ].join('\n'),
      )
      .action(async (args: string[], opts: RawOptions, command: Command) => {
        await runSavepoint(parseSavepointArgs(args, opts), await deps.contextFor(command));
      });
  },
};

export async function runSavepoint(options: SavepointOptions, ctx: CommandContext): Promise<void> {
  if (options.mode === 'dispose') return dispose(options.path, options.timeoutMs, ctx);
  if (options.mode === 'status') return status(options.jobId, options.triggerId, options.timeoutMs, ctx);
  const { io } = ctx;
  ctx.audit.job = options.jobId;
  if (options.extraArgs) io.note('Provided more arguments than required. Ignoring not needed arguments.');
  const target = await savepointTarget(ctx, options.targetDirectory, 'argument [targetDirectory]');
  const timeoutMs = await ctx.waitTimeoutMs(options.timeoutMs);
  const client = await ctx.client();
  await requireJob(client, options.jobId);
  const { withJobLock, readPendingTrigger, writePendingTrigger, clearPendingTrigger, pendingMismatch } = await import('../locking.js');
  const request = { kind: 'savepoint', targetDirectory: target.send ?? null, formatType: options.format } as const;
  // One run at a time per job: an overlapping cron run exits 7 instead of triggering a second savepoint.
  await withJobLock(ctx, options.jobId, async () => {
    let triggerId: string | undefined;
    const pending = await readPendingTrigger(ctx, options.jobId);
    if (pending && !options.detached) {
      const status = await client.savepointStatus(options.jobId, pending.triggerId).catch(() => undefined);
      if (status?.status.id === 'IN_PROGRESS') {
        // Only the same request is reattached to: a savepoint for another target is not what this run asked for.
        const mismatch = pendingMismatch(pending, options.jobId, request);
        if (mismatch === undefined) {
          triggerId = pending.triggerId;
          io.note(`Reattaching to savepoint ${triggerId}, triggered ${pending.startedAt} by an earlier run that did not see it finish.`);
        } else {
          io.note(`Savepoint ${pending.triggerId}, triggered ${pending.startedAt} by an earlier run, is still in progress, but ${mismatch}: triggering a new one${target.send ? ` in ${target.send}` : ''}.`);
        }
      }
    }
    if (!triggerId) {
      const { newTriggerId } = await import('../../client/rest-client.js');
      triggerId = newTriggerId();
      await writePendingTrigger(ctx, { jobId: options.jobId, triggerId, startedAt: new Date().toISOString(), request });
      try {
        io.note(options.detached ? `Triggering savepoint in detached mode for job ${options.jobId}.` : `Triggering savepoint for job ${options.jobId}.`);
        const answered = await client.triggerSavepoint(options.jobId, { 'target-directory': target.send ?? null, 'cancel-job': false, formatType: options.format, triggerId });
        if (answered !== triggerId) {
          // Clusters older than Flink 1.15 choose their own trigger id.
          triggerId = answered;
          await writePendingTrigger(ctx, { jobId: options.jobId, triggerId, startedAt: new Date().toISOString(), request });
        }
      } catch (error) {
        await clearPendingTrigger(ctx, options.jobId);
        if (isMissingSavepointDir(error)) throw missingSavepointDirError();
        throw error;
      }
    }
    if (options.detached) {
      if (io.mode.json) io.print(JSON.stringify({ version: 1, jobId: options.jobId, triggerId, status: 'IN_PROGRESS' }));
      else io.print(`Successfully trigger manual savepoint, triggerId: ${triggerId}`);
      return;
    }
    io.note('Waiting for response...');
    let location: string;
    try {
      location = await waitForSavepoint(ctx, client, options.jobId, triggerId, {
        what: 'Savepoint',
        timeoutMs,
        failurePrefix: `Failed to trigger a savepoint for the job ${options.jobId}`,
      });
    } catch (error) {
      // A timeout keeps the record, so the next run reattaches; anything else is over.
      if (!(error instanceof FlinkCliError && error.kind === 'timeout')) await clearPendingTrigger(ctx, options.jobId);
      throw error;
    }
    await clearPendingTrigger(ctx, options.jobId);
    ctx.audit.paths.push(location);
    if (io.mode.json && options.keep === undefined) {
      io.print(JSON.stringify({ version: 1, jobId: options.jobId, triggerId, status: 'COMPLETED', location, format: options.format, targetDirectory: target.send ?? null, targetStep: target.step }));
    } else if (!io.mode.json) {
      io.print(`Savepoint completed. Path: ${location}`);
      io.note('You can resume your program from this savepoint with the run command.');
    }
    if (options.keep !== undefined) {
      // Only after a new savepoint completed: dispose the oldest beyond the rules.
      const { prune } = await import('../prune.js');
      // The directory the new savepoint went to is where its predecessors are (also for a cluster's own default).
      const local = pointerToPath(location);
      const dirs = local === undefined ? [] : [path.dirname(path.resolve(local))];
      const outcome = await prune(ctx, { jobId: options.jobId }, { keep: options.keep, maxAgeMs: options.maxAgeMs, now: Date.now() }, { dryRun: false, offline: false, dirs });
      for (const d of outcome.disposed) if (!io.mode.json) io.note(`Disposed ${d.entry.path}: ${d.reason}`);
      if (io.mode.json) {
        io.print(JSON.stringify({
          version: 1, jobId: options.jobId, triggerId, status: 'COMPLETED', location, format: options.format, targetDirectory: target.send ?? null, targetStep: target.step,
          pruned: outcome.disposed.map((d) => d.entry.path), pruneFailed: outcome.failed.map((f) => ({ path: f.decision.entry.path, error: f.error })),
        }));
      }
      if (outcome.failed.length > 0) {
        throw new OperationError(`The savepoint completed (${location}), but ${outcome.failed.length} old savepoint(s) could not be disposed: ${outcome.failed.map((f) => f.error).join('; ')}. The next run tries again.`);
      }
    }
  });
}

async function status(jobId: string, triggerId: string, timeout: number | undefined, ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const location = await waitForSavepoint(ctx, client, jobId, triggerId, {
    what: 'Savepoint',
    timeoutMs: await ctx.waitTimeoutMs(timeout),
    failurePrefix: `Savepoint ${triggerId} of job ${jobId} failed`,
  });
  if (ctx.io.mode.json) ctx.io.print(JSON.stringify({ version: 1, jobId, triggerId, status: 'COMPLETED', location }));
  else ctx.io.print(`Savepoint completed. Path: ${location}`);
}

async function dispose(pointer: string, timeout: number | undefined, ctx: CommandContext): Promise<void> {
  const target = absolutePointer(pointer, ctx.cwd);
  ctx.audit.paths.push(target);
  const client = await ctx.client();
  // The disposal guard's in-use rules, by path string, before anything is sent (a real Flink cluster does not
  // know which snapshot a running job still needs; the local coordinator runs the whole guard again).
  const [{ gatherJobFacts }, { judgeInUse }] = await Promise.all([import('../job-facts.js'), import('../../domain/disposal-guard.js')]);
  const refusal = judgeInUse(target, await gatherJobFacts(client));
  if (refusal) throw new OperationError(refusal.message, refusal.hint ? { hint: refusal.hint } : undefined);
  const { disposeViaCluster } = await import('../services/disposer.js');
  await disposeViaCluster(ctx, client, target, { timeoutMs: timeout, announce: true });
  if (ctx.io.mode.json) ctx.io.print(JSON.stringify({ version: 1, disposed: target }));
  else ctx.io.print(`Savepoint '${target}' disposed.`);
}
