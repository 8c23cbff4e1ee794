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

/** A running job's TaskManager process (one per running job, all its subtasks in it). */
export interface TaskManagerInfo {
  jobId: string;
  pid: number;
  /** When the process started and was last heard from (epoch ms). */
  startedAt: number;
  lastHeartbeatAt: number;
  /** Resident memory, last sample and peak (bytes). */
  rssBytes: number;
  peakRssBytes: number;
  /** V8's heap as the process last reported it (bytes). */
  heap?: { used: number; committed: number; max: number };
  /** `taskmanager.memory.process.size`, when set. */
  memoryLimitBytes?: number;
  /** Subtasks it runs (the job's operators times their parallelism). */
  subtasks: number;
  /** The file the job's printed output goes to. */
  logFile: string;
}
