// Snapshot storage for tests that write or read snapshots on a local disk (no object-store settings).
import { NO_STORAGE_SETTINGS, SnapshotStorage } from '../../src/storage/index.js';

/** One facade for a test file's local snapshots (local stores hold no connections: nothing to close). */
export const localStorage = new SnapshotStorage({ settings: NO_STORAGE_SETTINGS });
