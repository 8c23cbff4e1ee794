// Writes canonical keyed-state files for tests, the way Flink's FullSnapshotAsyncWriter and its serializers do
// (written again here from the format, independently of the reader): a header with serializer snapshots, then
// key groups of length-prefixed entries with the flag bit and the end-of-key-group mark, optionally each key group
// in its own Snappy frame stream.
import snappy from 'snappyjs';
import type { OperatorState } from '../../src/storage/flink-metadata/types.js';

export class DataWriter {
  private parts: Buffer[] = [];
  u8(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  i64(v: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    this.parts.push(b);
    return this;
  }
  f32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatBE(v);
    this.parts.push(b);
    return this;
  }
  f64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    this.parts.push(b);
    return this;
  }
  /** DataOutput.writeUTF (ASCII and BMP text). */
  utf(s: string): this {
    const bytes: number[] = [];
    for (const ch of s) {
      const c = ch.charCodeAt(0);
      if (c >= 1 && c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    }
    this.u16(bytes.length);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  /** Flink's StringValue.writeString (null allowed). */
  str(s: string | null): this {
    const varint = (v: number) => {
      while (v >= 0x80) {
        this.u8((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.u8(v);
    };
    if (s === null) return this.u8(0);
    varint(s.length + 1);
    for (let i = 0; i < s.length; i++) varint(s.charCodeAt(i));
    return this;
  }
  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const P = 'org.apache.flink.api.common.typeutils.base.';
export const SIMPLE = {
  string: `${P}StringSerializer$StringSerializerSnapshot`,
  long: `${P}LongSerializer$LongSerializerSnapshot`,
  int: `${P}IntSerializer$IntSerializerSnapshot`,
  void: 'org.apache.flink.runtime.state.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot',
  timeWindow: 'org.apache.flink.streaming.api.windowing.windows.TimeWindow$Serializer$TimeWindowSerializerSnapshot',
};

/** writeVersionedSnapshot: class name, version, data. */
export function versioned(className: string, version: number, data: Buffer = Buffer.alloc(0)): Buffer {
  return new DataWriter().utf(className).i32(version).bytes(data).done();
}
export const simple = (className: string) => versioned(className, 3);

/** A CompositeTypeSerializerSnapshot's data: magic, outer version, outer data, nested snapshots. */
export function composite(className: string, nested: Buffer[], outer: Buffer = Buffer.alloc(0), outerVersion = 1): Buffer {
  const w = new DataWriter().i32(911108).i32(outerVersion).bytes(outer).i32(1333245).i32(1).i32(nested.length);
  for (const n of nested) w.bytes(n);
  return versioned(className, 3, w.done());
}

export interface TestState {
  name: string;
  kind: string;
  /** Role → versioned snapshot bytes. */
  serializers: Record<string, Buffer>;
  backendType?: number;
}

export function header(keySnapshot: Buffer, states: TestState[], compressed = false): Buffer {
  const w = new DataWriter().i32(6).bool(compressed).i32(2).bytes(keySnapshot).i16(states.length);
  for (const s of states) {
    w.utf(s.name).i32(s.backendType ?? (s.kind === 'TIMERS' ? 3 : 0));
    const options = s.kind === 'TIMERS' ? [] : [['KEYED_STATE_TYPE', s.kind]];
    w.i32(options.length);
    for (const [k, v] of options) w.utf(k).utf(v);
    const roles = Object.entries(s.serializers);
    w.i32(roles.length);
    for (const [role, snap] of roles) w.utf(role).i32(2).bytes(snap);
  }
  return w.done();
}

export interface TestEntry {
  stateId: number;
  /** Key bytes after the key-group prefix (serialized key, namespace, user key). */
  key: Buffer;
  value: Buffer;
}

/** Key groups in order; entries grouped by state as Flink writes them (state switches and end marks set here). */
export function keyedFile(
  headerBytes: Buffer,
  keyGroups: Array<{ group: number; entries: TestEntry[] }>,
  options: { maxParallelism: number; compressed?: boolean; range?: [number, number] },
): { bytes: Buffer; offsets: number[] } {
  const prefix = options.maxParallelism > 128 ? 2 : 1;
  const [first, last] = options.range ?? [0, options.maxParallelism - 1];
  const offsets = new Array<number>(last - first + 1).fill(0);
  const parts: Buffer[] = [headerBytes];
  let at = headerBytes.length;
  for (const { group, entries } of keyGroups) {
    offsets[group - first] = at;
    const w = new DataWriter().u16(entries[0].stateId);
    entries.forEach((e, i) => {
      const key = Buffer.concat([prefix === 1 ? Buffer.from([group]) : Buffer.from([group >> 8, group & 0xff]), e.key]);
      const next = entries[i + 1];
      const flagged = !next || next.stateId !== e.stateId;
      if (flagged) key[0] |= 0x80;
      w.i32(key.length).bytes(key).i32(e.value.length).bytes(e.value);
      if (flagged) w.u16(next ? next.stateId : 0xffff);
    });
    const plain = w.done();
    const out = options.compressed ? snappyFramed(plain) : plain;
    parts.push(out);
    at += out.length;
  }
  return { bytes: Buffer.concat(parts), offsets };
}

/** One operator of parallelism 1 whose keyed state is this file, inline in its `_metadata` (as a small savepoint's is). */
export function inlineKeyedOperator({ bytes, offsets }: { bytes: Buffer; offsets: number[] }, maxParallelism: number): OperatorState {
  return {
    id: '0'.repeat(32),
    name: null,
    uid: null,
    parallelism: 1,
    maxParallelism,
    coordinatorState: null,
    fullyFinished: false,
    subtasks: [
      {
        index: 0,
        finished: false,
        managedOperatorState: null,
        rawOperatorState: null,
        rawKeyedState: null,
        inputChannelState: [],
        outputChannelState: [],
        managedKeyedState: {
          type: 'key-groups',
          savepoint: true,
          keyGroupRange: { start: 0, end: maxParallelism - 1 },
          offsets,
          delegate: { type: 'byte-stream', name: 'inline', size: bytes.length, data: bytes },
        },
      },
    ],
  };
}

/** Snappy's framing format: the stream identifier, then compressed chunks of at most 64 KiB (CRC left zero). */
export function snappyFramed(plain: Buffer, chunk = 65536): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 6, 0, 0, ...Buffer.from('sNaPpY')])];
  for (let i = 0; i < plain.length; i += chunk) {
    const block = Buffer.from(snappy.compress(plain.subarray(i, i + chunk)));
    const len = block.length + 4;
    parts.push(Buffer.from([0, len & 0xff, (len >> 8) & 0xff, len >> 16, 0, 0, 0, 0]), block);
  }
  return Buffer.concat(parts);
}
