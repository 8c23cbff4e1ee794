// Typed calls of Flink's REST API v1, the same for the local coordinator and a real Flink cluster.
import { createRequire } from 'node:module';
import path from 'node:path';
import type {
  JobExceptionsInfoWithHistory,
  AsyncOperationResult,
  CheckpointConfigInfo,
  CheckpointInfo,
  CheckpointStatistics,
  CheckpointTriggerRequest,
  CheckpointingStatistics,
  ClusterOverview,
  DashboardConfig,
  DisposalInfo,
  JarListInfo,
  JarPlanRequest,
  JarRunRequest,
  JarRunResponse,
  JarUploadResponse,
  JobDetailsInfo,
  JobPlanInfo,
  JobsOverview,
  RestorableSnapshotList,
  SavepointInfo,
  SavepointTriggerRequest,
  StopWithSavepointRequest,
  TriggerResponse,
} from '../rest-api/types.js';
import { HttpTransport, RestError } from './http.js';

/** What the client knows about the other side. */
export interface Capabilities {
  kind: 'local' | 'flink';
  /** Flink's version string (for the local coordinator: its own version). */
  version: string;
  /** Major.minor for Flink, e.g. [1, 20]; undefined when unknown. */
  flinkVersion?: [number, number];
  /** FLIP-10's GET /jobs/:jobid/savepoints exists. */
  restorableList: boolean;
}

/** A 32-hex id, as Flink's JobID and TriggerId print. */
export function newTriggerId(): string {
  // node:crypto loads only when an id is made: a `flink list` does not pay for it (the global Web Crypto costs more).
  const { randomBytes } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return randomBytes(16).toString('hex');
}

/**
 * The calls of Flink's REST API v1 that the CLI's commands and services make. FlinkRestClient implements it
 * over HTTP; test fakes implement it directly.
 */
export interface FlinkApi {
  /** Where the calls go (for messages). */
  readonly baseUrl: string;
  config(): Promise<DashboardConfig>;
  capabilities(): Promise<Capabilities>;
  overview(): Promise<ClusterOverview>;
  jobsOverview(): Promise<JobsOverview>;
  job(jobId: string): Promise<JobDetailsInfo>;
  exceptions(jobId: string, maxExceptions?: number): Promise<JobExceptionsInfoWithHistory>;
  cancel(jobId: string): Promise<void>;
  checkpoints(jobId: string): Promise<CheckpointingStatistics>;
  checkpointConfig(jobId: string): Promise<CheckpointConfigInfo>;
  checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointStatistics>;
  triggerSavepoint(jobId: string, request: SavepointTriggerRequest): Promise<string>;
  savepointStatus(jobId: string, triggerId: string): Promise<AsyncOperationResult<SavepointInfo>>;
  stopWithSavepoint(jobId: string, request: StopWithSavepointRequest): Promise<string>;
  triggerCheckpoint(jobId: string, request: CheckpointTriggerRequest): Promise<string>;
  checkpointStatus(jobId: string, triggerId: string): Promise<AsyncOperationResult<CheckpointInfo>>;
  disposeSavepoint(savepointPath: string, options?: { force?: boolean }): Promise<string>;
  disposalStatus(triggerId: string): Promise<AsyncOperationResult<DisposalInfo>>;
  uploadJar(file: string, options?: { contentType?: string; fileName?: string }): Promise<string>;
  jars(): Promise<JarListInfo>;
  deleteJar(jarId: string): Promise<void>;
  runJar(jarId: string, request: JarRunRequest): Promise<string>;
  jarPlan(jarId: string, request: JarPlanRequest): Promise<JobPlanInfo>;
  restorableSnapshots(jobId: string): Promise<RestorableSnapshotList>;
}

export class FlinkRestClient implements FlinkApi {
  private capabilitiesCache?: Promise<Capabilities>;

  constructor(readonly http: HttpTransport) {}

  get baseUrl(): string {
    return this.http.endpoint.baseUrl;
  }

  async config(): Promise<DashboardConfig> {
    return (await this.http.request<DashboardConfig>('GET', '/config')).body;
  }

  capabilities(): Promise<Capabilities> {
    this.capabilitiesCache ??= this.config().then((config) => {
      const local = config['flink-cli-coordinator'];
      if (local) return { kind: 'local', version: local.version, restorableList: local.extensions.includes('restorable-savepoints') };
      const match = /^(\d+)\.(\d+)/.exec(config['flink-version'] ?? '');
      return {
        kind: 'flink',
        version: config['flink-version'],
        flinkVersion: match ? [Number(match[1]), Number(match[2])] : undefined,
        restorableList: false,
      };
    });
    return this.capabilitiesCache;
  }

  async overview(): Promise<ClusterOverview> {
    return (await this.http.request<ClusterOverview>('GET', '/overview')).body;
  }

  async jobsOverview(): Promise<JobsOverview> {
    return (await this.http.request<JobsOverview>('GET', '/jobs/overview')).body;
  }

  async job(jobId: string): Promise<JobDetailsInfo> {
    return (await this.http.request<JobDetailsInfo>('GET', `/jobs/${jobId}`)).body;
  }

  /** The job's exception history (Flink's GET /jobs/:jobid/exceptions). */
  async exceptions(jobId: string, maxExceptions?: number): Promise<JobExceptionsInfoWithHistory> {
    const query = maxExceptions === undefined ? '' : `?maxExceptions=${maxExceptions}`;
    return (await this.http.request<JobExceptionsInfoWithHistory>('GET', `/jobs/${jobId}/exceptions${query}`)).body;
  }

  async cancel(jobId: string): Promise<void> {
    await this.http.request('PATCH', `/jobs/${jobId}`, { query: { mode: 'cancel' } });
  }

  async checkpoints(jobId: string): Promise<CheckpointingStatistics> {
    return (await this.http.request<CheckpointingStatistics>('GET', `/jobs/${jobId}/checkpoints`)).body;
  }

  async checkpointConfig(jobId: string): Promise<CheckpointConfigInfo> {
    return (await this.http.request<CheckpointConfigInfo>('GET', `/jobs/${jobId}/checkpoints/config`)).body;
  }

  async checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointStatistics> {
    return (await this.http.request<CheckpointStatistics>('GET', `/jobs/${jobId}/checkpoints/details/${checkpointId}`)).body;
  }

  /** Always sends a client-chosen trigger id, so a retry after a connection error reattaches instead of triggering twice. */
  async triggerSavepoint(jobId: string, request: SavepointTriggerRequest): Promise<string> {
    const body: SavepointTriggerRequest = { ...request, triggerId: request.triggerId ?? newTriggerId() };
    const r = await this.http.request<TriggerResponse>('POST', `/jobs/${jobId}/savepoints`, { body, idempotent: true });
    return r.body['request-id'];
  }

  async savepointStatus(jobId: string, triggerId: string): Promise<AsyncOperationResult<SavepointInfo>> {
    return (await this.http.request<AsyncOperationResult<SavepointInfo>>('GET', `/jobs/${jobId}/savepoints/${triggerId}`)).body;
  }

  async stopWithSavepoint(jobId: string, request: StopWithSavepointRequest): Promise<string> {
    const body: StopWithSavepointRequest = { ...request, triggerId: request.triggerId ?? newTriggerId() };
    const r = await this.http.request<TriggerResponse>('POST', `/jobs/${jobId}/stop`, { body, idempotent: true });
    return r.body['request-id'];
  }

  async triggerCheckpoint(jobId: string, request: CheckpointTriggerRequest): Promise<string> {
    const body: CheckpointTriggerRequest = { ...request, triggerId: request.triggerId ?? newTriggerId() };
    const r = await this.http.request<TriggerResponse>('POST', `/jobs/${jobId}/checkpoints`, { body, idempotent: true });
    return r.body['request-id'];
  }

  async checkpointStatus(jobId: string, triggerId: string): Promise<AsyncOperationResult<CheckpointInfo>> {
    return (await this.http.request<AsyncOperationResult<CheckpointInfo>>('GET', `/jobs/${jobId}/checkpoints/${triggerId}`)).body;
  }

  /** `force` is the local coordinator's extension (dispose --force); it is only sent when set. */
  async disposeSavepoint(savepointPath: string, options: { force?: boolean } = {}): Promise<string> {
    const body = options.force ? { 'savepoint-path': savepointPath, force: true } : { 'savepoint-path': savepointPath };
    const r = await this.http.request<TriggerResponse>('POST', '/savepoint-disposal', { body });
    return r.body['request-id'];
  }

  async disposalStatus(triggerId: string): Promise<AsyncOperationResult<DisposalInfo>> {
    return (await this.http.request<AsyncOperationResult<DisposalInfo>>('GET', `/savepoint-disposal/${triggerId}`)).body;
  }

  /** Uploads a jar (or, for the local coordinator, a bundled job module). Returns the jar id. */
  async uploadJar(file: string, options: { contentType?: string; fileName?: string } = {}): Promise<string> {
    const data = await (await import('node:fs/promises')).readFile(file);
    const form = new FormData();
    form.append('jarfile', new Blob([data], { type: options.contentType ?? 'application/x-java-archive' }), options.fileName ?? path.basename(file));
    const r = await this.http.request<JarUploadResponse>('POST', '/jars/upload', { form, timeoutMs: 300_000 });
    return path.basename(r.body.filename);
  }

  async jars(): Promise<JarListInfo> {
    return (await this.http.request<JarListInfo>('GET', '/jars')).body;
  }

  async deleteJar(jarId: string): Promise<void> {
    await this.http.request('DELETE', `/jars/${encodeURIComponent(jarId)}`);
  }

  async runJar(jarId: string, request: JarRunRequest): Promise<string> {
    const r = await this.http.request<JarRunResponse>('POST', `/jars/${encodeURIComponent(jarId)}/run`, { body: request, timeoutMs: 300_000 });
    return r.body.jobid;
  }

  /** Flink's /jars/:jarid/plan: the vertices of the job in an uploaded artifact (the coordinator builds it). */
  async jarPlan(jarId: string, request: JarPlanRequest): Promise<JobPlanInfo> {
    const r = await this.http.request<JobPlanInfo>('POST', `/jars/${encodeURIComponent(jarId)}/plan`, { body: request, timeoutMs: 300_000 });
    return r.body;
  }

  /** FLIP-10's list of restorable savepoints and persistent checkpoints (local coordinator only). */
  async restorableSnapshots(jobId: string): Promise<RestorableSnapshotList> {
    return (await this.http.request<RestorableSnapshotList>('GET', `/jobs/${jobId}/savepoints`)).body;
  }
}

export { RestError };
