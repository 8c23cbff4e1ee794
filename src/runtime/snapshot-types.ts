// What a checkpoint coordinator asks of a running job's snapshot (request, result, progress) and how it fails
// (Flink's CheckpointFailureReason names). Re-exported by host.ts.
import { OperationError } from '../domain/errors.js';
import type { SnapshotKind } from '../domain/snapshot-vocabulary.js';
import type { OperatorSnapshotInfo, StateFileInfo } from '../storage/index.js';

export interface SnapshotRequest {
  /** Unique and increasing within a job (checkpoints and savepoints share the counter, as in Flink). */
  id: number;
  /** An existing, empty snapshot directory (storage's createCheckpointDir / createSavepointDir). */
  directory: string;
  /** Informational: the runtime snapshots every kind the same way; echoed in the result. */
  kind?: SnapshotKind;
  /** Stop with savepoint: sources stop after the barrier; the job finishes once notifyComplete(id) arrives. */
  terminate?: boolean;
  /** Recorded for stop --drain; this runtime has no event time, so there is nothing extra to flush. */
  drain?: boolean;
  /** Aborts the snapshot (CHECKPOINT_EXPIRED) if not acknowledged in time. */
  timeoutMs?: number;
}

export interface SnapshotResult {
  id: number;
  kind?: SnapshotKind;
  /** Every operator of the plan; `state` is set for stateful ones. */
  operators: OperatorSnapshotInfo[];
  /** Every file the subtasks wrote into the snapshot directory. */
  files: StateFileInfo[];
  /** Each subtask's acknowledgement: when it arrived and the bytes of the files it wrote. */
  subtasks?: SubtaskAck[];
  triggeredAt: number;
  completedAt: number;
}

export interface SubtaskAck {
  uid: string;
  subtask: number;
  acknowledgedAt: number;
  bytes: number;
}

export interface SnapshotProgress {
  id: number;
  acknowledged: number;
  total: number;
  /** The subtask whose acknowledgement this event reports (events only). */
  last?: { uid: string; subtask: number };
}

/** Flink's CheckpointFailureReason names for what can go wrong here. */
export type SnapshotFailureReason =
  'CHECKPOINT_DECLINED' | 'CHECKPOINT_EXPIRED' | 'CHECKPOINT_ABORTED' | 'JOB_FAILURE' | 'NOT_ALL_REQUIRED_TASKS_RUNNING' | 'DUPLICATE_CHECKPOINT_ID';

export class SnapshotFailedError extends OperationError {
  constructor(
    readonly reason: SnapshotFailureReason,
    message: string,
  ) {
    super(`snapshot failed (${reason}): ${message}`);
  }
}
