// One model for every snapshot (after Flink's CheckpointProperties): a checkpoint, a persistent checkpoint,
// a periodic savepoint, a manual savepoint and a stop/cancel-with-savepoint are the same thing with
// different properties. Lifecycle code asks these properties, never "is this a savepoint?".

import type { SnapshotFormat, SnapshotKind, SnapshotTrigger } from './snapshot-vocabulary.js';

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
    kind: 'savepoint', trigger: 'stop', format: options.format ?? 'canonical', forced: true,
    afterCompletion: options.drain ? 'terminate' : 'suspend', discard: NEVER, boundedPeriodic: false,
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

export function isRestorableAcrossVersions(properties: SnapshotProperties): boolean {
  // FLIP-10: persistent checkpoints restore only the same job and version; savepoints allow changes.
  return properties.kind === 'savepoint';
}
