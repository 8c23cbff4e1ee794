// Flink's JSON views of the local coordinator's jobs (pure): cluster overview, job list and details.
// The job manager owns the records; these functions only read them.
import os from 'node:os';
import type { JobRecord } from '../../coordinator/job-record.js';
import { isTerminal, JOB_STATUSES, type JobStatus } from '../../domain/job-status.js';
import type { ClusterOverview, JobDetails, JobDetailsInfo } from '../../rest-api/types.js';
import { jobDetailsExtras, vertexDetails } from './job-details.js';

/** `taskManagers`: the TaskManager processes running now (one per running job). */
export function overviewView(records: readonly JobRecord[], version: string, taskManagers: number): ClusterOverview {
  const states = records.map((r) => r.status);
  const slots = os.cpus().length;
  const running = states.filter((s) => !isTerminal(s)).length;
  return {
    taskmanagers: taskManagers,
    'slots-total': slots,
    'slots-available': Math.max(0, slots - running),
    'jobs-running': running,
    'jobs-finished': states.filter((s) => s === 'FINISHED').length,
    'jobs-cancelled': states.filter((s) => s === 'CANCELED').length,
    'jobs-failed': states.filter((s) => s === 'FAILED').length,
    'flink-version': version,
    'flink-commit': 'local-coordinator',
  };
}

export function jobsView(records: readonly JobRecord[]): JobDetails[] {
  return records.map((record) => {
    const now = Date.now();
    const end = isTerminal(record.status) ? record.endTime : -1;
    return {
      jid: record.jobId,
      name: record.name,
      state: record.status,
      'start-time': record.startTime,
      'end-time': end,
      duration: (end > 0 ? end : now) - record.startTime,
      'last-modification': Math.max(...Object.values(record.timestamps).map(Number)),
      tasks: taskCounts(record),
      // Flink 2's clients (CliFrontend's list) read these too.
      jobType: 'STREAMING',
      schedulerType: 'Default',
      'pending-operators': 0,
    };
  });
}

export function jobView(record: JobRecord): JobDetailsInfo {
  const end = isTerminal(record.status) ? record.endTime : -1;
  const now = Date.now();
  const facts = { jobId: record.jobId, name: record.name, status: record.status, plan: record.plan, timestamps: record.timestamps, endTime: record.endTime };
  const ids = record.plan.operators.map((op) => vertexId(record.jobId, op.uid));
  return {
    jid: record.jobId,
    // Flink 2.3: every job belongs to an application; a job submitted on its own is its own application.
    ...({ 'application-id': record.jobId } as object),
    name: record.name,
    isStoppable: false,
    state: record.status,
    ...({ schedulerType: 'Default', 'pending-operators': 0 } as object),
    'start-time': record.startTime,
    'end-time': end,
    duration: (end > 0 ? end : now) - record.startTime,
    maxParallelism: record.plan.maxParallelism,
    now,
    timestamps: statusTimestamps(record),
    vertices: vertexDetails(facts, ids, now),
    ...jobDetailsExtras(facts, ids),
    ...({ 'failure-cause': record.failureCause ?? null } as object),
  };
}

/** When the job last entered each status; Flink lists every status, 0 for one never entered. */
export function statusTimestamps(record: JobRecord): Record<string, number> {
  return Object.fromEntries([...JOB_STATUSES, 'RECONCILING'].map((s) => [s, record.timestamps[s as JobStatus] ?? 0]));
}

function taskCounts(record: JobRecord): Record<string, number> {
  const total = record.plan.operators.reduce((n, op) => n + op.parallelism, 0);
  const counts: Record<string, number> = {
    total,
    created: 0,
    scheduled: 0,
    deploying: 0,
    running: 0,
    finished: 0,
    canceling: 0,
    canceled: 0,
    failed: 0,
    reconciling: 0,
    initializing: 0,
  };
  const key =
    record.status === 'RUNNING'
      ? 'running'
      : record.status === 'FINISHED'
        ? 'finished'
        : record.status === 'CANCELED'
          ? 'canceled'
          : record.status === 'FAILED'
            ? 'failed'
            : 'created';
  counts[key] = total;
  return counts;
}

/** A stable 32-hex id per operator of a job, like Flink's JobVertexID (the job's operators are its vertices). */
export function vertexId(jobId: string, uid: string): string {
  let h = 0x811c9dc5;
  const text = `${jobId}/${uid}`;
  const out: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of text + round) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out.push(h.toString(16).padStart(8, '0'));
  }
  return out.join('');
}
