// TEMPORARY stand-in until the storage branch lands.
// It implements only the storage contract the runtime codes against (names and shapes agreed with the
// storage branch), minimally: no Flink metadata recognition, no catalog, no dry-run. Replaced at merge.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export interface StateFileInfo {
  /** Relative to the snapshot directory. */
  name: string;
  size: number;
  sha256: string;
}
export type SnapshotKind = 'checkpoint' | 'persistent-checkpoint' | 'savepoint';
export type SnapshotTrigger = 'periodic' | 'manual' | 'stop' | 'cancel';
export type SnapshotFormat = 'canonical' | 'native';
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

const METADATA = '_metadata';

export async function createSavepointDir(baseDir: string, jobId: string): Promise<string> {
  const dir = join(resolve(baseDir), `savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function createCheckpointDir(baseDir: string, jobId: string, checkpointId: number): Promise<string> {
  const dir = join(resolve(baseDir), jobId, `chk-${checkpointId}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function writeStateFile(
  snapshotDir: string,
  name: string,
  data: Uint8Array | string | AsyncIterable<Uint8Array | string>,
): Promise<StateFileInfo> {
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

export async function publishSnapshot(snapshotDir: string, meta: SnapshotMetadataInput): Promise<SnapshotMetadata> {
  const metadata: SnapshotMetadata = { formatVersion: 1, ...meta };
  const tmp = join(snapshotDir, `${METADATA}.tmp-${randomBytes(4).toString('hex')}`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify(metadata, null, 2));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(snapshotDir, METADATA));
  return metadata;
}

export async function readSnapshot(pointer: string): Promise<OpenedSnapshot> {
  const directory = resolve(pointer.endsWith(METADATA) ? dirname(pointer) : pointer);
  const metadata = JSON.parse(await readFile(join(directory, METADATA), 'utf8')) as SnapshotMetadata;
  return {
    directory,
    metadata,
    async verify() {
      for (const file of metadata.files) {
        const path = join(directory, file.name);
        const info = await stat(path);
        if (info.size !== file.size) throw new Error(`state file ${file.name} has ${info.size} bytes, expected ${file.size}`);
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
        if (hash.digest('hex') !== file.sha256) throw new Error(`state file ${file.name} fails its checksum`);
      }
    },
    openStateFile(name: string) {
      return createReadStream(join(directory, name));
    },
  };
}

export async function abortSnapshot(snapshotDir: string): Promise<void> {
  await rm(snapshotDir, { recursive: true, force: true });
}
