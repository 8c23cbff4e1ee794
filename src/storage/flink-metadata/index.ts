// I/O around the pure decoder: read a Flink snapshot's `_metadata` from local storage, and verify that every
// file it references exists with the size it must have. (Object stores come with the storage interface.)
import { open, readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { NotFoundError, OperationError } from '../../domain/errors.js';
import { decodeFlinkMetadata, FlinkMetadataError } from './decode.js';
import { localPathOf, referencedFiles, sizeProblem, type ReferencedFile } from './summary.js';
import type { FlinkCheckpointMetadata } from './types.js';

export { decodeFlinkMetadata, FLINK_METADATA_MAGIC, FlinkMetadataError, HANDLE, SUPPORTED_VERSIONS } from './decode.js';
export {
  CHANGELOG_SNAPPY,
  localPathOf,
  operatorBytes,
  referencedFiles,
  sizeProblem,
  streamHandles,
  totalBytes,
  usesChangelog,
  type ReferencedFile,
} from './summary.js';
export type * from './types.js';

export interface FlinkSnapshot {
  /** The snapshot directory (local path). */
  directory: string;
  metadata: FlinkCheckpointMetadata;
  files: ReferencedFile[];
}

/** A snapshot directory (or its `_metadata`), as a plain path or file: URI, to a local directory. */
export function snapshotDirectory(pointer: string): string {
  const local = localPathOf(pointer) ?? pointer;
  const trimmed = local.length > 1 ? local.replace(/\/+$/, '') : local;
  return basename(trimmed) === '_metadata' ? dirname(trimmed) : trimmed;
}

/** Reads and fully decodes a Flink snapshot's `_metadata`; errors are one line naming the file. */
export async function readFlinkSnapshot(pointer: string): Promise<FlinkSnapshot> {
  const directory = snapshotDirectory(pointer);
  const file = `${directory}/_metadata`;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new NotFoundError(`Cannot find meta data file '_metadata' in directory '${directory}'.`);
  }
  try {
    const metadata = decodeFlinkMetadata(bytes, { snapshotDir: directory });
    return { directory, metadata, files: referencedFiles(metadata) };
  } catch (error) {
    if (error instanceof FlinkMetadataError) throw new OperationError(`${file}: ${error.message}.`);
    throw error;
  }
}

export interface FileProblem {
  path: string;
  problem: string;
}
export interface FlinkVerification {
  ok: boolean;
  /** Each referenced file that is missing or has the wrong size (as written in the metadata). */
  missing: string[];
  problems: FileProblem[];
}

/** Checks every file `files` lists: present, and of its recorded size (at least it, for merged segments). */
export async function verifyFiles(files: ReferencedFile[]): Promise<FlinkVerification> {
  const found: Array<FileProblem | undefined> = new Array(files.length);
  const check = async (f: ReferencedFile): Promise<FileProblem | undefined> => {
    const local = localPathOf(f.path);
    if (local === undefined) return { path: f.path, problem: 'not on local storage; cannot be checked here' };
    const info = await stat(local).catch(() => undefined);
    if (!info || !info.isFile()) return { path: f.path, problem: 'missing' };
    if (sizeProblem(f, info.size) === undefined) return undefined;
    const problem = sizeProblem(f, info.size, f.changelog ? await firstByte(local) : undefined);
    return problem === undefined ? undefined : { path: f.path, problem };
  };
  // A checkpoint can reference 10,000s of shared files: a few dozen stats in flight, results in metadata order.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(32, files.length) }, async () => {
      while (next < files.length) {
        const i = next++;
        found[i] = await check(files[i]);
      }
    }),
  );
  const problems = found.filter((p): p is FileProblem => p !== undefined);
  return { ok: problems.length === 0, missing: problems.map((p) => p.path), problems };
}

/** A file's first byte (a change-log file's format byte), or undefined when it has none. */
async function firstByte(file: string): Promise<number | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(1), 0, 1, 0);
    return bytesRead === 1 ? buffer[0] : undefined;
  } finally {
    await handle.close();
  }
}

/** Reads a Flink snapshot and verifies what it references (used by `inspect --verify` and full verification). */
export async function verifyFlinkSnapshot(dir: string): Promise<FlinkVerification> {
  const snapshot = await readFlinkSnapshot(dir);
  return verifyFiles(snapshot.files);
}
