// Flink's TypeSerializerSnapshots as a keyed-state file's header holds them (TypeSerializerSnapshot's
// writeVersionedSnapshot: the snapshot's class name, its version, then its own data), read into a tree that names
// each serializer and carries what decoding its bytes needs: nested serializers, POJO field names, enum constants,
// an Avro schema. The data of a snapshot class this reader does not know has no length prefix, so it is read by
// its shape: a composite snapshot (Flink's magic number) through its nested serializers, anything else as a
// snapshot without data (what SimpleTypeSerializerSnapshot writes) — marked `assumed`, and the header reader
// checks that the rest of the header still reads and ends where the first key group starts.
import { DataReader, KeyedStateError } from './data-reader.js';

export type SerializerKind =
  | 'string'
  | 'long'
  | 'int'
  | 'short'
  | 'byte'
  | 'boolean'
  | 'double'
  | 'float'
  | 'char'
  | 'bytes'
  | 'boolean[]'
  | 'short[]'
  | 'int[]'
  | 'long[]'
  | 'float[]'
  | 'double[]'
  | 'char[]'
  | 'string[]'
  | 'void-namespace'
  | 'time-window'
  | 'global-window'
  | 'void'
  | 'list'
  | 'map'
  | 'set'
  | 'array'
  | 'pojo'
  | 'tuple'
  | 'row'
  | 'enum'
  | 'ttl'
  | 'ttl-aware'
  | 'nullable'
  | 'timer'
  | 'either'
  | 'avro'
  | 'kryo'
  | 'opaque';

export interface SerializerSpec {
  /** The snapshot's class name as written. */
  className: string;
  version: number;
  kind: SerializerKind;
  nested: SerializerSpec[];
  /** POJO, tuple, Kryo and Avro type class; enum class; array component class. */
  typeClass?: string;
  /** POJO: field names in serialization order ('' for a field that no longer exists). */
  fields?: string[];
  enumValues?: string[];
  /** Avro: the schema (JSON) the snapshot holds. */
  schema?: string;
  supportsRowKind?: boolean;
  nullPadding?: number;
  ttlEnabled?: boolean;
  /** The class was not known; its data was read by its shape (composite, or none). */
  assumed?: 'composite' | 'empty';
}

const P = 'org.apache.flink.api.common.typeutils.base.';
const A = `${P}array.`;
/** SimpleTypeSerializerSnapshots (no data of their own) of the types this reader decodes. */
const SIMPLE: Record<string, SerializerKind> = {
  [`${P}StringSerializer$StringSerializerSnapshot`]: 'string',
  [`${P}LongSerializer$LongSerializerSnapshot`]: 'long',
  [`${P}IntSerializer$IntSerializerSnapshot`]: 'int',
  [`${P}ShortSerializer$ShortSerializerSnapshot`]: 'short',
  [`${P}ByteSerializer$ByteSerializerSnapshot`]: 'byte',
  [`${P}BooleanSerializer$BooleanSerializerSnapshot`]: 'boolean',
  [`${P}DoubleSerializer$DoubleSerializerSnapshot`]: 'double',
  [`${P}FloatSerializer$FloatSerializerSnapshot`]: 'float',
  [`${P}CharSerializer$CharSerializerSnapshot`]: 'char',
  [`${P}VoidSerializer$VoidSerializerSnapshot`]: 'void',
  [`${A}BytePrimitiveArraySerializer$BytePrimitiveArraySerializerSnapshot`]: 'bytes',
  [`${A}BooleanPrimitiveArraySerializer$BooleanPrimitiveArraySerializerSnapshot`]: 'boolean[]',
  [`${A}ShortPrimitiveArraySerializer$ShortPrimitiveArraySerializerSnapshot`]: 'short[]',
  [`${A}IntPrimitiveArraySerializer$IntPrimitiveArraySerializerSnapshot`]: 'int[]',
  [`${A}LongPrimitiveArraySerializer$LongPrimitiveArraySerializerSnapshot`]: 'long[]',
  [`${A}FloatPrimitiveArraySerializer$FloatPrimitiveArraySerializerSnapshot`]: 'float[]',
  [`${A}DoublePrimitiveArraySerializer$DoublePrimitiveArraySerializerSnapshot`]: 'double[]',
  [`${A}CharPrimitiveArraySerializer$CharPrimitiveArraySerializerSnapshot`]: 'char[]',
  [`${A}StringArraySerializer$StringArraySerializerSnapshot`]: 'string[]',
  'org.apache.flink.runtime.state.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot': 'void-namespace',
  'org.apache.flink.streaming.api.windowing.windows.TimeWindow$Serializer$TimeWindowSerializerSnapshot': 'time-window',
  'org.apache.flink.streaming.api.windowing.windows.GlobalWindow$Serializer$GlobalWindowSerializerSnapshot': 'global-window',
};

/** Other SimpleTypeSerializerSnapshots of Flink: no data, bytes not decoded here (shown with their name). */
const SIMPLE_OPAQUE = [
  'BigDecSerializer$BigDecSerializerSnapshot',
  'BigIntSerializer$BigIntSerializerSnapshot',
  'BooleanValueSerializer$BooleanValueSerializerSnapshot',
  'ByteValueSerializer$ByteValueSerializerSnapshot',
  'CharValueSerializer$CharValueSerializerSnapshot',
  'DateSerializer$DateSerializerSnapshot',
  'DoubleValueSerializer$DoubleValueSerializerSnapshot',
  'FloatValueSerializer$FloatValueSerializerSnapshot',
  'InstantSerializer$InstantSerializerSnapshot',
  'IntValueSerializer$IntValueSerializerSnapshot',
  'LocalDateSerializer$LocalDateSerializerSnapshot',
  'LocalDateTimeSerializer$LocalDateTimeSerializerSnapshot',
  'LocalTimeSerializer$LocalTimeSerializerSnapshot',
  'LongValueSerializer$LongValueSerializerSnapshot',
  'NullValueSerializer$NullValueSerializerSnapshot',
  'ShortValueSerializer$ShortValueSerializerSnapshot',
  'SqlDateSerializer$SqlDateSerializerSnapshot',
  'SqlTimeSerializer$SqlTimeSerializerSnapshot',
  'SqlTimestampSerializer$SqlTimestampSerializerSnapshot',
  'StringValueSerializer$StringValueSerializerSnapshot',
  'BitmapSerializer$BitmapSerializerSnapshot',
  'VariantSerializer$VariantSerializerSnapshot',
]
  .map((c) => P + c)
  .concat(['org.apache.flink.api.java.typeutils.runtime.Tuple0SerializerSnapshot', 'org.apache.flink.runtime.state.JavaSerializer$JavaSerializerSnapshot']);

/** CompositeTypeSerializerSnapshots: their outer data, then their nested serializers. */
const COMPOSITE: Record<string, { kind: SerializerKind; outer?: (r: DataReader, spec: SerializerSpec, outerVersion: number) => void }> = {
  [`${P}ListSerializerSnapshot`]: { kind: 'list' },
  'org.apache.flink.runtime.state.ArrayListSerializerSnapshot': { kind: 'list' },
  [`${P}MapSerializerSnapshot`]: { kind: 'map' },
  [`${P}SetSerializerSnapshot`]: { kind: 'set' },
  [`${P}GenericArraySerializerSnapshot`]: { kind: 'array', outer: (r, s) => (s.typeClass = r.utf('an array component class')) },
  'org.apache.flink.api.java.typeutils.runtime.TupleSerializerSnapshot': { kind: 'tuple', outer: (r, s) => (s.typeClass = r.utf('a tuple class')) },
  'org.apache.flink.api.java.typeutils.runtime.RowSerializer$RowSerializerSnapshot': {
    kind: 'row',
    outer: (r, s, v) => (s.supportsRowKind = v >= 3 ? r.bool('the row kind flag') : false),
  },
  'org.apache.flink.api.java.typeutils.runtime.NullableSerializer$NullableSerializerSnapshot': {
    kind: 'nullable',
    outer: (r, s) => (s.nullPadding = r.i32('a null padding length')),
  },
  'org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot': { kind: 'ttl' },
  'org.apache.flink.runtime.state.v2.ttl.TtlStateFactory$TtlSerializerSnapshot': { kind: 'ttl' },
  'org.apache.flink.streaming.api.operators.TimerSerializerSnapshot': { kind: 'timer' },
  'org.apache.flink.api.java.typeutils.runtime.JavaEitherSerializerSnapshot': { kind: 'either' },
  'org.apache.flink.api.common.typeutils.SingleThreadAccessCheckingTypeSerializer$SingleThreadAccessCheckingTypeSerializerSnapshot': { kind: 'opaque' },
};

const COMPOSITE_MAGIC = 911108;
const NESTED_MAGIC = 1333245;
const OPTIONAL_MAP_HEADER = 0x4f2c69a3d70n;
/** How far past an unknown composite's outer header the nested serializers are looked for. */
const OUTER_SCAN_LIMIT = 4096;

/** One snapshot as writeVersionedSnapshot wrote it (class name, version, data). */
export function readVersionedSnapshot(r: DataReader): SerializerSpec {
  const className = r.utf('a serializer snapshot class');
  const version = r.i32(`the version of ${className}`);
  return readSnapshotData(r, className, version);
}

/** TypeSerializerSnapshotSerializationUtil's proxy: its own version (2), then the versioned snapshot. */
export function readSerializerSnapshot(r: DataReader): SerializerSpec {
  const at = r.pos;
  const proxyVersion = r.i32('a serializer snapshot format version');
  if (proxyVersion !== 2) throw new KeyedStateError(`unsupported serializer snapshot format version ${proxyVersion} at byte ${at} (Flink 1.17+ writes 2)`);
  return readVersionedSnapshot(r);
}

function readSnapshotData(r: DataReader, className: string, version: number): SerializerSpec {
  const spec: SerializerSpec = { className, version, kind: 'opaque', nested: [] };
  const simple = SIMPLE[className];
  if (simple || SIMPLE_OPAQUE.includes(className)) {
    spec.kind = simple ?? 'opaque';
    if (version === 2) r.utf('a serializer class name'); // version 2 still carried the serializer's class name
    return spec;
  }
  const composite = COMPOSITE[className];
  if (composite) {
    spec.kind = composite.kind;
    if (version <= 2) throw new KeyedStateError(`${className} version ${version} is a format before Flink 1.8, not readable here`);
    const outerVersion = readCompositeMagic(r, className);
    composite.outer?.(r, spec, outerVersion);
    spec.nested = readNested(r);
    return spec;
  }
  switch (className) {
    case 'org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot': {
      spec.kind = 'pojo';
      spec.typeClass = r.utf('a POJO class');
      spec.fields = [];
      readOptionalMap(r, 'POJO fields', (name, value) => {
        // The key (declaring class and field name) is framed; the name alone is enough here.
        spec.fields!.push(name);
        spec.nested.push(value ? readVersionedSnapshot(value) : { className: '(missing)', version: 0, kind: 'opaque', nested: [] });
      });
      readOptionalMap(r, 'POJO registered subclasses', () => {});
      readOptionalMap(r, 'POJO non-registered subclasses', () => {});
      return spec;
    }
    case 'org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializerSnapshot':
      spec.kind = 'kryo';
      spec.typeClass = r.utf('a Kryo type class');
      for (const what of ['Kryo registrations', 'Kryo default serializers', 'Kryo default serializer classes']) readOptionalMap(r, what, () => {});
      return spec;
    case 'org.apache.flink.api.java.typeutils.runtime.ValueSerializer$ValueSerializerSnapshot':
    case 'org.apache.flink.api.java.typeutils.runtime.CopyableValueSerializer$CopyableValueSerializerSnapshot':
      spec.typeClass = r.utf('a type class');
      return spec;
    case `${P}EnumSerializer$EnumSerializerSnapshot`: {
      spec.kind = 'enum';
      spec.typeClass = r.utf('an enum class');
      const n = r.count('the number of enum constants', 2);
      spec.enumValues = Array.from({ length: n }, () => r.utf('an enum constant'));
      return spec;
    }
    case 'org.apache.flink.runtime.state.ttl.TtlAwareSerializerSnapshot':
      spec.kind = 'ttl-aware';
      spec.ttlEnabled = r.bool('the TTL flag');
      spec.nested = [readVersionedSnapshot(r)];
      return spec;
    case 'org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot':
      spec.kind = 'avro';
      if (version !== 3) throw new KeyedStateError(`AvroSerializerSnapshot version ${version} is not readable here (Flink 1.12+ writes 3)`);
      spec.typeClass = r.flinkString('an Avro type class') ?? '';
      spec.schema = r.flinkString('an Avro schema') ?? '';
      return spec;
    case `${P}GenericArraySerializerConfigSnapshot`:
      spec.kind = 'array';
      spec.typeClass = r.utf('an array component class');
      spec.nested = readNested(r);
      return spec;
    case 'org.apache.flink.api.java.typeutils.runtime.EitherSerializerSnapshot':
      spec.kind = 'either';
      spec.nested = readNested(r);
      return spec;
  }
  return readUnknown(r, spec);
}

function readCompositeMagic(r: DataReader, className: string): number {
  const at = r.pos;
  const magic = r.i32('a composite snapshot magic number');
  if (magic !== COMPOSITE_MAGIC) throw new KeyedStateError(`corrupt: ${className} at byte ${at} lacks the composite snapshot magic number`);
  return r.i32('an outer snapshot version');
}

function readNested(r: DataReader): SerializerSpec[] {
  const at = r.pos;
  if (r.i32('a nested serializers magic number') !== NESTED_MAGIC)
    throw new KeyedStateError(`corrupt: nested serializer snapshots at byte ${at} lack their magic number`);
  const version = r.i32('a nested serializers version');
  if (version !== 1) throw new KeyedStateError(`unsupported nested serializers version ${version} at byte ${at + 4}`);
  const n = r.count('the number of nested serializers', 6);
  return Array.from({ length: n }, () => readVersionedSnapshot(r));
}

/** LinkedOptionalMapSerializer: header, size, then per entry a name and a framed key and value (each optional). */
function readOptionalMap(r: DataReader, what: string, onEntry: (name: string, value: DataReader | undefined) => void): void {
  const at = r.pos;
  if (r.i64Big(`the header of ${what}`) !== OPTIONAL_MAP_HEADER) throw new KeyedStateError(`corrupt: ${what} at byte ${at} lack their header`);
  const n = r.count(`the number of ${what}`, 4);
  for (let i = 0; i < n; i++) {
    const name = r.utf(`a name in ${what}`);
    if (r.bool()) r.skip(r.count(`a framed key in ${what}`), `a framed key in ${what}`);
    let value: DataReader | undefined;
    if (r.bool()) {
      const len = r.count(`a framed value in ${what}`);
      value = new DataReader(r.buf, r.pos, r.pos + len);
      r.skip(len);
    }
    onEntry(name, value);
  }
}

/**
 * An unknown snapshot class. A composite one (the magic number follows) has outer data of unknown length before
 * its nested serializers: the nested serializers' magic number, version 1 and a count that then reads whole mark
 * where they start. Anything else is taken to hold no data.
 */
function readUnknown(r: DataReader, spec: SerializerSpec): SerializerSpec {
  if (r.remaining >= 8 && r.buf.readInt32BE(r.pos) === COMPOSITE_MAGIC) {
    const start = r.pos;
    r.skip(8);
    const from = r.pos;
    for (let p = from; p + 12 <= Math.min(r.end, from + OUTER_SCAN_LIMIT); p++) {
      if (r.buf.readInt32BE(p) !== NESTED_MAGIC || r.buf.readInt32BE(p + 4) !== 1) continue;
      r.pos = p;
      try {
        spec.nested = readNested(r);
        spec.assumed = 'composite';
        return spec;
      } catch {
        r.pos = from;
      }
    }
    r.pos = start;
  }
  spec.assumed = 'empty';
  return spec;
}

/** A short, readable name: "String", "Map<String, Long>", "POJO Profile", "Kryo (com.x.Foo)", "TTL<Long>". */
export function serializerName(s: SerializerSpec): string {
  const inner = (i: number) => (s.nested[i] ? serializerName(s.nested[i]) : '?');
  const shortClass = (c = '') => c.slice(c.lastIndexOf('.') + 1);
  switch (s.kind) {
    case 'string':
      return 'String';
    case 'long':
      return 'Long';
    case 'int':
      return 'Integer';
    case 'short':
      return 'Short';
    case 'byte':
      return 'Byte';
    case 'boolean':
      return 'Boolean';
    case 'double':
      return 'Double';
    case 'float':
      return 'Float';
    case 'char':
      return 'Character';
    case 'bytes':
      return 'byte[]';
    case 'boolean[]':
    case 'short[]':
    case 'int[]':
    case 'long[]':
    case 'float[]':
    case 'double[]':
    case 'char[]':
      return s.kind;
    case 'string[]':
      return 'String[]';
    case 'void-namespace':
      return 'VoidNamespace';
    case 'time-window':
      return 'TimeWindow';
    case 'global-window':
      return 'GlobalWindow';
    case 'void':
      return 'Void';
    case 'list':
      return `List<${inner(0)}>`;
    case 'map':
      return `Map<${inner(0)}, ${inner(1)}>`;
    case 'set':
      return `Set<${inner(0)}>`;
    case 'array':
      return `${inner(0)}[]`;
    case 'pojo':
      return `POJO ${shortClass(s.typeClass)}`;
    case 'tuple':
      return `${shortClass(s.typeClass)}<${s.nested.map(serializerName).join(', ')}>`;
    case 'row':
      return `Row(${s.nested.map(serializerName).join(', ')})`;
    case 'enum':
      return `Enum ${shortClass(s.typeClass)}`;
    case 'ttl':
      return `TTL<${inner(1)}>`;
    case 'ttl-aware':
      return inner(0);
    case 'nullable':
      return `Nullable<${inner(0)}>`;
    case 'timer':
      return `Timer<${inner(0)}, ${inner(1)}>`;
    case 'either':
      return `Either<${inner(0)}, ${inner(1)}>`;
    case 'avro':
      return s.typeClass === 'org.apache.avro.generic.GenericRecord' ? 'Avro GenericRecord' : s.typeClass ? `Avro ${shortClass(s.typeClass)}` : 'Avro';
    case 'kryo':
      return `Kryo (${s.typeClass})`;
    case 'opaque': {
      const name = shortClass(s.className)
        .replace(/SerializerSnapshot$|Snapshot$/, '')
        .replace(/\$.*$/, '');
      return s.typeClass ? `${name} (${s.typeClass})` : name;
    }
  }
}
