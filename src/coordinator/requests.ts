// What the job manager is asked to do and reports, in domain terms. The REST server maps Flink's request
// bodies to these and these to Flink's JSON views; nothing here knows HTTP.
import type { SnapshotFormat } from '../domain/snapshot-properties.js';

export interface SavepointRequest {
  targetDirectory?: string;
  cancelJob: boolean;
  format: SnapshotFormat;
}

export interface StopRequest {
  targetDirectory?: string;
  drain: boolean;
  format: SnapshotFormat;
}

export interface RunRequest {
  args?: string[];
  parallelism?: number;
  jobId?: string;
  /** Restore from this snapshot (a local path). */
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  /** Flink's LEGACY mode is NO_CLAIM here. */
  claimMode?: 'CLAIM' | 'NO_CLAIM';
}

export interface PlanRequest {
  args?: string[];
  parallelism?: number;
}

/** A job's snapshot settings (Flink reports them as the checkpoint config). */
export interface JobSnapshotSettings {
  /** 0 when periodic checkpoints are off. */
  checkpointIntervalMs: number;
  timeoutMs: number;
  minPauseMs: number;
  checkpointDir: string;
  persistentCheckpoints: { enabled: boolean; dir: string };
  periodicSavepoints: { enabled: boolean; intervalMs?: number; dir?: string; maxRetained: number };
}
