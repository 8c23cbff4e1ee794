// Flink's JSON views of the local coordinator's jobs (pure): cluster overview, job list and details,
// checkpoint statistics and config, FLIP-10's restorable list. The job manager owns the records; these
// functions only read them.
import os from 'node:os';
import type {
  CheckpointConfigInfo, CheckpointStatistics, CheckpointingStatistics, ClusterOverview, JobDetails, JobDetailsInfo, RestorableSnapshot,
} from '../rest-api/types.js';
import { isTerminal } from '../domain/job-status.js';
import { TOOL_VERSION } from '../version.js';
import type { CheckpointCoordinator, CoordinatorSettings, SnapshotEntry } from './checkpoint-coordinator.js';
import { jobDetailsExtras, vertexDetails } from './job-details.js';
import type { JobRecord } from './job-record.js';

export function overviewView(records: readonly JobRecord[]): ClusterOverview {
  const states = records.map((r) => r.status);
  const slots = os.cpus().length;
  const running = states.filter((s) => !isTerminal(s)).length;
  return {
    taskmanagers: 1, 'slots-total': slots, 'slots-available': Math.max(0, slots - running), 'jobs-running': running,
    'jobs-finished': states.filter((s) => s === 'FINISHED').length, 'jobs-cancelled': states.filter((s) => s === 'CANCELED').length,
    'jobs-failed': states.filter((s) => s === 'FAILED').length, 'flink-version': TOOL_VERSION, 'flink-commit': 'local-coordinator',
  };
}

export function jobsView(records: readonly JobRecord[]): JobDetails[] {
  return records.map((record) => {
    const now = Date.now();
    const end = isTerminal(record.status) ? record.endTime : -1;
    return {
      jid: record.jobId, name: record.name, state: record.status, 'start-time': record.startTime, 'end-time': end,
      duration: (end > 0 ? end : now) - record.startTime, 'last-modification': Math.max(...Object.values(record.timestamps).map(Number)),
      tasks: taskCounts(record),
      // Flink 2's clients (CliFrontend's list) read these too.
      jobType: 'STREAMING', schedulerType: 'Default', 'pending-operators': 0,
    };
  });
}

export function jobView(record: JobRecord): JobDetailsInfo {
  const end = isTerminal(record.status) ? record.endTime : -1;
  const now = Date.now();
  const facts = { jobId: record.jobId, name: record.name, status: record.status, plan: record.plan, timestamps: record.timestamps, endTime: record.endTime };
  const ids = record.plan.operators.map((op) => vertexId(record.jobId, op.uid));
  return {
    jid: record.jobId, name: record.name, isStoppable: false, state: record.status, 'start-time': record.startTime, 'end-time': end,
    duration: (end > 0 ? end : now) - record.startTime, maxParallelism: record.plan.maxParallelism, now,
    timestamps: record.timestamps as Record<string, number>,
    vertices: vertexDetails(facts, ids, now),
    ...jobDetailsExtras(facts, ids),
    ...({ 'failure-cause': record.failureCause ?? null } as object),
  };
}

export function checkpointStatisticsView(record: JobRecord, snapshots: readonly SnapshotEntry[]): CheckpointingStatistics {
  const entries = snapshots.filter((e) => !e.restoredFrom);
  const stats = entries.map((e) => statistics(e));
  const completed = stats.filter((s) => s.status === 'COMPLETED');
  const newest = (list: CheckpointStatistics[]) => list.sort((a, b) => b.latest_ack_timestamp - a.latest_ack_timestamp)[0] ?? null;
  const last = record.lastRestore;
  const restored = (last && snapshots.find((e) => e.status === 'COMPLETED' && e.pointer === last.pointer)) || snapshots.find((e) => e.restoredFrom);
  return {
    counts: {
      restored: restored ? 1 : 0, total: stats.length, in_progress: stats.filter((s) => s.status === 'IN_PROGRESS').length,
      completed: completed.length, failed: stats.filter((s) => s.status === 'FAILED').length,
    },
    summary: {
      checkpointed_size: summary(completed.map((s) => s.checkpointed_size ?? 0)),
      state_size: summary(completed.map((s) => s.state_size)),
      end_to_end_duration: summary(completed.map((s) => s.end_to_end_duration)),
      alignment_buffered: summary([]), processed_data: summary([]), persisted_data: summary([]),
    },
    latest: {
      completed: newest(completed.filter((s) => !s.is_savepoint)),
      savepoint: newest(completed.filter((s) => s.is_savepoint)),
      failed: newest(stats.filter((s) => s.status === 'FAILED')),
      restored: restored ? { id: restored.id, restore_timestamp: last?.pointer === restored.pointer ? last.at : record.startTime, is_savepoint: restored.properties.kind === 'savepoint', external_path: restored.pointer } : null,
    },
    history: [...stats].sort((a, b) => b.trigger_timestamp - a.trigger_timestamp || b.id - a.id).slice(0, 10),
  };
}

export function checkpointConfigView(record: JobRecord, coordinator: CheckpointCoordinator, settings: Pick<CoordinatorSettings, 'timeoutMs' | 'minPauseMs' | 'checkpointDir'>): CheckpointConfigInfo {
  const periodic = coordinator.periodicSavepoints;
  const persistent = coordinator.persistentCheckpoints;
  return {
    mode: 'exactly_once',
    interval: record.plan.checkpointConfig.checkpointIntervalMs ?? 0,
    timeout: settings.timeoutMs,
    min_pause: settings.minPauseMs,
    max_concurrent: 1,
    externalization: { enabled: persistent.enabled, delete_on_cancellation: !persistent.enabled },
    state_backend: 'flink-cli-keyed-state',
    checkpoint_storage: `file:${settings.checkpointDir}`,
    ...({
      unaligned_checkpoints: false, tolerable_failed_checkpoints: 0, aligned_checkpoint_timeout: 0, checkpoints_after_tasks_finish: false,
      state_changelog_enabled: false, changelog_periodic_materialization_interval: 600_000, changelog_storage: 'memory',
    } as object),
    periodic_savepoints: { enabled: periodic.enabled, interval: periodic.intervalMs ?? 0, target_directory: periodic.dir ?? null, max_retained: periodic.maxRetained },
    ...({ persistent_checkpoints: { enabled: persistent.enabled, directory: persistent.dir } } as object),
  };
}

export function restorableView(record: JobRecord, coordinator: CheckpointCoordinator): RestorableSnapshot[] {
  return coordinator.restorable().map((e) => ({
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

function taskCounts(record: JobRecord): Record<string, number> {
  const total = record.plan.operators.reduce((n, op) => n + op.parallelism, 0);
  const counts: Record<string, number> = { total, created: 0, scheduled: 0, deploying: 0, running: 0, finished: 0, canceling: 0, canceled: 0, failed: 0, reconciling: 0, initializing: 0 };
  const key = record.status === 'RUNNING' ? 'running' : record.status === 'FINISHED' ? 'finished' : record.status === 'CANCELED' ? 'canceled' : record.status === 'FAILED' ? 'failed' : 'created';
  counts[key] = total;
  return counts;
}

function vertexId(jobId: string, uid: string): string {
  // A stable 32-hex id per operator, like Flink's JobVertexID.
  let h = 0x811c9dc5;
  const text = `${jobId}/${uid}`;
  const out: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of text + round) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out.push(h.toString(16).padStart(8, '0'));
  }
  return out.join('');
}

export function statistics(e: SnapshotEntry): CheckpointStatistics {
  const isSavepoint = e.properties.kind === 'savepoint';
  const className = e.status === 'COMPLETED' ? 'completed' : e.status === 'FAILED' ? 'failed' : 'in_progress';
  const end = e.status === 'IN_PROGRESS' ? Date.now() : e.completedAt;
  const base: CheckpointStatistics = {
    className, id: e.id, status: e.status, is_savepoint: isSavepoint, savepointFormat: isSavepoint ? (e.properties.format === 'native' ? 'NATIVE' : 'CANONICAL') : null,
    trigger_timestamp: e.triggeredAt, latest_ack_timestamp: end, checkpointed_size: e.stateSize, state_size: e.stateSize,
    end_to_end_duration: Math.max(0, end - e.triggeredAt), num_subtasks: e.numSubtasks, num_acknowledged_subtasks: e.numAcknowledged,
    checkpoint_type: isSavepoint ? (e.properties.trigger === 'stop' ? 'SYNC_SAVEPOINT' : 'SAVEPOINT') : 'CHECKPOINT', tasks: {},
  };
  Object.assign(base, { alignment_buffered: 0, processed_data: 0, persisted_data: 0, snapshot_kind: e.properties.kind, snapshot_trigger: e.properties.trigger });
  if (e.status === 'COMPLETED') Object.assign(base, { external_path: e.pointer, discarded: e.discarded });
  if (e.status === 'FAILED') Object.assign(base, { failure_timestamp: e.completedAt, failure_message: e.failureMessage ?? null });
  return base;
}

function summary(values: number[]): Record<string, number> {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { min: sorted[0], max: sorted.at(-1)!, avg: Math.round(values.reduce((a, b) => a + b, 0) / values.length), p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), p999: q(0.999) };
}

