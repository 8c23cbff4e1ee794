// `flink restore <path|latest> <job module or jar> [args...] [-n] [--claimMode ...] [-p N] [-d] [--name <job name>]`:
// start a job from a snapshot; `latest` resolves as `flink savepoints --latest` does for that job's name.
import type { Command } from 'commander';
import { NotFoundError, SnapshotDisposedError, UsageError } from '../../domain/errors.js';
import { parseJobId } from '../../domain/ids.js';
import type { CommandContext } from '../context.js';
import { collect } from '../options.js';
import { formatTime } from '../output/format.js';
import type { CommandModule } from '../program.js';
import { gatherSnapshots, latestVerified } from '../services/snapshots.js';
import { parseRunArgs, runRun, type RunOptions } from '../services/run-job.js';

export interface RestoreOptions extends RunOptions {
  from: string;
  name?: string;
  fromJob?: string;
  dirs?: string[];
}

interface RawRestoreOptions {
  name?: string;
  fromJob?: string;
  dir?: string[];
  allowNonRestoredState?: boolean;
  claimMode?: string;
  restoreMode?: string;
  detached?: boolean;
  parallelism?: string;
  class?: string;
}

export function parseRestoreArgs(from: string | undefined, job: string | undefined, args: string[], opts: RawRestoreOptions): RestoreOptions {
  if (!from) throw new UsageError('Missing the snapshot: flink restore <path|latest> <job module or jar> [args...]');
  const run = parseRunArgs(job, args, {
    allowNonRestoredState: opts.allowNonRestoredState,
    claimMode: opts.claimMode,
    restoreMode: opts.restoreMode,
    detached: opts.detached,
    parallelism: opts.parallelism,
    class: opts.class,
  });
  const fromJob = opts.fromJob === undefined ? undefined : parseJobId(opts.fromJob);
  return { ...run, from, name: opts.name, fromJob, dirs: opts.dir };
}

export const restoreCommand: CommandModule = {
  name: 'restore',
  register(program, deps) {
    return program
      .command('restore')
      .argument('[from]', 'snapshot path, or latest')
      .argument('[job]', 'job module (.js, .mjs, .ts) or jar')
      .argument('[args...]', 'arguments of the job')
      .option('--name <job name>', 'with latest: only jobs with this name (several jobs of that name: an error listing them)')
      .option('--from-job <jobId>', 'with latest: the snapshots of this job id')
      .option('--dir <root>', 'with latest: also scan this directory (repeatable)', collect)
      .option('-n, --allowNonRestoredState', 'allow state of operators that no longer exist to be skipped')
      .option('--claimMode <mode>', 'claim or no_claim (default) (also -cm)')
      .option('--restoreMode <mode>', 'deprecated name of --claimMode (also -rm)')
      .option('-d, --detached', 'return after submission')
      .option('-p, --parallelism <n>', 'parallelism of the job')
      .option('-c, --class <entry>', 'entry class of a jar')
      .option('--require-savepoint', 'accepted for symmetry with run: restore always starts from a snapshot')
      .addHelpText(
        'after',
        [
          '',
          'Examples:',
          '  flink restore latest -d fixtures/jobs/counter-fixed.ts --out /tmp/out --input events.txt',
          '  flink restore latest --name "Event counter" -n -d job.ts',
          '  flink restore latest --from-job fd72014d4c864993a2e5a9287b4a9c5d -d job.ts',
          '  flink restore /data/savepoints/savepoint-fd7201-0123456789ab -d -p 4 job.ts',
          '',
          "Options go before the job file: everything after it is the job's own arguments (as in Flink's run).",
          '',
        ].join('\n'),
      )
      .action(async (from: string | undefined, job: string | undefined, args: string[], opts: RawRestoreOptions, command: Command) => {
        await runRestore(parseRestoreArgs(from, job, args, opts), await deps.contextFor(command));
      });
  },
};

export async function runRestore(options: RestoreOptions, ctx: CommandContext): Promise<void> {
  // The job file is checked before any snapshot is looked up or anything is started.
  const { checkArtifact } = await import('../services/submit.js');
  checkArtifact(options.artifact, ctx.cwd);
  const leaseCommand = `restore ${options.from}`;
  if (options.from !== 'latest') return runRun({ ...options, fromSavepoint: options.from, leaseCommand }, ctx);
  // The latest may be disposed (from another host) between the pick and the restore lease: then pick again.
  for (let attempt = 1; ; attempt++) {
    const pointer = await pickLatest(options, ctx);
    try {
      return await runRun({ ...options, fromSavepoint: pointer, leaseCommand, picked: true }, ctx);
    } catch (error) {
      if (!(error instanceof SnapshotDisposedError) || attempt >= MAX_PICKS) throw error;
      ctx.io.warn(`${error.message.replace(/; nothing was started\.$/, '')}: picking the latest again.`);
    }
  }
}

const MAX_PICKS = 3;

async function pickLatest(options: RestoreOptions, ctx: CommandContext): Promise<string> {
  const gathered = await gatherSnapshots(ctx, { jobId: options.fromJob, jobName: options.name, dirs: options.dirs });
  const candidates = gathered.entries;
  if (!options.fromJob) {
    // A name is not a job: pipelines may share one. Several jobs' snapshots: the error lists them.
    const { requireOneJob } = await import('../services/latest.js');
    requireOneJob(candidates, 'Pick one with --from-job <jobId>.');
  }
  const { latest } = await latestVerified(ctx, candidates);
  if (!latest)
    throw new NotFoundError(`No restorable savepoint or persistent checkpoint${options.name ? ` of job '${options.name}'` : ''} found.`, {
      hint: 'List them with flink savepoints --all, or give a path.',
    });
  ctx.io.note(
    `Restoring from the latest ${latest.kind.replace('-', ' ')} ${latest.path}${latest.completedAt ? ` (completed ${formatTime(latest.completedAt)})` : ''}.`,
  );
  return latest.path;
}
