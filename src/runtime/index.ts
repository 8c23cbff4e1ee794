// The runtime's host-side API (for the coordinator and the REST server). Job authors import types from
// ./api.js instead; nothing here runs inside a job.

export {
  buildPlan,
  startJob,
  RunningJob,
  SnapshotFailedError,
  type JobOutcome,
  type RestoreOptions,
  type RuntimeJobStatus,
  type SnapshotFailureReason,
  type SnapshotProgress,
  type SnapshotRequest,
  type SnapshotResult,
  type StartJobOptions,
} from './host.js';
export { JobMaster, restartStrategyFromConfig, type JobMasterOptions, type JobMasterResult, type RestartStrategy, type StatusChange } from './job-master.js';
export { planRestore, type RestorePlan } from './restore.js';
export { subtaskCount, type CheckpointConfigData, type JobPlan, type OperatorKind, type PlanOperator, type StateKind } from './plan.js';
export { DEFAULT_MAX_PARALLELISM, keyGroupOf, keyGroupRangeOf, keyText } from './key-groups.js';
export type * from './api.js';
