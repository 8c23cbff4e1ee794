// The serialisable plan of a job: what the job module built (operators, edges, uids, parallelism) and its
// checkpoint configuration. Built inside the worker, sent to the host, read by the checkpoint coordinator.

import { createHash } from 'node:crypto';

export type OperatorKind = 'sequence-source' | 'text-file-source' | 'map' | 'filter' | 'flat-map' | 'keyed-process' | 'print-sink' | 'file-sink';

/** What kind of state an operator snapshots (restore checks that the kinds match). */
export type StateKind = 'source' | 'keyed' | 'file-sink';

export type Partitioning = 'forward' | 'rebalance' | 'hash';

export interface PlanEdge {
  /** Index of the upstream operator in `JobPlan.operators`. */
  from: number;
  partitioning: Partitioning;
}

export interface PlanOperator {
  index: number;
  uid: string;
  /** True when the job did not call `.uid()`: the uid is derived from the graph and breaks on job changes. */
  uidGenerated: boolean;
  name: string;
  kind: OperatorKind;
  parallelism: number;
  stateKind: StateKind | null;
  inputs: PlanEdge[];
  /** Kind-specific, serialisable settings (sequence bounds, file paths, rates). */
  config: Record<string, unknown>;
}

export interface CheckpointConfigData {
  /** Periodic checkpoint interval in ms; undefined = checkpointing disabled. */
  checkpointIntervalMs?: number;
  persistentCheckpoints: { enabled: boolean; path?: string };
  periodicSavepoints: { enabled: boolean; intervalMs?: number; path?: string; maxRetained?: number };
}

export interface JobPlan {
  jobName: string;
  maxParallelism: number;
  operators: PlanOperator[];
  checkpointConfig: CheckpointConfigData;
  /**
   * sha256 of the operator graph: kinds, uids, edges and max parallelism. Neither names, parallelism nor
   * code are part of it: a job rescaled or fixed without changing its graph keeps its fingerprint, so
   * its persistent checkpoints stay restorable (FLIP-10's "same job" test).
   */
  fingerprint: string;
}

export function defaultCheckpointConfig(): CheckpointConfigData {
  return { persistentCheckpoints: { enabled: false }, periodicSavepoints: { enabled: false } };
}

export function planFingerprint(maxParallelism: number, operators: readonly PlanOperator[]): string {
  const graph = {
    maxParallelism,
    operators: operators.map((op) => ({
      uid: op.uid,
      kind: op.kind,
      inputs: op.inputs.map((edge) => ({ from: operators[edge.from].uid, partitioning: edge.partitioning === 'hash' ? 'hash' : 'local' })),
    })),
  };
  return createHash('sha256').update(JSON.stringify(graph)).digest('hex');
}

/** Total subtasks of the plan: how many acknowledgements a snapshot needs. */
export function subtaskCount(plan: JobPlan): number {
  return plan.operators.reduce((sum, op) => sum + op.parallelism, 0);
}
