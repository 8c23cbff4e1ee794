// Job status values and the transitions between them, as in Flink's JobStatus. Pure: no side effects.
//
//   INITIALIZING ─► CREATED ─► RUNNING ─► FINISHED
//                                 │  ▲
//                                 ▼  │ (restart from the latest completed checkpoint)
//                    FAILING ◄─ RUNNING ─► RESTARTING ─► RUNNING
//                       │
//                       ▼
//                    FAILED            any non-terminal ─► CANCELLING ─► CANCELED
//                                      any non-terminal ─► SUSPENDED (the coordinator shuts down, job kept)

export const JOB_STATUSES = [
  'INITIALIZING',
  'CREATED',
  'RUNNING',
  'FAILING',
  'RESTARTING',
  'FAILED',
  'CANCELLING',
  'CANCELED',
  'FINISHED',
  'SUSPENDED',
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  INITIALIZING: ['CREATED', 'FAILED', 'CANCELLING', 'CANCELED', 'SUSPENDED'],
  CREATED: ['RUNNING', 'FAILING', 'RESTARTING', 'FAILED', 'CANCELLING', 'CANCELED', 'SUSPENDED'],
  RUNNING: ['FINISHED', 'FAILING', 'RESTARTING', 'CANCELLING', 'SUSPENDED'],
  FAILING: ['FAILED', 'RESTARTING', 'CANCELLING'],
  RESTARTING: ['CREATED', 'RUNNING', 'FAILED', 'CANCELLING', 'CANCELED', 'SUSPENDED'],
  CANCELLING: ['CANCELED'],
  FAILED: [],
  CANCELED: [],
  FINISHED: [],
  SUSPENDED: [],
};

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses reachable in one step from `from`. */
export function nextStatuses(from: JobStatus): readonly JobStatus[] {
  return TRANSITIONS[from];
}

/** FINISHED, CANCELED and FAILED end a job for good: the coordinator will never run it again. */
export const GLOBALLY_TERMINAL_STATUSES: readonly JobStatus[] = ['FINISHED', 'CANCELED', 'FAILED'];

/** The one "job has ended" test; takes any string, as a REST response spells a status. */
export function isGloballyTerminal(status: string): boolean {
  return (GLOBALLY_TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Globally terminal, or SUSPENDED (ended here, but may be resumed by another coordinator run). */
export function isTerminal(status: string): boolean {
  return isGloballyTerminal(status) || status === 'SUSPENDED';
}

export class IllegalJobTransitionError extends Error {
  constructor(
    readonly from: JobStatus,
    readonly to: JobStatus,
  ) {
    super(`illegal job status transition ${from} -> ${to}`);
    this.name = 'IllegalJobTransitionError';
  }
}

/** Returns `to`, or throws if Flink's state machine does not allow the step. */
export function transition(from: JobStatus, to: JobStatus): JobStatus {
  if (!canTransition(from, to)) throw new IllegalJobTransitionError(from, to);
  return to;
}
