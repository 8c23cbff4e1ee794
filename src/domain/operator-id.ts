// Flink's operator id for a user-specified uid (StreamGraphHasherV2): Guava's murmur3_128 with seed 0 over the
// uid's UTF-8 bytes; the id is the 16 hash bytes (Guava's asBytes: h1 then h2, little-endian each), which
// Flink prints as 32 hex digits. So `--uid counter` finds the operator Flink stored state under.

const MASK = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & MASK;

function fmix(k: bigint): bigint {
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & MASK;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK;
  k ^= k >> 33n;
  return k;
}

/** MurmurHash3 x64 128-bit of `data` (the reference algorithm), as Guava's 16 bytes. */
export function murmur3x64_128(data: Uint8Array, seed = 0): Buffer {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let h1 = BigInt(seed >>> 0);
  let h2 = h1;
  const blocks = Math.floor(buf.length / 16);
  for (let i = 0; i < blocks; i++) {
    let k1 = buf.readBigUInt64LE(i * 16);
    let k2 = buf.readBigUInt64LE(i * 16 + 8);
    k1 = (k1 * C1) & MASK;
    k1 = rotl(k1, 31n);
    k1 = (k1 * C2) & MASK;
    h1 ^= k1;
    h1 = rotl(h1, 27n);
    h1 = (h1 + h2) & MASK;
    h1 = (h1 * 5n + 0x52dce729n) & MASK;
    k2 = (k2 * C2) & MASK;
    k2 = rotl(k2, 33n);
    k2 = (k2 * C1) & MASK;
    h2 ^= k2;
    h2 = rotl(h2, 31n);
    h2 = (h2 + h1) & MASK;
    h2 = (h2 * 5n + 0x38495ab5n) & MASK;
  }
  const tail = buf.subarray(blocks * 16);
  let k1 = 0n;
  let k2 = 0n;
  for (let i = tail.length - 1; i >= 8; i--) k2 |= BigInt(tail[i]) << BigInt((i - 8) * 8);
  for (let i = Math.min(tail.length, 8) - 1; i >= 0; i--) k1 |= BigInt(tail[i]) << BigInt(i * 8);
  if (tail.length > 8) {
    k2 = (k2 * C2) & MASK;
    k2 = rotl(k2, 33n);
    k2 = (k2 * C1) & MASK;
    h2 ^= k2;
  }
  if (tail.length > 0) {
    k1 = (k1 * C1) & MASK;
    k1 = rotl(k1, 31n);
    k1 = (k1 * C2) & MASK;
    h1 ^= k1;
  }
  const len = BigInt(buf.length);
  h1 ^= len;
  h2 ^= len;
  h1 = (h1 + h2) & MASK;
  h2 = (h2 + h1) & MASK;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) & MASK;
  h2 = (h2 + h1) & MASK;
  const out = Buffer.alloc(16);
  out.writeBigUInt64LE(h1, 0);
  out.writeBigUInt64LE(h2, 8);
  return out;
}

/** The 32-hex operator id Flink derives from a user-specified uid (`.uid("counter")`). */
export function operatorIdForUid(uid: string): string {
  return murmur3x64_128(Buffer.from(uid, 'utf8')).toString('hex');
}
