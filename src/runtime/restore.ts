// Matching a snapshot's operator state to a (possibly changed) job, by uid, and redistributing it to the
// new parallelism. Pure: the host calls it with the snapshot's metadata and the new job's plan.
//
// - Source splits (with their positions) are collected from all old subtasks and dealt round-robin.
// - Keyed state: each new subtask reads the files of the old subtasks whose key-group range overlaps its
//   own, keeping only its key groups. The max parallelism (number of key groups) must not change.
// - File sink: pending part files of the completed snapshot are dealt round-robin; each is committed once.

import { OperationError } from '../domain/errors.js';
import type { OperatorSnapshotInfo } from '../storage/index.js';
import { keyGroupRangeOf, rangesOverlap } from './key-groups.js';
import type { JobPlan, PlanOperator } from './plan.js';
import type { OperatorRestore, OperatorState, SplitState, SubtaskState } from './protocol.js';

export interface RestorePlan {
  operators: Record<number, OperatorRestore>;
  /** uids whose state was restored. */
  restored: string[];
  /** uids of snapshot state no operator claims (only with allowNonRestoredState). */
  notRestored: string[];
}

function isOperatorState(value: unknown): value is OperatorState {
  const state = value as Partial<OperatorState> | undefined;
  return state !== null && typeof state === 'object' && state.format === 'flink-ts-operator-state' && state.version === 1 && Array.isArray(state.subtasks);
}

/** True when the snapshot holds state for this operator (stateless operators are listed without state). */
function hasState(info: OperatorSnapshotInfo): boolean {
  return info.state !== undefined && info.state !== null;
}

function deal<T>(items: T[], parallelism: number): T[][] {
  const result = Array.from({ length: parallelism }, (): T[] => []);
  items.forEach((item, i) => result[i % parallelism].push(item));
  return result;
}

export function planRestore(plan: JobPlan, snapshotOperators: readonly OperatorSnapshotInfo[], allowNonRestoredState: boolean): RestorePlan {
  const byUid = new Map<string, PlanOperator>(plan.operators.map((op) => [op.uid, op]));
  const withState = snapshotOperators.filter(hasState);
  const unmatched = withState.filter((info) => !byUid.has(info.uid)).map((info) => info.uid);
  if (unmatched.length > 0 && !allowNonRestoredState) {
    throw new OperationError(
      `the snapshot has state for operator uid${unmatched.length > 1 ? 's' : ''} ${unmatched.map((u) => `"${u}"`).join(', ')} that the job no longer has`,
      { hint: 'Restore with --allowNonRestoredState (-n) to skip that state, or give the operator its old uid back.' },
    );
  }
  const result: RestorePlan = { operators: {}, restored: [], notRestored: unmatched };
  for (const info of withState) {
    const op = byUid.get(info.uid);
    if (!op) continue;
    if (!isOperatorState(info.state)) throw new OperationError(`the snapshot's state of operator "${info.uid}" is not in a format this runtime reads`);
    const state = info.state;
    if (op.stateKind !== state.kind)
      throw new OperationError(
        `operator "${info.uid}" holds ${state.kind} state in the snapshot but is now a ${op.kind} operator${op.stateKind ? ` with ${op.stateKind} state` : ' without state'}`,
        { hint: 'uids must keep naming the same operator across job versions.' },
      );
    result.operators[op.index] = redistribute(op, plan.maxParallelism, info, state.subtasks);
    result.restored.push(info.uid);
  }
  return result;
}

function redistribute(op: PlanOperator, maxParallelism: number, info: OperatorSnapshotInfo, subtasks: SubtaskState[]): OperatorRestore {
  switch (op.stateKind) {
    case 'source': {
      const splits = subtasks.flatMap((s) => (s.kind === 'source' ? s.splits : [])) as SplitState[];
      return { kind: 'source', perSubtask: deal(splits, op.parallelism) };
    }
    case 'file-sink': {
      const pending = [...new Set(subtasks.flatMap((s) => (s.kind === 'file-sink' ? s.pending : [])))];
      return { kind: 'file-sink', perSubtask: deal(pending, op.parallelism) };
    }
    case 'keyed': {
      if (info.maxParallelism !== maxParallelism)
        throw new OperationError(
          `operator "${info.uid}" was snapshotted with max parallelism ${info.maxParallelism} but the job now has ${maxParallelism}: keyed state cannot be redistributed across a different number of key groups`,
          { hint: `Set env.setMaxParallelism(${info.maxParallelism}) in the job.` },
        );
      const perSubtask = Array.from({ length: op.parallelism }, (_, i) => {
        const range = keyGroupRangeOf(i, op.parallelism, maxParallelism);
        return subtasks
          .filter((s): s is Extract<SubtaskState, { kind: 'keyed' }> => s.kind === 'keyed' && s.file !== undefined)
          .filter((s) => rangesOverlap(range, { start: s.keyGroups[0], end: s.keyGroups[1] }))
          .map((s) => s.file!);
      });
      return { kind: 'keyed', perSubtask };
    }
    default:
      throw new OperationError(`operator "${info.uid}" has no state to restore`);
  }
}
