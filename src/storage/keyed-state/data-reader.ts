// Big-endian reads over one Buffer with the semantics of Flink's DataInputView (java.io.DataInput plus Flink's
// own variable-length string of StringValue). Every overrun is one KeyedStateError naming the byte offset.
import { ByteReader } from '../flink-metadata/byte-reader.js';

export class KeyedStateError extends Error {}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** ByteReader's reads, failing with KeyedStateError, plus what keyed state needs beyond `_metadata`. */
export class DataReader extends ByteReader {
  protected override fail(message: string): Error {
    return new KeyedStateError(message);
  }

  i16(what = 'a short'): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  /** A Java long as a number when it is exact (|v| <= 2^53 - 1), else as its decimal string: never a rounded value. */
  long(what = 'a long'): number | string {
    const v = this.i64Big(what);
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

  /** Flink's StringValue.writeString: length + 1 in 7-bit groups (0 = null), then each char in 7-bit groups. */
  flinkString(what = 'a string'): string | null {
    const len = this.varint(what);
    if (len === 0) return null;
    const n = len - 1;
    if (n > this.remaining) throw this.fail(`corrupt: ${what} at byte ${this.pos} claims ${n} characters, ${this.remaining} bytes left`);
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
