// Big-endian reads over a Buffer (or a range of one) with the semantics of java.io.DataInputStream (readUTF is
// Java's modified UTF-8 with a 2-byte length). Every overrun is one error naming the byte offset: a
// FlinkMetadataError here; a reader for other data (keyed state) names its own error class in fail().

export class FlinkMetadataError extends Error {}

export class ByteReader {
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

  /** The error of a read that cannot be right (truncated, corrupt). */
  protected fail(message: string): Error {
    return new FlinkMetadataError(message);
  }

  protected need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) throw this.fail(`truncated: ${what} at byte ${this.pos} needs ${n} bytes, ${this.remaining} left`);
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

  /** A Java long as a number (exact up to 2^53, which sizes, offsets and ids stay below). */
  i64(what = 'a long'): number {
    this.need(8, what);
    const v = this.buf.readInt32BE(this.pos) * 0x1_0000_0000 + this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return v;
  }

  i64Big(what = 'a long'): bigint {
    this.need(8, what);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A count that must be >= 0 and plausible for the bytes left (each element takes at least `minBytes`). */
  count(what: string, minBytes = 1): number {
    const at = this.pos;
    const n = this.i32(what);
    if (n < 0 || n * minBytes > this.remaining) throw this.fail(`corrupt: ${what} at byte ${at} is ${n}, more than the ${this.remaining} bytes left can hold`);
    return n;
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

  /** DataInputStream.readUTF: unsigned 16-bit byte length, then modified UTF-8. */
  utf(what = 'a string'): string {
    const len = this.u16(what);
    const at = this.pos;
    const raw = this.bytes(len, what);
    try {
      return decodeModifiedUtf8(raw, at);
    } catch (error) {
      throw this.fail((error as Error).message);
    }
  }
}

/** Java's modified UTF-8 (1-3 byte forms, each yielding one UTF-16 code unit, so surrogates pair up). */
export function decodeModifiedUtf8(b: Buffer, at = 0): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++)
    if (b[i] >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) return b.toString('latin1');
  const units: number[] = [];
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) {
      units.push(c);
      i += 1;
    } else if ((c & 0xe0) === 0xc0 && i + 1 < b.length) {
      units.push(((c & 0x1f) << 6) | (b[i + 1] & 0x3f));
      i += 2;
    } else if ((c & 0xf0) === 0xe0 && i + 2 < b.length) {
      units.push(((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f));
      i += 3;
    } else {
      throw new FlinkMetadataError(`corrupt: malformed string at byte ${at + i}`);
    }
  }
  let out = '';
  for (let i = 0; i < units.length; i += 4096) out += String.fromCharCode(...units.slice(i, i + 4096));
  return out;
}
