import { describe, expect, it } from '@jest/globals';
import { decodeMetadata, encodeMetadata, FORMAT_VERSION, MAGIC } from '../../../src/storage/metadata.js';

const sample = { formatVersion: FORMAT_VERSION, id: 3, kind: 'savepoint', jobId: 'a'.repeat(32), files: [{ name: 'x', size: 1, sha256: 'f'.repeat(64) }] };

describe('our _metadata codec', () => {
  it('round-trips and starts with its marker and version', () => {
    const bytes = encodeMetadata(sample);
    expect(bytes.toString('utf8').startsWith(`${MAGIC} ${FORMAT_VERSION}\n`)).toBe(true);
    expect(decodeMetadata(bytes)).toEqual({ kind: 'ours', metadata: sample });
  });

  it('refuses truncation at every length', () => {
    const bytes = encodeMetadata(sample);
    for (let cut = 0; cut < bytes.length - 1; cut++) expect(() => decodeMetadata(bytes.subarray(0, cut))).toThrow();
  });

  it('refuses a flipped byte anywhere in the body or checksum', () => {
    const bytes = encodeMetadata(sample);
    const bodyStart = bytes.indexOf('\n') + 1;
    for (let i = bodyStart; i < bytes.length - 1; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i] ^= 0x01;
      expect(() => decodeMetadata(flipped)).toThrow();
    }
  });

  it('refuses a newer format version clearly, and garbage', () => {
    const newer = Buffer.from(encodeMetadata(sample).toString('utf8').replace(`${MAGIC} ${FORMAT_VERSION}`, `${MAGIC} 99`));
    expect(() => decodeMetadata(newer)).toThrow(`written in format version 99 by a newer version of this tool; this one reads up to version ${FORMAT_VERSION}`);
    expect(() => decodeMetadata(Buffer.from('hello'))).toThrow('not a snapshot metadata file (unknown format)');
    expect(() => decodeMetadata(Buffer.from(`${MAGIC} x\n{}\n`))).toThrow(/unreadable format version/);
  });

  it("recognises Apache Flink's binary _metadata: magic, version, checkpoint id", () => {
    // Written from Flink's format description: int32 magic 0x4960672D, int32 version, int64 checkpoint id.
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x4960672d, 0);
    header.writeInt32BE(4, 4);
    header.writeBigInt64BE(42n, 8);
    expect(decodeMetadata(header)).toEqual({ kind: 'flink', version: 4, checkpointId: 42 });
  });
});
