// Each value decoder against bytes written the way Flink's serializer writes them, the serializer snapshots the
// header holds (known classes, unknown ones read by shape), and the key codec (bytes and Flink key group).
import { describe, expect, it } from '@jest/globals';
import { DataReader } from '../../../src/storage/keyed-state/data-reader.js';
import { encodeKey, flinkString, keyGroupForHash } from '../../../src/storage/keyed-state/key-codec.js';
import { readVersionedSnapshot, serializerName, type SerializerSpec } from '../../../src/storage/keyed-state/serializer-snapshots.js';
import { decoderOf, decodeWhole, type StateValue } from '../../../src/storage/keyed-state/values.js';
import { composite, DataWriter, simple, SIMPLE, versioned } from '../../support/keyed-state-writer.js';
import { flinkKeyGroup } from '../../support/state-job.js';

const P = 'org.apache.flink.api.common.typeutils.base.';
const spec = (kind: SerializerSpec['kind'], nested: SerializerSpec[] = [], extra: Partial<SerializerSpec> = {}): SerializerSpec => ({
  className: kind,
  version: 3,
  kind,
  nested,
  ...extra,
});
const S = spec('string');
const L = spec('long');
const I = spec('int');

function decode(s: SerializerSpec, bytes: Buffer): StateValue {
  return decodeWhole(s, decoderOf(s), bytes);
}
const w = () => new DataWriter();

describe('value decoders', () => {
  it('String: Flink StringValue (ASCII, non-ASCII, surrogate pairs, null, a length over 127)', () => {
    for (const text of ['', 'user-7', 'ключ-ü', '😀 emoji', 'x'.repeat(300)]) expect(decode(S, w().str(text).done())).toBe(text);
    expect(decode(S, w().str(null).done())).toBeNull();
    expect(flinkString('ключ')).toEqual(w().str('ключ').done());
  });

  it('primitives: Long exact or as a string beyond 2^53, Integer, Short, Byte, Boolean, Double, Float (as Java prints it), Character', () => {
    expect(decode(L, w().i64(-7).done())).toBe(-7);
    expect(decode(L, w().i64(9007199254740993n).done())).toBe('9007199254740993');
    expect(decode(I, w().i32(-2147483648).done())).toBe(-2147483648);
    expect(decode(spec('short'), w().i16(-3).done())).toBe(-3);
    expect(decode(spec('byte'), w().u8(0xff).done())).toBe(-1);
    expect(decode(spec('boolean'), w().u8(1).done())).toBe(true);
    expect(decode(spec('double'), w().f64(0.1).done())).toBe(0.1);
    expect(decode(spec('double'), w().f64(NaN).done())).toBe('NaN');
    expect(decode(spec('float'), w().f32(1.1).done())).toBe(1.1);
    expect(decode(spec('char'), w().u16(0x044f).done())).toBe('я');
  });

  it('arrays: byte[], int[], String[] (null elements), generic arrays with presence flags', () => {
    expect(decode(spec('bytes'), w().i32(2).u8(7).u8(0xff).done())).toEqual([7, -1]);
    expect(decode(spec('int[]'), w().i32(2).i32(1).i32(-1).done())).toEqual([1, -1]);
    expect(decode(spec('string[]'), w().i32(2).str('a').str(null).done())).toEqual(['a', null]);
    expect(decode(spec('array', [L]), w().i32(2).bool(true).i64(5).bool(false).done())).toEqual([5, null]);
    expect(decode(spec('boolean[]'), w().i32(2).bool(true).bool(false).done())).toEqual([true, false]);
    expect(decode(spec('short[]'), w().i32(1).i16(-2).done())).toEqual([-2]);
    expect(decode(spec('long[]'), w().i32(2).i64(1).i64(-9007199254740993n).done())).toEqual([1, '-9007199254740993']);
    expect(decode(spec('float[]'), w().i32(1).f32(0.1).done())).toEqual([0.1]);
    expect(decode(spec('double[]'), w().i32(1).f64(Infinity).done())).toEqual(['Infinity']);
    expect(decode(spec('char[]'), w().i32(2).u16(0x61).u16(0x62).done())).toEqual(['a', 'b']);
    expect(decode(spec('int[]'), w().i32(5).i32(1).done())).toMatchObject({ problem: expect.stringContaining('corrupt: an int[] length') });
  });

  it('collections: List, Map (null values; non-string keys as JSON), Set (null flags, Flink 2.x)', () => {
    expect(decode(spec('list', [S]), w().i32(2).str('a').str('b').done())).toEqual(['a', 'b']);
    expect(decode(spec('map', [S, L]), w().i32(2).str('a').bool(false).i64(1).str('b').bool(true).done())).toEqual({ a: 1, b: null });
    expect(decode(spec('map', [L, S]), w().i32(1).i64(42).bool(false).str('x').done())).toEqual({ '42': 'x' });
    expect(decode(spec('set', [S]), w().i32(2).bool(false).str('a').bool(true).done())).toEqual(['a', null]);
  });

  it('POJO: flags byte, null-flagged fields in order, nested POJOs; a subclass or a Kryo field is not guessed', () => {
    const address = spec('pojo', [S, I], { fields: ['city', 'zip'], typeClass: 'x.Address' });
    const pojo = spec('pojo', [address, spec('int'), S], { fields: ['address', 'maybe', 'name'], typeClass: 'x.Profile' });
    const bytes = w().u8(2).bool(false).u8(2).bool(false).str('Berlin').bool(false).i32(10115).bool(true).bool(false).str('ann').done();
    expect(decode(pojo, bytes)).toEqual({ address: { city: 'Berlin', zip: 10115 }, maybe: null, name: 'ann' });
    expect(decode(pojo, w().u8(1).done())).toBeNull();
    expect(decode(pojo, w().u8(4).utf('x.Sub').done())).toMatchObject({
      undecoded: 'POJO Profile',
      problem: expect.stringContaining('a subclass of x.Profile'),
    });
    const withKryo = spec('pojo', [I, spec('kryo', [], { typeClass: 'java.util.List' }), S], { fields: ['a', 'b', 'c'], typeClass: 'x.P' });
    expect(decode(withKryo, w().u8(2).bool(false).i32(1).bool(false).u8(9).u8(9).done())).toEqual({
      a: 1,
      b: { undecoded: 'Kryo (java.util.List)', bytes: '000909' },
    });
  });

  it('Tuple, Row (null mask with and without row kind), Enum, TTL, Nullable, Either, Timer', () => {
    expect(decode(spec('tuple', [L, L], { typeClass: 'org.apache.flink.api.java.tuple.Tuple2' }), w().i64(1).i64(2).done())).toEqual({ f0: 1, f1: 2 });
    const row = spec('row', [L, S, spec('boolean')], { supportsRowKind: true });
    // kind -U (1): bits 0,1 = 1,0; field 1 null: bit 3 → 0b10010000
    expect(decode(row, w().u8(0b10010000).i64(5).bool(true).done())).toEqual({ kind: '-U', fields: [5, null, true] });
    expect(decode(spec('row', [L], { supportsRowKind: false }), w().u8(0).i64(1).done())).toEqual({ kind: '+I', fields: [1] });
    expect(decode(spec('enum', [], { enumValues: ['A', 'B'] }), w().i32(1).done())).toBe('B');
    expect(decode(spec('enum', [], { enumValues: ['A'] }), w().i32(3).done())).toMatchObject({ problem: expect.stringContaining('enum ordinal 3') });
    expect(decode(spec('ttl', [L, S]), w().i64(1700000000000).str('v').done())).toEqual({ lastAccessTimestamp: 1700000000000, value: 'v' });
    expect(decode(spec('nullable', [L], { nullPadding: 8 }), w().bool(true).i64(0).done())).toBeNull();
    expect(decode(spec('either', [L, S]), w().bool(false).str('r').done())).toEqual({ right: 'r' });
    expect(decode(spec('time-window'), w().i64(0).i64(60000).done())).toEqual({ start: 0, end: 60000 });
    expect(decode(spec('void-namespace'), w().u8(0).done())).toBeNull();
    expect(
      decode(
        spec('timer', [S, spec('void-namespace')]),
        w()
          .i64(0x8000000000000000n + 5n - 0x10000000000000000n)
          .str('k')
          .u8(0)
          .done(),
      ),
    ).toEqual({ timestamp: 5, key: 'k', namespace: null });
  });

  it('never a wrong value: bytes left over, too few bytes, or no decoder show the bytes with the serializer named', () => {
    expect(decode(L, w().i64(1).u8(0).done())).toEqual({ undecoded: 'Long', bytes: '000000000000000100', problem: '1 bytes left over after the value' });
    expect(decode(L, w().i32(1).done())).toMatchObject({ undecoded: 'Long', problem: expect.stringMatching(/^truncated: a long/) });
    expect(decode(spec('kryo', [], { typeClass: 'x.Opaque' }), Buffer.from([1, 2]))).toEqual({ undecoded: 'Kryo (x.Opaque)', bytes: '0102' });
    expect(decode(spec('list', [spec('opaque', [], { className: 'com.acme.MySerializer$Snapshot' })]), Buffer.from([0]))).toMatchObject({
      undecoded: 'List<MySerializer>',
    });
  });
});

describe('Avro (as flink-avro encodes it: DataOutput widths, int lengths, block counts, int union branches)', () => {
  it('records, enums, arrays and maps in blocks, unions, fixed and bytes, exact longs; a bad branch is not guessed', () => {
    const schema = JSON.stringify({
      type: 'record',
      name: 'Visit',
      namespace: 'x',
      fields: [
        { name: 'key', type: 'string' },
        { name: 'big', type: 'long' },
        { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['LOW', 'HIGH'] } },
        { name: 'tags', type: { type: 'array', items: 'string' } },
        { name: 'counts', type: { type: 'map', values: 'int' } },
        { name: 'half', type: ['null', 'double'] },
        { name: 'id', type: { type: 'fixed', name: 'Id', size: 2 } },
        { name: 'raw', type: 'bytes' },
        { name: 'again', type: ['null', 'Tier'] },
        { name: 'ratio', type: 'float' },
        { name: 'ok', type: 'boolean' },
      ],
    });
    const avro = spec('avro', [], { schema, typeClass: 'org.apache.avro.generic.GenericRecord' });
    const utf8 = (t: string) => w().i32(Buffer.byteLength(t)).bytes(Buffer.from(t)).done();
    const bytes = w()
      .bytes(utf8('ключ'))
      .i64(9007199254740993n)
      .i32(1)
      .u8(2)
      .bytes(utf8('a'))
      .bytes(utf8('b'))
      .u8(1)
      .bytes(utf8('c'))
      .u8(0) // two blocks: [a, b], [c], end
      .u8(1)
      .bytes(utf8('k'))
      .i32(5)
      .u8(0)
      .i32(1)
      .f64(2.5)
      .u8(1)
      .u8(0xff)
      .i32(1)
      .u8(7)
      .i32(1)
      .i32(0)
      .f32(0.5)
      .bool(true)
      .done();
    expect(decode(avro, bytes)).toEqual({
      key: 'ключ',
      big: '9007199254740993',
      tier: 'HIGH',
      tags: ['a', 'b', 'c'],
      counts: { k: 5 },
      half: 2.5,
      id: [1, -1],
      raw: [7],
      again: 'LOW',
      ratio: 0.5,
      ok: true,
    });
    const union = spec('avro', [], { schema: '["null","long"]' });
    expect(decode(union, w().i32(0).done())).toBeNull();
    expect(decode(union, w().i32(2).done())).toMatchObject({ undecoded: 'Avro', problem: expect.stringContaining('Avro union branch 2') });
    expect(decode(spec('avro', [], { schema: '{"type":"nonsense"}' }), Buffer.from([1]))).toMatchObject({ undecoded: 'Avro' });
  });
});

describe('serializer snapshots', () => {
  const read = (bytes: Buffer) => readVersionedSnapshot(new DataReader(bytes));

  it('simple, composite (List, Map, Tuple with its class, Row with the row-kind flag), POJO with field names, Kryo, enum', () => {
    expect(read(simple(SIMPLE.string)).kind).toBe('string');
    expect(serializerName(read(composite(`${P}MapSerializerSnapshot`, [simple(SIMPLE.string), simple(SIMPLE.long)])))).toBe('Map<String, Long>');
    const tuple = read(
      composite(
        'org.apache.flink.api.java.typeutils.runtime.TupleSerializerSnapshot',
        [simple(SIMPLE.long), simple(SIMPLE.int)],
        w().utf('org.apache.flink.api.java.tuple.Tuple2').done(),
      ),
    );
    expect(serializerName(tuple)).toBe('Tuple2<Long, Integer>');
    const row = read(
      composite('org.apache.flink.api.java.typeutils.runtime.RowSerializer$RowSerializerSnapshot', [simple(SIMPLE.long)], w().bool(true).done(), 4),
    );
    expect(row).toMatchObject({ kind: 'row', supportsRowKind: true });
    const header = 0x4f2c69a3d70n;
    // LinkedOptionalMap entries: a name, then the framed key (declaring class, field name) and the framed snapshot.
    const field = (name: string, snap: Buffer) => {
      const key = w().utf('x.P').utf(name).done();
      return w().utf(name).bool(true).i32(key.length).bytes(key).bool(true).i32(snap.length).bytes(snap).done();
    };
    const pojo = w()
      .utf('x.P')
      .i64(header)
      .i32(2)
      .bytes(field('name', simple(SIMPLE.string)))
      .bytes(field('total', simple(SIMPLE.long)))
      .i64(header)
      .i32(0)
      .i64(header)
      .i32(0)
      .done();
    expect(read(versioned('org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot', 2, pojo))).toMatchObject({
      kind: 'pojo',
      typeClass: 'x.P',
      fields: ['name', 'total'],
      nested: [{ kind: 'string' }, { kind: 'long' }],
    });
    const kryo = w()
      .utf('x.Opaque')
      .i64(header)
      .i32(1)
      .utf('x.Reg')
      .bool(false)
      .bool(true)
      .i32(3)
      .bytes(Buffer.from([1, 2, 3]))
      .i64(header)
      .i32(0)
      .i64(header)
      .i32(0)
      .done();
    const kryoSpec = read(versioned('org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializerSnapshot', 2, kryo));
    expect(serializerName(kryoSpec)).toBe('Kryo (x.Opaque)');
    const en = read(versioned(`${P}EnumSerializer$EnumSerializerSnapshot`, 3, w().utf('x.Tier').i32(2).utf('LOW').utf('HIGH').done()));
    expect(en).toMatchObject({ kind: 'enum', enumValues: ['LOW', 'HIGH'] });
  });

  it('Avro keeps its schema; an unknown composite is read through its nested serializers; an unknown simple one as empty', () => {
    const avro = read(
      versioned(
        'org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot',
        3,
        w().str('org.apache.avro.generic.GenericRecord').str('{"type":"string"}').done(),
      ),
    );
    expect(avro).toMatchObject({ kind: 'avro', schema: '{"type":"string"}' });
    expect(serializerName(avro)).toBe('Avro GenericRecord');
    const unknown = read(
      composite('com.acme.PairSerializer$PairSnapshot', [simple(SIMPLE.string), simple(SIMPLE.long)], w().utf('com.acme.Pair').i32(7).done()),
    );
    expect(unknown).toMatchObject({ kind: 'opaque', assumed: 'composite', nested: [{ kind: 'string' }, { kind: 'long' }] });
    const next = Buffer.concat([versioned('com.acme.MySimple$Snapshot', 1), simple(SIMPLE.long)]);
    const r = new DataReader(next);
    expect(readVersionedSnapshot(r)).toMatchObject({ assumed: 'empty' });
    expect(readVersionedSnapshot(r).kind).toBe('long');
  });
});

describe('key codec', () => {
  it("encodes keys as their serializer does and finds Flink's key group (murmur of the Java hashCode)", () => {
    expect(encodeKey('user-7', S)!.bytes).toEqual(w().str('user-7').done());
    expect(encodeKey('-7', L)!.bytes).toEqual(w().i64(-7).done());
    for (const key of ['user-1', 'ключ-ü', '']) expect(keyGroupForHash(encodeKey(key, S)!.hashCode, 128)).toBe(flinkKeyGroup('by-string', key));
    for (const key of ['1', '-7', '9007199254740993']) expect(keyGroupForHash(encodeKey(key, L)!.hashCode, 256)).toBe(flinkKeyGroup('by-long', key));
    expect(() => encodeKey('user-7', L)).toThrow("Key 'user-7' is not a Long");
    expect(() => encodeKey('99999999999999999999', L)).toThrow('out of range');
    expect(encodeKey('x', spec('pojo'))).toBeUndefined();
  });
});
