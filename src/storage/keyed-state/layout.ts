// What the bytes of one entry mean for its state (Flink's composite keys, as RocksDB stores them and the heap
// backend's savepoint writes them): key = key-group prefix, serialized key, namespace (with the key's and the
// namespace's lengths appended when both are variable-length), a MAP's user key; value = the VALUE/REDUCING/
// AGGREGATING state's value, a LIST's elements separated by one byte, a MAP entry's null flag and user value.
// A timer's key is the key group, the timestamp (sign bit flipped), key and namespace; its value is empty.
import { DataReader, KeyedStateError } from './data-reader.js';
import type { KeyedStateHeader, StateMeta } from './header.js';
import type { SerializerSpec } from './serializer-snapshots.js';
import { decoderOf, decodeWhole, fixedLength, undecoded, type AvroDecoderFactory, type Decoder, type StateValue } from './values.js';

export interface StateLayout {
  state: StateMeta;
  key: SerializerSpec;
  keyDecoder?: Decoder;
  namespace?: SerializerSpec;
  namespaceDecoder?: Decoder;
  /** VALUE_SERIALIZER: the whole value (a List/Map serializer for LIST and MAP state), a timer's element. */
  value?: SerializerSpec;
  /** LIST: the element; MAP: the user value; else the value. */
  element?: SerializerSpec;
  elementDecoder?: Decoder;
  userKey?: SerializerSpec;
  userKeyDecoder?: Decoder;
  /** Key and namespace both variable-length: Flink appends their lengths. */
  ambiguous: boolean;
  /** Bytes the namespace takes when it is fixed (VoidNamespace: 1), else -1. */
  namespaceBytes: number;
  /** Bytes before the key (key group prefix, and a timer's timestamp). */
  keyOffset: number;
  /** The namespace is always the same (VoidNamespace, GlobalWindow): one entry per key (VALUE, LIST). */
  singleNamespace: boolean;
  /** Where a key of a common type ends, without decoding it (for counting keys fast); -1 when malformed. */
  keySkip?: (buf: Buffer, from: number, end: number) => number;
}

/** Skips one serialized key of a common type without building its value: the end offset, or -1. */
function skipperOf(spec: SerializerSpec | undefined): StateLayout['keySkip'] {
  const fixed = spec?.kind === 'string' ? -1 : fixedLength(spec);
  if (fixed >= 0 && spec?.kind !== 'void-namespace' && spec?.kind !== 'global-window') return (_buf, from, end) => (from + fixed <= end ? from + fixed : -1);
  if (spec?.kind !== 'string') return undefined;
  // StringValue: the length + 1 in 7-bit groups, then each char in 7-bit groups.
  return (buf, from, end) => {
    let pos = from;
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= end || shift > 28) return -1;
      const b = buf[pos++];
      len |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    for (let chars = len - 1; chars > 0; chars--) {
      while (pos < end && buf[pos] >= 0x80) pos++;
      if (pos >= end) return -1;
      pos++;
    }
    return pos;
  };
}

export function layoutOf(header: KeyedStateHeader, state: StateMeta, prefixBytes: number, avro?: AvroDecoderFactory): StateLayout {
  const s = state.serializers;
  const timer = state.kind === 'TIMERS';
  const value = s.VALUE_SERIALIZER;
  const key = timer && value?.kind === 'timer' ? (value.nested[0] ?? header.keySerializer) : header.keySerializer;
  const namespace = timer && value?.kind === 'timer' ? value.nested[1] : s.NAMESPACE_SERIALIZER;
  let element = value;
  let userKey = s.USER_KEY_SERIALIZER;
  if (state.kind === 'LIST' && value?.kind === 'list') element = value.nested[0];
  if (state.kind === 'MAP' && value?.kind === 'map') {
    userKey = value.nested[0];
    element = value.nested[1];
  }
  const nsFixed = fixedLength(namespace) >= 0;
  const ambiguous = !timer && fixedLength(key) < 0 && !nsFixed && namespace !== undefined;
  const namespaceBytes = namespace?.kind === 'void-namespace' || namespace?.kind === 'global-window' ? 1 : namespace?.kind === 'time-window' ? 16 : -1;
  return {
    state,
    key,
    keyDecoder: decoderOf(key, avro),
    namespace,
    namespaceDecoder: decoderOf(namespace, avro),
    value,
    element,
    elementDecoder: decoderOf(element, avro),
    userKey,
    userKeyDecoder: decoderOf(userKey, avro),
    ambiguous,
    namespaceBytes,
    keyOffset: prefixBytes + (timer ? 8 : 0),
    singleNamespace: namespace?.kind === 'void-namespace' || namespace?.kind === 'global-window',
    keySkip: skipperOf(key),
  };
}

/**
 * Where the serialized key ends in the key bytes, or -1 when that cannot be known without a decoder. Found by
 * decoding the key when its serializer is known, else (not for MAP state: a user key follows) from a
 * fixed-size namespace at the end.
 */
export function keyEnd(layout: StateLayout, buf: Buffer, keyStart: number, keyLength: number): number {
  const from = keyStart + layout.keyOffset;
  const end = keyStart + keyLength;
  if (layout.keySkip) return layout.keySkip(buf, from, end);
  if (layout.keyDecoder) {
    const r = new DataReader(buf, from, end);
    try {
      layout.keyDecoder(r);
      return r.pos;
    } catch {
      return -1;
    }
  }
  if (layout.state.kind !== 'MAP' && !layout.ambiguous && layout.namespaceBytes >= 0 && end - layout.namespaceBytes >= from) return end - layout.namespaceBytes;
  return -1;
}

export interface DecodedEntry {
  key: StateValue;
  namespace: StateValue;
  userKey?: StateValue;
  value: StateValue;
  /** A timer's time. */
  timestamp?: StateValue;
}

/** Decodes one entry in full (used for --key): what cannot be decoded is shown as bytes with its serializer. */
export function decodeEntry(layout: StateLayout, buf: Buffer, keyStart: number, keyLength: number, valueStart: number, valueLength: number): DecodedEntry {
  const end = keyStart + keyLength;
  const r = new DataReader(buf, keyStart + layout.keyOffset, end);
  const out: DecodedEntry = { key: null, namespace: null, value: null };
  if (layout.state.kind === 'TIMERS') out.timestamp = flipSignBit(buf.readBigInt64BE(keyStart + layout.keyOffset - 8));
  const kEnd = keyEnd(layout, buf, keyStart, keyLength);
  if (kEnd < 0) {
    out.key = undecoded(layout.key, buf.subarray(r.pos, end));
    out.namespace = undecoded(layout.namespace ?? '(none)', Buffer.alloc(0));
    return { ...out, value: undecoded(layout.value ?? '(none)', buf.subarray(valueStart, valueStart + valueLength)) };
  }
  out.key = decodeWhole(layout.key, layout.keyDecoder, buf, r.pos, kEnd);
  r.pos = kEnd;
  if (layout.ambiguous) skipLengthBytes(r, kEnd - (keyStart + layout.keyOffset));
  // Namespace: decoded, or its fixed size; a MAP's user key follows it.
  const nsStart = r.pos;
  let nsEnd = -1;
  if (layout.namespaceDecoder) {
    try {
      layout.namespaceDecoder(r);
      nsEnd = r.pos;
    } catch {
      nsEnd = -1;
    }
  } else if (layout.namespaceBytes >= 0) nsEnd = nsStart + layout.namespaceBytes;
  else if (layout.state.kind !== 'MAP') nsEnd = end;
  if (nsEnd < 0 || nsEnd > end) {
    out.namespace = undecoded(layout.namespace ?? '(none)', buf.subarray(nsStart, end));
    return { ...out, value: undecoded(layout.value ?? '(none)', buf.subarray(valueStart, valueStart + valueLength)) };
  }
  out.namespace = decodeWhole(layout.namespace, layout.namespaceDecoder, buf, nsStart, nsEnd);
  r.pos = nsEnd;
  if (layout.ambiguous) skipLengthBytes(r, nsEnd - nsStart);
  const valueEnd = valueStart + valueLength;
  switch (layout.state.kind) {
    case 'TIMERS':
      return out;
    case 'MAP': {
      out.userKey = decodeWhole(layout.userKey, layout.userKeyDecoder, buf, r.pos, end);
      if (valueLength < 1) throw new KeyedStateError('corrupt: a map entry without its null flag');
      out.value = buf[valueStart] !== 0 ? null : decodeWhole(layout.element, layout.elementDecoder, buf, valueStart + 1, valueEnd);
      return out;
    }
    case 'LIST':
      out.value = decodeList(layout, buf, valueStart, valueEnd);
      return out;
    default:
      out.value = decodeWhole(layout.value, layout.elementDecoder, buf, valueStart, valueEnd);
      return out;
  }
}

/** ListDelimitedSerializer: elements one after another, one delimiter byte between two. */
function decodeList(layout: StateLayout, buf: Buffer, start: number, end: number): StateValue {
  const decode = layout.elementDecoder;
  if (!decode) return undecoded(layout.value ?? '(none)', buf.subarray(start, end));
  const r = new DataReader(buf, start, end);
  const out: StateValue[] = [];
  try {
    while (r.remaining > 0) {
      out.push(decode(r));
      if (r.remaining > 0) r.skip(1, 'a list delimiter');
    }
    return out;
  } catch (error) {
    if (!(error instanceof KeyedStateError)) throw error;
    return { ...(undecoded(layout.value!, buf.subarray(start, end)) as object), problem: error.message } as StateValue;
  }
}

/** CompositeKeySerializationUtils: the length written as bytes, lowest first, until what is left is zero. */
function skipLengthBytes(r: DataReader, length: number): void {
  let v = length;
  do {
    r.skip(1, 'a length suffix');
    v >>>= 8;
  } while (v !== 0);
}

function flipSignBit(v: bigint): StateValue {
  const t = BigInt.asIntN(64, v ^ (1n << 63n));
  return t <= BigInt(Number.MAX_SAFE_INTEGER) && t >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : t.toString();
}
