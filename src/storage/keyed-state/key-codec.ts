// A key as the user types it (`user-7`, `42`) in the bytes its key serializer writes, and the key group Flink
// puts it in (KeyGroupRangeAssignment: Flink's murmur hash of the key's Java hashCode, modulo the max
// parallelism). Known for String, Long, Integer, Short, Byte, Boolean, Character and Double keys; for other key
// types the reader compares decoded keys instead.
import { UsageError } from '../../domain/errors.js';
import type { SerializerSpec } from './serializer-snapshots.js';

export interface EncodedKey {
  bytes: Buffer;
  hashCode: number;
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function integer(text: string, bits: number, type: string): bigint {
  if (!/^[+-]?\d+$/.test(text.trim())) throw new UsageError(`Key '${text}' is not a ${type} (the key serializer is ${type}).`);
  const v = BigInt(text.trim());
  const max = 2n ** BigInt(bits - 1);
  if (v < -max || v >= max || v < LONG_MIN || v > LONG_MAX) throw new UsageError(`Key '${text}' is out of range for ${type}.`);
  return v;
}

/** The key's bytes and Java hashCode, or undefined when the key serializer is not one of the simple ones. */
export function encodeKey(text: string, spec: SerializerSpec): EncodedKey | undefined {
  switch (spec.kind) {
    case 'string':
      return { bytes: flinkString(text), hashCode: stringHash(text) };
    case 'long': {
      const v = integer(text, 64, 'Long');
      const bytes = Buffer.alloc(8);
      bytes.writeBigInt64BE(v);
      const u = BigInt.asUintN(64, v);
      return { bytes, hashCode: Number(BigInt.asIntN(32, u ^ (u >> 32n))) };
    }
    case 'int': {
      const v = Number(integer(text, 32, 'Integer'));
      const bytes = Buffer.alloc(4);
      bytes.writeInt32BE(v);
      return { bytes, hashCode: v };
    }
    case 'short': {
      const v = Number(integer(text, 16, 'Short'));
      const bytes = Buffer.alloc(2);
      bytes.writeInt16BE(v);
      return { bytes, hashCode: v };
    }
    case 'byte': {
      const v = Number(integer(text, 8, 'Byte'));
      return { bytes: Buffer.from([v & 0xff]), hashCode: v };
    }
    case 'boolean': {
      if (text !== 'true' && text !== 'false') throw new UsageError(`Key '${text}' is not a Boolean (true or false).`);
      return { bytes: Buffer.from([text === 'true' ? 1 : 0]), hashCode: text === 'true' ? 1231 : 1237 };
    }
    case 'char': {
      if (text.length !== 1) throw new UsageError(`Key '${text}' is not a single Character.`);
      const bytes = Buffer.alloc(2);
      bytes.writeUInt16BE(text.charCodeAt(0));
      return { bytes, hashCode: text.charCodeAt(0) };
    }
    case 'double': {
      const v = Number(text);
      if (text.trim() === '' || (Number.isNaN(v) && text.trim() !== 'NaN')) throw new UsageError(`Key '${text}' is not a Double.`);
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleBE(v);
      // Double.hashCode: the bits of doubleToLongBits (NaN canonical), high word xor low word.
      const bits = Number.isNaN(v) ? 0x7ff8000000000000n : bytes.readBigUInt64BE(0);
      return { bytes, hashCode: Number(BigInt.asIntN(32, bits ^ (bits >> 32n))) };
    }
    default:
      return undefined;
  }
}

/** Flink's StringValue.writeString. */
export function flinkString(text: string): Buffer {
  const out: number[] = [];
  const varint = (v: number) => {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
  };
  varint(text.length + 1);
  for (let i = 0; i < text.length; i++) varint(text.charCodeAt(i));
  return Buffer.from(out);
}

/** String.hashCode over UTF-16 code units. */
export function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** KeyGroupRangeAssignment.computeKeyGroupForKeyHash (MathUtils.murmurHash, then modulo). */
export function keyGroupForHash(hashCode: number, maxParallelism: number): number {
  const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
  let code = Math.imul(hashCode, 0xcc9e2d51);
  code = rotl(code, 15);
  code = Math.imul(code, 0x1b873593);
  code = rotl(code, 13);
  code = (Math.imul(code, 5) + 0xe6546b64) | 0;
  code ^= 4;
  code ^= code >>> 16;
  code = Math.imul(code, 0x85ebca6b);
  code ^= code >>> 13;
  code = Math.imul(code, 0xc2b2ae35);
  code ^= code >>> 16;
  const positive = code >= 0 ? code : code !== -0x80000000 ? -code : 0;
  return positive % maxParallelism;
}
