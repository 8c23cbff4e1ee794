// An encoder of Apache Flink's checkpoint metadata (versions 3-6) for the benchmark and the tests only: it
// writes the model the reader returns (src/storage/flink-metadata/types.ts) back into Flink's byte layout, so
// large or unusual `_metadata` files can be synthesised. The golden tests check it against real files: encoding
// what the reader decoded from a real cluster's `_metadata` must give back the same bytes.

const HANDLE = {
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
};
const MODES = ['SPLIT_DISTRIBUTE', 'UNION', 'BROADCAST'];
const SCOPES = ['EXCLUSIVE', 'SHARED'];

class Writer {
  constructor() {
    this.chunks = [];
    this.size = 0;
  }
  push(b) {
    this.chunks.push(b);
    this.size += b.length;
  }
  u8(v) {
    this.push(Buffer.of(v & 0xff));
  }
  bool(v) {
    this.u8(v ? 1 : 0);
  }
  u16(v) {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.push(b);
  }
  i32(v) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v | 0);
    this.push(b);
  }
  i64(v) {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    this.push(b);
  }
  /** DataOutputStream.writeUTF (modified UTF-8: NUL as two bytes, surrogates one by one). */
  utf(s) {
    const bytes = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 1 && c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    }
    this.u16(bytes.length);
    this.push(Buffer.from(bytes));
  }
  bytes() {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** Encodes `metadata` ({version, checkpointId, masterStates, operators, properties}) to `_metadata` bytes. */
export function encodeFlinkMetadata(metadata, options = {}) {
  const { version } = metadata;
  const w = new Writer();
  w.i32(0x4960672d);
  w.i32(version);
  w.i64(metadata.checkpointId);
  w.i32(metadata.masterStates.length);
  for (const m of metadata.masterStates) {
    const inner = new Writer();
    inner.i32(m.version);
    inner.utf(m.name);
    inner.i32(m.size);
    inner.push(Buffer.alloc(m.size));
    const body = inner.bytes();
    w.i32(0xc96b1696 | 0);
    w.i32(body.length);
    w.push(body);
  }
  w.i32(metadata.operators.length);
  for (const op of metadata.operators) operator(w, version, op);
  if (version >= 4) w.push(options.propertiesBytes ?? javaProperties(metadata.properties));
  return w.bytes();
}

function operator(w, version, op) {
  if (version >= 5) {
    w.utf(op.name ?? '');
    w.utf(op.uid ?? '');
  }
  w.push(Buffer.from(op.id, 'hex'));
  w.i32(op.parallelism);
  w.i32(op.maxParallelism);
  stream(w, op.coordinatorState);
  if (op.fullyFinished) return w.i32(-1);
  w.i32(op.subtasks.length);
  for (const s of op.subtasks) {
    if (s.finished) {
      w.i32(-s.index - 1);
      continue;
    }
    w.i32(s.index);
    for (const h of [s.managedOperatorState, s.rawOperatorState]) {
      w.i32(h ? 1 : 0);
      if (h) operatorHandle(w, h);
    }
    keyed(w, s.managedKeyedState);
    keyed(w, s.rawKeyedState);
    for (const list of [s.inputChannelState, s.outputChannelState]) {
      w.i32(list.length);
      for (const c of list) channel(w, version, c);
    }
  }
}

function stream(w, h) {
  if (!h) return w.u8(HANDLE.NULL);
  switch (h.type) {
    case 'file':
      w.u8(HANDLE.FILE);
      w.i64(h.size);
      w.utf(h.path);
      return;
    case 'byte-stream':
      w.u8(HANDLE.BYTE_STREAM);
      w.utf(h.name);
      w.i32(h.size);
      w.push(Buffer.isBuffer(h.data) ? h.data : Buffer.alloc(h.size)); // the inlined bytes, when a model carries them
      return;
    case 'relative-file':
      w.u8(HANDLE.RELATIVE_FILE);
      w.utf(h.relativePath);
      w.i64(h.size);
      return;
    case 'key-groups-stream':
      w.u8(HANDLE.KEY_GROUPS);
      keyGroupOffsets(w, h);
      stream(w, h.delegate);
      return;
    case 'segment-file':
      w.u8(HANDLE.SEGMENT_FILE);
      w.i64(h.startPos);
      w.i64(h.size);
      w.i32(SCOPES.indexOf(h.scope));
      w.utf(h.path);
      w.utf(h.logicalFileId);
      return;
    case 'empty-segment-file':
      w.u8(HANDLE.EMPTY_SEGMENT_FILE);
      return;
    default:
      throw new Error(`cannot encode stream handle ${h.type}`);
  }
}

function range(w, r) {
  w.i32(r.start);
  w.i32(r.end - r.start + 1);
}
function keyGroupOffsets(w, h) {
  range(w, h.keyGroupRange);
  for (const o of h.offsets) w.i64(o);
}
function handleList(w, list) {
  w.i32(list.length);
  for (const x of list) {
    w.utf(x.localPath);
    stream(w, x.handle);
  }
}

function keyed(w, h) {
  if (!h) return w.u8(HANDLE.NULL);
  switch (h.type) {
    case 'key-groups':
      w.u8(h.savepoint ? HANDLE.SAVEPOINT_KEY_GROUPS : h.stateHandleId !== undefined ? HANDLE.KEY_GROUPS_V2 : HANDLE.KEY_GROUPS);
      keyGroupOffsets(w, h);
      stream(w, h.delegate);
      if (!h.savepoint && h.stateHandleId !== undefined) w.utf(h.stateHandleId);
      return;
    case 'incremental': {
      const v2 = h.stateHandleId !== undefined;
      w.u8(v2 ? HANDLE.INCREMENTAL_V2 : HANDLE.INCREMENTAL);
      w.i64(h.checkpointId);
      w.utf(h.backendId);
      range(w, h.keyGroupRange);
      if (v2) w.i64(h.checkpointedSize);
      stream(w, h.metaStateHandle);
      handleList(w, h.sharedState);
      handleList(w, h.privateState);
      if (v2) w.utf(h.stateHandleId);
      return;
    }
    case 'changelog':
      w.u8(HANDLE.CHANGELOG_V2);
      range(w, h.keyGroupRange);
      w.i64(h.checkpointedSize);
      w.i32(h.materialized.length);
      for (const k of h.materialized) keyed(w, k);
      w.i32(h.nonMaterialized.length);
      for (const k of h.nonMaterialized) keyed(w, k);
      w.i64(h.materializationId);
      w.i64(h.checkpointId);
      w.utf(h.stateHandleId);
      return;
    case 'changelog-bytes': {
      w.u8(HANDLE.CHANGELOG_BYTES);
      range(w, h.keyGroupRange);
      w.i64(h.from);
      w.i64(h.to);
      w.i32(h.changes);
      const each = h.changes === 0 ? 0 : Math.floor(h.size / h.changes);
      for (let i = 0; i < h.changes; i++) {
        const n = i === h.changes - 1 ? h.size - each * i : each;
        w.i32(h.keyGroupRange.start);
        w.i32(n);
        w.push(Buffer.alloc(n));
      }
      w.utf(h.stateHandleId);
      return;
    }
    case 'changelog-file':
      w.u8(HANDLE.CHANGELOG_FILE_V2);
      range(w, h.keyGroupRange);
      w.i32(h.handles.length);
      for (const x of h.handles) {
        w.i64(x.offset);
        stream(w, x.handle);
      }
      w.i64(h.size);
      w.i64(h.checkpointedSize);
      w.utf(h.stateHandleId);
      w.utf(h.storageIdentifier);
      return;
    default:
      throw new Error(`cannot encode keyed handle ${h.type}`);
  }
}

function operatorHandle(w, h) {
  w.u8(h.type === 'operator' ? HANDLE.PARTITIONABLE_OPERATOR : HANDLE.SEGMENT_PARTITIONABLE_OPERATOR);
  w.i32(h.states.length);
  for (const s of h.states) {
    w.utf(s.name);
    w.u8(MODES.indexOf(s.mode));
    w.i32(s.offsets.length);
    for (const o of s.offsets) w.i64(o);
  }
  if (h.type === 'file-merging-operator') {
    w.utf(h.taskOwnedDir);
    w.utf(h.sharedDir);
    w.bool(h.empty);
  }
  stream(w, h.delegate);
}

function channel(w, version, c) {
  const merged = c.type.startsWith('merged-');
  if (version >= 6) w.u8({ 'input-channel': 1, 'result-subpartition': 2, 'merged-input-channel': 3, 'merged-result-subpartition': 4 }[c.type]);
  else if (merged) throw new Error('merged channel state exists from version 6 on');
  w.i32(c.subtaskIndex);
  if (merged) {
    w.i64(c.size);
    stream(w, c.delegate);
    w.i32(c.channelOffsetsBytes);
    w.push(Buffer.alloc(c.channelOffsetsBytes));
    return;
  }
  w.i32(c.info[0]);
  w.i32(c.info[1]);
  w.i32(c.offsets.length);
  for (const o of c.offsets) w.i64(o);
  w.i64(c.size);
  stream(w, c.delegate);
}

/**
 * A Java-serialized CheckpointProperties: booleans and a checkpointType object holding a name string and,
 * for a savepoint, a formatType enum (the shapes Flink writes; not byte-identical to Java's output).
 */
function javaProperties(p) {
  const w = new Writer();
  let handles = 0;
  const classDesc = (name, fields, flags = 0x02) => {
    w.u8(0x72);
    w.utf(name);
    w.i64(1);
    handles++;
    w.u8(flags);
    w.u16(fields.length);
    for (const [type, field, cls] of fields) {
      w.u8(type.charCodeAt(0));
      w.utf(field);
      if (cls) {
        w.u8(0x74);
        w.utf(cls);
        handles++;
      }
    }
    w.u8(0x78);
    w.u8(0x70);
  };
  const type = (p && p.checkpointType) || { '@class': 'org.apache.flink.runtime.checkpoint.CheckpointType', name: 'Checkpoint' };
  const bools = ['discardCancelled', 'discardFailed', 'discardFinished', 'discardSubsumed', 'discardSuspended', 'forced', 'unclaimed'];
  w.u16(0xaced);
  w.u16(5);
  w.u8(0x73);
  classDesc('org.apache.flink.runtime.checkpoint.CheckpointProperties', [
    ...bools.map((b) => ['Z', b]),
    ['L', 'checkpointType', 'Lorg/apache/flink/runtime/checkpoint/SnapshotType;'],
  ]);
  handles++;
  for (const b of bools) w.bool(Boolean(p && p[b]));
  const savepoint = String(type['@class']).endsWith('SavepointType');
  w.u8(0x73);
  classDesc(
    type['@class'],
    savepoint
      ? [
          ['L', 'formatType', 'Lorg/apache/flink/core/execution/SavepointFormatType;'],
          ['L', 'name', 'Ljava/lang/String;'],
        ]
      : [['L', 'name', 'Ljava/lang/String;']],
  );
  handles++;
  if (savepoint) {
    w.u8(0x7e);
    w.u8(0x72);
    w.utf('org.apache.flink.core.execution.SavepointFormatType');
    w.i64(0);
    handles++;
    w.u8(0x12);
    w.u16(0);
    w.u8(0x78);
    w.u8(0x72);
    w.utf('java.lang.Enum');
    w.i64(0);
    handles++;
    w.u8(0x12);
    w.u16(0);
    w.u8(0x78);
    w.u8(0x70);
    handles++;
    w.u8(0x74);
    w.utf(type.formatType ?? 'CANONICAL');
    handles++;
  }
  w.u8(0x74);
  w.utf(type.name ?? 'Checkpoint');
  handles++;
  return w.bytes();
}
