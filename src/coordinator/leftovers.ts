// What a crash of the coordinator (kill -9, power loss) can leave behind, cleaned when it starts again:
// snapshots its records still show in progress, their partial directories, and temp files of record writes.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { snapshotLabel } from '../domain/snapshot-vocabulary.js';
import type { SnapshotStorage } from '../storage/index.js';
import type { SnapshotEntry } from './checkpoint-coordinator.js';

/** The failure message of a snapshot a crash of the coordinator interrupted. */
export const INTERRUPTED_MESSAGE = 'The coordinator stopped before it completed.';

/**
 * Snapshots a record still shows in progress can never complete: they are settled as FAILED, and the
 * directories the coordinator created for them (or for failed ones) that never got a _metadata are
 * removed. Returns whether any entry changed.
 */
export async function settleInterrupted(
  storage: SnapshotStorage,
  entries: SnapshotEntry[],
  jobId: string,
  log: (line: string) => void,
  now = Date.now(),
): Promise<boolean> {
  let changed = false;
  for (const entry of entries) {
    if (entry.status === 'IN_PROGRESS') {
      entry.status = 'FAILED';
      entry.completedAt = now;
      entry.failureMessage = INTERRUPTED_MESSAGE;
      changed = true;
    }
    if (entry.status !== 'FAILED' || entry.pointer === '' || !(await isPartialSnapshot(storage, entry.pointer, log))) continue;
    const what = `${snapshotLabel(entry.properties.kind)} ${entry.id} of job ${jobId} at ${entry.pointer}`;
    try {
      await storage.writer.abort(entry.pointer);
      log(`Removed the partial ${what}`);
    } catch (error) {
      log(`Could not remove the partial ${what}: ${(error as Error).message}`);
    }
  }
  return changed;
}

/** Temp files of job record writes a crash interrupted (the record itself is replaced only by rename). */
export async function removeRecordTempFiles(jobDir: string): Promise<void> {
  const names = await readdir(jobDir).catch(() => [] as string[]);
  for (const name of names) if (/^job\.json\..+\.tmp$/.test(name)) await rm(path.join(jobDir, name), { force: true }).catch(() => {});
}

/** A snapshot folder of ours (by name, a real directory or a prefix on an object store) that never got a _metadata. */
async function isPartialSnapshot(storage: SnapshotStorage, pointer: string, log: (line: string) => void): Promise<boolean> {
  const base = path.basename(pointer);
  if (!/^chk-\d+$/.test(base) && !/^savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/.test(base)) return false;
  return storage.writer.isPartial(pointer).catch((error: Error) => (log(`Could not check ${pointer} for a partial snapshot: ${error.message}`), false));
}
