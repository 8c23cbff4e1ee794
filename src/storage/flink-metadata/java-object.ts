// Just enough of Java's object serialization stream (java.io.ObjectOutputStream, protocol version 2) to read
// the CheckpointProperties that metadata versions 4+ append: objects, class descriptors, strings, enums,
// arrays, back references and block data. Objects become plain records ({"@class": name, ...fields}),
// enums their constant name. Nothing is instantiated; unknown constructs are a FlinkMetadataError.
import { ByteReader, FlinkMetadataError } from './byte-reader.js';

const TC = {
  NULL: 0x70,
  REFERENCE: 0x71,
  CLASSDESC: 0x72,
  OBJECT: 0x73,
  STRING: 0x74,
  ARRAY: 0x75,
  CLASS: 0x76,
  BLOCKDATA: 0x77,
  ENDBLOCKDATA: 0x78,
  RESET: 0x79,
  BLOCKDATALONG: 0x7a,
  LONGSTRING: 0x7c,
  ENUM: 0x7e,
} as const;
const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;
const SC_EXTERNALIZABLE = 0x04;
const BASE_HANDLE = 0x7e0000;

interface Field {
  type: string;
  name: string;
}
interface ClassDesc {
  name: string;
  flags: number;
  fields: Field[];
  superDesc: ClassDesc | null;
}
export type JavaValue = null | boolean | number | string | JavaValue[] | { [key: string]: JavaValue };

/** Reads one serialized object from the reader's position (magic and version first). */
export function readJavaObject(r: ByteReader): JavaValue {
  const at = r.pos;
  if (r.u16('the Java serialization magic') !== 0xaced) throw new FlinkMetadataError(`corrupt: no Java serialization stream at byte ${at}`);
  r.u16('the Java serialization version');
  return new JavaObjectReader(r).content();
}

class JavaObjectReader {
  private handles: unknown[] = [];

  constructor(private readonly r: ByteReader) {}

  content(): JavaValue {
    const at = this.r.pos;
    const tc = this.r.u8('a Java serialization tag');
    switch (tc) {
      case TC.NULL:
        return null;
      case TC.REFERENCE:
        return this.reference(at) as JavaValue;
      case TC.STRING:
        return this.newHandle(this.r.utf('a Java string'));
      case TC.LONGSTRING:
        return this.newHandle(this.r.bytes(this.r.i64('a long string length'), 'a long string').toString('utf8'));
      case TC.ENUM: {
        this.classDesc();
        const slot = this.reserve();
        const name = this.content();
        this.handles[slot] = name;
        return name;
      }
      case TC.OBJECT:
        return this.object();
      case TC.ARRAY:
        return this.array();
      case TC.CLASS: {
        const desc = this.classDesc();
        return this.newHandle(desc ? desc.name : null);
      }
      case TC.RESET:
        this.handles = [];
        return this.content();
      default:
        throw new FlinkMetadataError(`unsupported Java serialization tag 0x${tc.toString(16)} at byte ${at} (checkpoint properties)`);
    }
  }

  private reference(at: number): unknown {
    const h = this.r.i32('a Java back reference') - BASE_HANDLE;
    if (h < 0 || h >= this.handles.length) throw new FlinkMetadataError(`corrupt: Java back reference ${h} at byte ${at}`);
    return this.handles[h];
  }

  private reserve(): number {
    this.handles.push(undefined);
    return this.handles.length - 1;
  }

  private newHandle<T>(value: T): T {
    this.handles.push(value);
    return value;
  }

  private classDesc(): ClassDesc | null {
    const at = this.r.pos;
    const tc = this.r.u8('a Java class descriptor');
    if (tc === TC.NULL) return null;
    if (tc === TC.REFERENCE) return this.reference(at) as ClassDesc;
    if (tc !== TC.CLASSDESC) throw new FlinkMetadataError(`unsupported Java class descriptor tag 0x${tc.toString(16)} at byte ${at}`);
    const name = this.r.utf('a Java class name');
    this.r.skip(8, 'a serialVersionUID');
    const desc: ClassDesc = { name, flags: 0, fields: [], superDesc: null };
    this.newHandle(desc);
    desc.flags = this.r.u8('Java class flags');
    const n = this.r.u16('a Java field count');
    for (let i = 0; i < n; i++) {
      const type = String.fromCharCode(this.r.u8('a Java field type'));
      const fieldName = this.r.utf('a Java field name');
      if (type === 'L' || type === '[') this.content(); // the field's class name
      desc.fields.push({ type, name: fieldName });
    }
    this.annotation();
    desc.superDesc = this.classDesc();
    return desc;
  }

  /** Class or object annotations: block data and objects up to TC_ENDBLOCKDATA (skipped). */
  private annotation(): void {
    for (;;) {
      const tc = this.r.buf[this.r.pos];
      if (tc === TC.ENDBLOCKDATA) {
        this.r.pos++;
        return;
      }
      if (tc === TC.BLOCKDATA) {
        this.r.pos++;
        this.r.skip(this.r.u8('a block length'), 'block data');
        continue;
      }
      if (tc === TC.BLOCKDATALONG) {
        this.r.pos++;
        this.r.skip(this.r.i32('a block length'), 'block data');
        continue;
      }
      this.content();
    }
  }

  private object(): JavaValue {
    const desc = this.classDesc();
    if (!desc) throw new FlinkMetadataError('corrupt: Java object without a class');
    const out: { [key: string]: JavaValue } = { '@class': desc.name };
    this.newHandle(out);
    const chain: ClassDesc[] = [];
    for (let d: ClassDesc | null = desc; d; d = d.superDesc) chain.unshift(d);
    for (const d of chain) {
      if (d.flags & SC_EXTERNALIZABLE) throw new FlinkMetadataError(`unsupported externalizable class ${d.name} in checkpoint properties`);
      if (!(d.flags & SC_SERIALIZABLE)) continue;
      for (const f of d.fields) out[f.name] = this.value(f.type);
      if (d.flags & SC_WRITE_METHOD) this.annotation();
    }
    return out;
  }

  private array(): JavaValue {
    const desc = this.classDesc();
    const items: JavaValue[] = [];
    this.newHandle(items);
    const n = this.r.count('a Java array length');
    const type = desc?.name[1] ?? 'L';
    for (let i = 0; i < n; i++) items.push(this.value(type));
    return items;
  }

  private value(type: string): JavaValue {
    switch (type) {
      case 'B':
        return this.r.i8('a Java byte');
      case 'C':
        return String.fromCharCode(this.r.u16('a Java char'));
      case 'D':
        return this.r.bytes(8, 'a Java double').readDoubleBE(0);
      case 'F':
        return this.r.bytes(4, 'a Java float').readFloatBE(0);
      case 'I':
        return this.r.i32('a Java int');
      case 'J':
        return this.r.i64('a Java long');
      case 'S':
        return this.r.bytes(2, 'a Java short').readInt16BE(0);
      case 'Z':
        return this.r.bool('a Java boolean');
      default:
        return this.content();
    }
  }
}
