// Our `_metadata` format (pure codec). Self-describing and versioned:
//
//   #flink-cli-snapshot <format version>\n
//   <JSON of SnapshotMetadata>\n
//   #sha256 <hex of the JSON line's bytes>\n
//
// The first line can never be mistaken for Apache Flink's binary _metadata (magic 0x4960672D), a reader
// refuses versions it does not know with a clear message, and the trailing checksum catches truncation and
// flipped bytes in the metadata itself. State files are checked against the sizes and sha256 listed inside.
import { createHash } from 'node:crypto';
import { decodeFlinkMetadata } from './flink-metadata/decode.js';
import type { FlinkCheckpointMetadata } from './flink-metadata/types.js';

export const METADATA_FILE = '_metadata';
/**
 * Written into a snapshot directory before its files are deleted, and deleted last: a disposal that failed
 * or was interrupted leaves it behind, so the directory is known for what it is and the next prune or
 * dispose finishes the job (instead of it looking like a snapshot still being written).
 */
export const DISPOSING_MARKER = '_disposing';
export const FORMAT_VERSION = 1;
export const MAGIC = '#flink-cli-snapshot';
export const FLINK_MAGIC = 0x4960672d;

export class MetadataError extends Error {}

export function encodeMetadata(metadata: object): Buffer {
  const json = JSON.stringify(metadata);
  const digest = createHash('sha256').update(json, 'utf8').digest('hex');
  return Buffer.from(`${MAGIC} ${FORMAT_VERSION}\n${json}\n#sha256 ${digest}\n`, 'utf8');
}

export type Decoded<T> =
  | { kind: 'ours'; metadata: T }
  /** Flink's binary format: the header always; `metadata` when the whole file decodes. */
  | { kind: 'flink'; version?: number; checkpointId?: number; metadata?: FlinkCheckpointMetadata };

/** Decodes a _metadata file's bytes; throws MetadataError (message without the file name) when it is not valid. */
export function decodeMetadata<T>(bytes: Buffer): Decoded<T> {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === FLINK_MAGIC) {
    const version = bytes.length >= 8 ? bytes.readInt32BE(4) : undefined;
    const checkpointId = bytes.length >= 16 && version !== undefined && version >= 2 ? Number(bytes.readBigInt64BE(8)) : undefined;
    try {
      return { kind: 'flink', version, checkpointId, metadata: decodeFlinkMetadata(bytes) };
    } catch {
      // A listing must not fail on one unreadable file; decodeFlinkMetadata() says what is wrong with it.
      return { kind: 'flink', version, checkpointId };
    }
  }
  const text = bytes.toString('utf8');
  if (!text.startsWith(`${MAGIC} `)) throw new MetadataError('not a snapshot metadata file (unknown format)');
  const lines = text.split('\n');
  const version = Number(lines[0].slice(MAGIC.length + 1));
  if (!Number.isInteger(version) || version < 1) throw new MetadataError(`unreadable format version '${lines[0].slice(MAGIC.length + 1)}'`);
  if (version > FORMAT_VERSION)
    throw new MetadataError(`written in format version ${version} by a newer version of this tool; this one reads up to version ${FORMAT_VERSION}`);
  if (lines.length < 3 || !lines[2].startsWith('#sha256 ')) throw new MetadataError('truncated (no checksum line)');
  const digest = createHash('sha256').update(lines[1], 'utf8').digest('hex');
  if (digest !== lines[2].slice('#sha256 '.length).trim()) throw new MetadataError('corrupt (its checksum does not match)');
  try {
    return { kind: 'ours', metadata: JSON.parse(lines[1]) as T };
  } catch {
    throw new MetadataError('corrupt (not valid JSON)');
  }
}
