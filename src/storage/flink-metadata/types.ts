// What the reader returns for Apache Flink's checkpoint metadata (the `_metadata` of a savepoint or retained
// checkpoint), named after Flink's state handle classes. Sizes are bytes; paths are as Flink wrote them
// (URIs such as file:/...), relative ones already resolved against the snapshot directory.
import type { JavaValue } from './java-object.js';

export interface KeyGroupRange {
  start: number;
  end: number;
}

/** StreamStateHandle: where a stream of state bytes lives. */
export type StreamHandle =
  /** Inlined into _metadata (small state); `name` often looks like a path but no file exists. */
  | { type: 'byte-stream'; name: string; size: number; data?: Buffer }
  | { type: 'file'; path: string; size: number }
  | { type: 'relative-file'; relativePath: string; path: string; size: number }
  /** A key-groups handle used as a plain stream (Flink's KEY_GROUPS_HANDLE in a stream position). */
  | { type: 'key-groups-stream'; keyGroupRange: KeyGroupRange; offsets: number[]; delegate: StreamHandle | null; size: number }
  /** File merging (FLIP-306): a segment of a physical file shared by several logical files. */
  | { type: 'segment-file'; path: string; startPos: number; size: number; scope: 'EXCLUSIVE' | 'SHARED'; logicalFileId: string }
  | { type: 'empty-segment-file'; size: 0 };

export interface HandleAndLocalPath {
  localPath: string;
  handle: StreamHandle | null;
}

/** KeyedStateHandle. */
export type KeyedHandle =
  | { type: 'key-groups'; savepoint: boolean; keyGroupRange: KeyGroupRange; offsets: number[]; delegate: StreamHandle | null; stateHandleId?: string }
  | {
      type: 'incremental';
      checkpointId: number;
      backendId: string;
      keyGroupRange: KeyGroupRange;
      checkpointedSize?: number;
      metaStateHandle: StreamHandle | null;
      sharedState: HandleAndLocalPath[];
      privateState: HandleAndLocalPath[];
      stateHandleId?: string;
    }
  | {
      type: 'changelog';
      keyGroupRange: KeyGroupRange;
      checkpointedSize: number;
      materialized: KeyedHandle[];
      nonMaterialized: KeyedHandle[];
      materializationId: number;
      checkpointId: number;
      stateHandleId: string;
    }
  | { type: 'changelog-bytes'; keyGroupRange: KeyGroupRange; from: number; to: number; changes: number; size: number; stateHandleId: string }
  | {
      type: 'changelog-file';
      keyGroupRange: KeyGroupRange;
      handles: { offset: number; handle: StreamHandle | null }[];
      size: number;
      checkpointedSize: number;
      stateHandleId: string;
      storageIdentifier: string;
    };

export interface OperatorStateEntry {
  name: string;
  mode: 'SPLIT_DISTRIBUTE' | 'UNION' | 'BROADCAST';
  offsets: number[];
}

/** OperatorStateHandle (partitionable operator state), plain or file-merging. */
export interface OperatorHandle {
  type: 'operator' | 'file-merging-operator';
  states: OperatorStateEntry[];
  delegate: StreamHandle | null;
  /** File merging only: the directories the merged files live in. */
  taskOwnedDir?: string;
  sharedDir?: string;
  empty?: boolean;
}

/** Unaligned checkpoints: in-flight data of one input channel or result subpartition. */
export type ChannelHandle =
  | {
      type: 'input-channel' | 'result-subpartition';
      subtaskIndex: number;
      info: [number, number];
      offsets: number[];
      size: number;
      delegate: StreamHandle | null;
    }
  | {
      type: 'merged-input-channel' | 'merged-result-subpartition';
      subtaskIndex: number;
      size: number;
      delegate: StreamHandle | null;
      channelOffsetsBytes: number;
    };

export interface SubtaskState {
  index: number;
  /** A subtask that had finished (FLIP-147): no state follows. */
  finished: boolean;
  managedOperatorState: OperatorHandle | null;
  rawOperatorState: OperatorHandle | null;
  managedKeyedState: KeyedHandle | null;
  rawKeyedState: KeyedHandle | null;
  inputChannelState: ChannelHandle[];
  outputChannelState: ChannelHandle[];
  /** Version 7: the checkpoint a regional checkpoint reused this subtask's state from. */
  refCheckpointId?: number;
}

export interface OperatorState {
  /** 32 hex digits, as Flink prints an OperatorID. */
  id: string;
  /** Version 5+: the operator's name and uid when the job set them. */
  name: string | null;
  uid: string | null;
  parallelism: number;
  maxParallelism: number;
  coordinatorState: StreamHandle | null;
  /** Every subtask had finished; Flink stores no subtask states then. */
  fullyFinished: boolean;
  subtasks: SubtaskState[];
}

export interface MasterState {
  name: string;
  version: number;
  size: number;
}

export interface FlinkCheckpointMetadata {
  version: number;
  checkpointId: number;
  masterStates: MasterState[];
  operators: OperatorState[];
  /** Version 4+: CheckpointProperties (Java-serialized by Flink), as a plain record. */
  properties: { [key: string]: JavaValue } | null;
}
