// Messages between the host (the coordinator) and a job's TaskManager process, over the child's IPC
// channel with Node's 'advanced' (structured-clone) serialization.

import type { StateFileInfo } from '../storage/index.js';
import type { StorageSettingsWire } from '../storage/index.js';
import type { JobPlan, StateKind } from './plan.js';

/** A source split's position. */
export type SplitState =
  { type: 'sequence'; next: number; step: number; to?: number } | { type: 'text-file'; path: string; offset: number; finished?: boolean };

/** What one subtask acknowledges for one snapshot (the runtime-owned part of OperatorSnapshotInfo.state). */
export type SubtaskState =
  | { index: number; kind: 'source'; splits: SplitState[] }
  | { index: number; kind: 'keyed'; keyGroups: [number, number]; file?: string; entries: number }
  | { index: number; kind: 'file-sink'; pending: string[] }
  | { index: number; kind: null };

/** OperatorSnapshotInfo.state as the runtime writes it. */
export interface OperatorState {
  format: 'flink-ts-operator-state';
  version: 1;
  kind: StateKind;
  subtasks: SubtaskState[];
}

/** State handed to the subtasks of one operator on restore, already redistributed to the new parallelism. */
export type OperatorRestore =
  { kind: 'source'; perSubtask: SplitState[][] } | { kind: 'keyed'; perSubtask: string[][] } | { kind: 'file-sink'; perSubtask: string[][] };

export interface RestoreAssignment {
  /** The snapshot directory the state files are read from. */
  directory: string;
  /** By operator index in the new plan. */
  operators: Record<number, OperatorRestore>;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type HostToWorker =
  /** First, before the job's code loads: the object-store settings (credentials travel over IPC only). */
  | { type: 'storage'; settings: StorageSettingsWire }
  | { type: 'build'; bundlePath: string; args: string[]; parallelism?: number }
  | { type: 'run'; jobId: string; attemptToken: string; restore?: RestoreAssignment }
  | { type: 'trigger'; id: number; directory: string; terminate: boolean }
  | { type: 'notify-complete'; id: number }
  | { type: 'abort'; id: number };

export type WorkerToHost =
  | { type: 'plan'; plan: JobPlan }
  | { type: 'running' }
  | { type: 'ack'; id: number; operator: number; state: SubtaskState; files: StateFileInfo[] }
  | { type: 'decline'; id: number; reason: string; finished?: boolean }
  | { type: 'aborted'; id: number }
  | { type: 'notified'; id: number }
  | { type: 'output'; text: string }
  | { type: 'heartbeat'; rss?: number; heap?: HeapFigures }
  | { type: 'finished' }
  | { type: 'failed'; error: SerializedError };

/** V8's heap of a process, in bytes (what Flink's dashboard shows as the JVM heap). */
export interface HeapFigures {
  used: number;
  committed: number;
  max: number;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}
