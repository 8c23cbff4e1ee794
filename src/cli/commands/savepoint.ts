// `flink savepoint <jobId> [targetDirectory]`, `flink savepoint -d <path>`, `flink savepoint status <jobId> <triggerId>`.
// Flink's key output lines are kept on stdout (scripts parse "Savepoint completed. Path: <location>");
// Flink's other lines are notes on stderr.
import type { Command } from 'commander';
import { OperationError, UsageError } from '../../domain/errors.js';
import { parseJobId, parseTriggerId } from '../../domain/ids.js';
import { absolutePointer } from '../../domain/pointers.js';
import type { CommandContext } from '../context.js';
import type { CommandModule } from '../program.js';
import { parseKeep, parseMaxAge, parseTimeout } from '../options.js';
import { emit, humanNow } from '../output/export.js';
import { parseFormatType, requireJob, savepointTarget, waitForSavepoint } from '../services/snapshot-ops.js';

export type SavepointOptions =
  | {
      mode: 'trigger';
      jobId: string;
      targetDirectory?: string;
      format: 'CANONICAL' | 'NATIVE';
      detached: boolean;
      timeoutMs?: number;
      extraArgs: boolean;
      /** Cron retention: after the savepoint completed, prune this job's savepoints to these rules. */
      keep?: number;
      maxAgeMs?: number;
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
  // The code of the next steps loads while the cluster answers whether the job exists.
  const [{ withJobLock }, { takeSavepoint, pruneAfterSavepoint, pruneFailure }] = await Promise.all([
    import('../services/locking.js'),
    import('../services/take-savepoint.js'),
    requireJob(client, options.jobId),
  ]);
  const request = { kind: 'savepoint', targetDirectory: target.send ?? null, formatType: options.format } as const;
  // One run at a time per job: an overlapping cron run exits 7 instead of triggering a second savepoint.
  await withJobLock(ctx, options.jobId, async () => {
    const { triggerId, location } = await takeSavepoint(ctx, client, {
      jobId: options.jobId,
      what: 'Savepoint',
      failurePrefix: `Failed to trigger a savepoint for the job ${options.jobId}`,
      timeoutMs,
      send: (chosen) =>
        client.triggerSavepoint(options.jobId, { 'target-directory': target.send ?? null, 'cancel-job': false, formatType: options.format, triggerId: chosen }),
      announce: options.detached ? `Triggering savepoint in detached mode for job ${options.jobId}.` : `Triggering savepoint for job ${options.jobId}.`,
      detached: options.detached,
      waitingNote: true,
      reattach: { request, target: target.send },
    });
    if (location === undefined) {
      return emit(io, {
        data: { jobId: options.jobId, triggerId, status: 'IN_PROGRESS' },
        human: () => io.print(`Successfully trigger manual savepoint, triggerId: ${triggerId}`),
      });
    }
    const done = {
      jobId: options.jobId,
      triggerId,
      status: 'COMPLETED',
      location,
      format: options.format,
      targetDirectory: target.send ?? null,
      targetStep: target.step,
    };
    const completed = () => {
      io.print(`Savepoint completed. Path: ${location}`);
      io.note('You can resume your program from this savepoint with the run command.');
    };
    if (options.keep === undefined) return emit(io, { data: done, human: completed });
    humanNow(io, completed);
    // Only after a new savepoint completed: dispose the oldest beyond the rules.
    const after = await pruneAfterSavepoint(ctx, options.jobId, location, { keep: options.keep, maxAgeMs: options.maxAgeMs }, (path, reason) =>
      humanNow(io, () => io.note(`Disposed ${path}: ${reason}`)),
    );
    await emit(io, { data: { ...done, ...after } });
    if (after.pruneFailed.length > 0) throw pruneFailure(location, after.pruneFailed);
  });
}

async function status(jobId: string, triggerId: string, timeoutMs: number | undefined, ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const location = await waitForSavepoint(ctx, client, jobId, triggerId, {
    what: 'Savepoint',
    timeoutMs: await ctx.waitTimeoutMs(timeoutMs),
    failurePrefix: `Savepoint ${triggerId} of job ${jobId} failed`,
  });
  await emit(ctx.io, { data: { jobId, triggerId, status: 'COMPLETED', location }, human: (io) => io.print(`Savepoint completed. Path: ${location}`) });
}

async function dispose(pointer: string, timeoutMs: number | undefined, ctx: CommandContext): Promise<void> {
  const target = absolutePointer(pointer, ctx.cwd);
  ctx.audit.paths.push(target);
  const client = await ctx.client();
  // The disposal guard's in-use rules, by path string, before anything is sent (a real Flink cluster does not
  // know which snapshot a running job still needs; the local coordinator runs the whole guard again).
  const [{ gatherJobFacts }, { judgeInUse }] = await Promise.all([import('../services/job-facts.js'), import('../../domain/disposal-guard.js')]);
  const refusal = judgeInUse(target, await gatherJobFacts(client));
  if (refusal) throw new OperationError(refusal.message, refusal.hint ? { hint: refusal.hint } : undefined);
  const [{ disposeViaCluster }, { withDeleteLease }] = await Promise.all([import('../services/disposer.js'), import('../services/lease.js')]);
  await withDeleteLease(ctx, { pointers: [target] }, 'savepoint -d', () => disposeViaCluster(ctx, client, target, { timeoutMs, announce: true }));
  await emit(ctx.io, { data: { disposed: target }, human: (io) => io.print(`Savepoint '${target}' disposed.`) });
}
