// Verification, by content, whatever the folder is called (README, "Verification levels"):
//   quick: _metadata decodes and every state file it lists exists with its recorded size;
//   full:  quick plus every state file's sha256 (wherever a decision deletes or restores).
// For Apache Flink's snapshots quick is a known _metadata version; full decodes the whole _metadata and
// checks that every file it references is present with its recorded size (segments of one merged file:
// at least the end of the last one). One loop checks our state files (checkStateFiles), one checks the
// files a Flink snapshot references (checkReferencedFiles), on every store.
import { createHash } from 'node:crypto';
import type { Verification, VerificationLevel } from '../domain/catalog.js';
import { StorageObjectNotFoundError } from '../domain/errors.js';
import { versionRefusal } from './flink-metadata/decode.js';
import { sizeProblem, type ReferencedFile } from './flink-metadata/summary.js';
import { listed, locationOf } from './catalog.js';
import { METADATA_FILE, snapshotPointer } from './layout.js';
import { decodeMetadata, isKnownFlinkVersion, type SnapshotMetadata, type StateFileInfo } from './metadata.js';
import { listAll, type ObjectInfo, type ObjectStore } from './object-store.js';
import type { StorePool } from './stores/index.js';

export interface FileProblem {
  path: string;
  problem: string;
}

/** Bytes a read asks for at a time (a state file is hashed without holding it whole). */
export const READ_CHUNK = 4 * 1024 * 1024;
/** Stats in flight at once. */
const STAT_CONCURRENCY = 32;
/** A folder with at least this many referenced files is listed instead of stat-ed file by file. */
const LIST_THRESHOLD = 64;

/** A snapshot's `_metadata` and the sizes of everything under it, from one listing. */
export interface SnapshotContents {
  store: ObjectStore;
  /** The snapshot folder's key ('' never: a snapshot is below its root). */
  key: string;
  location: string;
  files: Map<string, ObjectInfo>;
}

export async function contentsOf(pool: StorePool, pointer: string): Promise<SnapshotContents> {
  const { store, key, location } = await pool.locate(snapshotPointer(pointer));
  const files = new Map<string, ObjectInfo>();
  for (const o of await listed(store, `${key}/`)) files.set(o.key.slice(key.length + 1), o);
  return { store, key, location, files };
}

/**
 * The problems with our state files: every size first (from the listing: a missing or truncated file costs
 * no read), then, at the full level, every checksum of the rest (the one checksum loop).
 */
export async function checkStateFiles(contents: SnapshotContents, files: readonly StateFileInfo[], level: VerificationLevel): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  const sized: StateFileInfo[] = [];
  for (const file of files) {
    const at = `${contents.location}/${file.name}`;
    const size = contents.files.get(file.name)?.size;
    if (size === undefined) problems.push({ path: at, problem: 'missing' });
    else if (size !== file.size)
      problems.push({ path: at, problem: `is ${size < file.size ? 'truncated' : 'too long'} (${size} bytes, expected ${file.size})` });
    else sized.push(file);
  }
  if (level !== 'full') return problems;
  for (const file of sized) {
    const hash = createHash('sha256');
    try {
      for await (const chunk of readChunks(contents.store, `${contents.key}/${file.name}`)) hash.update(chunk);
    } catch (error) {
      // Listed, then gone before it was read: a disposal (from another host) is deleting the snapshot.
      if (!(error instanceof StorageObjectNotFoundError)) throw error;
      problems.push({ path: `${contents.location}/${file.name}`, problem: 'missing (deleted while it was being read)' });
      continue;
    }
    if (hash.digest('hex') !== file.sha256) problems.push({ path: `${contents.location}/${file.name}`, problem: 'fails its checksum (corrupt)' });
  }
  return problems;
}

/** An object in chunks of READ_CHUNK bytes (a missing one: StorageObjectNotFoundError). */
export async function* readChunks(store: ObjectStore, key: string): AsyncGenerator<Buffer> {
  for (let offset = 0; ; offset += READ_CHUNK) {
    const chunk = await store.read(key, { offset, length: READ_CHUNK });
    if (chunk.length > 0) yield chunk;
    if (chunk.length < READ_CHUNK) return;
  }
}

/**
 * Each file a Flink snapshot references: present, and of its recorded size (at least it, for merged segments).
 * Problems in metadata order. A folder holding many of them (a job's shared/) is listed, in the store's
 * largest pages, instead of a stat per file: a checkpoint referencing 10,000 shared files costs ~10 requests.
 * The listing stops at a tenth of the stats it saves (a folder of far more objects); what it did not reach
 * is stat-ed. `pageSize` (tests) lists in smaller pages.
 */
export async function checkReferencedFiles(pool: StorePool, files: readonly ReferencedFile[], options: { pageSize?: number } = {}): Promise<FileProblem[]> {
  const found: Array<FileProblem | undefined> = new Array(files.length);
  const sizes: Array<number | undefined> = new Array(files.length);
  const judge = (i: number, size: number | undefined): FileProblem | undefined => {
    sizes[i] = size;
    if (size === undefined) return { path: files[i].path, problem: 'missing' };
    const problem = sizeProblem(files[i], size);
    return problem === undefined ? undefined : { path: files[i].path, problem };
  };
  const located: Array<{ store: ObjectStore; key: string } | undefined> = [];
  const folders = new Map<ObjectStore, Map<string, number[]>>();
  for (let i = 0; i < files.length; i++) {
    const at = await pool.locate(files[i].path).catch(() => undefined);
    located.push(at);
    if (!at) {
      found[i] = { path: files[i].path, problem: 'on a store this machine has no adapter for; cannot be checked here' };
      continue;
    }
    const folder = at.key.slice(0, at.key.lastIndexOf('/') + 1);
    const byFolder = folders.get(at.store) ?? new Map<string, number[]>();
    folders.set(at.store, byFolder);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), i]);
  }
  const toStat: number[] = [];
  for (const [store, byFolder] of folders) {
    for (const [folder, indices] of byFolder) {
      if (indices.length < LIST_THRESHOLD) {
        toStat.push(...indices);
        continue;
      }
      const sizes = new Map<string, number>();
      let pages = 0;
      let complete = false;
      for await (const page of listAll(store, folder, { delimiter: '/', pageSize: options.pageSize ?? 1000 })) {
        for (const o of page.objects) sizes.set(o.key, o.size);
        complete = page.next === undefined;
        if (++pages >= Math.ceil(indices.length / 10)) break;
      }
      for (const i of indices) {
        const size = sizes.get(located[i]!.key);
        if (size === undefined && !complete) toStat.push(i);
        else found[i] = judge(i, size);
      }
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(STAT_CONCURRENCY, toStat.length) }, async () => {
      while (next < toStat.length) {
        const i = toStat[next++];
        found[i] = judge(i, (await located[i]!.store.stat(located[i]!.key))?.size);
      }
    }),
  );
  // A compressed change-log file is shorter or longer than its handle says: its first byte tells (one ranged read).
  for (let i = 0; i < files.length; i++) {
    const at = located[i];
    if (!found[i] || !files[i].changelog || sizes[i] === undefined || !at) continue;
    const first = await at.store.read(at.key, { offset: 0, length: 1 }).catch(() => undefined);
    if (sizeProblem(files[i], sizes[i]!, first?.[0]) === undefined) found[i] = undefined;
  }
  return found.filter((p): p is FileProblem => p !== undefined);
}

/** A snapshot at a verification level: what a listing and (full) a read of every file find. */
export async function verifySnapshot(pool: StorePool, pointer: string, level: Exclude<VerificationLevel, 'listed'>): Promise<Verification> {
  const failed = (state: Verification['state'], problem: string): Verification => ({ level, state, problem });
  const contents = await contentsOf(pool, pointer);
  const { store, key, files } = contents;
  if (files.size === 0 && store.fileSystem?.facts(key).kind !== 'directory') return failed('incomplete', 'directory no longer exists');
  if (!files.has(METADATA_FILE)) return failed('incomplete', 'no _metadata (never completed, or still being written)');
  let bytes: Buffer;
  try {
    bytes = await store.read(`${key}/${METADATA_FILE}`);
  } catch (error) {
    if (error instanceof StorageObjectNotFoundError) return failed('incomplete', 'no _metadata (never completed, or still being written)');
    throw error;
  }
  let decoded;
  try {
    decoded = decodeMetadata<SnapshotMetadata>(bytes, { whole: false });
  } catch (error) {
    return failed('corrupt', `_metadata is ${(error as Error).message}`);
  }
  if (decoded.kind === 'flink') {
    if (!isKnownFlinkVersion(decoded.version)) return failed('corrupt', versionRefusal(decoded.version ?? 0));
    if (level === 'quick') return { level, state: 'complete' };
    const { decodeFlinkMetadata, referencedFiles } = await import('./flink-metadata/index.js');
    let references;
    try {
      references = referencedFiles(decodeFlinkMetadata(bytes, { snapshotDir: locationOf(store, key) }));
    } catch (error) {
      return failed('corrupt', `_metadata is ${(error as Error).message.replace(/\.$/, '')}`);
    }
    const problems = await checkReferencedFiles(pool, references);
    if (problems.length === 0) return { level, state: 'complete' };
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    return failed('corrupt', `referenced file ${displayPath(problems[0].path)}: ${problems[0].problem}${more}`);
  }
  const problems = await checkStateFiles(contents, decoded.metadata.files, level);
  if (problems.length === 0) return { level, state: 'complete' };
  const first = problems[0];
  const name = first.path.slice(contents.location.length + 1);
  if (level === 'quick' || /missing|truncated|too long/.test(first.problem)) return failed('corrupt', `state file ${name} missing or truncated`);
  return failed('corrupt', `state file ${name} ${first.problem}`);
}

/** A file: URI as a path (how the local file system's files are named in messages). */
export function displayPath(uri: string): string {
  if (!/^file:/i.test(uri)) return uri;
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}
