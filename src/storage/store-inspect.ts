// `flink savepoints inspect` on an object store: read a snapshot's _metadata (Flink's, decoded in full, or ours)
// through the storage interface, and check every file it references — a stat through the store of the file's
// bucket or container, a few dozen in flight — or, for ours, every state file's size and checksum.
import { createHash } from 'node:crypto';
import type { StorageSettings } from '../config/storage.js';
import { NotFoundError, OperationError } from '../domain/errors.js';
import type { FileProblem, FlinkSnapshot, FlinkVerification, ReferencedFile } from './flink-metadata/index.js';
import type { SnapshotMetadata } from './index.js';
import { decodeMetadata, METADATA_FILE } from './metadata.js';
import { listAll, openStore, type ObjectStore } from './object-store.js';
import { isRemote, remoteSnapshotUri, withSnapshotStore } from './store-catalog.js';

/** Stats in flight at once (as the catalog's reads). */
const STAT_CONCURRENCY = 32;
/** A folder with at least this many referenced files is listed instead of stat-ed file by file. */
const LIST_THRESHOLD = 64;

export type RemoteSnapshot = { origin: 'flink'; snapshot: FlinkSnapshot } | { origin: 'ours'; directory: string; metadata: SnapshotMetadata };

/** Reads and decodes the _metadata of a snapshot on an object store; errors are one line naming it. */
export async function readRemoteSnapshot(pointer: string, settings: StorageSettings): Promise<RemoteSnapshot> {
  return withSnapshotStore(pointer, settings, async (store, uri) => {
    if (!(await store.stat(METADATA_FILE))) throw new NotFoundError(`Cannot find meta data file '_metadata' in directory '${uri}'.`);
    const bytes = await store.read(METADATA_FILE);
    let decoded;
    try {
      decoded = decodeMetadata<SnapshotMetadata>(bytes);
    } catch (error) {
      throw new OperationError(`${store.uriOf(METADATA_FILE)}: ${(error as Error).message}.`);
    }
    if (decoded.kind === 'ours') return { origin: 'ours', directory: uri, metadata: decoded.metadata };
    const { decodeFlinkMetadata, FlinkMetadataError, referencedFiles } = await import('./flink-metadata/index.js');
    try {
      const metadata = decodeFlinkMetadata(bytes, { snapshotDir: uri });
      return { origin: 'flink', snapshot: { directory: uri, metadata, files: referencedFiles(metadata) } };
    } catch (error) {
      if (error instanceof FlinkMetadataError) throw new OperationError(`${store.uriOf(METADATA_FILE)}: ${error.message}.`);
      throw error;
    }
  });
}

/**
 * Each referenced file on an object store: present, and of its recorded size (at least it, for merged segments).
 * Results in metadata order. A folder holding many of them (a job's shared/) is listed, 1,000 keys a LIST page,
 * instead of a HEAD per file: a checkpoint referencing 10,000 shared files costs ~10 requests, not 10,000. The
 * listing stops at a tenth of the HEADs it saves (a folder of far more objects); what it did not reach is stat-ed.
 * `pageSize` (tests) lists in smaller pages.
 */
export async function checkRemoteFiles(
  files: readonly ReferencedFile[],
  settings: StorageSettings,
  options: { pageSize?: number } = {},
): Promise<FlinkVerification> {
  const roots = new Map<string, Promise<ObjectStore>>();
  const storeOf = (root: string) => {
    if (!roots.has(root)) roots.set(root, openStore(root, settings));
    return roots.get(root)!;
  };
  const found: Array<FileProblem | undefined> = new Array(files.length);
  const located: Array<{ root: string; key: string } | undefined> = files.map((f) => {
    // The root of the file's bucket or container, and its key there.
    const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]+\/)(.+)$/i.exec(f.path);
    return m && isRemote(f.path) ? { root: m[1], key: decodeURIComponent(m[2]).replace(/\/{2,}/g, '/') } : undefined;
  });
  const judge = (file: ReferencedFile, size: number | undefined): FileProblem | undefined => {
    if (size === undefined) return { path: file.path, problem: 'missing' };
    if (file.exact ? size !== file.bytes : size < file.bytes)
      return { path: file.path, problem: `${size} bytes, expected ${file.exact ? '' : 'at least '}${file.bytes}` };
    return undefined;
  };
  const folders = new Map<string, number[]>();
  located.forEach((at, i) => {
    if (!at) {
      found[i] = { path: files[i].path, problem: 'not on an object store this snapshot is on; cannot be checked here' };
      return;
    }
    const folder = `${at.root}\n${at.key.slice(0, at.key.lastIndexOf('/') + 1)}`;
    const group = folders.get(folder);
    if (group) group.push(i);
    else folders.set(folder, [i]);
  });
  const toStat: number[] = [];
  try {
    for (const [folder, indices] of folders) {
      if (indices.length < LIST_THRESHOLD) {
        toStat.push(...indices);
        continue;
      }
      const [root, prefix] = folder.split('\n');
      const store = await storeOf(root);
      const sizes = new Map<string, number>();
      let pages = 0;
      let complete = false;
      for await (const page of listAll(store, prefix, { delimiter: '/', pageSize: options.pageSize })) {
        for (const o of page.objects) sizes.set(o.key, o.size);
        complete = page.next === undefined;
        if (++pages >= Math.ceil(indices.length / 10)) break;
      }
      for (const i of indices) {
        const size = sizes.get(located[i]!.key);
        if (size === undefined && !complete) toStat.push(i);
        else found[i] = judge(files[i], size);
      }
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(STAT_CONCURRENCY, toStat.length) }, async () => {
        while (next < toStat.length) {
          const i = toStat[next++];
          const info = await (await storeOf(located[i]!.root)).stat(located[i]!.key);
          found[i] = judge(files[i], info?.size);
        }
      }),
    );
  } finally {
    for (const opened of roots.values())
      void opened.then(
        (s) => s.close(),
        () => {},
      );
  }
  const problems = found.filter((p): p is FileProblem => p !== undefined);
  return { ok: problems.length === 0, missing: problems.map((p) => p.path), problems };
}

/** Our snapshot on an object store: every state file its _metadata lists, with its size and checksum. */
export async function checkRemoteStateFiles(pointer: string, metadata: SnapshotMetadata, settings: StorageSettings): Promise<FlinkVerification> {
  const uri = remoteSnapshotUri(pointer);
  const problems = await withSnapshotStore(uri, settings, async (store) => {
    const found: FileProblem[] = [];
    for (const file of metadata.files) {
      const at = `${uri}/${file.name}`;
      const info = await store.stat(file.name);
      if (!info) found.push({ path: at, problem: 'missing' });
      else if (info.size !== file.size)
        found.push({ path: at, problem: `is ${info.size < file.size ? 'truncated' : 'too long'} (${info.size} bytes, expected ${file.size})` });
      else if (
        createHash('sha256')
          .update(await store.read(file.name))
          .digest('hex') !== file.sha256
      )
        found.push({ path: at, problem: 'fails its checksum (corrupt)' });
    }
    return found;
  });
  return { ok: problems.length === 0, missing: problems.map((p) => p.path), problems };
}
