// The snapshot a new job restores from (flink run -s), checked before anything starts: fully verified, and
// restorable into this job (FLIP-10's rules); it becomes the job's first snapshot entry.
import { NotFoundError, OperationError } from '../domain/errors.js';
import { forCheckpoint, forManualSavepoint, forRestoredSnapshot, type SnapshotProperties } from '../domain/snapshot-properties.js';
import type { JobPlan } from '../runtime/plan.js';
import type { SnapshotStorage } from '../storage/index.js';
import { stateFilesBytes } from '../domain/catalog.js';
import { TOOL_VERSION } from '../version.js';
import type { SnapshotEntry } from './checkpoint-coordinator.js';

/**
 * FLIP-10: a savepoint restores into a changed job; a persistent checkpoint only into the same job
 * (operator graph fingerprint) and the same version of this tool. Checked before anything starts.
 */
export async function checkRestoreSource(storage: SnapshotStorage, pointer: string, plan: JobPlan, claimMode: 'CLAIM' | 'NO_CLAIM'): Promise<SnapshotEntry> {
  let snapshot;
  try {
    snapshot = await storage.read(pointer);
    await snapshot.verify(); // full verification: refuse a damaged snapshot before anything starts
  } catch (error) {
    // A snapshot that is not there stays "not found" (exit 5), whatever else is wrong with it is a failure.
    const Kind = error instanceof NotFoundError ? NotFoundError : OperationError;
    throw new Kind(`Cannot restore from ${pointer}: ${(error as Error).message}`);
  }
  const meta = snapshot.metadata;
  if (meta.kind !== 'savepoint') {
    if (meta.jobFingerprint !== plan.fingerprint || meta.toolVersion !== TOOL_VERSION) {
      const why =
        meta.jobFingerprint !== plan.fingerprint
          ? 'the job changed (its operator graph differs)'
          : `it was written by version ${meta.toolVersion}, this is ${TOOL_VERSION}`;
      throw new OperationError(
        `Cannot restore from ${snapshot.directory}: it is a ${meta.kind === 'persistent-checkpoint' ? 'persistent ' : ''}checkpoint of job '${meta.jobName}', and ${why}. ` +
          'Persistent checkpoints restore only the same job and version (FLIP-10); take a savepoint (flink savepoint / flink stop) to change the job or upgrade.',
      );
    }
  }
  const base: SnapshotProperties =
    meta.kind === 'savepoint'
      ? meta.trigger === 'periodic'
        ? { ...forManualSavepoint(meta.format), trigger: 'periodic' }
        : { ...forManualSavepoint(meta.format), trigger: meta.trigger }
      : forCheckpoint({ persistent: meta.kind === 'persistent-checkpoint' });
  return {
    id: meta.id,
    pointer: snapshot.directory,
    properties: forRestoredSnapshot(base, claimMode),
    completedAt: meta.completedAt,
    status: 'COMPLETED',
    triggeredAt: meta.triggeredAt,
    stateSize: stateFilesBytes(meta.files),
    numSubtasks: 0,
    numAcknowledged: 0,
    discarded: false,
    restoredFrom: true,
  };
}
