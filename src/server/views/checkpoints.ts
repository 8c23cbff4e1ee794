// Flink's JSON views of a job's snapshots (pure): checkpoint statistics (history, counts, latest), one
// checkpoint's details, the checkpoint config, and FLIP-10's restorable list. Locations stay plain paths
// here; locations.ts turns them into Flink's file: URIs on the way out.
import type { SnapshotEntry } from '../../coordinator/checkpoint-coordinator.js';
import type { JobRecord } from '../../coordinator/job-record.js';
import type { JobSnapshotSettings } from '../../coordinator/requests.js';
import type { CheckpointConfigInfo, CheckpointStatistics, CheckpointingStatistics, RestorableSnapshot } from '../../rest-api/types.js';

export function checkpointStatisticsView(record: JobRecord, snapshots: readonly SnapshotEntry[]): CheckpointingStatistics {
  const entries = snapshots.filter((e) => !e.restoredFrom);
  const stats = entries.map((e) => statistics(e));
  const completed = stats.filter((s) => s.status === 'COMPLETED');
  const newest = (list: CheckpointStatistics[]) => list.sort((a, b) => b.latest_ack_timestamp - a.latest_ack_timestamp)[0] ?? null;
  const last = record.lastRestore;
  const restored = (last && snapshots.find((e) => e.status === 'COMPLETED' && e.pointer === last.pointer)) || snapshots.find((e) => e.restoredFrom);
  return {
    counts: {
      restored: restored ? 1 : 0,
      total: stats.length,
      in_progress: stats.filter((s) => s.status === 'IN_PROGRESS').length,
      completed: completed.length,
      failed: stats.filter((s) => s.status === 'FAILED').length,
    },
    summary: {
      checkpointed_size: summary(completed.map((s) => s.checkpointed_size ?? 0)),
      state_size: summary(completed.map((s) => s.state_size)),
      end_to_end_duration: summary(completed.map((s) => s.end_to_end_duration)),
      alignment_buffered: summary([]),
      processed_data: summary([]),
      persisted_data: summary([]),
    },
    latest: {
      completed: newest(completed.filter((s) => !s.is_savepoint)),
      savepoint: newest(completed.filter((s) => s.is_savepoint)),
      failed: newest(stats.filter((s) => s.status === 'FAILED')),
      restored: restored
        ? {
            id: restored.id,
            restore_timestamp: last?.pointer === restored.pointer ? last.at : record.startTime,
            is_savepoint: restored.properties.kind === 'savepoint',
            external_path: restored.pointer,
          }
        : null,
    },
    history: [...stats].sort((a, b) => b.trigger_timestamp - a.trigger_timestamp || b.id - a.id).slice(0, 10),
  };
}

export function checkpointConfigView(settings: JobSnapshotSettings): CheckpointConfigInfo {
  const periodic = settings.periodicSavepoints;
  const persistent = settings.persistentCheckpoints;
  return {
    mode: 'exactly_once',
    interval: settings.checkpointIntervalMs,
    timeout: settings.timeoutMs,
    min_pause: settings.minPauseMs,
    max_concurrent: 1,
    externalization: { enabled: persistent.enabled, delete_on_cancellation: !persistent.enabled },
    state_backend: 'flink-cli-keyed-state',
    checkpoint_storage: `file:${settings.checkpointDir}`,
    ...({
      unaligned_checkpoints: false,
      tolerable_failed_checkpoints: 0,
      aligned_checkpoint_timeout: 0,
      checkpoints_after_tasks_finish: false,
      state_changelog_enabled: false,
      changelog_periodic_materialization_interval: 600_000,
      changelog_storage: 'memory',
    } as object),
    periodic_savepoints: {
      enabled: periodic.enabled,
      interval: periodic.intervalMs ?? 0,
      target_directory: periodic.dir ?? null,
      max_retained: periodic.maxRetained,
    },
    ...({ persistent_checkpoints: { enabled: persistent.enabled, directory: persistent.dir } } as object),
  };
}

export function restorableView(record: JobRecord, restorable: readonly SnapshotEntry[]): RestorableSnapshot[] {
  return restorable.map((e) => ({
    id: e.id,
    kind: e.properties.kind === 'savepoint' ? 'savepoint' : 'persistent-checkpoint',
    trigger: e.properties.trigger,
    format: e.properties.format,
    external_path: e.pointer,
    trigger_timestamp: e.triggeredAt,
    completed_timestamp: e.completedAt,
    state_size: e.stateSize,
    job_id: record.jobId,
    job_name: record.name,
  }));
}

export function statistics(e: SnapshotEntry): CheckpointStatistics {
  const isSavepoint = e.properties.kind === 'savepoint';
  const className = e.status === 'COMPLETED' ? 'completed' : e.status === 'FAILED' ? 'failed' : 'in_progress';
  const end = e.status === 'IN_PROGRESS' ? Date.now() : e.completedAt;
  const base: CheckpointStatistics = {
    className,
    id: e.id,
    status: e.status,
    is_savepoint: isSavepoint,
    savepointFormat: isSavepoint ? (e.properties.format === 'native' ? 'NATIVE' : 'CANONICAL') : null,
    trigger_timestamp: e.triggeredAt,
    latest_ack_timestamp: end,
    checkpointed_size: e.stateSize,
    state_size: e.stateSize,
    end_to_end_duration: Math.max(0, end - e.triggeredAt),
    num_subtasks: e.numSubtasks,
    num_acknowledged_subtasks: e.numAcknowledged,
    checkpoint_type: isSavepoint ? (e.properties.trigger === 'stop' ? 'SYNC_SAVEPOINT' : 'SAVEPOINT') : 'CHECKPOINT',
    tasks: {},
  };
  Object.assign(base, {
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    snapshot_kind: e.properties.kind,
    snapshot_trigger: e.properties.trigger,
  });
  if (e.status === 'COMPLETED') Object.assign(base, { external_path: e.pointer, discarded: e.discarded });
  if (e.status === 'FAILED') Object.assign(base, { failure_timestamp: e.completedAt, failure_message: e.failureMessage ?? null });
  return base;
}

export function summary(values: number[]): Record<string, number> {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return {
    min: sorted[0],
    max: sorted.at(-1)!,
    avg: Math.round(values.reduce((a, b) => a + b, 0) / values.length),
    p50: q(0.5),
    p90: q(0.9),
    p95: q(0.95),
    p99: q(0.99),
    p999: q(0.999),
  };
}
