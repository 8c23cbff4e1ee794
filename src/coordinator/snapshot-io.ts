// The coordinator's small I/O helpers: deleting a snapshot directory through the disposal guard, waiting
// for a job's process within a bound, and mapping the runtime's failure reasons to the coordinator's.
import type { JobFacts } from '../domain/disposal-guard.js';
import { SnapshotFailure } from '../domain/failure-reason.js';
import type { SnapshotStorage } from '../storage/index.js';
import type { Scheduler } from './scheduler.js';

export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Waits for `promise` to settle, at most `ms`. */
export function settledWithin(promise: Promise<unknown>, ms: number, scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => {
    const cancel = scheduler.after(ms, resolve);
    promise.then(
      () => (cancel(), resolve()),
      () => (cancel(), resolve()),
    );
  });
}

export function mapReason(error: unknown): SnapshotFailure['reason'] {
  const reason = (error as { reason?: string }).reason;
  if (reason === 'CHECKPOINT_EXPIRED') return 'CHECKPOINT_EXPIRED';
  if (reason === 'CHECKPOINT_DECLINED') return 'CHECKPOINT_DECLINED';
  if (reason === 'JOB_FAILURE') return 'TASK_FAILURE';
  if (reason === 'NOT_ALL_REQUIRED_TASKS_RUNNING') return 'JOB_NOT_RUNNING';
  return 'IO_ERROR';
}

/**
 * Deletes one snapshot through the disposal guard (and ownership across the roots: a file another retained
 * snapshot references stays): a corrupted record, a symbolic link or a directory that is not a snapshot by
 * content can never make the coordinator delete unrelated files.
 */
export async function removeSnapshotDirectory(
  storage: SnapshotStorage,
  pointer: string,
  context: { jobs: readonly JobFacts[]; roots: readonly string[]; force?: boolean },
): Promise<void> {
  // On an object store (a root other hosts may share) it holds the root's delete lease for the disposal.
  await storage.disposeUnderLease(pointer, context, 'coordinator retention');
}
