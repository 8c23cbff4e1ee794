// Big-endian reads over one Buffer with the semantics of Flink's DataInputView (java.io.DataInput plus Flink's
// own variable-length string of StringValue). Every overrun is one KeyedStateError naming the byte offset.
import { decodeModifiedUtf8 } from '../flink-metadata/byte-reader.js';

export class KeyedStateError extends Error {}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class DataReader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) throw new KeyedStateError(`truncated: ${what} at byte ${this.pos} needs ${n} bytes, ${this.remaining} left`);
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  i8(what = 'a byte'): number {
    this.need(1, what);
    return this.buf.readInt8(this.pos++);
  }

  bool(what = 'a boolean'): boolean {
    return this.u8(what) !== 0;
  }

  i16(what = 'a short'): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u16(what = 'a short'): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i32(what = 'an int'): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i64(what = 'a long'): bigint {
    this.need(8, what);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A Java long as a number when it is exact (|v| <= 2^53 - 1), else as its decimal string: never a rounded value. */
  long(what = 'a long'): number | string {
    const v = this.i64(what);
    return v <= SAFE && v >= -SAFE ? Number(v) : v.toString();
  }

  f32(what = 'a float'): number {
    this.need(4, what);
    const v = this.buf.readFloatBE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(what = 'a double'): number {
    this.need(8, what);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number, what = 'bytes'): void {
    this.need(n, what);
    this.pos += n;
  }

  /** A count of elements that each take at least `minBytes`: negative or more than the bytes left can hold is corrupt. */
  count(what: string, minBytes = 1): number {
    const at = this.pos;
    const n = this.i32(what);
    if (n < 0 || n * minBytes > this.remaining)
      throw new KeyedStateError(`corrupt: ${what} at byte ${at} is ${n}, more than the ${this.remaining} bytes left can hold`);
    return n;
  }

  /** DataInput.readUTF: unsigned 16-bit byte length, then modified UTF-8. */
  utf(what = 'a string'): string {
    const len = this.u16(what);
    const at = this.pos;
    const raw = this.bytes(len, what);
    try {
      return decodeModifiedUtf8(raw, at);
    } catch (error) {
      throw new KeyedStateError((error as Error).message);
    }
  }

  /** Flink's StringValue.writeString: length + 1 in 7-bit groups (0 = null), then each char in 7-bit groups. */
  flinkString(what = 'a string'): string | null {
    const len = this.varint(what);
    if (len === 0) return null;
    const n = len - 1;
    if (n > this.remaining) throw new KeyedStateError(`corrupt: ${what} at byte ${this.pos} claims ${n} characters, ${this.remaining} bytes left`);
    // ASCII fast path: one byte per char.
    let ascii = true;
    for (let i = 0; i < n; i++)
      if (this.buf[this.pos + i] >= 0x80) {
        ascii = false;
        break;
      }
    if (ascii) {
      const s = this.buf.toString('latin1', this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    const units = new Array<number>(n);
    for (let i = 0; i < n; i++) units[i] = this.varint(what);
    let out = '';
    for (let i = 0; i < n; i += 4096) out += String.fromCharCode(...units.slice(i, i + 4096));
    return out;
  }

  private varint(what: string): number {
    let value = this.u8(what);
    if (value < 0x80) return value;
    value &= 0x7f;
    for (let shift = 7; ; shift += 7) {
      const b = this.u8(what);
      if (shift >= 28) {
        // Java's int arithmetic: the fifth group keeps only its low bits.
        return (value | (b << shift)) >>> 0;
      }
      if (b < 0x80) return value | (b << shift);
      value |= (b & 0x7f) << shift;
    }
  }
}

/** Lowercase hex of bytes. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
