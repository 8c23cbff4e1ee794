// The parts of GET /jobs/:jobid that Flink's own clients read beyond the basics (pure): `job-type`,
// `status-counts`, `plan`, and per vertex `start-time`, `end-time`, `duration`, `tasks`, `metrics`, in
// Flink 1.20's shape (compared with responses recorded from a real 1.20 cluster). Each operator is one
// vertex here (no chaining).
import type { JobPlan } from '../../coordinator/job-record.js';
import type { JobStatus } from '../../domain/job-status.js';

type Partitioning = JobPlan['operators'][number]['inputs'][number]['partitioning'];

export const EXECUTION_STATES = [
  'CREATED',
  'CANCELED',
  'RECONCILING',
  'INITIALIZING',
  'DEPLOYING',
  'FINISHED',
  'SCHEDULED',
  'RUNNING',
  'CANCELING',
  'FAILED',
] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

const SHIP_STRATEGY: Record<Partitioning, string> = { forward: 'FORWARD', rebalance: 'REBALANCE', hash: 'HASH' };

export interface JobFacts {
  jobId: string;
  name: string;
  status: JobStatus;
  plan: JobPlan;
  timestamps: Partial<Record<JobStatus, number>>;
  endTime: number;
}

/** The state every task of the job is in, from the job's status (all tasks of a job share one process here). */
export function executionStateOf(status: JobStatus): ExecutionState {
  switch (status) {
    case 'RUNNING':
      return 'RUNNING';
    case 'FINISHED':
      return 'FINISHED';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELED':
    case 'SUSPENDED':
      return 'CANCELED';
    case 'CANCELLING':
    case 'FAILING':
      return 'CANCELING';
    default:
      return 'CREATED';
  }
}

export function counts(state: ExecutionState, n: number): Record<ExecutionState, number> {
  const result = Object.fromEntries(EXECUTION_STATES.map((s) => [s, 0])) as Record<ExecutionState, number>;
  result[state] = n;
  return result;
}

/** Flink's vertex metrics; the local coordinator does not count bytes or records per vertex (hence "-complete": false). */
export const METRICS = {
  'read-bytes': 0,
  'read-bytes-complete': false,
  'write-bytes': 0,
  'write-bytes-complete': false,
  'read-records': 0,
  'read-records-complete': false,
  'write-records': 0,
  'write-records-complete': false,
  'accumulated-backpressured-time': 0,
  'accumulated-idle-time': 0,
  'accumulated-busy-time': 0,
};

export function vertexDetails(job: JobFacts, vertexIds: string[], now: number) {
  const state = executionStateOf(job.status);
  const started = job.timestamps.RUNNING ?? -1;
  const ended = state === 'RUNNING' || state === 'CREATED' ? -1 : job.endTime;
  return job.plan.operators.map((op, i) => ({
    id: vertexIds[i],
    slotSharingGroupId: vertexIds[0],
    name: op.name,
    maxParallelism: job.plan.maxParallelism,
    parallelism: op.parallelism,
    status: state,
    'start-time': started,
    'end-time': ended,
    duration: started < 0 ? -1 : (ended > 0 ? ended : now) - started,
    tasks: counts(state, op.parallelism),
    metrics: { ...METRICS },
  }));
}

export function jobDetailsExtras(job: JobFacts, vertexIds: string[]) {
  const state = executionStateOf(job.status);
  return {
    'job-type': 'STREAMING',
    'status-counts': counts(state, job.plan.operators.length),
    plan: {
      jid: job.jobId,
      name: job.name,
      type: 'STREAMING',
      // Flink lists the sinks first.
      nodes: [...job.plan.operators].reverse().map((op) => ({
        id: vertexIds[op.index],
        parallelism: op.parallelism,
        operator: '',
        operator_strategy: '',
        description: op.name,
        ...(op.inputs.length > 0
          ? {
              inputs: op.inputs.map((edge, num) => ({
                num,
                id: vertexIds[edge.from],
                ship_strategy: SHIP_STRATEGY[edge.partitioning],
                exchange: 'pipelined_bounded',
              })),
            }
          : {}),
        optimizer_properties: {},
      })),
    },
  };
}
