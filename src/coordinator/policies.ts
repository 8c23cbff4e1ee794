// Pure lifecycle rules of the checkpoint coordinator: subsumption, periodic-savepoint retention, what a
// job's end discards, and which trigger request runs next. Each returns a plan; deleting files is a
// separate, later step (and a snapshot's record is only dropped once its files are gone).
import {
  coalescesWith,
  shouldDiscardOnJobEnd,
  shouldDiscardOnSubsume,
  triggerPriority,
  type EndStatus,
  type SnapshotProperties,
} from '../domain/snapshot-properties.js';
import { byCompletion } from '../domain/ordering.js';

export interface SnapshotRecord {
  id: number;
  pointer: string;
  properties: SnapshotProperties;
  completedAt: number;
}

export interface RetentionPlan<T extends SnapshotRecord = SnapshotRecord> {
  retained: T[];
  /** No longer counted (left the FIFO / the periodic group). */
  removed: T[];
  /** The subset of `removed` whose files are to be deleted. */
  discard: T[];
}

/**
 * The completed-checkpoint store: a bounded FIFO of the newest `maxRetained` checkpoints (persistent or not,
 * and a CLAIMed restored snapshot). Older ones are subsumed; their properties decide whether files go.
 */
export function addAndSubsume<T extends SnapshotRecord>(store: readonly T[], added: T, maxRetained: number): RetentionPlan<T> {
  const all = [...store, added].sort(byCompletion);
  const keep = Math.max(1, maxRetained);
  const removed = all.slice(0, Math.max(0, all.length - keep));
  return { retained: all.slice(removed.length), removed, discard: removed.filter((r) => shouldDiscardOnSubsume(r.properties)) };
}

/** FLIP-10 periodic savepoints: once a newer one completed, the oldest beyond `maxRetained` are disposed. */
export function retainPeriodicSavepoints<T extends SnapshotRecord>(periodic: readonly T[], added: T, maxRetained: number): RetentionPlan<T> {
  const all = [...periodic, added].sort(byCompletion);
  const keep = Math.max(1, maxRetained); // never dispose the newest
  const removed = all.slice(0, Math.max(0, all.length - keep));
  return { retained: all.slice(removed.length), removed, discard: removed.filter((r) => r.properties.boundedPeriodic) };
}

/** When the job reaches a terminal (or suspended) status: which snapshots' files go. */
export function discardOnJobEnd<T extends SnapshotRecord>(snapshots: readonly T[], status: EndStatus): T[] {
  return snapshots.filter((s) => shouldDiscardOnJobEnd(s.properties, status));
}

// ---- trigger requests -------------------------------------------------------------------------------

export interface TriggerRequest {
  key: string;
  properties: SnapshotProperties;
  requestedAt: number;
}

/** Savepoints first (stop/cancel, then manual, then periodic), then manual checkpoints, then periodic ones. */
export const priorityOf: (properties: SnapshotProperties) => number = triggerPriority;

export interface QueueDecision {
  queue: TriggerRequest[];
  /** Requests dropped because an equivalent one is already waiting (periodic requests are coalesced). */
  dropped: TriggerRequest[];
}

/** Adds a request. A periodic request is dropped when one of the same kind already waits. */
export function enqueue(queue: readonly TriggerRequest[], request: TriggerRequest): QueueDecision {
  if (queue.some((q) => coalescesWith(q.properties, request.properties))) {
    return { queue: [...queue], dropped: [request] };
  }
  return { queue: [...queue, request], dropped: [] };
}

/**
 * Which request starts now. One snapshot runs at a time (aligned barriers); among waiting requests the
 * highest priority, then the oldest, goes first. A non-forced (checkpoint) request also respects the
 * minimum pause since the last completion.
 */
export function nextRequest(
  queue: readonly TriggerRequest[],
  state: { inFlight: boolean; lastCompletedAt?: number; minPauseMs: number; now: number },
): { start?: TriggerRequest; queue: TriggerRequest[] } {
  if (state.inFlight || queue.length === 0) return { queue: [...queue] };
  const ordered = [...queue].sort((a, b) => priorityOf(a.properties) - priorityOf(b.properties) || a.requestedAt - b.requestedAt);
  const pauseOver = state.lastCompletedAt === undefined || state.now - state.lastCompletedAt >= state.minPauseMs;
  const start = ordered.find((r) => r.properties.forced || pauseOver);
  if (!start) return { queue: [...queue] };
  return { start, queue: queue.filter((r) => r !== start) };
}
