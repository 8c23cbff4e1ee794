// Wire shapes of Flink's REST API v1 (field names exactly as Flink sends them), for the endpoints this
// tool uses. Fields that only some versions send are optional.

export type JobStatus =
  'INITIALIZING' | 'CREATED' | 'RUNNING' | 'FAILING' | 'FAILED' | 'CANCELLING' | 'CANCELED' | 'FINISHED' | 'RESTARTING' | 'SUSPENDED' | 'RECONCILING';

export interface ErrorBody {
  errors: string[];
}

export interface DashboardConfig {
  'refresh-interval': number;
  'timezone-name'?: string;
  'timezone-offset'?: number;
  'flink-version': string;
  'flink-revision'?: string;
  features?: Record<string, boolean>;
  /** Extension: set by the local coordinator of this project, absent on Apache Flink. */
  'flink-cli-coordinator'?: { version: string; extensions: string[]; pid?: number };
}

export interface ClusterOverview {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
  'flink-version': string;
  'flink-commit'?: string;
}

export interface JobDetails {
  jid: string;
  name: string;
  state: JobStatus;
  'start-time': number;
  'end-time': number;
  duration: number;
  'last-modification': number;
  tasks: Record<string, number>;
  /** Flink 2.x. */
  jobType?: string;
  schedulerType?: string;
  'pending-operators'?: number;
}

export interface JobsOverview {
  jobs: JobDetails[];
}

export interface JobVertex {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism?: number;
  status: string;
}

export interface JobDetailsInfo {
  jid: string;
  name: string;
  isStoppable?: boolean;
  state: JobStatus;
  'start-time': number;
  'end-time': number;
  duration: number;
  maxParallelism?: number;
  now?: number;
  timestamps?: Record<string, number>;
  vertices: JobVertex[];
}

/** One exception of a job's history (Flink's ExceptionInfo). */
export interface ExceptionInfo {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
  failureLabels: Record<string, string>;
  taskName: string | null;
  endpoint: string | null;
  taskManagerId: string | null;
}

/** A failure that made the job restart or fail (Flink's RootExceptionInfo), newest first in the history. */
export interface RootExceptionInfo extends ExceptionInfo {
  concurrentExceptions: ExceptionInfo[];
}

/** GET /jobs/:jobid/exceptions (Flink 1.20's JobExceptionsInfoWithHistory; the top-level fields are deprecated there). */
export interface JobExceptionsInfoWithHistory {
  'root-exception': string | null;
  timestamp: number | null;
  'all-exceptions': Array<{
    exception: string;
    task: string | null;
    location: string | null;
    endpoint: string | null;
    timestamp: number;
    taskManagerId: string | null;
  }>;
  truncated: boolean;
  exceptionHistory: { entries: RootExceptionInfo[]; truncated: boolean };
}

export interface TriggerResponse {
  'request-id': string;
}

export interface SerializedFailure {
  class?: string;
  'stack-trace'?: string;
  'serialized-throwable'?: string;
}

export interface AsyncOperationResult<Operation> {
  status: { id: 'IN_PROGRESS' | 'COMPLETED' };
  operation?: Operation | null;
}

export interface SavepointInfo {
  location?: string;
  'failure-cause'?: SerializedFailure;
}

export interface CheckpointInfo {
  checkpointId?: number;
  failureCause?: SerializedFailure;
}

export interface DisposalInfo {
  'failure-cause'?: SerializedFailure;
}

export type SavepointFormatType = 'CANONICAL' | 'NATIVE';

export interface SavepointTriggerRequest {
  'target-directory'?: string | null;
  'cancel-job'?: boolean;
  formatType?: SavepointFormatType;
  triggerId?: string;
}

export interface StopWithSavepointRequest {
  targetDirectory?: string | null;
  drain?: boolean;
  formatType?: SavepointFormatType;
  triggerId?: string;
}

export interface CheckpointTriggerRequest {
  checkpointType?: 'CONFIGURED' | 'FULL';
  triggerId?: string;
}

export interface CheckpointStatistics {
  className: 'completed' | 'failed' | 'in_progress';
  id: number;
  status: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  is_savepoint: boolean;
  savepointFormat?: SavepointFormatType | null;
  trigger_timestamp: number;
  latest_ack_timestamp: number;
  checkpointed_size?: number;
  state_size: number;
  end_to_end_duration: number;
  num_subtasks: number;
  num_acknowledged_subtasks: number;
  checkpoint_type?: 'CHECKPOINT' | 'UNALIGNED_CHECKPOINT' | 'SAVEPOINT' | 'SYNC_SAVEPOINT';
  external_path?: string;
  discarded?: boolean;
  failure_timestamp?: number;
  failure_message?: string | null;
  tasks?: Record<string, unknown>;
}

export interface RestoredCheckpointStatistics {
  id: number;
  restore_timestamp: number;
  is_savepoint: boolean;
  external_path: string;
}

export interface CheckpointingStatistics {
  counts: { restored: number; total: number; in_progress: number; completed: number; failed: number };
  summary: Record<string, unknown>;
  latest: {
    completed: CheckpointStatistics | null;
    savepoint: CheckpointStatistics | null;
    failed: CheckpointStatistics | null;
    restored: RestoredCheckpointStatistics | null;
  };
  history: CheckpointStatistics[];
}

export interface CheckpointConfigInfo {
  mode: string;
  interval: number;
  timeout: number;
  min_pause: number;
  max_concurrent: number;
  externalization: { enabled: boolean; delete_on_cancellation: boolean };
  state_backend?: string;
  checkpoint_storage?: string;
  /** Extension of the local coordinator (FLIP-10 periodic savepoints). */
  periodic_savepoints?: { enabled: boolean; interval: number; target_directory: string | null; max_retained: number };
}

export interface JarUploadResponse {
  filename: string;
  status: string;
}

export interface JarFileInfo {
  id: string;
  name: string;
  uploaded: number;
  entry: Array<{ name: string; description: string | null }>;
}

export interface JarListInfo {
  address: string;
  files: JarFileInfo[];
}

export type ClaimMode = 'CLAIM' | 'NO_CLAIM' | 'LEGACY';

export interface JarRunRequest {
  entryClass?: string;
  programArgsList?: string[];
  parallelism?: number;
  jobId?: string;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  claimMode?: ClaimMode;
  restoreMode?: ClaimMode;
  flinkConfiguration?: Record<string, string>;
}

export interface JarRunResponse {
  jobid: string;
}

/** POST /jars/:jarid/plan (Flink's JarPlanRequestBody). */
export interface JarPlanRequest {
  entryClass?: string;
  programArgsList?: string[];
  parallelism?: number;
  jobId?: string;
}

/** One vertex of Flink's JSON plan: its id is the JobVertexID, which is the id of the chain's first operator. */
export interface JobPlanNode {
  id: string;
  parallelism: number;
  operator: string;
  operator_strategy: string;
  description: string;
  inputs?: Array<{ num: number; id: string; ship_strategy: string; exchange: string }>;
  optimizer_properties: Record<string, unknown>;
}

/** Flink's JobPlanInfo: {"plan": <the JSON plan>}. */
export interface JobPlanInfo {
  plan: { jid: string; name: string; type?: string; nodes: JobPlanNode[] };
}

/** FLIP-10 extension (local coordinator): GET /jobs/:jobid/savepoints. */
export interface RestorableSnapshot {
  id: number;
  kind: 'savepoint' | 'persistent-checkpoint';
  trigger: 'periodic' | 'manual' | 'stop' | 'cancel';
  format: 'canonical' | 'native';
  external_path: string;
  trigger_timestamp: number;
  completed_timestamp: number;
  state_size: number;
  job_id: string;
  job_name: string;
}

export interface RestorableSnapshotList {
  jobid: string;
  savepoints: RestorableSnapshot[];
}
