// Our `_metadata` format (pure codec). Self-describing and versioned:
//
//   #flink-cli-snapshot <format version>\n
//   <JSON of SnapshotMetadata>\n
//   #sha256 <hex of the JSON line's bytes>\n
//
// The first line can never be mistaken for Apache Flink's binary _metadata (magic 0x4960672D), a reader
// refuses versions it does not know with a clear message, and the trailing checksum catches truncation and
// flipped bytes in the metadata itself. State files are checked against the sizes and sha256 listed inside.
//
// Beside `_metadata` our writer puts an empty object whose name carries the facts a listing needs (kind,
// trigger, format, job, id, completion time, and the sizes a quick check compares): a listing sees them
// without reading anything, on every store (S3 returns no object metadata in a listing).
import { createHash } from 'node:crypto';
import type { SnapshotFormat, SnapshotKind, SnapshotTrigger } from '../domain/snapshot-vocabulary.js';
import { SNAPSHOT_FORMATS, SNAPSHOT_KINDS, SNAPSHOT_TRIGGERS } from '../domain/snapshot-vocabulary.js';
import { decodeFlinkMetadata } from './flink-metadata/decode.js';
import type { FlinkCheckpointMetadata } from './flink-metadata/types.js';

export { DISPOSING_MARKER, METADATA_FILE } from './layout.js';
export type { SnapshotFormat, SnapshotKind, SnapshotTrigger } from '../domain/snapshot-vocabulary.js';

export const FORMAT_VERSION = 1;
export const MAGIC = '#flink-cli-snapshot';
export const FLINK_MAGIC = 0x4960672d;
/** Flink's header: magic, version, checkpoint id. */
export const FLINK_HEADER_BYTES = 16;
/** The _metadata versions of Flink this tool reads (1.20 writes 4, 2.x writes 6). */
export const KNOWN_FLINK_VERSIONS = { min: 1, max: 6 } as const;

export interface StateFileInfo {
  /** Relative to the snapshot directory. */
  name: string;
  size: number;
  sha256: string;
}
export interface OperatorSnapshotInfo {
  uid: string;
  name?: string;
  parallelism: number;
  maxParallelism: number;
  /** Opaque JSON owned by the runtime. */
  state?: unknown;
}
export interface SnapshotMetadataInput {
  id: number;
  kind: SnapshotKind;
  trigger: SnapshotTrigger;
  format: SnapshotFormat;
  jobId: string;
  jobName: string;
  jobFingerprint: string;
  operators: OperatorSnapshotInfo[];
  toolVersion: string;
  triggeredAt: number;
  completedAt: number;
  files: StateFileInfo[];
  extra?: Record<string, unknown>;
}
export interface SnapshotMetadata extends SnapshotMetadataInput {
  formatVersion: number;
}

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

export function isFlinkMetadata(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32BE(0) === FLINK_MAGIC;
}

/** Flink's header: version and checkpoint id (from the first 16 bytes). */
export function flinkHeader(bytes: Buffer): { version?: number; checkpointId?: number } {
  const version = bytes.length >= 8 ? bytes.readInt32BE(4) : undefined;
  const checkpointId = bytes.length >= 16 && version !== undefined && version >= 2 ? Number(bytes.readBigInt64BE(8)) : undefined;
  return { version, checkpointId };
}

export function isKnownFlinkVersion(version: number | undefined): boolean {
  return version !== undefined && version >= KNOWN_FLINK_VERSIONS.min && version <= KNOWN_FLINK_VERSIONS.max;
}

/**
 * Decodes a _metadata file's bytes; throws MetadataError (message without the file name) when it is not valid.
 * `whole: false` stops at Flink's header (a listing needs no more).
 */
export function decodeMetadata<T>(bytes: Buffer, options: { whole?: boolean } = {}): Decoded<T> {
  if (isFlinkMetadata(bytes)) {
    const header = flinkHeader(bytes);
    if (options.whole === false) return { kind: 'flink', ...header };
    try {
      return { kind: 'flink', ...header, metadata: decodeFlinkMetadata(bytes) };
    } catch {
      // A listing must not fail on one unreadable file; decodeFlinkMetadata() says what is wrong with it.
      return { kind: 'flink', ...header };
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

/** What a listing needs to know about one of our snapshots, recorded in the name of an empty object beside `_metadata`. */
export interface SnapshotFacts {
  kind: SnapshotKind;
  trigger: SnapshotTrigger;
  format: SnapshotFormat;
  jobId: string;
  /** Undefined when the name is too long for the facts' object name (the listing then does not know it). */
  jobName?: string;
  id: number;
  completedAt: number;
  /** The size of `_metadata`, of its state files together, and their number: what a quick check compares with a listing. */
  metadataBytes: number;
  stateBytes: number;
  stateFiles: number;
}

export const FACTS_PREFIX = '_snapshot.';
/** File names are at most 255 bytes: a longer job name is left out of the facts. */
const MAX_NAME_CHARS = 120;

export function factsOf(metadata: SnapshotMetadataInput, metadataBytes: number): SnapshotFacts {
  return {
    kind: metadata.kind,
    trigger: metadata.trigger,
    format: metadata.format,
    jobId: metadata.jobId,
    jobName: metadata.jobName,
    id: metadata.id,
    completedAt: metadata.completedAt,
    metadataBytes,
    stateBytes: metadata.files.reduce((n, f) => n + f.size, 0),
    stateFiles: metadata.files.length,
  };
}

/** "_snapshot.1.spcn.<job id>.<id>.<completed>.<metadata bytes>.<state files>.<state bytes>.<job name>" (numbers base 36). */
export function factsName(f: SnapshotFacts): string {
  const name = f.jobName === undefined ? '' : encodeURIComponent(f.jobName);
  const named = name.length <= MAX_NAME_CHARS;
  const codes = `${SNAPSHOT_KINDS.indexOf(f.kind)}${SNAPSHOT_TRIGGERS.indexOf(f.trigger)}${SNAPSHOT_FORMATS.indexOf(f.format)}${named && f.jobName !== undefined ? 'n' : '-'}`;
  const numbers = [f.id, f.completedAt, f.metadataBytes, f.stateFiles, f.stateBytes].map((n) => n.toString(36));
  return `${FACTS_PREFIX}1.${codes}.${f.jobId}.${numbers.join('.')}.${named ? name : ''}`;
}

/** The facts in a name written by factsName; undefined for any other name. */
export function parseFactsName(name: string): SnapshotFacts | undefined {
  if (!name.startsWith(`${FACTS_PREFIX}1.`)) return undefined;
  const fields = name.slice(FACTS_PREFIX.length + 2).split('.');
  if (fields.length < 8) return undefined;
  const [codes, jobId, ...rest] = fields;
  const numbers = rest.slice(0, 5).map((n) => parseInt(n, 36));
  const kind = SNAPSHOT_KINDS[Number(codes[0])];
  const trigger = SNAPSHOT_TRIGGERS[Number(codes[1])];
  const format = SNAPSHOT_FORMATS[Number(codes[2])];
  if (!kind || !trigger || !format || !/^[0-9a-f]{32}$/.test(jobId) || numbers.some((n) => !Number.isFinite(n))) return undefined;
  let jobName: string | undefined;
  try {
    jobName = codes[3] === 'n' ? decodeURIComponent(rest.slice(5).join('.')) : undefined;
  } catch {
    return undefined;
  }
  const [id, completedAt, metadataBytes, stateFiles, stateBytes] = numbers;
  return { kind, trigger, format, jobId, jobName, id, completedAt, metadataBytes, stateFiles, stateBytes };
}
