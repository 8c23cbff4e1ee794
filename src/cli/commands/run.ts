// `flink run [-s <path>] [-n] [-cm claim|no_claim] [-rm ...] [-d] [-p N] [-c <class>] <job module or jar> [args...]`
import type { Command } from 'commander';
import type { ClaimMode } from '../../rest-api/types.js';
import type { FlinkRestClient } from '../../client/rest-client.js';
import { FlinkCliError, NotFoundError, OperationError, UnreachableError, UsageError } from '../../domain/errors.js';
import { GLOBALLY_TERMINAL_STATUSES } from '../../domain/job-status.js';
import { localStartRefusal } from '../../domain/net.js';
import { absolutePointer, pointerToPath } from '../../domain/pointers.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../context.js';
import type { CommandModule } from '../program.js';
import type { Submitted } from '../submit.js';
import type { StartResult } from './cluster.js';

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
}

interface RawRunOptions {
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
  let parallelism: number | undefined;
  if (opts.parallelism !== undefined) {
    parallelism = Number(opts.parallelism);
    if (!Number.isInteger(parallelism) || parallelism <= 0) throw new UsageError(`The parallelism must be a positive number: ${opts.parallelism}`);
  }
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

export const runCommand: CommandModule = {
  name: 'run',
  register(program, deps) {
    return program
      .command('run')
      .argument('[job]', 'job module (.js, .mjs, .ts) or jar')
      .argument('[args...]', 'arguments of the job')
      .option('-s, --fromSavepoint <path>', 'restore from this savepoint or retained checkpoint (directory or its _metadata)')
      .option('-n, --allowNonRestoredState', 'allow state of operators that no longer exist to be skipped')
      .option('--claimMode <mode>', 'claim or no_claim (default): who owns the restored snapshot (also -cm)')
      .option('--restoreMode <mode>', 'deprecated name of --claimMode (also -rm)')
      .option('-d, --detached', 'return after submission instead of waiting for the job to end')
      .option('-p, --parallelism <n>', 'parallelism of the job')
      .option('-c, --class <entry>', 'entry class of a jar (when its manifest has none)')
      .option('--shutdownOnAttachedExit', 'accepted for compatibility with Flink (also -sae)')
      .option('--require-savepoint', 'refuse to start from no state when a restorable snapshot exists for this job')
      .option('--name <job name>', "with --require-savepoint: the job's name (default: the names this job file ran under before)")
      .addHelpText(
        'after',
        [
          '',
          'Examples:',
          '  flink run -d fixtures/jobs/counter.ts --out /tmp/out --sequence 1000',
          '  flink run -d -s /data/savepoints/savepoint-fd7201-0123456789ab job.ts',
          '  flink run -d -s file:/ckpt/fd72014d4c864993a2e5a9287b4a9c5d/chk-42 -n -cm claim job.ts',
          '  flink run -d -m flink-jm:8081 -c com.example.Job target/job.jar --input s3://bucket/in',
          '',
        ].join('\n'),
      )
      .action(async (job: string | undefined, args: string[], opts: RawRunOptions, command: Command) => {
        await runRun(parseRunArgs(job, args, opts), await deps.contextFor(command));
      });
  },
};

const TERMINAL = new Set<string>(GLOBALLY_TERMINAL_STATUSES);

/** --require-savepoint: a job start with no state is refused when the job has a restorable snapshot. */
async function refuseStartFromNothing(ctx: CommandContext, options: RunOptions): Promise<void> {
  const { namesOfArtifact } = await import('../submissions.js');
  const names = options.name ? [options.name] : await namesOfArtifact(ctx, path.resolve(ctx.cwd, options.artifact));
  if (names.length === 0) {
    throw new UsageError(`--require-savepoint: the job name of ${options.artifact} is not known (it was not run with this tool before); give it with --name <job name>.`);
  }
  const { gatherSnapshots } = await import('../snapshots.js');
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
 * A job module runs on the local coordinator: when nothing answers where the local coordinator of this
 * configuration would listen (and no -m named an address), start it (as `flink cluster start` would) and
 * say so on stderr. Returns what was started, so that a command that then fails can stop it again.
 */
async function ensureLocalCoordinator(ctx: CommandContext, client: FlinkRestClient, savepointPath: string | undefined): Promise<StartResult | undefined> {
  try {
    await client.config();
    return undefined;
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    const config = await ctx.config();
    const refusal = localStartRefusal({
      clientUrl: client.baseUrl, explicitAddress: ctx.globals.jobmanager !== undefined,
      bindHost: config.string('rest.bind-address') ?? '127.0.0.1', port: config.int('rest.port') ?? 8081,
    });
    if (refusal) throw error;
  }
  // The coordinator would run here, on this file system: a snapshot it cannot find fails before anything starts.
  const local = savepointPath === undefined ? undefined : pointerToPath(savepointPath);
  if (local !== undefined && !existsSync(local)) throw new NotFoundError(`Cannot restore from ${savepointPath}: it does not exist (nothing was started).`);
  ctx.io.note(`Nothing answers at ${client.baseUrl}; starting the local coordinator (flink cluster start).`);
  const { startCluster } = await import('./cluster.js');
  const started = await startCluster(ctx);
  if (!sameAddress(started.url, client.baseUrl)) {
    if (!started.alreadyRunning) await stopStarted(ctx, started);
    throw new UnreachableError(`The local coordinator of ${started.stateDir} runs at ${started.url}, not at ${client.baseUrl}.`, { hint: `Use -m ${started.url.replace(/^http:\/\//, '')}, or set rest.port to its port.` });
  }
  ctx.io.note(`Local coordinator started at ${started.url} (log: ${started.log}).`);
  return started.alreadyRunning ? undefined : started;
}

/** Options of run that, given after the job file, went to the job instead (Flink's rule, kept). */
const RUN_OPTIONS = new Set(['-d', '--detached', '-p', '--parallelism', '-s', '--fromSavepoint', '-n', '--allowNonRestoredState', '-cm', '--claimMode',
  '-rm', '--restoreMode', '-c', '--class', '-m', '--jobmanager', '-D', '--json', '-q', '--quiet', '--require-savepoint', '-sae', '--shutdownOnAttachedExit']);

/**
 * A refused submission in the user's terms: the coordinator's copy of the bundle is named as the user's file,
 * and a CLI option given after the job file (so passed to the job) is pointed out.
 */
export function explainRejection(error: unknown, upload: string, artifact: string, args: readonly string[]): unknown {
  if (!(error instanceof FlinkCliError)) return error;
  const base = path.basename(upload).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stored = new RegExp(`\\S*(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_)?${base}`, 'g');
  const message = error.message.replace(stored, artifact).split(upload).join(artifact);
  const misplaced = args.filter((a) => RUN_OPTIONS.has(a.split('=')[0]));
  if (message === error.message && misplaced.length === 0) return error;
  const hint = misplaced.length > 0
    ? `${misplaced.join(' ')} came after the job file, so the job got ${misplaced.length > 1 ? 'them' : 'it'} as its own argument${misplaced.length > 1 ? 's' : ''}; put CLI options before the job file (flink run ${misplaced.join(' ')} ${artifact} ...).`
    : error.hint;
  return new FlinkCliError(error.kind, message, { hint, cause: error });
}

function sameAddress(a: string, b: string): boolean {
  const norm = (u: string) => {
    const url = new URL(u);
    return `${url.protocol}//${url.hostname === 'localhost' ? '127.0.0.1' : url.hostname}:${url.port}${url.pathname.replace(/\/$/, '')}`;
  };
  return norm(a) === norm(b);
}

/** A command that started the local coordinator and then failed stops it again: it leaves nothing behind. */
async function stopStarted(ctx: CommandContext, started: StartResult): Promise<void> {
  const { stopDaemon } = await import('./cluster.js');
  await stopDaemon(started.stateDir, started.pid, 30_000)
    .then(() => ctx.io.note(`Stopped the local coordinator this command started (pid ${started.pid}): no job was submitted.`))
    .catch((error: Error) => ctx.io.warn(`Could not stop the local coordinator this command started (pid ${started.pid}): ${error.message}`));
}

export async function runRun(options: RunOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  if (ctx.globals.jobmanager === undefined && options.args.some((a) => a === '-m' || a === '--jobmanager')) {
    io.warn(`'-m' after the job file is an argument of the job (as in Flink's run); give -m before ${options.artifact} to choose the cluster.`);
  }
  // Everything that can be checked here is checked before any cluster is involved.
  const { checkArtifact, prepareArtifact, submitPrepared } = await import('../submit.js');
  checkArtifact(options.artifact, ctx.cwd);
  if (options.usedRestoreMode) io.warn("The option 'restoreMode' is deprecated. Please use 'claimMode' instead.");
  if (options.claimMode === 'LEGACY') io.warn('The LEGACY restore mode is deprecated, please use CLAIM or NO_CLAIM mode instead.');
  const savepointPath = options.fromSavepoint === undefined ? undefined : absolutePointer(options.fromSavepoint, ctx.cwd);
  if (savepointPath) ctx.audit.paths.push(savepointPath);
  if (options.requireSavepoint && !savepointPath) await refuseStartFromNothing(ctx, options);
  const client = await ctx.client();
  const prepared = await prepareArtifact(options.artifact);
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
        },
        (line) => io.warn(line),
        savepointPath === undefined ? undefined : async (jarId) => {
          const { preflight } = await import('../preflight.js');
          spinner.stop();
          await preflight(ctx, client, jarId, savepointPath, options, 'Nothing was started.');
        },
      );
    } catch (error) {
      spinner.stop();
      if (started) await stopStarted(ctx, started);
      throw explainRejection(error, prepared.upload, options.artifact, options.args);
    }
    spinner.stop();
  } finally {
    await prepared.cleanup();
  }
  ctx.audit.job = submitted.jobId;
  const { recordSubmission } = await import('../submissions.js');
  const jobName = await client.job(submitted.jobId).then((j) => j.name, () => undefined);
  await recordSubmission(ctx, {
    jobId: submitted.jobId, jobName, artifact: path.resolve(ctx.cwd, options.artifact), args: options.args, entryClass: options.entryClass,
    parallelism: options.parallelism, restoredFrom: savepointPath, address: client.baseUrl, submittedAt: new Date().toISOString(),
  });
  if (io.mode.json && options.detached) {
    io.print(JSON.stringify({ version: 1, jobId: submitted.jobId, jarId: submitted.jarId, restoredFrom: savepointPath ?? null }));
    return;
  }
  if (!io.mode.json) io.print(`Job has been submitted with JobID ${submitted.jobId}`);
  if (options.detached) return;
  // Attached: wait for the job to end, as Flink's client does.
  const started = Date.now();
  for (;;) {
    const job = await client.job(submitted.jobId);
    if (TERMINAL.has(job.state)) {
      const cause = job.state === 'FAILED' ? await (await import('../job-failure.js')).rootCauseOf(client, submitted.jobId) : undefined;
      if (io.mode.json) io.print(JSON.stringify({ version: 1, jobId: submitted.jobId, state: job.state, runtimeMs: job.duration, ...(cause ? { rootCause: cause } : {}) }));
      if (job.state !== 'FINISHED') throw new OperationError(`Job ${submitted.jobId} ended ${job.state}${cause ? `: ${cause}` : '.'}`);
      if (!io.mode.json) {
        io.print('Program execution finished');
        io.print(`Job with JobID ${submitted.jobId} has finished.`);
        io.print(`Job Runtime: ${job.duration >= 0 ? job.duration : Date.now() - started} ms`);
      }
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
