// What the REST server needs from the local coordinator. The server owns HTTP, trigger ids and the
// operation cache (as Flink's REST handlers do); the dispatcher owns jobs, snapshots and artifacts.
import type {
  CheckpointConfigInfo, CheckpointStatistics, CheckpointingStatistics, ClusterOverview, JarPlanRequest, JarRunRequest, JobDetails,
  JobDetailsInfo, JobExceptionsInfoWithHistory, JobPlanInfo, RestorableSnapshot,
} from '../rest-api/types.js';

export interface ArtifactInfo {
  id: string;
  name: string;
  uploaded: number;
  path: string;
  /** Entry points (for a job module: "default"). */
  entry: string[];
}

export interface SavepointRequest {
  targetDirectory?: string;
  cancelJob: boolean;
  format: 'CANONICAL' | 'NATIVE';
}

export interface StopRequest {
  targetDirectory?: string;
  drain: boolean;
  format: 'CANONICAL' | 'NATIVE';
}

export interface Dispatcher {
  readonly version: string;
  /** The coordinator's own default savepoint directory (chain step 2/3), if any. */
  defaultSavepointDirectory(): string | undefined;
  overview(): Promise<ClusterOverview>;
  jobs(): Promise<JobDetails[]>;
  /** Throws NotFoundError for an unknown job. */
  job(jobId: string): Promise<JobDetailsInfo>;
  /** The job's exception history (kept after the job ended). Throws NotFoundError for an unknown job. */
  exceptions(jobId: string, maxExceptions?: number): Promise<JobExceptionsInfoWithHistory>;
  /** Throws NotFoundError, or ConflictError when the job is already terminal. */
  cancel(jobId: string): Promise<void>;
  checkpointStatistics(jobId: string): Promise<CheckpointingStatistics>;
  checkpointConfig(jobId: string): Promise<CheckpointConfigInfo>;
  checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointStatistics>;
  /** Resolves with the savepoint's external pointer when it completed. */
  savepoint(jobId: string, request: SavepointRequest): Promise<string>;
  stopWithSavepoint(jobId: string, request: StopRequest): Promise<string>;
  /** Resolves with the checkpoint id. */
  checkpoint(jobId: string, full: boolean): Promise<number>;
  /** Through the disposal guard; `force` (an extension of Flink's request) overrides pins and incomplete leftovers only. */
  disposeSavepoint(pointer: string, options?: { force?: boolean }): Promise<void>;
  uploadArtifact(fileName: string, data: AsyncIterable<Uint8Array>): Promise<ArtifactInfo>;
  artifacts(): Promise<ArtifactInfo[]>;
  deleteArtifact(id: string): Promise<void>;
  runArtifact(id: string, request: JarRunRequest): Promise<string>;
  /** Flink's /jars/:jarid/plan: the job's operators, built in a task process (job code never runs in the coordinator). */
  planArtifact(id: string, request: JarPlanRequest): Promise<JobPlanInfo>;
  /** FLIP-10: every savepoint and persistent checkpoint of the job that can be restored. */
  restorableSnapshots(jobId: string): Promise<RestorableSnapshot[]>;
}
