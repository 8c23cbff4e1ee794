// `flink savepoints gc --job <id> [--dir <root>] [--min-age <duration>] [--dry-run] [--json] [--force] [--offline]`:
// reclaims the files under a job's shared/ and taskowned/ (dstl/ below a changelog root given as --dir) that no
// retained checkpoint or savepoint under the snapshot roots in play references, whichever job it belongs to (a job
// that claimed this one's checkpoint references its files), once they are older than --min-age and than the job's
// newest checkpoint (so a checkpoint being written is never touched). Refused while the job runs on the cluster (its
// JobManager owns those files then) unless --force, and, as dispose, while the cluster is unreachable unless --offline.
import { formatDuration } from '../../domain/duration.js';
import { OperationError, UnreachableError, UsageError } from '../../domain/errors.js';
import { isGloballyTerminal, type JobStatus } from '../../domain/job-status.js';
import type { CommandContext } from '../context.js';
import { parseDurationOption } from '../options.js';
import { emit } from '../output/export.js';
import { formatBytes } from '../output/format.js';

export const DEFAULT_GC_MIN_AGE_MS = 3_600_000;

export interface GcOptions {
  jobId: string;
  dirs: string[];
  minAgeMs: number;
  dryRun: boolean;
  force: boolean;
  /** Collect from storage alone when the cluster is unreachable (whether the job runs cannot be checked). */
  offline?: boolean;
}

export function parseMinAge(value: string | undefined): number {
  if (value === undefined) return DEFAULT_GC_MIN_AGE_MS;
  return parseDurationOption('--min-age', value, '1h or 30min', { zero: true })!;
}

export async function runGc(options: GcOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  ctx.audit.job = options.jobId;
  const config = await ctx.config();
  const configured = config.string('execution.checkpointing.dir');
  const dirs = options.dirs.length > 0 ? options.dirs : configured !== undefined ? [configured] : [];
  if (dirs.length === 0) throw new UsageError('savepoints gc needs --dir <checkpoint root> (or execution.checkpointing.dir in the configuration).');
  const { clusterView } = await import('../services/disposer.js');
  const { storageOf } = await import('../services/storage.js');
  const cluster = await clusterView(ctx);
  if (cluster.jobs === undefined) {
    if (!options.offline) {
      throw new UnreachableError(
        `Cannot see running jobs (the coordinator is unreachable), so whether job ${options.jobId} still writes its files cannot be checked; nothing was deleted.`,
        { hint: 'Run it when the coordinator answers, or pass --offline to collect from storage alone.' },
      );
    }
    io.note('--offline: running jobs are not checked; collecting from storage alone.');
  }
  const running = cluster.jobs?.find((j) => j.jobId === options.jobId && !isGloballyTerminal(j.status as JobStatus));
  const { childOf } = await import('../../storage/index.js');
  const jobDirs = dirs.map((d) => childOf(d, options.jobId)).join(', ');
  if (running && options.dryRun) {
    // A dry run deletes nothing: the plan is shown, with what a real run would refuse.
    io.warn(
      `Job ${options.jobId} is ${running.status}: its JobManager owns the files under ${jobDirs}, so gc without --dry-run refuses (unless --force); this plan may change as it checkpoints.`,
    );
  } else if (running && !options.force) {
    throw new OperationError(
      `Refusing to collect garbage of job ${options.jobId}: it is ${running.status}, and its JobManager owns the files under ${jobDirs}.`,
      { hint: 'Stop or cancel the job first, or pass --force if you are sure nothing writes there.' },
    );
  }
  if (running && !options.dryRun) ctx.audit.forced = true;
  const storage = await storageOf(ctx);
  if (options.dryRun) return collect(options, ctx, dirs);
  const { withDeleteLease } = await import('../services/lease.js');
  // The delete lease of the checkpoint root (a job folder given as --dir: its root), before the plan.
  const roots = dirs.map((d) => storage.snapshotRootOfFolder(d));
  await withDeleteLease(ctx, { roots }, 'savepoints gc', () => collect(options, ctx, dirs));
}

async function collect(options: GcOptions, ctx: CommandContext, dirs: string[]): Promise<void> {
  const { io } = ctx;
  const { snapshotRoots, storageOf } = await import('../services/storage.js');
  const storage = await storageOf(ctx);
  const outcome = await storage.planGc({ jobId: options.jobId, dirs, roots: await snapshotRoots(ctx), minAgeMs: options.minAgeMs, now: Date.now() });
  const where = outcome.locations.join(', ');
  if (outcome.refusal || !outcome.plan) throw new OperationError(`Refusing to collect garbage in ${where}: ${outcome.refusal}. Nothing was deleted.`);
  const plan = outcome.plan;
  const bytes = plan.files.reduce((n, f) => n + f.bytes, 0);
  if (!options.dryRun) {
    await storage.deleteGc(outcome);
    ctx.audit.paths.push(...plan.files.map((f) => f.path));
  }
  await emit(io, {
    data: { files: plan.files.map((f) => ({ path: f.path, bytes: f.bytes, reason: f.reason })), bytes },
    human: () => {
      for (const f of plan.files) io.print(`${options.dryRun ? 'Would reclaim' : 'Reclaimed'} ${f.path} (${formatBytes(f.bytes)}): ${f.reason}`);
    },
  });
  const young =
    plan.young.length > 0
      ? `; ${plan.young.length} unreferenced file(s) newer than ${formatDuration(options.minAgeMs)} or than the newest checkpoint left alone`
      : '';
  const database = plan.database.length > 0 ? `; ${plan.database.length} unreferenced file(s) of a ForSt database (shared/op_*/db/) left to it` : '';
  const others = outcome.retained.length - outcome.jobCheckpoints.length;
  io.note(
    `${plan.files.length === 0 ? 'Nothing to reclaim' : `${options.dryRun ? 'Would reclaim' : 'Reclaimed'} ${plan.files.length} file(s), ${formatBytes(bytes)}`} in ${where} (${outcome.jobCheckpoints.length} retained checkpoint(s) of the job${others > 0 ? `, ${others} other retained snapshot(s) under the roots` : ''})${young}${database}.`,
  );
}
