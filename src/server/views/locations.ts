// Snapshot locations at the REST boundary. The coordinator keeps plain paths; Flink's JobManager reports a
// file-system location as a qualified file: URI with one slash (`file:/sp/savepoint-abcdef-0123456789ab`),
// so the same clients and scripts read both. The conversion happens here, once, on the way out.
import type { CheckpointStatistics, CheckpointingStatistics, RestorableSnapshot } from '../../rest-api/types.js';
import { pathToPointer } from '../../domain/pointers.js';

/** A location as Flink reports it: an absolute local path becomes `file:/...`; anything else stays as it is. */
export function flinkLocation(location: string): string {
  return location.startsWith('/') ? pathToPointer(location) : location;
}

function entry<T extends { external_path?: string }>(stats: T): T {
  return stats.external_path === undefined ? stats : { ...stats, external_path: flinkLocation(stats.external_path) };
}

export function checkpointStatisticsView(stats: CheckpointStatistics): CheckpointStatistics {
  return entry(stats);
}

export function checkpointingStatisticsView(stats: CheckpointingStatistics): CheckpointingStatistics {
  const { completed, savepoint, failed, restored } = stats.latest;
  return {
    ...stats,
    latest: {
      ...stats.latest,
      completed: completed && entry(completed),
      savepoint: savepoint && entry(savepoint),
      failed: failed && entry(failed),
      restored: restored && entry(restored),
    },
    history: stats.history.map(entry),
  };
}

export function restorableSnapshotView(snapshot: RestorableSnapshot): RestorableSnapshot {
  return entry(snapshot);
}
