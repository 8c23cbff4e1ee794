// Pure decoder of Apache Flink's checkpoint metadata, versions 3 to 6 (Flink 1.11 to 2.x). The byte layout
// is Flink's (Checkpoints, MetadataV2V3SerializerBase, MetadataV3..V6Serializer, ChannelStateHandleSerializer
// V1/V2); this is an independent reader of it:
//
//   int magic 0x4960672D | int version | long checkpointId | int n, n * master state | int m, m * operator
//   [v4+: CheckpointProperties, Java-serialized]
//   master state: int 0xC96B1696 | int length | (int version | utf name | int n | n bytes)
//   operator:     [v5+: utf name | utf uid] | long lower, long upper (the id) | int parallelism |
//                 int maxParallelism | stream handle (coordinator) | int subtasks (<0: fully finished) |
//                 subtasks * (int index (<0: finished, -index-1) | subtask state unless finished)
//   subtask:      int has? op handle (managed) | int has? op handle (raw) | keyed (managed) | keyed (raw) |
//                 int n, n * input channel handle | int n, n * output channel handle
//
// Type tags are one byte. Unknown tags are errors naming the tag and the version, never skipped.
import { ByteReader, FlinkMetadataError } from './byte-reader.js';
import { readJavaObject } from './java-object.js';
import type {
  ChannelHandle,
  FlinkCheckpointMetadata,
  HandleAndLocalPath,
  KeyedHandle,
  KeyGroupRange,
  MasterState,
  OperatorHandle,
  OperatorState,
  OperatorStateEntry,
  StreamHandle,
  SubtaskState,
} from './types.js';

export { FlinkMetadataError } from './byte-reader.js';
export const FLINK_METADATA_MAGIC = 0x4960672d;
const MASTER_STATE_MAGIC = 0xc96b1696 | 0;
export const SUPPORTED_VERSIONS = [3, 4, 5, 6] as const;
/** The newest Apache Flink release checked, and the metadata version it writes (the newest any release writes). */
export const NEWEST_FLINK = { release: '2.3', metadataVersion: 6 } as const;

/** Why a metadata version is not read: one that a newer Flink writes is named as such, so the fix is plain. */
export function versionRefusal(version: number): string {
  const known = `this reader knows versions ${SUPPORTED_VERSIONS[0]} to ${SUPPORTED_VERSIONS.at(-1)}, written by Apache Flink 1.11 to ${NEWEST_FLINK.release}`;
  if (version > NEWEST_FLINK.metadataVersion && version < 1000)
    return `metadata format version ${version} is newer than this reader (${known}); a newer flink-cli is needed to read it`;
  return `unsupported metadata version ${version} (${known})`;
}

/** Handle type tags (MetadataV2V3SerializerBase). */
export const HANDLE = {
  NULL: 0,
  BYTE_STREAM: 1,
  FILE: 2,
  KEY_GROUPS: 3,
  PARTITIONABLE_OPERATOR: 4,
  INCREMENTAL: 5,
  RELATIVE_FILE: 6,
  SAVEPOINT_KEY_GROUPS: 7,
  CHANGELOG: 8,
  CHANGELOG_BYTES: 9,
  CHANGELOG_FILE: 10,
  INCREMENTAL_V2: 11,
  KEY_GROUPS_V2: 12,
  CHANGELOG_FILE_V2: 13,
  CHANGELOG_V2: 14,
  SEGMENT_FILE: 15,
  EMPTY_SEGMENT_FILE: 16,
  SEGMENT_PARTITIONABLE_OPERATOR: 17,
} as const;
/** Channel state tags of ChannelStateHandleSerializerV2 (metadata version 6+). */
const CHANNEL = { INPUT: 1, OUTPUT: 2, MERGED_INPUT: 3, MERGED_OUTPUT: 4 } as const;
const MODES = ['SPLIT_DISTRIBUTE', 'UNION', 'BROADCAST'] as const;
const SCOPES = ['EXCLUSIVE', 'SHARED'] as const;

export interface DecodeOptions {
  /** The snapshot directory (as a path or URI): relative file handles are resolved against it. */
  snapshotDir?: string;
}

export function decodeFlinkMetadata(bytes: Buffer, options: DecodeOptions = {}): FlinkCheckpointMetadata {
  const r = new ByteReader(bytes);
  if (bytes.length < 4 || r.i32('the magic number') !== FLINK_METADATA_MAGIC)
    throw new FlinkMetadataError('not Apache Flink checkpoint metadata (wrong magic number)');
  const version = r.i32('the format version');
  if (!(SUPPORTED_VERSIONS as readonly number[]).includes(version)) throw new FlinkMetadataError(versionRefusal(version));
  return new Decoder(r, version, options.snapshotDir).metadata();
}

class Decoder {
  constructor(
    private readonly r: ByteReader,
    private readonly version: number,
    private readonly dir: string | undefined,
  ) {}

  private unsupported(type: number, at: number, what: string): never {
    throw new FlinkMetadataError(`unsupported handle type ${type} in version ${this.version} (${what} at byte ${at})`);
  }

  metadata(): FlinkCheckpointMetadata {
    const r = this.r;
    const checkpointId = r.i64('the checkpoint id');
    if (checkpointId < 0) throw new FlinkMetadataError(`corrupt: negative checkpoint id ${checkpointId}`);
    const masterStates: MasterState[] = [];
    for (let i = 0, n = r.count('the number of master states', 8); i < n; i++) masterStates.push(this.masterState());
    const operators: OperatorState[] = [];
    for (let i = 0, n = r.count('the number of operator states', 28); i < n; i++) operators.push(this.operator());
    let properties: FlinkCheckpointMetadata['properties'] = null;
    if (this.version >= 4) {
      const value = readJavaObject(r);
      if (value && typeof value === 'object' && !Array.isArray(value)) properties = value;
    }
    return { version: this.version, checkpointId, masterStates, operators, properties };
  }

  private masterState(): MasterState {
    const r = this.r;
    const at = r.pos;
    if (r.i32('a master state magic') !== MASTER_STATE_MAGIC) throw new FlinkMetadataError(`corrupt: wrong master state magic number at byte ${at}`);
    const length = r.i32('a master state length');
    if (length <= 0) throw new FlinkMetadataError(`corrupt: master state length ${length} at byte ${at + 4}`);
    const inner = new ByteReader(r.bytes(length, 'a master state'));
    const version = inner.i32('a master state version');
    const name = inner.utf('a master state name');
    const size = inner.count('a master state size');
    inner.skip(size, 'master state bytes');
    return { name, version, size };
  }

  private operator(): OperatorState {
    const r = this.r;
    let name: string | null = null;
    let uid: string | null = null;
    if (this.version >= 5) {
      name = r.utf('an operator name') || null;
      uid = r.utf('an operator uid') || null;
    }
    const id = r.bytes(16, 'an operator id').toString('hex');
    const parallelism = r.i32('a parallelism');
    const maxParallelism = r.i32('a max parallelism');
    const coordinatorState = this.stream();
    const n = r.i32('the number of subtask states');
    const op: OperatorState = { id, name, uid, parallelism, maxParallelism, coordinatorState, fullyFinished: n < 0, subtasks: [] };
    for (let i = 0; i < n; i++) {
      const stored = r.i32('a subtask index');
      if (stored < 0) op.subtasks.push(emptySubtask(-stored - 1, true));
      else op.subtasks.push(this.subtask(stored));
    }
    return op;
  }

  private subtask(index: number): SubtaskState {
    const r = this.r;
    const managedOperatorState = r.i32('a managed operator state flag') !== 0 ? this.operatorHandle() : null;
    const rawOperatorState = r.i32('a raw operator state flag') !== 0 ? this.operatorHandle() : null;
    const managedKeyedState = this.keyed();
    const rawKeyedState = this.keyed();
    const inputChannelState = this.channels('input');
    const outputChannelState = this.channels('output');
    return { index, finished: false, managedOperatorState, rawOperatorState, managedKeyedState, rawKeyedState, inputChannelState, outputChannelState };
  }

  // ---- stream handles -------------------------------------------------------------------------------

  stream(): StreamHandle | null {
    const r = this.r;
    const at = r.pos;
    const type = r.u8('a stream handle type');
    switch (type) {
      case HANDLE.NULL:
        return null;
      case HANDLE.FILE: {
        const size = r.i64('a file size');
        return { type: 'file', path: r.utf('a file path'), size };
      }
      case HANDLE.BYTE_STREAM: {
        const name = r.utf('a byte stream handle name');
        const size = r.count('a byte stream length');
        const data = r.bytes(size, 'byte stream data');
        return { type: 'byte-stream', name, size, data };
      }
      case HANDLE.RELATIVE_FILE: {
        const relativePath = r.utf('a relative path');
        const size = r.i64('a file size');
        return { type: 'relative-file', relativePath, path: this.resolve(relativePath), size };
      }
      case HANDLE.KEY_GROUPS: {
        const { keyGroupRange, offsets } = this.keyGroupOffsets();
        const delegate = this.stream();
        return { type: 'key-groups-stream', keyGroupRange, offsets, delegate, size: delegate?.size ?? 0 };
      }
      case HANDLE.SEGMENT_FILE: {
        const startPos = r.i64('a segment start');
        const size = r.i64('a segment size');
        const scopeAt = r.pos;
        const scope = SCOPES[r.i32('a segment scope')];
        if (!scope) throw new FlinkMetadataError(`corrupt: unknown segment scope at byte ${scopeAt}`);
        const path = r.utf('a segment file path');
        return { type: 'segment-file', path, startPos, size, scope, logicalFileId: r.utf('a logical file id') };
      }
      case HANDLE.EMPTY_SEGMENT_FILE:
        return { type: 'empty-segment-file', size: 0 };
      default:
        return this.unsupported(type, at, 'a stream handle');
    }
  }

  private resolve(relativePath: string): string {
    return this.dir === undefined ? relativePath : `${this.dir.replace(/\/+$/, '')}/${relativePath}`;
  }

  private keyGroupRange(): KeyGroupRange {
    const start = this.r.i32('a key group range start');
    const count = this.r.i32('a key group count');
    return { start, end: start + count - 1 };
  }

  private keyGroupOffsets(): { keyGroupRange: KeyGroupRange; offsets: number[] } {
    const keyGroupRange = this.keyGroupRange();
    const n = keyGroupRange.end - keyGroupRange.start + 1;
    if (n < 0 || n * 8 > this.r.remaining) throw new FlinkMetadataError(`corrupt: ${n} key group offsets do not fit in the ${this.r.remaining} bytes left`);
    const offsets = new Array<number>(n);
    for (let i = 0; i < n; i++) offsets[i] = this.r.i64('a key group offset');
    return { keyGroupRange, offsets };
  }

  // ---- keyed state ----------------------------------------------------------------------------------

  keyed(): KeyedHandle | null {
    const r = this.r;
    const at = r.pos;
    const type = r.u8('a keyed state handle type');
    switch (type) {
      case HANDLE.NULL:
        return null;
      case HANDLE.KEY_GROUPS:
      case HANDLE.KEY_GROUPS_V2:
      case HANDLE.SAVEPOINT_KEY_GROUPS: {
        const { keyGroupRange, offsets } = this.keyGroupOffsets();
        const delegate = this.stream();
        const handle: KeyedHandle = { type: 'key-groups', savepoint: type === HANDLE.SAVEPOINT_KEY_GROUPS, keyGroupRange, offsets, delegate };
        if (type === HANDLE.KEY_GROUPS_V2) handle.stateHandleId = r.utf('a state handle id');
        return handle;
      }
      case HANDLE.INCREMENTAL:
      case HANDLE.INCREMENTAL_V2: {
        const v2 = type === HANDLE.INCREMENTAL_V2;
        const checkpointId = r.i64('a checkpoint id');
        const backendId = r.utf('a backend id');
        const keyGroupRange = this.keyGroupRange();
        const checkpointedSize = v2 ? r.i64('a checkpointed size') : undefined;
        const metaStateHandle = this.stream();
        const sharedState = this.handleList('shared state');
        const privateState = this.handleList('private state');
        const handle: KeyedHandle = { type: 'incremental', checkpointId, backendId, keyGroupRange, metaStateHandle, sharedState, privateState };
        if (v2) Object.assign(handle, { checkpointedSize, stateHandleId: r.utf('a state handle id') });
        return handle;
      }
      case HANDLE.CHANGELOG:
      case HANDLE.CHANGELOG_V2: {
        const keyGroupRange = this.keyGroupRange();
        const checkpointedSize = r.i64('a checkpointed size');
        const materialized: KeyedHandle[] = [];
        for (let i = 0, n = r.count('materialized handles'); i < n; i++) {
          const h = this.keyed();
          if (h) materialized.push(h);
        }
        const nonMaterialized: KeyedHandle[] = [];
        for (let i = 0, n = r.count('non-materialized handles'); i < n; i++) {
          const h = this.keyed();
          if (h) nonMaterialized.push(h);
        }
        const materializationId = r.i64('a materialization id');
        const checkpointId = type === HANDLE.CHANGELOG_V2 ? r.i64('a checkpoint id') : materializationId;
        return {
          type: 'changelog',
          keyGroupRange,
          checkpointedSize,
          materialized,
          nonMaterialized,
          materializationId,
          checkpointId,
          stateHandleId: r.utf('a state handle id'),
        };
      }
      case HANDLE.CHANGELOG_BYTES: {
        const keyGroupRange = this.keyGroupRange();
        const from = r.i64('a sequence number');
        const to = r.i64('a sequence number');
        const changes = r.count('state changes', 8);
        let size = 0;
        for (let i = 0; i < changes; i++) {
          r.i32('a key group');
          const n = r.count('a state change length');
          r.skip(n, 'a state change');
          size += n;
        }
        return { type: 'changelog-bytes', keyGroupRange, from, to, changes, size, stateHandleId: r.utf('a state handle id') };
      }
      case HANDLE.CHANGELOG_FILE:
      case HANDLE.CHANGELOG_FILE_V2: {
        const keyGroupRange = this.keyGroupRange();
        const handles: { offset: number; handle: StreamHandle | null }[] = [];
        for (let i = 0, n = r.count('changelog handles', 9); i < n; i++) {
          const offset = r.i64('a changelog offset');
          handles.push({ offset, handle: this.stream() });
        }
        const size = r.i64('a state size');
        const checkpointedSize = r.i64('a checkpointed size');
        const stateHandleId = r.utf('a state handle id');
        const storageIdentifier = type === HANDLE.CHANGELOG_FILE_V2 ? r.utf('a storage identifier') : 'filesystem';
        return { type: 'changelog-file', keyGroupRange, handles, size, checkpointedSize, stateHandleId, storageIdentifier };
      }
      default:
        return this.unsupported(type, at, 'a keyed state handle');
    }
  }

  private handleList(what: string): HandleAndLocalPath[] {
    const out: HandleAndLocalPath[] = [];
    for (let i = 0, n = this.r.count(`the number of ${what} handles`, 3); i < n; i++) {
      const localPath = this.r.utf('a local path');
      out.push({ localPath, handle: this.stream() });
    }
    return out;
  }

  // ---- operator state -------------------------------------------------------------------------------

  private operatorHandle(): OperatorHandle | null {
    const r = this.r;
    const at = r.pos;
    const type = r.i8('an operator state handle type');
    if (type === HANDLE.NULL) return null;
    if (type !== HANDLE.PARTITIONABLE_OPERATOR && type !== HANDLE.SEGMENT_PARTITIONABLE_OPERATOR) return this.unsupported(type, at, 'an operator state handle');
    const states: OperatorStateEntry[] = [];
    for (let i = 0, n = r.count('operator state entries', 7); i < n; i++) {
      const name = r.utf('a state name');
      const modeAt = r.pos;
      const mode = MODES[r.u8('a distribution mode')];
      if (!mode) throw new FlinkMetadataError(`corrupt: unknown distribution mode at byte ${modeAt}`);
      const count = r.count('partition offsets', 8);
      const offsets = new Array<number>(count);
      for (let j = 0; j < count; j++) offsets[j] = r.i64('a partition offset');
      states.push({ name, mode, offsets });
    }
    if (type === HANDLE.PARTITIONABLE_OPERATOR) return { type: 'operator', states, delegate: this.stream() };
    const taskOwnedDir = r.utf('a task-owned directory');
    const sharedDir = r.utf('a shared directory');
    const empty = r.bool('an empty flag');
    return { type: 'file-merging-operator', states, delegate: this.stream(), taskOwnedDir, sharedDir, empty };
  }

  // ---- channel state (unaligned checkpoints) --------------------------------------------------------

  private channels(direction: 'input' | 'output'): ChannelHandle[] {
    const out: ChannelHandle[] = [];
    for (let i = 0, n = this.r.count(`the number of ${direction} channel handles`, 4); i < n; i++) out.push(this.channel(direction));
    return out;
  }

  private channel(direction: 'input' | 'output'): ChannelHandle {
    const r = this.r;
    if (this.version < 6) return this.plainChannel(direction === 'input' ? 'input-channel' : 'result-subpartition');
    const at = r.pos;
    const type = r.u8('a channel state handle type');
    if (direction === 'input' && type === CHANNEL.INPUT) return this.plainChannel('input-channel');
    if (direction === 'output' && type === CHANNEL.OUTPUT) return this.plainChannel('result-subpartition');
    if (direction === 'input' && type === CHANNEL.MERGED_INPUT) return this.mergedChannel('merged-input-channel');
    if (direction === 'output' && type === CHANNEL.MERGED_OUTPUT) return this.mergedChannel('merged-result-subpartition');
    return this.unsupported(type, at, `an ${direction} channel state handle`);
  }

  private plainChannel(type: 'input-channel' | 'result-subpartition'): ChannelHandle {
    const r = this.r;
    const subtaskIndex = r.i32('a subtask index');
    const info: [number, number] = [r.i32('a gate or partition index'), r.i32('a channel or subpartition index')];
    const count = r.count('channel offsets', 8);
    const offsets = new Array<number>(count);
    for (let i = 0; i < count; i++) offsets[i] = r.i64('a channel offset');
    const size = r.i64('a channel state size');
    return { type, subtaskIndex, info, offsets, size, delegate: this.stream() };
  }

  private mergedChannel(type: 'merged-input-channel' | 'merged-result-subpartition'): ChannelHandle {
    const r = this.r;
    const subtaskIndex = r.i32('a subtask index');
    const size = r.i64('a channel state size');
    const delegate = this.stream();
    const channelOffsetsBytes = r.count('serialized channel offsets');
    r.skip(channelOffsetsBytes, 'serialized channel offsets');
    return { type, subtaskIndex, size, delegate, channelOffsetsBytes };
  }
}

function emptySubtask(index: number, finished: boolean): SubtaskState {
  return {
    index,
    finished,
    managedOperatorState: null,
    rawOperatorState: null,
    managedKeyedState: null,
    rawKeyedState: null,
    inputChannelState: [],
    outputChannelState: [],
  };
}
