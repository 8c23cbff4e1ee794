// Snappy's framing format, as Flink writes a compressed key group (SnappyStreamCompressionDecorator wraps each
// key group in its own xerial SnappyFramedOutputStream): chunks of a type byte, a 3-byte little-endian length and
// the data. 0xff opens a stream ("sNaPpY"), 0x00 holds a masked CRC-32C and a compressed block, 0x01 a CRC and
// raw bytes, 0x80-0xfe may be skipped. Key groups follow each other, so the decoder sees one stream after
// another and simply continues. Checksums are not verified (Flink's own reader does not either).
import snappy from 'snappyjs';
import { KeyedStateError } from './data-reader.js';
import { RecordStream } from './record-stream.js';

const STREAM_ID = Buffer.from('sNaPpY', 'latin1');
/** Snappy's framing format allows at most 64 KiB of uncompressed data per chunk. */
const MAX_BLOCK = 65536;

export class SnappyFrameDecoder extends RecordStream {
  constructor(
    private readonly out: (plain: Buffer) => void,
    startOffset = 0,
  ) {
    super(4, startOffset);
  }

  /** The input ended: it must end between chunks. */
  end(): void {
    if (this.pendingBytes > 0) throw new KeyedStateError(`truncated: a Snappy chunk at byte ${this.offset} is cut off (${this.pendingBytes} bytes left)`);
  }

  protected parse(buf: Buffer, start: number): number {
    let pos = start;
    for (;;) {
      if (pos + 4 > buf.length) {
        this.needed = 4;
        return pos;
      }
      const type = buf[pos];
      const length = buf[pos + 1] | (buf[pos + 2] << 8) | (buf[pos + 3] << 16);
      if (pos + 4 + length > buf.length) {
        this.needed = 4 + length;
        return pos;
      }
      const data = buf.subarray(pos + 4, pos + 4 + length);
      const at = this.base + pos;
      if (type === 0xff) {
        if (!data.equals(STREAM_ID)) throw new KeyedStateError(`corrupt: not a Snappy stream identifier at byte ${at}`);
      } else if (type === 0x00 || type === 0x01) {
        if (length < 4) throw new KeyedStateError(`corrupt: Snappy chunk at byte ${at} is too short`);
        const body = data.subarray(4);
        let plain: Buffer;
        if (type === 0x01) plain = body;
        else {
          try {
            const u = snappy.uncompress(body, MAX_BLOCK);
            plain = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
          } catch (error) {
            throw new KeyedStateError(`corrupt: Snappy block at byte ${at} does not decompress (${(error as Error).message})`);
          }
        }
        if (plain.length > MAX_BLOCK) throw new KeyedStateError(`corrupt: Snappy chunk at byte ${at} holds more than 64 KiB`);
        this.out(plain);
      } else if (type < 0x80) {
        throw new KeyedStateError(`corrupt: reserved Snappy chunk type 0x${type.toString(16)} at byte ${at}`);
      }
      pos += 4 + length;
    }
  }
}
