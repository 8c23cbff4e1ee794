// The snapshot storage layer: Flink-compatible layout (savepoint-<job6>-<12 hex>/, <job id>/chk-<n>/ with
// shared/ and taskowned/ beside), streamed and checksummed state files, `_metadata` written last and
// atomically (temp file, fsync, rename, fsync of the directory), and reading that verifies everything
// before a restore uses it. The codec is in metadata.ts, the catalog scan in catalog.ts, disposal in
// disposal.ts. A pointer on an object store (s3://, wasbs://, abfss://) takes the same path through the
// storage interface (remote-snapshots.ts), with the same semantics; local stays on direct fs calls.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { NotFoundError, OperationError } from '../domain/errors.js';
import { pointerToPath, rejectHeapPointer } from '../domain/pointers.js';
import type { SnapshotFormat, SnapshotKind, SnapshotTrigger } from '../domain/snapshot-vocabulary.js';
import { decodeMetadata, encodeMetadata, FORMAT_VERSION, MetadataError, METADATA_FILE } from './metadata.js';

/** The object-store half (s3://, wasbs://, abfss://, ...), loaded only when a pointer is remote. */
const remote = () => import('./remote-snapshots.js');
/** store-catalog.ts's isRemote, inline: a local snapshot never loads the object-store modules. */
const REMOTE = /^(s3|s3a|s3p|wasbs|wasb|abfss|abfs|hdfs|webhdfs):\/\//i;
export const isObjectStorePointer = (pointer: string): boolean => REMOTE.test(pointer.trim());
const isRemote = isObjectStorePointer;

export interface StateFileInfo {
  /** Relative to the snapshot directory. */
  name: string;
  size: number;
  sha256: string;
}
export type { SnapshotFormat, SnapshotKind, SnapshotTrigger } from '../domain/snapshot-vocabulary.js';
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
export interface OpenedSnapshot {
  directory: string;
  metadata: SnapshotMetadata;
  verify(): Promise<void>;
  openStateFile(name: string): NodeJS.ReadableStream;
}

const METADATA = METADATA_FILE;

/** `<base>/savepoint-<first 6 of the job id>-<12 random hex>`, created; retried on a name collision. */
export async function createSavepointDir(baseDir: string, jobId: string): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const dir = newSavepointPath(baseDir, jobId);
    try {
      await createSnapshotDirectory(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new OperationError(`Failed to create savepoint directory at ${isRemote(baseDir) ? baseDir : localDirectory(baseDir)}`);
}

/** `<base>/<job id>/chk-<n>`, with `shared/` and `taskowned/` beside it (Flink's layout). */
export async function createCheckpointDir(baseDir: string, jobId: string, checkpointId: number): Promise<string> {
  const dir = checkpointPath(baseDir, jobId, checkpointId);
  await createSnapshotDirectory(dir);
  return dir;
}

/** The path a new savepoint gets, not yet created (so it can be recorded before it exists). */
export function newSavepointPath(baseDir: string, jobId: string): string {
  if (isRemote(baseDir)) return `${baseDir.replace(/\/+$/, '')}/savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`;
  return join(localDirectory(baseDir), `savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`);
}

/** The path of checkpoint <n> of a job, not yet created. */
export function checkpointPath(baseDir: string, jobId: string, checkpointId: number): string {
  if (isRemote(baseDir)) return `${baseDir.replace(/\/+$/, '')}/${jobId}/chk-${checkpointId}`;
  return join(localDirectory(baseDir), jobId, `chk-${checkpointId}`);
}

/**
 * Creates a snapshot directory named by newSavepointPath or checkpointPath: a savepoint's must not exist
 * yet (EEXIST on a name collision); a checkpoint's gets `shared/` and `taskowned/` beside it.
 */
export async function createSnapshotDirectory(dir: string): Promise<void> {
  if (isRemote(dir)) return (await remote()).createRemoteSnapshotDirectory(dir);
  const parent = dirname(dir);
  if (/^chk-\d+$/.test(basename(dir))) {
    await mkdir(join(parent, 'shared'), { recursive: true });
    await mkdir(join(parent, 'taskowned'), { recursive: true });
    await mkdir(dir, { recursive: true });
    return;
  }
  await mkdir(parent, { recursive: true });
  await mkdir(dir);
}

/** A local directory from a plain path or a file: / file:/// URI. */
export function localDirectory(pointer: string): string {
  const p = pointer.trim();
  return pointerToPath(p, process.cwd()) ?? resolve(p);
}

export async function writeStateFile(
  snapshotDir: string,
  name: string,
  data: Uint8Array | string | AsyncIterable<Uint8Array | string>,
): Promise<StateFileInfo> {
  if (isRemote(snapshotDir)) return (await remote()).writeRemoteStateFile(snapshotDir, name, data);
  const path = join(snapshotDir, name);
  await mkdir(dirname(path), { recursive: true });
  const hash = createHash('sha256');
  const handle = await open(path, 'wx');
  let size = 0;
  try {
    const write = async (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      hash.update(bytes);
      size += bytes.byteLength;
      await handle.write(bytes);
    };
    if (typeof data === 'string' || data instanceof Uint8Array) await write(data);
    else for await (const chunk of data) await write(chunk);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { name, size, sha256: hash.digest('hex') };
}

/**
 * Atomic publication: every listed state file must exist with its size (they were fsynced when written);
 * `_metadata` goes to a temporary name, is fsynced, renamed, and the directory is fsynced. Until the rename
 * the directory has no `_metadata`, so it is never restorable nor listed as complete.
 */
export async function publishSnapshot(snapshotDir: string, meta: SnapshotMetadataInput): Promise<SnapshotMetadata> {
  if (isRemote(snapshotDir)) return (await remote()).publishRemoteSnapshot(snapshotDir, meta);
  for (const file of meta.files) {
    const info = await stat(join(snapshotDir, file.name)).catch(() => undefined);
    if (!info) throw new OperationError(`Cannot publish ${snapshotDir}: state file ${file.name} is missing`);
    if (info.size !== file.size)
      throw new OperationError(`Cannot publish ${snapshotDir}: state file ${file.name} has ${info.size} bytes, ${file.size} were written`);
  }
  const metadata: SnapshotMetadata = { formatVersion: FORMAT_VERSION, ...meta };
  const tmp = join(snapshotDir, `${METADATA}.tmp-${randomBytes(4).toString('hex')}`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(encodeMetadata(metadata));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(snapshotDir, METADATA));
  const dir = await open(snapshotDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return metadata;
}

/**
 * Opens a snapshot for restore: a directory or its `_metadata`, plain path or file: URI. Checks the format,
 * version and checksum of `_metadata`; Flink's own `_metadata` gets a clear refusal (listable, disposable,
 * not restorable here). State files are checked by verify() and while streaming.
 */
export async function readSnapshot(pointer: string): Promise<OpenedSnapshot> {
  rejectHeapPointer(pointer);
  if (isRemote(pointer)) return (await remote()).readRemoteSnapshot(pointer);
  const given = localDirectory(pointer);
  const directory = given.endsWith(`${sep}${METADATA}`) ? dirname(given) : given;
  const metadataFile = join(directory, METADATA);
  const exists = await stat(directory).catch(() => undefined);
  if (!exists) throw new NotFoundError(`Cannot find checkpoint or savepoint directory '${directory}'.`);
  let bytes: Buffer;
  try {
    bytes = await readFile(metadataFile);
  } catch {
    throw new NotFoundError(`Cannot find meta data file '_metadata' in directory '${directory}': the snapshot never completed (or is still being written).`);
  }
  let decoded;
  try {
    decoded = decodeMetadata<SnapshotMetadata>(bytes);
  } catch (error) {
    throw new OperationError(`${metadataFile} is ${(error as MetadataError).message}.`);
  }
  if (decoded.kind === 'flink') {
    throw new OperationError(
      `${directory} is an Apache Flink snapshot (_metadata version ${decoded.version ?? '?'}${decoded.checkpointId !== undefined ? `, checkpoint ${decoded.checkpointId}` : ''}): ` +
        'the local coordinator restores only its own; restore it on a Flink cluster (flink run -s <path> -m <jobmanager> <jar>).',
    );
  }
  const metadata = decoded.metadata;
  const byName = new Map(metadata.files.map((f) => [f.name, f]));
  return {
    directory,
    metadata,
    async verify() {
      for (const file of metadata.files) await verifyFile(directory, file);
    },
    openStateFile(name: string) {
      const file = byName.get(name);
      if (!file) throw new NotFoundError(`${join(directory, name)} is not a state file of this snapshot.`);
      return checkedStream(directory, file);
    },
  };
}

async function verifyFile(directory: string, file: StateFileInfo): Promise<void> {
  const path = join(directory, file.name);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new OperationError(`State file ${path} is missing.`);
  if (info.size !== file.size)
    throw new OperationError(`State file ${path} is ${info.size < file.size ? 'truncated' : 'too long'} (${info.size} bytes, expected ${file.size}).`);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  if (hash.digest('hex') !== file.sha256) throw new OperationError(`State file ${path} fails its checksum (corrupt).`);
}

/** Streams a state file; the stream errors at its end if size or checksum do not match. */
function checkedStream(directory: string, file: StateFileInfo): Readable {
  const path = join(directory, file.name);
  const hash = createHash('sha256');
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      if (size !== file.size) return callback(new OperationError(`State file ${path} is truncated (${size} bytes, expected ${file.size}).`));
      if (hash.digest('hex') !== file.sha256) return callback(new OperationError(`State file ${path} fails its checksum (corrupt).`));
      callback();
    },
  });
  const source = createReadStream(path);
  source.on('error', (error) => check.destroy(new OperationError(`State file ${path} cannot be read: ${error.message}`)));
  return source.pipe(check);
}

export async function abortSnapshot(snapshotDir: string): Promise<void> {
  if (isRemote(snapshotDir)) return (await remote()).abortRemoteSnapshot(snapshotDir);
  await rm(snapshotDir, { recursive: true, force: true });
}
