// `flink savepoints gc --job <id> [--dir <root>] [--min-age <duration>] [--dry-run] [--json] [--force]`: reclaims
// the files under a job's shared/ and taskowned/ that no retained checkpoint (chk-*/_metadata) references, once
// they are older than --min-age and than the newest checkpoint (so a checkpoint being written is never touched).
// Refused while the job runs on a reachable cluster (its JobManager owns those files then) unless --force.
import { formatDuration } from '../../domain/duration.js';
import { OperationError, UsageError } from '../../domain/errors.js';
import { isGloballyTerminal, type JobStatus } from '../../domain/job-status.js';
import type { JobCheckpointDir } from '../../storage/job-state.js';
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
}

export function parseMinAge(value: string | undefined): number {
  if (value === undefined) return DEFAULT_GC_MIN_AGE_MS;
  return parseDurationOption('--min-age', value, '1h or 30min', { zero: true })!;
}

/** The job's checkpoint directory, local or on an object store: under each --dir (or the configured checkpoint dir). */
async function jobDirectory(ctx: CommandContext, options: GcOptions) {
  const config = await ctx.config();
  const configured = config.string('execution.checkpointing.dir');
  const roots = options.dirs.length > 0 ? options.dirs : configured !== undefined ? [configured] : [];
  if (roots.length === 0) throw new UsageError('savepoints gc needs --dir <checkpoint root> (or execution.checkpointing.dir in the configuration).');
  const { storageSettings } = await import('../../config/storage.js');
  const { openJobCheckpointDir } = await import('../../storage/job-state.js');
  return openJobCheckpointDir(roots, options.jobId, ctx.cwd, storageSettings(config));
}

export async function runGc(options: GcOptions, ctx: CommandContext): Promise<void> {
  ctx.audit.job = options.jobId;
  const job = await jobDirectory(ctx, options);
  try {
    await collect(job, options, ctx);
  } finally {
    job.close();
  }
}

async function collect(job: JobCheckpointDir, options: GcOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const jobDir = job.location;
  const { clusterView } = await import('../services/disposer.js');
  const cluster = await clusterView(ctx);
  if (cluster.jobs === undefined) io.note('The coordinator is not reachable: whether the job still runs cannot be checked.');
  const running = cluster.jobs?.find((j) => j.jobId === options.jobId && !isGloballyTerminal(j.status as JobStatus));
  if (running && !options.force) {
    throw new OperationError(
      `Refusing to collect garbage of job ${options.jobId}: it is ${running.status}, and its JobManager owns the files under ${jobDir}.`,
      {
        hint: 'Stop or cancel the job first, or pass --force if you are sure nothing writes there.',
      },
    );
  }
  if (running) ctx.audit.forced = true;
  const { gcRefusal, planGc } = await import('../../domain/shared-state.js');
  const checkpoints = await job.checkpoints();
  const refusal = gcRefusal(checkpoints);
  if (refusal) throw new OperationError(`Refusing to collect garbage in ${jobDir}: ${refusal}. Nothing was deleted.`);
  const plan = planGc(await job.storedFiles(), checkpoints, { minAgeMs: options.minAgeMs, now: Date.now() });
  const bytes = plan.files.reduce((n, f) => n + f.bytes, 0);
  if (!options.dryRun) {
    await job.deletePlanned(plan.files);
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
  io.note(
    `${plan.files.length === 0 ? 'Nothing to reclaim' : `${options.dryRun ? 'Would reclaim' : 'Reclaimed'} ${plan.files.length} file(s), ${formatBytes(bytes)}`} in ${jobDir} (${checkpoints.length} retained checkpoint(s))${young}${database}.`,
  );
}
