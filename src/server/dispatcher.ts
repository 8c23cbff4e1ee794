// What the REST server needs from the local coordinator, in the coordinator's own (domain) types: job
// records, snapshot entries, artifacts. The server owns HTTP, trigger ids, the operation cache (as Flink's
// REST handlers do) and Flink's JSON views (views/); the dispatcher owns jobs, snapshots and artifacts.
// The job manager satisfies it structurally: the coordinator never imports the server.
import type { ArtifactInfo } from '../coordinator/artifact-store.js';
import type { SnapshotEntry } from '../coordinator/checkpoint-coordinator.js';
import type { JobPlan, JobRecord } from '../coordinator/job-record.js';
import type { JobSnapshotSettings, PlanRequest, RunRequest, SavepointRequest, StopRequest, TaskManagerInfo } from '../coordinator/requests.js';

export interface Dispatcher {
  readonly version: string;
  /** The coordinator's own default savepoint directory (chain step 2/3), if any. */
  defaultSavepointDirectory(): string | undefined;
  /** Every job it knows, running or ended. */
  jobs(): Promise<JobRecord[]>;
  /** Throws NotFoundError for an unknown job (as every method taking a job id). */
  job(jobId: string): Promise<JobRecord>;
  /** Every snapshot entry of the job (the one it was restored from included), in the order taken. */
  snapshots(jobId: string): Promise<SnapshotEntry[]>;
  snapshotSettings(jobId: string): Promise<JobSnapshotSettings>;
  /** FLIP-10: every savepoint and persistent checkpoint of the job that can be restored, newest first. */
  restorableSnapshots(jobId: string): Promise<SnapshotEntry[]>;
  /** The TaskManager processes of the running jobs. */
  taskManagers(): Promise<TaskManagerInfo[]>;
  /** The job module a job runs (the coordinator's copy) and its arguments: to start it again from a snapshot. */
  jobProgram(jobId: string): Promise<{ artifactPath: string; args: string[] }>;
  /** The restart strategy in Flink's words (job config's `restart-strategy`). */
  restartStrategyDescription(): string;
  /** Throws ConflictError when the job is already terminal. */
  cancel(jobId: string): Promise<void>;
  /** Resolves with the savepoint's location (a local path) when it completed. */
  savepoint(jobId: string, request: SavepointRequest): Promise<string>;
  stopWithSavepoint(jobId: string, request: StopRequest): Promise<string>;
  /** Resolves with the checkpoint id. */
  checkpoint(jobId: string): Promise<number>;
  /** Through the disposal guard; `force` overrides pins and incomplete leftovers only. */
  disposeSavepoint(pointer: string, options?: { force?: boolean }): Promise<void>;
  uploadArtifact(fileName: string, data: AsyncIterable<Uint8Array>): Promise<ArtifactInfo>;
  artifacts(): Promise<ArtifactInfo[]>;
  deleteArtifact(id: string): Promise<void>;
  /** Resolves with the job id. */
  runArtifact(id: string, request: RunRequest): Promise<string>;
  /** The job's operators, built in a task process (job code never runs in the coordinator). */
  planArtifact(id: string, request: PlanRequest): Promise<JobPlan>;
}
