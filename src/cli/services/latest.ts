// What "latest" means when no job id is given, shared by `savepoints --latest` and `restore latest`, and the
// warning for a pick that Flink may take away from under a script.
import { jobsWithSnapshots, type CatalogEntry, type JobWithSnapshots } from '../../domain/catalog.js';
import { UsageError } from '../../domain/errors.js';
import type { IO } from '../io.js';
import { formatTime, isoTime } from '../output/format.js';

/**
 * Snapshots of several jobs and no job id given (a name may fit several: pipelines can share one): ambiguous,
 * an error that lists each candidate job (id, name, newest snapshot) and how to name one.
 */
export function requireOneJob(entries: readonly CatalogEntry[], how: string): void {
  const jobs = jobsWithSnapshots(entries);
  if (jobs.length <= 1) return;
  const name = [...new Set(jobs.map((j) => j.jobName))].length === 1 && jobs[0].jobName ? ` named '${jobs[0].jobName}'` : '';
  throw new UsageError(`'latest' is ambiguous: snapshots of ${jobs.length} jobs${name} exist; give a job id.`, {
    hint: [...jobs.map((j) => `  ${describeCandidate(j)}`), how].join('\n'),
    details: { candidates: jobs.map(candidateJson) },
  });
}

function describeCandidate(job: JobWithSnapshots): string {
  const id = job.jobId ?? `${job.jobIdPrefix ?? '?'}… (only the prefix is known)`;
  const completed = job.newest.completedAt === undefined ? '' : `, completed ${formatTime(job.newest.completedAt)}`;
  return `${id}  ${job.jobName ?? '(no name)'}  newest: ${job.newest.path}${completed}`;
}

function candidateJson(job: JobWithSnapshots): Record<string, unknown> {
  return {
    jobId: job.jobId ?? null,
    jobIdPrefix: job.jobIdPrefix ?? null,
    jobName: job.jobName ?? null,
    newest: job.newest.path,
    completedAt: job.newest.completedAt ?? null,
    completed: job.newest.completedAt === undefined ? null : isoTime(job.newest.completedAt),
  };
}

/** A checkpoint of a running job is subsumed by the next ones: say so, and how to get a stable pick. */
export function warnIfSubsumable(io: IO, pick: CatalogEntry, runningJobIds: ReadonlySet<string>): void {
  if (!pick.kind.includes('checkpoint') || pick.jobId === undefined || !runningJobIds.has(pick.jobId)) return;
  io.warn(
    `${pick.path} is a checkpoint of the running job ${pick.jobId}; Flink may subsume (delete) it after the next checkpoints. ` +
      `For a stable pick take a savepoint: flink savepoint ${pick.jobId} (or stop it with one: flink stop -p ${pick.jobId}).`,
  );
}
