// Flink 2.3's applications, as the local coordinator has them (pure). Flink 2.3 wraps a job submitted on its own
// (REST jar run, `flink run`) in an application whose id is the job's id and whose only job it is; every job of
// the local coordinator is submitted that way, so each job is one application (the `application-id` of
// GET /jobs/:id), and the application's status follows its job's.
import type { JobRecord } from '../../coordinator/job-record.js';
import { isTerminal } from '../../domain/job-status.js';
import type { JobDetails } from '../../rest-api/types.js';

/** Flink's ApplicationState, in its order (the order of `timestamps`). */
const APPLICATION_STATES = ['CREATED', 'RUNNING', 'FAILING', 'FAILED', 'CANCELING', 'CANCELED', 'FINISHED'] as const;
type ApplicationState = (typeof APPLICATION_STATES)[number];

/** What Flink's single-job application goes through for its job's status (a terminal job ends it). */
function states(record: JobRecord): ApplicationState[] {
  if (record.status === 'FINISHED') return ['CREATED', 'RUNNING', 'FINISHED'];
  if (record.status === 'CANCELED') return ['CREATED', 'RUNNING', 'CANCELING', 'CANCELED'];
  if (record.status === 'FAILED') return ['CREATED', 'RUNNING', 'FAILING', 'FAILED'];
  return ['CREATED', 'RUNNING'];
}

/** The application name Flink gives a job submitted on its own. */
export const applicationName = (record: JobRecord) => `SingleJobApplication(${record.name})`;

function summary(record: JobRecord, now: number) {
  const end = isTerminal(record.status) ? record.endTime : -1;
  return {
    id: record.jobId,
    name: applicationName(record),
    status: states(record).at(-1)!,
    'start-time': record.startTime,
    'end-time': end,
    duration: (end > 0 ? end : now) - record.startTime,
  };
}

/** GET /applications/overview: per application its jobs counted by status. */
export function applicationsOverviewView(records: readonly JobRecord[], now = Date.now()) {
  return { applications: records.map((r) => ({ ...summary(r, now), jobs: { [r.status]: 1 } })) };
}

/** GET /applications/:id: the application, when it entered each state (0 for one never entered), its jobs. */
export function applicationView(record: JobRecord, job: JobDetails, now = Date.now()) {
  const entered = states(record);
  const at = (s: ApplicationState) => (s === 'CREATED' || s === 'RUNNING' ? record.startTime : record.endTime);
  const timestamps = Object.fromEntries(APPLICATION_STATES.map((s) => [s, entered.includes(s) ? at(s) : 0]));
  return { ...summary(record, now), timestamps, jobs: [job] };
}

/** GET /applications/:id/exceptions: the failure that failed the application (its job's), if it failed. */
export function applicationExceptionsView(record: JobRecord) {
  const root = record.status === 'FAILED' ? record.exceptions?.[0] : undefined;
  const cause =
    root ??
    (record.status === 'FAILED' && record.failureCause
      ? { exceptionName: 'java.lang.Exception', stacktrace: record.failureCause, timestamp: record.endTime }
      : undefined);
  const entries = cause ? [{ exceptionName: cause.exceptionName, stacktrace: cause.stacktrace, timestamp: cause.timestamp, jobId: record.jobId }] : [];
  return { exceptionHistory: { entries } };
}
