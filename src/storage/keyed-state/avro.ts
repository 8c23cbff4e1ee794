// Avro values as Flink's AvroSerializer writes them. It does not use Avro's binary encoding: its own encoder
// (flink-avro's DataOutputEncoder) writes through Java's DataOutput: int, long, float and double big-endian in
// full width, booleans as a byte, strings and bytes as an int length then the bytes (UTF-8 for strings), an enum
// and a union branch as an int, a fixed as its bytes, and arrays and maps as blocks of a 7-bit variable-length
// count followed by the items, ending with a count of 0. The schema comes from the snapshot (the writer's).
// Longs are exact (a number up to 2^53, beyond as a decimal string); bytes and fixed read as arrays of signed
// bytes, like byte[] elsewhere; records as objects.
import { DataReader, KeyedStateError } from './data-reader.js';
import type { Decoder, StateValue } from './values.js';

type Schema = string | Schema[] | { type: string | Schema; name?: string; namespace?: string; [key: string]: unknown };

const cache = new Map<string, Decoder | undefined>();

/** The decoder of an Avro schema (JSON), or undefined when the schema cannot be read. */
export function avroDecoder(schema: string): Decoder | undefined {
  if (!cache.has(schema)) {
    let decoder: Decoder | undefined;
    try {
      decoder = build(JSON.parse(schema) as Schema, new Map(), '');
    } catch {
      decoder = undefined; // a schema this reader does not understand: its bytes are shown with the serializer's name
    }
    cache.set(schema, decoder);
  }
  return cache.get(schema);
}

function fullName(name: string, namespace: string): string {
  return name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
}

function build(schema: Schema, named: Map<string, () => Decoder>, namespace: string): Decoder {
  if (Array.isArray(schema)) {
    const branches = schema.map((s) => build(s, named, namespace));
    return (r) => {
      const at = r.pos;
      const index = r.i32('an Avro union branch');
      const branch = branches[index];
      if (!branch) throw new KeyedStateError(`corrupt: Avro union branch ${index} at byte ${at}, the schema has ${branches.length}`);
      return branch(r);
    };
  }
  if (typeof schema === 'string') {
    switch (schema) {
      case 'null':
        return () => null;
      case 'boolean':
        return (r) => r.bool();
      case 'int':
        return (r) => r.i32();
      case 'long':
        return (r) => r.long();
      case 'float':
        return (r) => r.f32();
      case 'double':
        return (r) => r.f64();
      case 'bytes':
        return (r) => signed(r.bytes(r.count('an Avro bytes length')));
      case 'string':
        return (r) => r.bytes(r.count('an Avro string length')).toString('utf8');
    }
    const ref = named.get(fullName(schema, namespace)) ?? named.get(schema);
    if (!ref) throw new Error(`unknown Avro type ${schema}`);
    return (r) => ref()(r);
  }
  const type = schema.type;
  if (typeof type !== 'string') return build(type, named, namespace);
  const ns = typeof schema.namespace === 'string' ? schema.namespace : namespace;
  const define = (decoder: () => Decoder) => {
    if (typeof schema.name === 'string') named.set(fullName(schema.name, ns), decoder);
  };
  switch (type) {
    case 'record':
    case 'error': {
      let fields: Array<[string, Decoder]> = [];
      define(() => decode);
      const decode: Decoder = (r) => Object.fromEntries(fields.map(([name, field]) => [name, field(r)]));
      const innerNs = typeof schema.name === 'string' && schema.name.includes('.') ? schema.name.slice(0, schema.name.lastIndexOf('.')) : ns;
      fields = (schema.fields as Array<{ name: string; type: Schema }>).map((f) => [f.name, build(f.type, named, innerNs)]);
      return decode;
    }
    case 'enum': {
      const symbols = schema.symbols as string[];
      const decode: Decoder = (r) => {
        const at = r.pos;
        const i = r.i32('an Avro enum index');
        if (i < 0 || i >= symbols.length) throw new KeyedStateError(`corrupt: Avro enum index ${i} at byte ${at}`);
        return symbols[i];
      };
      define(() => decode);
      return decode;
    }
    case 'fixed': {
      const size = schema.size as number;
      const decode: Decoder = (r) => signed(r.bytes(size, 'an Avro fixed'));
      define(() => decode);
      return decode;
    }
    case 'array': {
      const items = build(schema.items as Schema, named, ns);
      return (r) => {
        const out: StateValue[] = [];
        for (let n = blockCount(r); n > 0; n = blockCount(r)) for (let i = 0; i < n; i++) out.push(items(r));
        return out;
      };
    }
    case 'map': {
      const values = build(schema.values as Schema, named, ns);
      return (r) => {
        const out: { [k: string]: StateValue } = {};
        for (let n = blockCount(r); n > 0; n = blockCount(r))
          for (let i = 0; i < n; i++) {
            const key = r.bytes(r.count('an Avro map key length')).toString('utf8');
            out[key] = values(r);
          }
        return out;
      };
    }
    default:
      return build(type, named, ns); // a primitive with attributes (a logical type): its underlying encoding
  }
}

/** DataOutputEncoder.writeVarLongCount: 7 bits at a time, lowest first. */
function blockCount(r: DataReader): number {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = r.u8('an Avro block count');
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    if (shift > 49) throw new KeyedStateError(`corrupt: an Avro block count at byte ${r.pos}`);
  }
  if (value > r.remaining) throw new KeyedStateError(`corrupt: an Avro block of ${value} items at byte ${r.pos}, ${r.remaining} bytes left`);
  return value;
}

function signed(b: Buffer): StateValue[] {
  return [...b].map((x) => (x << 24) >> 24);
}
