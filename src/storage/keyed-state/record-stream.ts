// Records in a byte stream that arrives in chunks of any size: a record cut by a chunk boundary waits for the
// bytes it still needs, joined with only those (copying whole chunks costs more than the parsing itself: fresh
// memory is slow to touch). A subclass parses what it can of a buffer and says how many bytes it used; when it
// stops at a cut record, it sets `needed` to the bytes from that record's start it must see next.
export abstract class RecordStream {
  private pending: Buffer[] = [];
  protected pendingBytes = 0;
  /** Bytes from the start of the pending record needed to parse it (or to learn how long it is). */
  protected needed: number;
  /** Stream offset of the first pending byte (for messages). */
  protected offset: number;
  /** Stream offset of byte 0 of the buffer being parsed. */
  protected base = 0;

  constructor(firstNeeded: number, startOffset: number) {
    this.needed = firstNeeded;
    this.offset = startOffset;
  }

  /** Parses records of `buf` from `start`; returns the index of the first byte not used. */
  protected abstract parse(buf: Buffer, start: number): number;

  push(chunk: Buffer): void {
    let offset = 0;
    while (this.pendingBytes > 0) {
      const missing = this.needed - this.pendingBytes;
      if (chunk.length - offset < missing) {
        this.pending.push(chunk.subarray(offset));
        this.pendingBytes += chunk.length - offset;
        return;
      }
      const head = Buffer.concat([...this.pending, chunk.subarray(offset, offset + missing)]);
      offset += missing;
      this.base = this.offset;
      const used = this.parse(head, 0);
      this.offset += used;
      this.pending = used < head.length ? [head.subarray(used)] : [];
      this.pendingBytes = head.length - used;
    }
    this.base = this.offset - offset;
    const used = this.parse(chunk, offset);
    this.offset = this.base + used;
    if (used < chunk.length) {
      this.pending = [chunk.subarray(used)];
      this.pendingBytes = chunk.length - used;
    }
  }
}
