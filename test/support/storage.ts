// Snapshot storage for tests that write or read snapshots on a local disk (no object-store settings).
import { NO_STORAGE_SETTINGS, SnapshotStorage, type SnapshotMetadataInput } from '../../src/storage/index.js';

/** One facade for a test file's local snapshots (local stores hold no connections: nothing to close). */
export const localStorage = new SnapshotStorage({ settings: NO_STORAGE_SETTINGS });

/** The job our test savepoints belong to. */
export const TEST_JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';

/** The metadata of one of our manual canonical savepoints of the "Event counter" job, holding `files`. */
export function savepointMetadata(id: number, files: SnapshotMetadataInput['files'], overrides: Partial<SnapshotMetadataInput> = {}): SnapshotMetadataInput {
  return {
    id,
    kind: 'savepoint',
    trigger: 'manual',
    format: 'canonical',
    jobId: TEST_JOB,
    jobName: 'Event counter',
    jobFingerprint: 'f',
    operators: [],
    toolVersion: 'test',
    triggeredAt: 1_000,
    completedAt: 2_000,
    files,
    ...overrides,
  };
}
