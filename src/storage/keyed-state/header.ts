// The header of a canonical keyed-state file (Flink's KeyedBackendSerializationProxy, version 6 since Flink
// 1.8): its version, whether key groups are Snappy-compressed, the key serializer's snapshot, then each state's
// meta info (StateMetaInfoSnapshotReadersWriters, version 7): name, backend state type, options (the keyed state
// type), and serializer snapshots by role. A state's id in the entries that follow is its position here.
import { DataReader, KeyedStateError } from './data-reader.js';
import { readSerializerSnapshot, serializerName, type SerializerSpec } from './serializer-snapshots.js';

/** The header must start with this version; older ones cannot be restored by Flink 1.17+ either. */
export const HEADER_VERSION = 6;

export type BackendStateType = 'KEY_VALUE' | 'OPERATOR' | 'BROADCAST' | 'PRIORITY_QUEUE' | 'KEY_VALUE_V2';
/** StateMetaInfoSnapshot.BackendStateType in ordinal order (the file holds the ordinal). */
const BACKEND_STATE_TYPES: BackendStateType[] = ['KEY_VALUE', 'OPERATOR', 'BROADCAST', 'PRIORITY_QUEUE', 'KEY_VALUE_V2'];

export interface StateMeta {
  id: number;
  name: string;
  backendType: BackendStateType;
  /** VALUE, LIST, MAP, REDUCING, AGGREGATING (KEYED_STATE_TYPE); TIMERS for a priority queue (timers). */
  kind: string;
  options: Record<string, string>;
  /** By role: NAMESPACE_SERIALIZER, VALUE_SERIALIZER (a priority queue's elements), USER_KEY_SERIALIZER (2.x). */
  serializers: Record<string, SerializerSpec>;
}

export interface KeyedStateHeader {
  version: number;
  compressed: boolean;
  keySerializer: SerializerSpec;
  states: StateMeta[];
  /** Bytes the header takes: the first key group starts here. */
  length: number;
  /** The states after the last one read could not be read (an unknown serializer's data, say): why. */
  problem?: string;
  /** Serializer classes whose data was read by shape (see serializer-snapshots.ts). */
  assumed: string[];
}

/** Reads the header. A problem inside a state's meta info keeps what was read before it (`problem` says why). */
export function readHeader(buf: Buffer): KeyedStateHeader {
  const r = new DataReader(buf);
  const version = r.i32('the header version');
  if (version !== HEADER_VERSION)
    throw new KeyedStateError(`not a canonical keyed-state file of a supported version: header version ${version} (Flink 1.8+ writes ${HEADER_VERSION})`);
  const compressed = r.bool('the compression flag');
  const keySerializer = readSerializerSnapshot(r);
  const count = r.i16('the number of states');
  if (count < 0) throw new KeyedStateError(`corrupt: ${count} states`);
  const header: KeyedStateHeader = { version, compressed, keySerializer, states: [], length: 0, assumed: [] };
  try {
    for (let id = 0; id < count; id++) header.states.push(readStateMeta(r, id));
  } catch (error) {
    if (!(error instanceof KeyedStateError)) throw error;
    header.problem = `state #${header.states.length + 1} of ${count}: ${error.message}`;
  }
  header.length = r.pos;
  header.assumed = collectAssumed([keySerializer, ...header.states.flatMap((s) => Object.values(s.serializers))]);
  // Placeholders for the states that could not be read, so that ids still name a state.
  for (let id = header.states.length; id < count; id++)
    header.states.push({ id, name: `#${id}`, backendType: 'KEY_VALUE', kind: 'UNKNOWN', options: {}, serializers: {} });
  return header;
}

function readStateMeta(r: DataReader, id: number): StateMeta {
  const name = r.utf('a state name');
  const ordinal = r.i32('a backend state type');
  const backendType = BACKEND_STATE_TYPES[ordinal];
  if (!backendType) throw new KeyedStateError(`state '${name}': unknown backend state type ${ordinal}`);
  const options: Record<string, string> = {};
  const optionCount = r.count('the number of state options', 4);
  for (let i = 0; i < optionCount; i++) options[r.utf('an option key')] = r.utf('an option value');
  const serializers: Record<string, SerializerSpec> = {};
  const serializerCount = r.count('the number of state serializers', 4);
  for (let i = 0; i < serializerCount; i++) {
    const role = r.utf('a serializer role');
    serializers[role] = readSerializerSnapshot(r);
  }
  const kind = backendType === 'PRIORITY_QUEUE' ? 'TIMERS' : (options.KEYED_STATE_TYPE ?? 'UNKNOWN');
  return { id, name, backendType, kind, options, serializers };
}

function collectAssumed(specs: SerializerSpec[]): string[] {
  const out = new Set<string>();
  const walk = (s: SerializerSpec) => {
    if (s.assumed) out.add(s.className);
    s.nested.forEach(walk);
  };
  specs.forEach(walk);
  return [...out];
}

/** The serializers of a state as the output names them. */
export function describeSerializers(
  state: StateMeta,
  key: SerializerSpec,
): { key: string; namespace: string | null; value: string | null; userKey: string | null } {
  const s = state.serializers;
  const value = s.VALUE_SERIALIZER;
  const named = (spec: SerializerSpec | undefined) => (spec ? serializerName(spec) : null);
  if (state.kind === 'MAP' && value?.kind === 'map')
    return { key: serializerName(key), namespace: named(s.NAMESPACE_SERIALIZER), userKey: named(value.nested[0]), value: named(value.nested[1]) };
  if (state.kind === 'LIST' && value?.kind === 'list')
    return { key: serializerName(key), namespace: named(s.NAMESPACE_SERIALIZER), userKey: null, value: named(value.nested[0]) };
  return { key: serializerName(key), namespace: named(s.NAMESPACE_SERIALIZER), userKey: named(s.USER_KEY_SERIALIZER), value: named(value) };
}
