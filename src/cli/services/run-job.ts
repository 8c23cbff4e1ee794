// Submitting a job (run, restore): checks before any cluster is involved, the local coordinator started on
// demand, the submission and its record, and waiting for an attached job to end.
import type { FlinkApi } from '../../client/rest-client.js';
import type { ClaimMode } from '../../rest-api/types.js';
import { FlinkCliError, OperationError, UsageError } from '../../domain/errors.js';
import { absolutePointer } from '../../domain/pointers.js';
import path from 'node:path';
import { isGloballyTerminal, type JobStatus } from '../../domain/job-status.js';
import type { CommandContext } from '../context.js';
import { emit, humanNow } from '../output/export.js';
import { parseParallelism } from '../options.js';
import type { Submitted } from './submit.js';
import { ensureLocalCoordinator, stopStarted } from './local-coordinator.js';
import { pollUntil } from './poll.js';

export interface RunOptions {
  artifact: string;
  args: string[];
  fromSavepoint?: string;
  allowNonRestoredState: boolean;
  claimMode?: ClaimMode;
  detached: boolean;
  parallelism?: number;
  entryClass?: string;
  usedRestoreMode: boolean;
  /** Refuse to start from no state when a restorable snapshot exists for the job's name. */
  requireSavepoint?: boolean;
  name?: string;
  /** How the restore lease names this command ("restore latest"); default "run -s". */
  leaseCommand?: string;
  /** The snapshot was just picked as the latest (gone by now: disposed meanwhile, pick again). */
  picked?: boolean;
}

export interface RawRunOptions {
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
  claimMode?: string;
  restoreMode?: string;
  detached?: boolean;
  parallelism?: string;
  class?: string;
  shutdownOnAttachedExit?: boolean;
  requireSavepoint?: boolean;
  name?: string;
}

export function parseClaimMode(value: string | undefined, option: string): ClaimMode | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (upper === 'CLAIM' || upper === 'NO_CLAIM' || upper === 'LEGACY') return upper;
  throw new UsageError(`Invalid ${option} '${value}': expected claim or no_claim (legacy is deprecated).`);
}

export function parseRunArgs(artifact: string | undefined, args: string[], opts: RawRunOptions): RunOptions {
  if (!artifact) throw new UsageError('Missing the job to run: flink run [options] <job module or jar> [args...]');
  const parallelism = parseParallelism(opts.parallelism);
  // -cm wins over the deprecated -rm, as in Flink.
  const claimMode = parseClaimMode(opts.claimMode, '--claimMode') ?? parseClaimMode(opts.restoreMode, '--restoreMode');
  return {
    artifact,
    args,
    fromSavepoint: opts.fromSavepoint,
    allowNonRestoredState: Boolean(opts.allowNonRestoredState),
    claimMode,
    detached: Boolean(opts.detached),
    parallelism,
    entryClass: opts.class,
    usedRestoreMode: opts.restoreMode !== undefined && opts.claimMode === undefined,
    requireSavepoint: Boolean(opts.requireSavepoint),
    name: opts.name,
  };
}

/** --require-savepoint: a job start with no state is refused when the job has a restorable snapshot. */
async function refuseStartFromNothing(ctx: CommandContext, options: RunOptions): Promise<void> {
  const { namesOfArtifact } = await import('./submissions.js');
  const names = options.name ? [options.name] : await namesOfArtifact(ctx, path.resolve(ctx.cwd, options.artifact));
  if (names.length === 0) {
    throw new UsageError(
      `--require-savepoint: the job name of ${options.artifact} is not known (it was not run with this tool before); give it with --name <job name>.`,
    );
  }
  const { gatherSnapshots } = await import('./snapshots.js');
  const { latestRestorable } = await import('../../domain/catalog.js');
  for (const name of names) {
    const latest = latestRestorable((await gatherSnapshots(ctx, { jobName: name })).entries);
    if (latest) {
      throw new OperationError(`Refusing to start '${name}' from no state: a restorable ${latest.kind.replace('-', ' ')} exists (${latest.path}).`, {
        hint: `Restore it: flink restore latest --name "${name}" ${options.artifact} ..., or give -s <path>; drop --require-savepoint to start empty on purpose.`,
      });
    }
  }
}

/**
 * Options of run that, given after the job file, went to the job instead (Flink's rule, kept): true for those
 * that take a value (the hint moves the value with its option).
 */
const RUN_OPTIONS = new Map<string, boolean>([
  ['-d', false],
  ['--detached', false],
  ['-p', true],
  ['--parallelism', true],
  ['-s', true],
  ['--fromSavepoint', true],
  ['-n', false],
  ['--allowNonRestoredState', false],
  ['-cm', true],
  ['--claimMode', true],
  ['-rm', true],
  ['--restoreMode', true],
  ['-c', true],
  ['--class', true],
  ['-m', true],
  ['--jobmanager', true],
  ['-D', true],
  ['--json', false],
  ['-q', false],
  ['--quiet', false],
  ['--require-savepoint', false],
  ['-sae', false],
  ['--shutdownOnAttachedExit', false],
]);

/** The CLI options among a job's arguments, each with its value where it takes one: ['-p 0', '-d']. */
export function misplacedOptions(args: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s);
    const takesValue = RUN_OPTIONS.get(name);
    if (takesValue === undefined) continue;
    if (takesValue && inline === undefined && i + 1 < args.length) found.push(`${args[i]} ${args[++i]}`);
    else found.push(args[i]);
  }
  return found;
}

/**
 * A refused submission in the user's terms: the coordinator's copy of the bundle is named as the user's file,
 * and a CLI option given after the job file (so passed to the job) is pointed out.
 */
export function explainRejection(error: unknown, upload: string, artifact: string, args: readonly string[]): unknown {
  if (!(error instanceof FlinkCliError)) return error;
  const base = path.basename(upload).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stored = new RegExp(`\\S*(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_)?${base}`, 'g');
  const message = error.message.replace(stored, artifact).split(upload).join(artifact);
  const misplaced = misplacedOptions(args);
  if (message === error.message && misplaced.length === 0) return error;
  const hint =
    misplaced.length > 0
      ? `${misplaced.join(' ')} came after the job file, so the job got ${misplaced.length > 1 ? 'them' : 'it'} as its own argument${misplaced.length > 1 ? 's' : ''}; put CLI options before the job file (flink run ${misplaced.join(' ')} ${artifact} ...).`
      : error.hint;
  return new FlinkCliError(error.kind, message, { hint, cause: error });
}

export async function runRun(options: RunOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  if (ctx.globals.jobmanager === undefined && options.args.some((a) => a === '-m' || a === '--jobmanager')) {
    io.warn(`'-m' after the job file is an argument of the job (as in Flink's run); give -m before ${options.artifact} to choose the cluster.`);
  }
  // Everything that can be checked here is checked before any cluster is involved.
  const { checkArtifact } = await import('./submit.js');
  checkArtifact(options.artifact, ctx.cwd);
  if (options.usedRestoreMode) io.warn("The option 'restoreMode' is deprecated. Please use 'claimMode' instead.");
  if (options.claimMode === 'LEGACY') io.warn('The LEGACY restore mode is deprecated, please use CLAIM or NO_CLAIM mode instead.');
  const savepointPath = options.fromSavepoint === undefined ? undefined : absolutePointer(options.fromSavepoint, ctx.cwd);
  if (savepointPath) ctx.audit.paths.push(savepointPath);
  if (options.requireSavepoint && !savepointPath) await refuseStartFromNothing(ctx, options);
  const client = await ctx.client();
  const submit = () => submitJobOf(ctx, client, options, savepointPath);
  let submitted: Submitted;
  if (savepointPath === undefined) submitted = await submit();
  else {
    // A restore lease names the snapshot until the job runs from it: a disposal (any host) refuses meanwhile,
    // and a snapshot being disposed is refused here.
    const { withRestoreLease } = await import('./lease.js');
    submitted = await withRestoreLease(
      ctx,
      savepointPath,
      options.leaseCommand ?? 'run -s',
      async () => {
        const done = await submit();
        await untilStarted(client, done.jobId);
        return done;
      },
      { picked: options.picked },
    );
  }
  ctx.audit.job = submitted.jobId;
  const { recordSubmission } = await import('./submissions.js');
  const jobName = await client.job(submitted.jobId).then(
    (j) => j.name,
    () => undefined,
  );
  await recordSubmission(ctx, {
    jobId: submitted.jobId,
    jobName,
    artifact: path.resolve(ctx.cwd, options.artifact),
    args: options.args,
    entryClass: options.entryClass,
    parallelism: options.parallelism,
    restoredFrom: savepointPath,
    address: client.baseUrl,
    submittedAt: new Date().toISOString(),
  });
  const submittedLine = () => io.print(`Job has been submitted with JobID ${submitted.jobId}`);
  if (options.detached)
    return emit(io, { data: { jobId: submitted.jobId, jarId: submitted.jarId, restoredFrom: savepointPath ?? null }, human: submittedLine });
  humanNow(io, submittedLine);
  // Attached: wait for the job to end, as Flink's client does.
  const started = Date.now();
  // Ctrl-C from here on leaves the job running on the cluster: the note says so, with its id.
  const unmark = (await import('../interrupt.js')).markWaiting({ job: submitted.jobId });
  const job = (await pollUntil(
    async () => {
      const current = await client.job(submitted.jobId);
      return isGloballyTerminal(current.state as JobStatus) ? current : undefined;
    },
    { intervalMs: 500 },
  ).finally(unmark))!; // no timeout: it returns a job
  const cause = job.state === 'FAILED' ? await (await import('./job-failure.js')).rootCauseOf(client, submitted.jobId) : undefined;
  const finished = () => {
    io.print('Program execution finished');
    io.print(`Job with JobID ${submitted.jobId} has finished.`);
    io.print(`Job Runtime: ${job.duration >= 0 ? job.duration : Date.now() - started} ms`);
  };
  await emit(io, {
    data: { jobId: submitted.jobId, state: job.state, runtimeMs: job.duration, ...(cause ? { rootCause: cause } : {}) },
    human: job.state === 'FINISHED' ? finished : undefined,
  });
  if (job.state !== 'FINISHED') throw new OperationError(`Job ${submitted.jobId} ended ${job.state}${cause ? `: ${cause}` : '.'}`);
}

/** Starts the local coordinator if needed and submits (the pre-flight included). */
async function submitJobOf(ctx: CommandContext, client: FlinkApi, options: RunOptions, savepointPath: string | undefined): Promise<Submitted> {
  const { io } = ctx;
  const { prepareArtifact, submitPrepared } = await import('./submit.js');
  const prepared = await prepareArtifact(options.artifact);
  // The job id is chosen here (Flink's JarRunRequestBody.jobId), so that a job the cluster created and then
  // failed to start is known by its id (the audit log, the error) as a started one is.
  const jobId = (await import('../../client/rest-client.js')).newTriggerId();
  let submitted: Submitted;
  try {
    const started = prepared.kind === 'module' ? await ensureLocalCoordinator(ctx, client, savepointPath) : undefined;
    const spinner = await io.spinner(`Submitting ${options.artifact}`);
    try {
      submitted = await submitPrepared(
        client,
        prepared,
        {
          artifact: options.artifact,
          args: options.args,
          entryClass: options.entryClass,
          parallelism: options.parallelism,
          savepointPath,
          allowNonRestoredState: options.allowNonRestoredState,
          claimMode: savepointPath ? options.claimMode : undefined,
          jobId,
        },
        (line) => io.warn(line),
        savepointPath === undefined
          ? undefined
          : async (jarId) => {
              const { preflight, refuseNoClaimOfChangelog } = await import('./preflight.js');
              spinner.stop();
              await refuseNoClaimOfChangelog(ctx, savepointPath, options.claimMode, 'Nothing was started.');
              await preflight(ctx, client, jarId, savepointPath, options, 'Nothing was started.');
            },
      );
    } catch (error) {
      spinner.stop();
      // The cluster may have created the job before it failed: then the audit log names it.
      if (
        await client.job(jobId).then(
          () => true,
          () => false,
        )
      )
        ctx.audit.job = jobId;
      if (started) await stopStarted(ctx, started);
      throw explainRejection(error, prepared.upload, options.artifact, options.args);
    }
    spinner.stop();
  } finally {
    await prepared.cleanup();
  }
  return submitted;
}

/** Waits (bounded) until a job restoring from a snapshot runs or has ended: by then the cluster has read the snapshot. */
async function untilStarted(client: FlinkApi, jobId: string): Promise<void> {
  await pollUntil(
    async () => {
      const state = (await client.job(jobId)).state as JobStatus;
      return state === 'RUNNING' || isGloballyTerminal(state) ? true : undefined;
    },
    { intervalMs: 200, timeoutMs: 60_000 },
  ).catch(() => undefined);
}
