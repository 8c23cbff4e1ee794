// Which snapshot a job resumes from after the coordinator restarts, or restarts from after a failure: the
// newest completed one that passes full verification. One that fails (or is gone) is skipped and logged; a
// job that had state but has no usable snapshot left never starts from nothing: it fails with the reason.
import { OperationError } from '../domain/errors.js';
import { byNewestCompletion } from '../domain/ordering.js';
import type { SnapshotStorage } from '../storage/index.js';
import type { SnapshotEntry } from './checkpoint-coordinator.js';

/** The job had snapshots (or a restore source) and none of them is usable: it must not run from empty state. */
export class NoUsableSnapshotError extends OperationError {}

/** Completed snapshots whose files should still exist, newest first (the restored one included). */
export function restoreCandidates(snapshots: readonly SnapshotEntry[]): SnapshotEntry[] {
  return snapshots.filter((e) => e.status === 'COMPLETED' && !e.discarded).sort(byNewestCompletion);
}

export interface UsableSnapshotInput {
  storage: SnapshotStorage;
  jobId: string;
  snapshots: readonly SnapshotEntry[];
  /** Where the job was first restored from (`flink run -s`), if anywhere. */
  restorePointer?: string;
  log: (line: string) => void;
}

/**
 * The newest candidate that passes full verification, or undefined when the job never had any state.
 * Throws NoUsableSnapshotError when it had some and none is usable.
 */
export async function usableSnapshot({ storage, jobId, snapshots, restorePointer, log }: UsableSnapshotInput): Promise<string | undefined> {
  const candidates = restoreCandidates(snapshots).map((e) => e.pointer);
  if (restorePointer && !candidates.includes(restorePointer)) candidates.push(restorePointer);
  const hadState = candidates.length > 0 || snapshots.some((e) => e.status === 'COMPLETED');
  const failures: string[] = [];
  for (const pointer of candidates) {
    const found = await storage.verify(pointer, 'full');
    if (found.state === 'complete') {
      if (failures.length > 0) {
        // The sinks may have committed output of the newer snapshots: those records are written again.
        log(`Job ${jobId} falls back to ${pointer}, the newest snapshot that passes full verification (output committed after it may be repeated)`);
      }
      return pointer;
    }
    failures.push(`${pointer}: ${found.problem}`);
    log(`Job ${jobId}: snapshot ${pointer} fails full verification (${found.problem}); trying an older one`);
  }
  if (!hadState) return undefined;
  throw new NoUsableSnapshotError(
    `Job ${jobId} has no usable snapshot to restore from: ` +
      (failures.length > 0
        ? `none of its ${failures.length} snapshot(s) passes full verification (${failures.join('; ')}); they are kept for inspection`
        : 'every snapshot it completed is gone (disposed); it is not started from empty state'),
  );
}
