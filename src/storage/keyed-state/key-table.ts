// The keys of one key group, by their bytes, for --top and diff --keys: the key bytes copied one after another
// into one buffer, an open-addressing index over them, and per key (numbered in the order first seen) its bytes,
// entries and a digest of its entries in typed arrays. No object, string or Map entry per key: a key group of
// any size is a handful of allocations, reused for the next key group once the table is released, and no chunk
// of the file stays referenced for the key bytes it holds.

/** FNV-1a over bytes with a final mix (the index uses the low bits). */
function hashKey(buf: Buffer, from: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class KeyTable {
  /** Keys held, numbered 0 … size - 1. */
  size = 0;
  private keyBytes: Buffer;
  /** Key i is keyBytes[starts[i], starts[i + 1]). */
  private starts: Int32Array;
  private keyHashes: Int32Array;
  /** Index slot → key number + 1 (0: empty); a power of two, at most half full. */
  private index: Int32Array;
  /** Per key: its entries' bytes and count, and an order-independent digest of its entries (sum and xor of hashes). */
  bytes: Float64Array;
  entries: Float64Array;
  hash: Int32Array;
  mix: Int32Array;

  constructor(capacity = 256) {
    this.keyBytes = Buffer.allocUnsafe(capacity * 16);
    this.starts = new Int32Array(capacity + 1);
    this.keyHashes = new Int32Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.entries = new Float64Array(capacity);
    this.hash = new Int32Array(capacity);
    this.mix = new Int32Array(capacity);
    this.index = new Int32Array(capacity * 2);
  }

  /** Empties the table, keeping its memory (for the next key group). */
  clear(): void {
    this.index.fill(0);
    for (const column of [this.bytes, this.entries, this.hash, this.mix]) column.fill(0, 0, this.size);
    this.size = 0;
  }

  /** The number of the key buf[from, end), added when new. */
  slot(buf: Buffer, from: number, end: number): number {
    if (this.size * 2 >= this.index.length) this.grow();
    const h = hashKey(buf, from, end);
    const mask = this.index.length - 1;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const at = this.index[p];
      if (at === 0) {
        this.index[p] = this.add(h, buf, from, end) + 1;
        return this.size - 1;
      }
      if (this.keyHashes[at - 1] === h && this.equals(at - 1, buf, from, end)) return at - 1;
    }
  }

  /** The number of the key buf[from, end), or -1. */
  find(buf: Buffer, from: number, end: number): number {
    const h = hashKey(buf, from, end);
    const mask = this.index.length - 1;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const at = this.index[p];
      if (at === 0) return -1;
      if (this.keyHashes[at - 1] === h && this.equals(at - 1, buf, from, end)) return at - 1;
    }
  }

  /** Key i's bytes (a view: copy it to keep it beyond this table). */
  key(i: number): Buffer {
    return this.keyBytes.subarray(this.starts[i], this.starts[i + 1]);
  }

  /** Adds an entry of key i: its bytes, and its hash when digests are wanted. */
  count(i: number, bytes: number, entryHash?: number): void {
    this.bytes[i] += bytes;
    this.entries[i]++;
    if (entryHash === undefined) return;
    this.hash[i] = (this.hash[i] + entryHash) | 0;
    this.mix[i] ^= Math.imul(entryHash ^ (entryHash >>> 15), 0x2c1b3c6d);
  }

  /** Key i here and key j of `other` have the same entries (as far as their digests tell). */
  sameEntries(i: number, other: KeyTable, j: number): boolean {
    return this.hash[i] === other.hash[j] && this.mix[i] === other.mix[j] && this.bytes[i] === other.bytes[j];
  }

  private equals(i: number, buf: Buffer, from: number, end: number): boolean {
    const start = this.starts[i];
    if (this.starts[i + 1] - start !== end - from) return false;
    // A loop: cheaper than a native call for keys this short.
    for (let a = start, b = from; b < end; a++, b++) if (this.keyBytes[a] !== buf[b]) return false;
    return true;
  }

  private add(h: number, buf: Buffer, from: number, end: number): number {
    const i = this.size;
    if (i === this.keyHashes.length) this.growColumns();
    const start = this.starts[i];
    if (start + (end - from) > this.keyBytes.length) {
      const larger = Buffer.allocUnsafe(Math.max(this.keyBytes.length * 2, start + (end - from)));
      this.keyBytes.copy(larger, 0, 0, start);
      this.keyBytes = larger;
    }
    buf.copy(this.keyBytes, start, from, end);
    this.starts[i + 1] = start + (end - from);
    this.keyHashes[i] = h;
    this.size++;
    return i;
  }

  private growColumns(): void {
    const n = this.keyHashes.length * 2;
    const larger = <T extends Int32Array | Float64Array>(a: T, length: number): T => {
      const b = new (a.constructor as new (n: number) => T)(length);
      b.set(a);
      return b;
    };
    this.starts = larger(this.starts, n + 1);
    this.keyHashes = larger(this.keyHashes, n);
    this.bytes = larger(this.bytes, n);
    this.entries = larger(this.entries, n);
    this.hash = larger(this.hash, n);
    this.mix = larger(this.mix, n);
  }

  private grow(): void {
    const index = new Int32Array(this.index.length * 2);
    const mask = index.length - 1;
    for (let i = 0; i < this.size; i++) {
      let p = this.keyHashes[i] & mask;
      while (index[p] !== 0) p = (p + 1) & mask;
      index[p] = i + 1;
    }
    this.index = index;
  }
}
