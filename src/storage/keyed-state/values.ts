// Decoders of serialized values, one per serializer this reader knows, built from the header's serializer
// snapshots; each mirrors the serializer's `serialize` (Flink's StringValue for String, big-endian primitives, a
// length then elements for arrays and collections, a flags byte then null-flagged fields for a POJO, a null mask
// for a Row, a timestamp then the value for TTL, Flink's Avro encoding with the snapshot's schema). A serializer
// without a decoder (Kryo, a custom one) has none: its bytes are shown with its name, never guessed at.
import { avroDecoder } from './avro.js';
import { DataReader, hex, KeyedStateError } from './data-reader.js';
import { serializerName, type SerializerSpec } from './serializer-snapshots.js';

export type StateValue = null | boolean | number | string | StateValue[] | { [key: string]: StateValue };
export type Decoder = (r: DataReader) => StateValue;

/** Bytes that are not decoded: the serializer that wrote them and the bytes in hex. */
export function undecoded(spec: SerializerSpec | string, bytes: Uint8Array): StateValue {
  return { undecoded: typeof spec === 'string' ? spec : serializerName(spec), bytes: hex(bytes) };
}

/** Makes the decoder of an Avro schema (avro.ts by default). */
export type AvroDecoderFactory = (schema: string) => Decoder | undefined;

const ROW_KINDS = ['+I', '-U', '+U', '-D'];

/** A float as Java prints it: the shortest decimal that reads back as the same 32-bit float. */
function float32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

function finite(v: number): StateValue {
  return Number.isFinite(v) ? v : String(v);
}

function array(r: DataReader, element: Decoder, minBytes: number, what: string): StateValue[] {
  const n = r.count(what, minBytes);
  const out = new Array<StateValue>(n);
  for (let i = 0; i < n; i++) out[i] = element(r);
  return out;
}

/** The decoder of a serializer, or undefined when it (or one it nests) cannot be decoded here. */
export function decoderOf(spec: SerializerSpec | undefined, avro?: AvroDecoderFactory): Decoder | undefined {
  if (!spec) return undefined;
  const nested = (i: number) => decoderOf(spec.nested[i], avro);
  switch (spec.kind) {
    case 'string':
      return (r) => r.flinkString();
    case 'long':
      return (r) => r.long();
    case 'int':
      return (r) => r.i32();
    case 'short':
      return (r) => r.i16();
    case 'byte':
      return (r) => r.i8();
    case 'boolean':
      return (r) => r.bool();
    case 'double':
      return (r) => finite(r.f64());
    case 'float':
      return (r) => finite(float32(r.f32()));
    case 'char':
      return (r) => String.fromCharCode(r.u16());
    case 'bytes':
      return (r) => array(r, (x) => x.i8(), 1, 'a byte[] length');
    case 'boolean[]':
      return (r) => array(r, (x) => x.bool(), 1, 'a boolean[] length');
    case 'short[]':
      return (r) => array(r, (x) => x.i16(), 2, 'a short[] length');
    case 'int[]':
      return (r) => array(r, (x) => x.i32(), 4, 'an int[] length');
    case 'long[]':
      return (r) => array(r, (x) => x.long(), 8, 'a long[] length');
    case 'float[]':
      return (r) => array(r, (x) => finite(float32(x.f32())), 4, 'a float[] length');
    case 'double[]':
      return (r) => array(r, (x) => finite(x.f64()), 8, 'a double[] length');
    case 'char[]':
      return (r) => array(r, (x) => String.fromCharCode(x.u16()), 2, 'a char[] length');
    case 'string[]':
      // StringArraySerializer: a length, then each element as a nullable StringValue.
      return (r) => array(r, (x) => x.flinkString(), 1, 'a String[] length');
    case 'void-namespace':
    case 'global-window':
      return (r) => (r.skip(1), null);
    case 'time-window':
      return (r) => ({ start: r.long(), end: r.long() });
    case 'void':
      return () => null;
    case 'list': {
      const element = nested(0);
      return element && ((r) => array(r, element, 0, 'a list size'));
    }
    case 'set': {
      const element = nested(0);
      return element && ((r) => array(r, (x) => (x.bool() ? null : element(x)), 1, 'a set size'));
    }
    case 'array': {
      const element = nested(0);
      // GenericArraySerializer: a length, then per element a "present" flag.
      return element && ((r) => array(r, (x) => (x.bool() ? element(x) : null), 1, 'an array length'));
    }
    case 'map': {
      const key = nested(0);
      const value = nested(1);
      if (!key || !value) return undefined;
      return (r) => {
        const n = r.count('a map size', 1);
        const out: { [k: string]: StateValue } = {};
        for (let i = 0; i < n; i++) {
          const k = key(r);
          out[typeof k === 'string' ? k : JSON.stringify(k)] = r.bool() ? null : value(r);
        }
        return out;
      };
    }
    case 'pojo':
      return pojoDecoder(spec, avro, false);
    case 'tuple': {
      const fields = spec.nested.map((s) => decoderOf(s, avro));
      if (fields.some((f) => !f)) return undefined;
      return (r) => Object.fromEntries(fields.map((f, i) => [`f${i}`, f!(r)]));
    }
    case 'row':
      return rowDecoder(spec, avro);
    case 'enum': {
      const names = spec.enumValues ?? [];
      return (r) => {
        const at = r.pos;
        const ordinal = r.i32('an enum ordinal');
        if (ordinal < 0 || ordinal >= names.length) throw new KeyedStateError(`corrupt: enum ordinal ${ordinal} at byte ${at}, ${names.length} constants`);
        return names[ordinal];
      };
    }
    case 'ttl': {
      const value = nested(1);
      return value && ((r) => ({ lastAccessTimestamp: r.long(), value: value(r) }));
    }
    case 'ttl-aware':
      return nested(0);
    case 'nullable': {
      const value = nested(0);
      const padding = spec.nullPadding ?? 0;
      return value && ((r) => (r.bool() ? (r.skip(padding), null) : value(r)));
    }
    case 'timer': {
      const key = nested(0);
      const namespace = nested(1);
      if (!key || !namespace) return undefined;
      return (r) => ({ timestamp: flipSign(r.i64Big()), key: key(r), namespace: namespace(r) });
    }
    case 'either': {
      const left = nested(0);
      const right = nested(1);
      if (!left || !right) return undefined;
      return (r): StateValue => (r.bool() ? { left: left(r) } : { right: right(r) });
    }
    case 'avro':
      return spec.schema ? (avro ?? avroDecoder)(spec.schema) : undefined;
    case 'kryo':
    case 'opaque':
      return undefined;
  }
}

/** TimerSerializer stores the timestamp with its sign bit flipped (so that bytes sort like numbers). */
function flipSign(v: bigint): StateValue {
  const t = BigInt.asIntN(64, v ^ (1n << 63n));
  return t <= BigInt(Number.MAX_SAFE_INTEGER) && t >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : t.toString();
}

/**
 * PojoSerializer: a flags byte (1 null, 2 this class, 4 a subclass by name, 8 a registered subclass), then each
 * field in order with a null flag. With `partial`, a field without a decoder ends the object there: that field
 * is shown as bytes (the rest of the value) and the fields after it are left out.
 */
function pojoDecoder(spec: SerializerSpec, avro: AvroDecoderFactory | undefined, partial: boolean): Decoder | undefined {
  const fields = spec.nested.map((s) => decoderOf(s, avro));
  const names = spec.fields ?? [];
  if (!partial && fields.some((f) => !f)) return undefined;
  return (r) => {
    const at = r.pos;
    const flags = r.u8('POJO flags');
    if (flags & 1) return null;
    if (!(flags & 2)) throw new KeyedStateError(`a subclass of ${spec.typeClass} at byte ${at} (flags ${flags}): its serializer is not in the snapshot`);
    const out: { [k: string]: StateValue } = {};
    for (let i = 0; i < fields.length; i++) {
      const name = names[i] || `#${i}`;
      const decode = fields[i];
      if (!decode) {
        out[name] = undecoded(spec.nested[i], r.bytes(r.remaining));
        break;
      }
      out[name] = r.bool('a field null flag') ? null : decode(r);
    }
    return out;
  };
}

/** RowSerializer: a bit mask (row kind in the first two bits when it has one, then one null bit per field). */
function rowDecoder(spec: SerializerSpec, avro: AvroDecoderFactory | undefined): Decoder | undefined {
  const fields = spec.nested.map((s) => decoderOf(s, avro));
  if (fields.some((f) => !f)) return undefined;
  const offset = spec.supportsRowKind ? 2 : 0;
  const bits = offset + fields.length;
  return (r) => {
    const mask = r.bytes(Math.ceil(bits / 8), 'a row mask');
    const bit = (i: number) => (mask[i >> 3] & (0x80 >> (i & 7))) !== 0;
    const kind = offset ? ROW_KINDS[(bit(0) ? 1 : 0) | (bit(1) ? 2 : 0)] : '+I';
    const values = fields.map((f, i) => (bit(offset + i) ? null : f!(r)));
    return { kind, fields: values };
  };
}

/**
 * Decodes one whole value (a key, a VALUE state's value, a map's user value): every byte must be used, else the
 * serializer did not write these bytes and they are shown undecoded. A top-level POJO decodes the fields it can.
 */
export function decodeWhole(
  spec: SerializerSpec | undefined,
  decoder: Decoder | undefined,
  bytes: Buffer,
  start = 0,
  end = bytes.length,
  avro?: AvroDecoderFactory,
): StateValue {
  const raw = bytes.subarray(start, end);
  if (!spec) return undecoded('(serializer unknown)', raw);
  const decode = decoder ?? (spec.kind === 'pojo' ? pojoDecoder(spec, avro, true) : undefined);
  if (!decode) return undecoded(spec, raw);
  const r = new DataReader(bytes, start, end);
  try {
    const value = decode(r);
    if (r.remaining !== 0) return { ...(undecoded(spec, raw) as object), problem: `${r.remaining} bytes left over after the value` } as StateValue;
    return value;
  } catch (error) {
    if (!(error instanceof KeyedStateError)) throw error;
    return { ...(undecoded(spec, raw) as object), problem: error.message } as StateValue;
  }
}

/** Bytes a fixed-length serializer always writes; -1 for variable-length ones (what TypeSerializer.getLength says). */
export function fixedLength(spec: SerializerSpec | undefined): number {
  switch (spec?.kind) {
    case 'long':
    case 'double':
      return 8;
    case 'int':
    case 'float':
      return 4;
    case 'short':
    case 'char':
      return 2;
    case 'byte':
    case 'boolean':
      return 1;
    case 'void-namespace':
    case 'global-window':
      return 0; // their getLength says 0 (VoidNamespace) or 1, see namespaceBytes
    case 'time-window':
      return 16;
    default:
      return -1;
  }
}
