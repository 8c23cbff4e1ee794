// Why a snapshot failed, as data (after Flink's CheckpointFailureReason). It travels to the REST status as
// the failure cause and to the CLI as a one-line message.

export type FailureReason =
  | 'JOB_NOT_RUNNING'
  | 'NO_TARGET_DIRECTORY'
  | 'CHECKPOINT_EXPIRED'
  | 'CHECKPOINT_DECLINED'
  | 'TASK_FAILURE'
  | 'IO_ERROR'
  | 'COORDINATOR_SHUTDOWN'
  | 'SUPERSEDED';

export const FAILURE_MESSAGES: Record<FailureReason, string> = {
  JOB_NOT_RUNNING: 'The job is not running, so no snapshot can be taken.',
  NO_TARGET_DIRECTORY: 'No savepoint directory: none was given and none is configured (execution.checkpointing.savepoint-dir / state.savepoints.dir).',
  CHECKPOINT_EXPIRED: 'The snapshot did not complete before execution.checkpointing.timeout and was aborted.',
  CHECKPOINT_DECLINED: 'A task declined the snapshot.',
  TASK_FAILURE: 'A task failed while the snapshot was in progress.',
  IO_ERROR: 'Writing the snapshot failed.',
  COORDINATOR_SHUTDOWN: 'The coordinator shut down before the snapshot completed.',
  SUPERSEDED: 'A newer request replaced this periodic request.',
};

export class SnapshotFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    detail?: string,
  ) {
    super(detail ? `${FAILURE_MESSAGES[reason]} ${detail}` : FAILURE_MESSAGES[reason]);
    this.name = 'SnapshotFailure';
  }
}
