// One model for every snapshot (after Flink's CheckpointProperties): a checkpoint, a persistent checkpoint,
// a periodic savepoint, a manual savepoint and a stop/cancel-with-savepoint are the same thing with
// different properties. Lifecycle code asks these properties, never "is this a savepoint?".

import { snapshotLabel, type SnapshotFormat, type SnapshotKind, type SnapshotTrigger } from './snapshot-vocabulary.js';

export type { SnapshotFormat, SnapshotKind, SnapshotTrigger } from './snapshot-vocabulary.js';
export type EndStatus = 'FINISHED' | 'CANCELED' | 'FAILED' | 'SUSPENDED';

export interface DiscardFlags {
  subsumed: boolean;
  finished: boolean;
  cancelled: boolean;
  failed: boolean;
  suspended: boolean;
}

export interface SnapshotProperties {
  readonly kind: SnapshotKind;
  readonly trigger: SnapshotTrigger;
  readonly format: SnapshotFormat;
  /** May run while other snapshots are pending and ignores the minimum pause (savepoints are). */
  readonly forced: boolean;
  /** What happens to the job once the snapshot completed: nothing, suspend (stop), terminate (stop --drain), cancel. */
  readonly afterCompletion: 'none' | 'suspend' | 'terminate' | 'cancel';
  readonly discard: DiscardFlags;
  /** Kept in the bounded group of periodic savepoints (disposed when more than the maximum exist). */
  readonly boundedPeriodic: boolean;
}

const NEVER: DiscardFlags = { subsumed: false, finished: false, cancelled: false, failed: false, suspended: false };

/** A checkpoint; persistent checkpoints (FLIP-10) are subsumed like others but outlive the job. */
export function forCheckpoint(options: { persistent: boolean; trigger?: 'periodic' | 'manual' }): SnapshotProperties {
  return {
    kind: options.persistent ? 'persistent-checkpoint' : 'checkpoint',
    trigger: options.trigger ?? 'periodic',
    format: 'native',
    forced: false,
    afterCompletion: 'none',
    discard: options.persistent
      ? { subsumed: true, finished: false, cancelled: false, failed: false, suspended: false }
      : { subsumed: true, finished: true, cancelled: true, failed: true, suspended: false },
    boundedPeriodic: false,
  };
}

/** FLIP-10 periodic savepoint: never removed on shutdown, bounded by the maximum retained. */
export function forPeriodicSavepoint(format: SnapshotFormat = 'canonical'): SnapshotProperties {
  return { kind: 'savepoint', trigger: 'periodic', format, forced: true, afterCompletion: 'none', discard: NEVER, boundedPeriodic: true };
}

/** A savepoint the user asked for: the user owns it; nothing disposes it automatically. */
export function forManualSavepoint(format: SnapshotFormat = 'canonical'): SnapshotProperties {
  return { kind: 'savepoint', trigger: 'manual', format, forced: true, afterCompletion: 'none', discard: NEVER, boundedPeriodic: false };
}

export function forStopWithSavepoint(options: { drain: boolean; format?: SnapshotFormat }): SnapshotProperties {
  return {
    kind: 'savepoint',
    trigger: 'stop',
    format: options.format ?? 'canonical',
    forced: true,
    afterCompletion: options.drain ? 'terminate' : 'suspend',
    discard: NEVER,
    boundedPeriodic: false,
  };
}

export function forCancelWithSavepoint(format: SnapshotFormat = 'canonical'): SnapshotProperties {
  return { kind: 'savepoint', trigger: 'cancel', format, forced: true, afterCompletion: 'cancel', discard: NEVER, boundedPeriodic: false };
}

/**
 * The snapshot a job was restored from. NO_CLAIM: the job never deletes it. CLAIM: it joins the job's
 * checkpoint history and is subsumed (and discarded) like a checkpoint of the job.
 */
export function forRestoredSnapshot(base: SnapshotProperties, claimMode: 'CLAIM' | 'NO_CLAIM'): SnapshotProperties {
  if (claimMode === 'NO_CLAIM') return { ...base, discard: NEVER, boundedPeriodic: false };
  return { ...base, discard: { ...base.discard, subsumed: true }, boundedPeriodic: false };
}

export function shouldDiscardOnSubsume(properties: SnapshotProperties): boolean {
  return properties.discard.subsumed;
}

export function shouldDiscardOnJobEnd(properties: SnapshotProperties, status: EndStatus): boolean {
  switch (status) {
    case 'FINISHED':
      return properties.discard.finished;
    case 'CANCELED':
      return properties.discard.cancelled;
    case 'FAILED':
      return properties.discard.failed;
    case 'SUSPENDED':
      return properties.discard.suspended;
  }
}

/** Where a snapshot's files go: the checkpoint directory, the persistent-checkpoint directory, or a target directory. */
export type SnapshotLocation = 'checkpoint-directory' | 'persistent-checkpoint-directory' | 'target-directory';

export function locationOf(properties: SnapshotProperties): SnapshotLocation {
  if (properties.kind === 'savepoint') return 'target-directory';
  return properties.kind === 'persistent-checkpoint' ? 'persistent-checkpoint-directory' : 'checkpoint-directory';
}

/** A savepoint needs a target directory (ad-hoc or the configured default); checkpoints have the job's. */
export function needsTargetDirectory(properties: SnapshotProperties): boolean {
  return locationOf(properties) === 'target-directory';
}

/**
 * Counted in the completed-checkpoint store (the bounded FIFO that subsumes): checkpoints, persistent or not,
 * and a restored snapshot the job CLAIMed. A savepoint the job took stays outside it.
 */
export function joinsCheckpointStore(properties: SnapshotProperties): boolean {
  return properties.kind !== 'savepoint' || properties.discard.subsumed;
}

/**
 * In FLIP-10's list of restorable snapshots (savepoints and persistent checkpoints): the ones a user looks
 * for, so their creation, disposal and keeping are logged. A plain checkpoint is only history.
 */
export function isListedRestorable(properties: SnapshotProperties): boolean {
  return properties.kind !== 'checkpoint';
}

/** A failed savepoint is logged (someone asked for it, or a period did); a failed checkpoint shows in the history only. */
export function logsFailure(properties: SnapshotProperties): boolean {
  return properties.kind === 'savepoint';
}

/** How logs name it: "checkpoint", "persistent checkpoint", "savepoint", "periodic savepoint". */
export function labelOf(properties: Pick<SnapshotProperties, 'kind' | 'trigger'>): string {
  return snapshotLabel(properties.kind, properties.trigger);
}

/** Which waiting request runs first: stop/cancel savepoints, then manual, then periodic ones, then manual checkpoints, then periodic ones. */
export function triggerPriority(properties: SnapshotProperties): number {
  if (properties.kind === 'savepoint') {
    if (properties.trigger === 'stop' || properties.trigger === 'cancel') return 0;
    return properties.trigger === 'manual' ? 1 : 2;
  }
  return properties.trigger === 'manual' ? 3 : 4;
}

/** Two requests of this kind and trigger are the same periodic request (a second one while one waits is dropped). */
export function coalescesWith(a: SnapshotProperties, b: SnapshotProperties): boolean {
  return a.trigger === 'periodic' && b.trigger === 'periodic' && a.kind === b.kind;
}

export function isRestorableAcrossVersions(properties: SnapshotProperties): boolean {
  // FLIP-10: persistent checkpoints restore only the same job and version; savepoints allow changes.
  return properties.kind === 'savepoint';
}
