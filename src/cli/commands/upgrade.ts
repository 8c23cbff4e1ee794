// `flink upgrade <jobId> <new job module or jar> [args...] [--savepointPath <dir>] [-n] [--timeout <d>] [--previous <artifact>]`
// For CI: stop with a savepoint, start the new version from it, and wait until it runs and has completed
// its first checkpoint. If it does not get there, start the old version again from the same savepoint
// and fail with what happened.
import type { Command } from 'commander';
import path from 'node:path';
import type { FlinkApi } from '../../client/rest-client.js';
import { formatDuration } from '../../domain/duration.js';
import { FlinkCliError, OperationError, UsageError } from '../../domain/errors.js';
import { parseJobId } from '../../domain/ids.js';
import { isGloballyTerminal } from '../../domain/job-status.js';
import type { CommandContext } from '../context.js';
import { parseParallelism, parseTimeout } from '../options.js';
import { emit } from '../output/export.js';
import { pollUntil } from '../services/poll.js';
import type { CommandModule } from '../program.js';

export interface UpgradeOptions {
  jobId: string;
  artifact: string;
  args: string[];
  savepointPath?: string;
  allowNonRestoredState: boolean;
  timeoutMs: number;
  previous?: string;
  parallelism?: number;
  entryClass?: string;
}

export const upgradeCommand: CommandModule = {
  name: 'upgrade',
  register(program, deps) {
    return program
      .command('upgrade')
      .argument('[jobId]', 'the running job')
      .argument('[job]', 'the new job module or jar')
      .argument('[args...]', 'arguments of the new version')
      .option('--savepointPath <dir>', 'target directory of the savepoint (default: the configured one)')
      .option('-n, --allowNonRestoredState', 'the new version may drop state of removed operators')
      .option('--timeout <duration>', 'how long the new version has to run and complete its first checkpoint (default 2 min)')
      .option('--previous <artifact>', 'the old version to roll back to (default: what this tool submitted for the job)')
      .option('-p, --parallelism <n>', 'parallelism of the new version')
      .option('-c, --class <entry>', 'entry class of a jar')
      .addHelpText(
        'after',
        [
          '',
          'Exit codes: 0 upgraded; 1 failed (rolled back, or the stop failed and the old job still runs); see flink help exit-codes.',
          '',
          'Examples:',
          '  flink upgrade fd72014d4c864993a2e5a9287b4a9c5d build/job-v2.ts --out /data/out',
          '  flink upgrade --savepointPath s3://bucket/savepoints --timeout 5min -m flink-jm:8081 $JOB target/job-2.0.jar',
          "  (options go before the job file: everything after it is the new version's own arguments)",
          '',
        ].join('\n'),
      )
      .action(async (jobId: string | undefined, job: string | undefined, args: string[], opts: RawUpgradeOptions, command: Command) => {
        await runUpgrade(parseUpgradeArgs(jobId, job, args, opts), await deps.contextFor(command));
      });
  },
};

interface RawUpgradeOptions {
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  timeout?: string;
  previous?: string;
  parallelism?: string;
  class?: string;
}

export function parseUpgradeArgs(jobId: string | undefined, job: string | undefined, args: string[], opts: RawUpgradeOptions): UpgradeOptions {
  if (!job) throw new UsageError('Usage: flink upgrade <jobId> <new job module or jar> [args...]');
  const timeoutMs = parseTimeout(opts.timeout) ?? 120_000;
  return {
    jobId: parseJobId(jobId, 'Missing JobID. Specify the job to upgrade.'),
    artifact: job,
    args,
    savepointPath: opts.savepointPath,
    allowNonRestoredState: Boolean(opts.allowNonRestoredState),
    timeoutMs,
    previous: opts.previous,
    parallelism: parseParallelism(opts.parallelism),
    entryClass: opts.class,
  };
}

/** Waits until the job runs and has completed a checkpoint since it started; throws why not. */
async function waitHealthy(client: FlinkApi, jobId: string, timeoutMs: number): Promise<void> {
  let lastState = 'unknown';
  const healthy = await pollUntil(
    async () => {
      const job = await client.job(jobId);
      lastState = job.state;
      if (isGloballyTerminal(job.state)) {
        // Why, as `flink list -a` tells it (the JobManager's root exception).
        const cause = job.state === 'FAILED' ? await (await import('../services/job-failure.js')).rootCauseOf(client, jobId) : undefined;
        throw new OperationError(`the new version ended ${job.state}${cause ? `: ${cause.replace(/\.$/, '')}` : ''}`);
      }
      if (job.state !== 'RUNNING') return undefined;
      const stats = await client.checkpoints(jobId).catch(() => undefined);
      return stats && stats.counts.completed > 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );
  if (healthy) return;
  throw new OperationError(`the new version did not run and complete its first checkpoint within ${formatDuration(timeoutMs)} (last state ${lastState})`);
}

export async function runUpgrade(options: UpgradeOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  ctx.audit.job = options.jobId;
  const client = await ctx.client();
  const [
    { readSubmission },
    { submitJob, checkArtifact, prepareArtifact, submitPrepared, uploadPrepared },
    { savepointTarget, requireJob },
    { withJobLock },
    { takeSavepoint },
  ] = await Promise.all([
    import('../services/submissions.js'),
    import('../services/submit.js'),
    import('../services/snapshot-ops.js'),
    import('../services/locking.js'),
    import('../services/take-savepoint.js'),
  ]);
  // A new version that cannot even be read or bundled here never gets the old one stopped.
  checkArtifact(options.artifact, ctx.cwd);
  await requireJob(client, options.jobId);
  // Know how to roll back before anything is stopped.
  const record = await readSubmission(ctx, options.jobId);
  const previous = options.previous
    ? {
        artifact: path.resolve(ctx.cwd, options.previous),
        args: record?.args ?? options.args,
        entryClass: record?.entryClass ?? options.entryClass,
        parallelism: record?.parallelism,
      }
    : record;
  if (!previous) {
    throw new UsageError(
      `Cannot roll back job ${options.jobId}: it was not submitted with this tool, so its artifact is unknown. Give it with --previous <artifact>.`,
    );
  }
  const target = await savepointTarget(ctx, options.savepointPath, '--savepointPath');
  const prepared = await prepareArtifact(options.artifact);
  await withJobLock(ctx, options.jobId, async () => {
    // The pre-flight runs before anything is stopped, against the running job's newest snapshot (what its
    // savepoint will hold); a job without one is checked against the savepoint itself (a refusal rolls back).
    const [{ runningJobOperators, preflight, planNewJob }, { explainRejection }, { storageOf }] = await Promise.all([
      import('../services/preflight.js'),
      import('../services/run-job.js'),
      import('../services/storage.js'),
    ]);
    const before = await runningJobOperators(client, options.jobId, await storageOf(ctx));
    const checks = {
      args: options.args,
      entryClass: options.entryClass,
      parallelism: options.parallelism,
      allowNonRestoredState: options.allowNonRestoredState,
    };
    // The new version must plan (its main runs on the cluster) before the old one is stopped: one that cannot
    // start is refused here, the old job untouched.
    const untouched = `Job ${options.jobId} keeps running; nothing was stopped.`;
    const jarId = await uploadPrepared(client, prepared);
    try {
      if (before) await preflight(ctx, client, jarId, before.pointer, checks, untouched, before.operators);
      else await planNewJob(client, jarId, checks, untouched);
    } catch (error) {
      throw explainRejection(error, prepared.upload, options.artifact, options.args);
    } finally {
      await client.deleteJar(jarId).catch(() => {});
    }
    const savepoint = await takeSavepoint(ctx, client, {
      jobId: options.jobId,
      what: 'Stop-with-savepoint',
      failurePrefix: `Could not stop job ${options.jobId} with a savepoint (it keeps running; nothing was upgraded)`,
      timeoutMs: await ctx.waitTimeoutMs(),
      send: () => client.stopWithSavepoint(options.jobId, { targetDirectory: target.send ?? null, drain: false, formatType: 'CANONICAL' }),
      announce: `Stopping job ${options.jobId} with a savepoint.`,
    }).then((done) => done.location!); // not detached: the location is known
    io.note(`Savepoint ${savepoint}. Starting the new version from it.`);
    // A restore lease names the savepoint until a job (the new one, or the rolled-back one) runs from it.
    const { withRestoreLease } = await import('../services/lease.js');
    return withRestoreLease(ctx, savepoint, 'upgrade', async () => {
      let newJob: string | undefined;
      let reason: string;
      try {
        newJob = (
          await submitPrepared(
            client,
            prepared,
            {
              artifact: options.artifact,
              args: options.args,
              entryClass: options.entryClass,
              parallelism: options.parallelism,
              savepointPath: savepoint,
              allowNonRestoredState: options.allowNonRestoredState,
              claimMode: 'NO_CLAIM',
            },
            (line) => io.warn(line),
            before ? undefined : (jarId) => preflight(ctx, client, jarId, savepoint, checks, 'Nothing was started.'),
          )
        ).jobId;
        io.note(`New version submitted as job ${newJob}; waiting until it runs and completes its first checkpoint.`);
        await waitHealthy(client, newJob, options.timeoutMs);
        await recordJob(ctx, client, newJob, path.resolve(ctx.cwd, options.artifact), options.args, savepoint, options.entryClass, options.parallelism);
        return await emit(io, {
          data: { upgraded: true, previousJobId: options.jobId, jobId: newJob, savepoint },
          human: () => io.print(`Upgraded: job ${options.jobId} -> job ${newJob} (from ${savepoint})`),
        });
      } catch (error) {
        reason = error instanceof FlinkCliError ? error.message : String(error);
      }
      // Roll back: the new version goes away, the previous one starts from the same savepoint.
      io.warn(`The new version did not come up: ${reason}. Rolling back to ${previous.artifact}.`);
      if (newJob) await client.cancel(newJob).catch(() => {});
      const rolledBack = (
        await submitJob(
          client,
          {
            artifact: previous.artifact,
            args: previous.args,
            entryClass: previous.entryClass,
            parallelism: previous.parallelism,
            savepointPath: savepoint,
            allowNonRestoredState: false,
            claimMode: 'NO_CLAIM',
          },
          (line) => io.warn(line),
        )
      ).jobId;
      await recordJob(ctx, client, rolledBack, previous.artifact, previous.args, savepoint, previous.entryClass, previous.parallelism);
      let rollbackNote = '';
      try {
        await waitHealthy(client, rolledBack, options.timeoutMs);
      } catch (error) {
        rollbackNote = ` The rolled-back job is not healthy either: ${(error as Error).message}.`;
      }
      // The document for scripts; a person reads the error below.
      await emit(io, {
        data: { upgraded: false, rolledBack: true, previousJobId: options.jobId, failedJobId: newJob ?? null, jobId: rolledBack, savepoint, reason },
      });
      throw new OperationError(
        `Upgrade of job ${options.jobId} failed: ${reason}. Rolled back: the previous version runs as job ${rolledBack} from ${savepoint}.${rollbackNote}`,
      );
    });
  }).finally(() => prepared.cleanup());
}

async function recordJob(
  ctx: CommandContext,
  client: FlinkApi,
  jobId: string,
  artifact: string,
  args: string[],
  restoredFrom: string,
  entryClass?: string,
  parallelism?: number,
): Promise<void> {
  const { recordSubmission } = await import('../services/submissions.js');
  const jobName = await client.job(jobId).then(
    (j) => j.name,
    () => undefined,
  );
  await recordSubmission(ctx, {
    jobId,
    jobName,
    artifact,
    args,
    entryClass,
    parallelism,
    restoredFrom,
    address: client.baseUrl,
    submittedAt: new Date().toISOString(),
  });
}
