// Flink's views of one job vertex (pure): details with its subtasks, subtask times, the vertex's TaskManagers,
// accumulators, watermarks and back pressure, in the union of Flink 1.20's and 2.3's shapes. Each operator is a
// vertex here, and all subtasks of a job run in its one TaskManager process; what the local runtime does not
// measure (records and bytes per subtask, watermarks, back pressure) is reported as zeros or empty lists.
import type { JobRecord } from '../../coordinator/job-record.js';
import type { TaskManagerInfo } from '../../coordinator/requests.js';
import { isTerminal } from '../../domain/job-status.js';
import { counts, EXECUTION_STATES, executionStateOf, METRICS } from './job-details.js';
import { taskManagerId } from './task-managers.js';

/** Every TaskManager process runs on this machine; it has no data port (Flink's endpoint is host:port). */
const HOST = 'localhost';

export interface VertexContext {
  record: JobRecord;
  /** The operator's index in the plan. */
  index: number;
  vertexId: string;
  /** The job's TaskManager process while it runs. */
  tm?: TaskManagerInfo;
  now: number;
}

/** When the current attempt's subtasks entered each state (0: not reached), from the job's own times. */
function attemptTimes(c: VertexContext): Record<(typeof EXECUTION_STATES)[number], number> {
  const t = c.record.timestamps;
  const times = Object.fromEntries(EXECUTION_STATES.map((s) => [s, 0])) as Record<(typeof EXECUTION_STATES)[number], number>;
  times.CREATED = t.CREATED ?? c.record.startTime;
  times.SCHEDULED = times.CREATED;
  times.DEPLOYING = c.tm?.startedAt ?? t.RUNNING ?? 0;
  times.INITIALIZING = times.DEPLOYING;
  times.RUNNING = t.RUNNING ?? 0;
  const state = executionStateOf(c.record.status);
  if (isTerminal(c.record.status) && state !== 'CREATED') times[state] = c.record.endTime;
  return times;
}

/** Milliseconds spent in each state up to now (Flink's `status-duration`). */
function statusDurations(c: VertexContext): Record<string, number> {
  const t = attemptTimes(c);
  const end = isTerminal(c.record.status) ? c.record.endTime : c.now;
  const span = (from: number, to: number) => (from > 0 && to >= from ? to - from : 0);
  return {
    CREATED: span(t.CREATED, t.SCHEDULED),
    SCHEDULED: span(t.SCHEDULED, t.DEPLOYING),
    DEPLOYING: span(t.DEPLOYING, t.INITIALIZING),
    INITIALIZING: span(t.INITIALIZING, t.RUNNING),
    RUNNING: span(t.RUNNING, end),
  };
}

/** Flink's aggregate of one figure over the subtasks. */
function aggregate(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    avg: values.length ? Math.round(sum / values.length) : 0,
    sum,
    median: at(0.5),
    p25: at(0.25),
    p75: at(0.75),
    p95: at(0.95),
  };
}

function aggregated(c: VertexContext, subtasks: number) {
  const durations = statusDurations(c);
  const metricKeys = Object.keys(METRICS).filter((k) => !k.endsWith('-complete'));
  return {
    metrics: Object.fromEntries(metricKeys.map((k) => [k, aggregate(Array(subtasks).fill(0))])),
    'status-duration': Object.fromEntries(Object.entries(durations).map(([k, v]) => [k, aggregate(Array(subtasks).fill(v))])),
  };
}

function subtaskDetails(c: VertexContext, subtask: number) {
  const state = executionStateOf(c.record.status);
  const start = attemptTimes(c).DEPLOYING || -1;
  const end = isTerminal(c.record.status) ? c.record.endTime : -1;
  return {
    subtask,
    status: state,
    attempt: c.record.restarts ?? 0,
    host: HOST,
    endpoint: HOST,
    'start-time': start,
    'end-time': end,
    duration: start < 0 ? -1 : (end > 0 ? end : c.now) - start,
    metrics: { ...METRICS },
    'taskmanager-id': c.tm ? taskManagerId(c.tm) : '(unassigned)',
    'status-duration': statusDurations(c),
    start_time: start,
  };
}

function operator(c: VertexContext) {
  return c.record.plan.operators[c.index];
}

export function vertexView(c: VertexContext) {
  const op = operator(c);
  return {
    id: c.vertexId,
    name: op.name,
    parallelism: op.parallelism,
    maxParallelism: c.record.plan.maxParallelism,
    now: c.now,
    subtasks: Array.from({ length: op.parallelism }, (_, i) => subtaskDetails(c, i)),
    aggregated: aggregated(c, op.parallelism),
  };
}

export function subtaskTimesView(c: VertexContext) {
  const op = operator(c);
  const times = attemptTimes(c);
  return {
    id: c.vertexId,
    name: op.name,
    now: c.now,
    subtasks: Array.from({ length: op.parallelism }, (_, subtask) => ({
      subtask,
      host: HOST,
      endpoint: HOST,
      duration: times.DEPLOYING > 0 ? (isTerminal(c.record.status) ? c.record.endTime : c.now) - times.DEPLOYING : -1,
      timestamps: times,
    })),
  };
}

export function vertexTaskManagersView(c: VertexContext) {
  const op = operator(c);
  const state = executionStateOf(c.record.status);
  const detail = subtaskDetails(c, 0);
  return {
    id: c.vertexId,
    name: op.name,
    now: c.now,
    taskmanagers: [
      {
        host: HOST,
        endpoint: HOST,
        status: state,
        'start-time': detail['start-time'],
        'end-time': detail['end-time'],
        duration: detail.duration,
        metrics: { ...METRICS },
        'status-counts': counts(state, op.parallelism),
        'taskmanager-id': detail['taskmanager-id'],
        aggregated: aggregated(c, op.parallelism),
      },
    ],
  };
}

export function vertexAccumulatorsView(c: VertexContext) {
  return { id: c.vertexId, 'user-accumulators': [] };
}

export function subtaskAccumulatorsView(c: VertexContext) {
  const op = operator(c);
  return {
    id: c.vertexId,
    parallelism: op.parallelism,
    subtasks: Array.from({ length: op.parallelism }, (_, subtask) => ({
      subtask,
      attempt: c.record.restarts ?? 0,
      host: HOST,
      endpoint: HOST,
      'user-accumulators': [],
    })),
  };
}

/** Back pressure is not sampled here: every subtask reports Flink's "ok" with zero ratios. */
export function backPressureView(c: VertexContext) {
  return {
    status: 'ok',
    backpressureLevel: 'ok',
    'backpressure-level': 'ok',
    'end-timestamp': c.now,
    subtasks: Array.from({ length: operator(c).parallelism }, (_, subtask) => ({
      subtask,
      backpressureLevel: 'ok',
      'backpressure-level': 'ok',
      ratio: 0,
      idleRatio: 0,
      busyRatio: 0,
    })),
  };
}
