// What the checkpoint coordinator remembers of a snapshot (persisted with the job), its settings, and what it
// needs from the job manager and the runtime.
import type { JobFacts } from '../domain/disposal-guard.js';
import type { SnapshotStorage } from '../storage/index.js';
import type { RuntimeJobStatus, SnapshotProgress, SnapshotRequest, SnapshotResult, SubtaskAck } from '../runtime/host.js';
import type { JobPlan } from '../runtime/plan.js';
import type { SnapshotRecord } from './policies.js';
import type { Scheduler } from './scheduler.js';

/** A snapshot as the coordinator remembers it (persisted with the job). */
export interface SnapshotEntry extends SnapshotRecord {
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  triggeredAt: number;
  stateSize: number;
  numSubtasks: number;
  numAcknowledged: number;
  /** Files deleted (subsumed, retention, job end). The record stays until the files are gone. */
  discarded: boolean;
  /** A discard that failed; retried on the next retention pass. */
  discardPending?: boolean;
  failureMessage?: string;
  /** A snapshot this job was restored from (not taken by it). */
  restoredFrom?: boolean;
  /** The subtasks' acknowledgements so far (bytes once the snapshot completed): Flink's per-task statistics. */
  subtasks?: SubtaskAck[];
}

export interface CoordinatorSettings {
  /** Where checkpoints go: <dir>/<jobId>/chk-<n>. */
  checkpointDir: string;
  /** The default savepoint directory (chain step 2/3), if any. */
  savepointDir?: string;
  numRetained: number;
  timeoutMs: number;
  minPauseMs: number;
  /** Cluster-wide FLIP-10 settings; the job's own checkpoint config wins. */
  persistentCheckpoints: boolean;
  periodicSavepoints?: { intervalMs: number; dir?: string; maxRetained: number };
  toolVersion: string;
}

export interface CoordinatorDeps {
  jobId: string;
  jobName: string;
  plan: JobPlan;
  settings: CoordinatorSettings;
  /** Where snapshots are written, verified and disposed (with the coordinator's storage settings). */
  storage: SnapshotStorage;
  /** The attempt running now, if any. */
  currentAttempt(): SnapshotAttempt | undefined;
  /** Persist the job's record (called before sinks commit, so a crash never replays committed output). */
  persist(): Promise<void>;
  log(line: string): void;
  /** Every job the coordinator knows, for the disposal guard (another job may have restored from ours). */
  jobFacts?: () => JobFacts[];
  /** The clock (default: the scheduler's). */
  now?: () => number;
  /** Timers for periodic triggers, the minimum pause and timeouts (default: real time). */
  scheduler?: Scheduler;
  /** Creates a snapshot directory (default: the storage writer's create); a test gives one that hangs. */
  createDirectory?: (dir: string) => Promise<void>;
  /** Deletes a snapshot's directory through the disposal guard (default: the storage's dispose); a test gives a slow one. */
  removeDirectory?: RemoveDirectory;
}

export type RemoveDirectory = (pointer: string, context: { jobs: readonly JobFacts[]; roots: readonly string[]; force?: boolean }) => Promise<void>;

/** What the coordinator needs of a running job attempt (the runtime's RunningJob). */
export interface SnapshotAttempt {
  readonly status: RuntimeJobStatus;
  readonly plan: JobPlan;
  /** Settles when the attempt's process is gone. */
  readonly done: Promise<unknown>;
  on(event: 'snapshot-progress', listener: (progress: SnapshotProgress) => void): unknown;
  off(event: 'snapshot-progress', listener: (progress: SnapshotProgress) => void): unknown;
  triggerSnapshot(request: SnapshotRequest): Promise<SnapshotResult>;
  notifyComplete(id: number): Promise<void>;
  abortSnapshot(id: number): Promise<void>;
}
