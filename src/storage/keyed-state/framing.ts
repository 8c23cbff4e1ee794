// The entries of a canonical keyed-state file, framed without knowing any serializer (Flink's
// FullSnapshotAsyncWriter): each key group starts with a state id (short); then entries of an int length, the key
// bytes, an int length and the value bytes. The first bit of a key's first byte set says a short follows the
// entry: the next state id, or 0xFFFF for the end of the key group. The key starts with the key group (one
// byte when max parallelism <= 128, else two), then the serialized key and namespace (and a map's user key).
//
// Bytes arrive in chunks of any size; an entry cut by a chunk boundary waits for the bytes it needs. The framer
// owns the chunks it is given: it clears the flag bit in place, so the key bytes it reports are the key's.
import { KeyedStateError } from './data-reader.js';
import { RecordStream } from './record-stream.js';

export const END_OF_KEY_GROUP = 0xffff;
const FLAG = 0x80;

export interface EntrySink {
  /** One entry: key at buf[keyStart, keyStart + keyLength), value right after its own length. */
  entry(stateId: number, buf: Buffer, keyStart: number, keyLength: number, valueStart: number, valueLength: number): void;
  /** The end-of-key-group mark; `stateId` was the state of its last entry. */
  endKeyGroup(): void;
}

export class EntryFramer extends RecordStream {
  private expectStateId = true;
  private stateId = -1;
  /** Between key groups: nothing half-read. */
  private atBoundary = true;

  constructor(
    private readonly sink: EntrySink,
    private readonly stateCount: number,
    startOffset = 0,
  ) {
    super(2, startOffset);
  }

  /** The stream ended: it must end right after an end-of-key-group mark. */
  end(): void {
    if (this.pendingBytes > 0 || !this.atBoundary)
      throw new KeyedStateError(`truncated: the key group in progress at byte ${this.offset} has no end mark (${this.pendingBytes} bytes left)`);
  }

  /** Frames whole records of buf from `start`; returns where the first incomplete one starts. */
  protected parse(buf: Buffer, start: number): number {
    const sink = this.sink;
    const len = buf.length;
    let pos = start;
    for (;;) {
      if (this.expectStateId) {
        if (pos + 2 > len) return this.wait(pos, 2);
        this.stateId = this.checkState((buf[pos] << 8) | buf[pos + 1], pos);
        pos += 2;
        this.expectStateId = false;
        this.atBoundary = false;
      }
      if (pos + 4 > len) return this.wait(pos, 4);
      const keyLength = (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3];
      if (keyLength < 1) throw new KeyedStateError(`corrupt: key length ${keyLength} at byte ${this.base + pos}`);
      const keyStart = pos + 4;
      if (keyStart + keyLength + 4 > len) return this.wait(pos, 4 + keyLength + 4);
      const v = keyStart + keyLength;
      const valueLength = (buf[v] << 24) | (buf[v + 1] << 16) | (buf[v + 2] << 8) | buf[v + 3];
      if (valueLength < 0) throw new KeyedStateError(`corrupt: value length ${valueLength} at byte ${this.base + keyStart + keyLength}`);
      const valueStart = keyStart + keyLength + 4;
      const flagged = (buf[keyStart] & FLAG) !== 0;
      const total = 8 + keyLength + valueLength + (flagged ? 2 : 0);
      if (pos + total > len) return this.wait(pos, total);
      if (flagged) buf[keyStart] &= ~FLAG;
      sink.entry(this.stateId, buf, keyStart, keyLength, valueStart, valueLength);
      pos += total;
      if (flagged) {
        const next = (buf[pos - 2] << 8) | buf[pos - 1];
        if (next === END_OF_KEY_GROUP) {
          sink.endKeyGroup();
          this.expectStateId = true;
          this.atBoundary = true;
        } else this.stateId = this.checkState(next, pos - 2);
      }
    }
  }

  private checkState(id: number, pos: number): number {
    if (id >= this.stateCount) throw new KeyedStateError(`corrupt: state id ${id} at byte ${this.base + pos}, but the header names ${this.stateCount} states`);
    return id;
  }

  private wait(pos: number, needed: number): number {
    this.needed = needed;
    return pos;
  }
}

/** The key group of a key: its first one or two bytes. */
export function keyGroupOf(buf: Buffer, keyStart: number, prefixBytes: number): number {
  return prefixBytes === 1 ? buf[keyStart] : (buf[keyStart] << 8) | buf[keyStart + 1];
}

/** Flink's CompositeKeySerializationUtils: one prefix byte for up to 128 key groups, two above. */
export function keyGroupPrefixBytes(maxParallelism: number): number {
  return maxParallelism > 128 ? 2 : 1;
}
