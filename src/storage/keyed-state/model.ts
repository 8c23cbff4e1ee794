// What `flink savepoints state` and `diff` report about the keyed state of a snapshot: one model for Flink's
// canonical savepoints and the local coordinator's own. Byte counts are the entries' bytes as the file frames
// them (key and value with their lengths), uncompressed.
import type { StateValue } from './values.js';

export interface KeyGroupStat {
  keyGroup: number;
  entries: number;
  bytes: number;
  /** Distinct keys; null when they cannot be told apart (no key serializer known for a MAP state, say). */
  keys: number | null;
}

export interface StateReport {
  name: string;
  /** VALUE, LIST, MAP, REDUCING, AGGREGATING; TIMERS for timers (a priority queue). */
  kind: string;
  serializers: { key: string; namespace: string | null; value: string | null; userKey: string | null };
  /** The value's POJO fields (name and serializer), when the value is a POJO. */
  pojoFields?: Array<{ name: string; serializer: string }>;
  /** The Avro schema the snapshot holds for the value. */
  avroSchema?: string;
  keys: number | null;
  entries: number;
  bytes: number;
  /** Key groups holding entries of this state. */
  keyGroupsUsed: number;
  /** Bytes of the largest key group over the mean of all key groups of the operator; null without entries. */
  skew: number | null;
  /** Key groups with entries, in order. */
  keyGroups: KeyGroupStat[];
}

export interface TopKey {
  key: StateValue;
  keyGroup: number;
  bytes: number;
  entries: number;
}

export interface OperatorReport {
  id: string;
  uid: string | null;
  name: string | null;
  parallelism: number;
  maxParallelism: number;
  /** Key groups of the operator (its max parallelism). */
  keyGroupCount: number;
  /** State files read (or inlined handles). */
  files: number;
  /** Whether key groups are Snappy-compressed (execution.checkpointing.snapshot-compression). */
  compressed: boolean;
  keySerializer: string;
  states: StateReport[];
  /** The largest keys by bytes over all states (with --top). */
  top?: TopKey[];
  /** What could not be read (one line each): the rest is reported as far as it was read. */
  problems: string[];
}

export interface SnapshotStateReport {
  path: string;
  origin: 'flink' | 'ours';
  operators: OperatorReport[];
}

/** One state's entries of one key (`--key`). */
export interface KeyLookup {
  operatorId: string;
  uid: string | null;
  state: string;
  kind: string;
  key: StateValue;
  keyGroup: number;
  /**
   * VALUE → the value; MAP → an object; LIST → an array; TIMERS → [{timestamp, namespace}]. A state with
   * namespaces (windows): [{namespace, value}], one per namespace.
   */
  value: StateValue;
}
