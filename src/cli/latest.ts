// What "latest" means when no job is named, shared by `savepoints --latest` and `restore latest`, and the
// warning for a pick that Flink may take away from under a script.
import type { CatalogEntry } from '../domain/catalog.js';
import { UsageError } from '../domain/errors.js';
import type { IO } from './io.js';

const jobOf = (e: CatalogEntry) => e.jobName ?? e.jobId ?? e.jobIdPrefix ?? '?';

/** Snapshots of several jobs and none named: ambiguous, an error that lists the candidates. */
export function requireOneJob(entries: readonly CatalogEntry[], how: string): void {
  const names = [...new Set(entries.map(jobOf))];
  if (names.length > 1) throw new UsageError(`'latest' is ambiguous: snapshots of several jobs exist (${names.join(', ')}). ${how}`);
}

/** A checkpoint of a running job is subsumed by the next ones: say so, and how to get a stable pick. */
export function warnIfSubsumable(io: IO, pick: CatalogEntry, runningJobIds: ReadonlySet<string>): void {
  if (!pick.kind.includes('checkpoint') || pick.jobId === undefined || !runningJobIds.has(pick.jobId)) return;
  io.warn(
    `${pick.path} is a checkpoint of the running job ${pick.jobId}; Flink may subsume (delete) it after the next checkpoints. ` +
      `For a stable pick take a savepoint: flink savepoint ${pick.jobId} (or stop it with one: flink stop -p ${pick.jobId}).`,
  );
}
