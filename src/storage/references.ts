// Ownership across the snapshot roots in play: which files every retained snapshot (a folder with a
// `_metadata`) under those roots references, whichever job wrote them. Flink's restore modes share files
// across jobs (after a CLAIM or LEGACY restore the new job's checkpoints reference files under the old job's
// folder, and a changelog's files live under their own root), so a file may be deleted only when no retained
// snapshot under any root in play references it. The rules are in domain/shared-state.ts; this file reads.
//
// Reading every `_metadata` under a root is what this costs: each one read is kept in the tool's state dir
// (reference-cache.ts), keyed by what the store says of it (size, and ETag or modification time), so a cron
// run reads only what changed since the last one. Ours reference only their own state files (nothing else
// can restore from them): their facts, in the listing, say so without a read.
import path from 'node:path';
import type { CheckpointRefs } from '../domain/shared-state.js';
import { pointerToPath } from '../domain/pointers.js';
import { StorageObjectNotFoundError } from '../domain/errors.js';
import { factsIn, listed, locationOf, stateFilesOf } from './catalog.js';
import { groupSnapshots, METADATA_FILE, namedSnapshot } from './layout.js';
import { decodeMetadata, type SnapshotMetadata } from './metadata.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';
import { ReferenceCache } from './reference-cache.js';
import type { StorePool } from './stores/index.js';

/** One retained snapshot under a root in play: its location, and what it references (canonical ids, fileId). */
export interface RetainedSnapshot extends CheckpointRefs {
  /** The canonical id of its folder (fileId). */
  id: string;
  jobId?: string;
  checkpointId?: number;
}

const SCHEME_FAMILY: Record<string, string> = { s3a: 's3', s3p: 's3', wasb: 'wasbs', abfs: 'abfss' };
/** `_metadata` reads in flight at once. */
const READ_CONCURRENCY = 16;

/**
 * One id per file wherever it is named from: a local path for file: URIs and plain paths; for an object
 * store the URI with the scheme of its family (Flink may write s3a:// where the user says s3://), lower-case
 * scheme and authority, no doubled slashes.
 */
export function fileId(uri: string): string {
  // The common spellings of a local file without anything to decode or normalise: no URL parser needed.
  const plain = /^file:(?:\/\/(?:localhost)?)?(\/[^%?#]*)$/i.exec(uri)?.[1] ?? (uri.startsWith('/') ? uri : undefined);
  if (plain !== undefined && !/\/\.{0,2}(\/|$)|\/\//.test(plain)) return plain.length > 1 && plain.endsWith('/') ? plain.slice(0, -1) : plain;
  const local = pointerToPath(uri);
  if (local !== undefined) return path.resolve(local);
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(uri);
  if (!m) return uri;
  const scheme = m[1].toLowerCase();
  return `${SCHEME_FAMILY[scheme] ?? scheme}://${m[2].toLowerCase()}${(m[3] ?? '/').replace(/\/{2,}/g, '/')}`.replace(/\/$/, '');
}

/** The id of a key of a store. */
export function keyId(store: ObjectStore, key: string): string {
  return fileId(locationOf(store, key));
}

/** Every retained snapshot under the roots (each root listed once, flat), with what it references. */
export async function retainedSnapshots(pool: StorePool, roots: readonly string[], options: { cacheDir?: string } = {}): Promise<RetainedSnapshot[]> {
  const byId = new Map<string, RetainedSnapshot>();
  // Each root once (the same root named twice would share, and overwrite, one cache file).
  const unique = [...new Map(roots.map((r) => [fileId(pool.absolute(r)), r])).values()];
  for (const root of unique) {
    const store = await pool.at(root);
    const cache = await ReferenceCache.open(options.cacheDir, store.base);
    const pending: Array<() => Promise<void>> = [];
    for (const snapshot of groupSnapshots(await listed(store, ''), '').values()) {
      const metadata = snapshot.files.get(METADATA_FILE);
      const id = keyId(store, snapshot.prefix);
      if (!metadata || byId.has(id)) continue;
      const location = locationOf(store, snapshot.prefix);
      const named = namedSnapshot(location);
      const retained: RetainedSnapshot = {
        id,
        name: location,
        jobId: named?.jobId,
        checkpointId: named?.checkpointId,
        completedAt: metadata.lastModified.getTime(),
      };
      byId.set(id, retained);
      if (factsIn(snapshot.files)) {
        retained.files = stateFilesOf(snapshot.files).map((o) => keyId(store, o.key));
        continue;
      }
      pending.push(async () => {
        const refs = await referencesOf(store, snapshot.prefix, metadata, cache);
        // Deleted since the listing (Flink subsumed a running job's checkpoint): no longer retained.
        if (refs === 'gone') byId.delete(id);
        else Object.assign(retained, refs);
      });
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(READ_CONCURRENCY, pending.length) }, async () => {
        while (next < pending.length) await pending[next++]();
      }),
    );
    await cache.save();
  }
  return [...byId.values()];
}

/** What one snapshot's `_metadata` references (cached by its size and ETag or time); a problem when it cannot be read; 'gone' when it no longer exists. */
async function referencesOf(
  store: ObjectStore,
  prefix: string,
  metadata: ObjectInfo,
  cache: ReferenceCache,
): Promise<Pick<CheckpointRefs, 'files' | 'problem'> | 'gone'> {
  const key = `${prefix}/${METADATA_FILE}`;
  const tag = metadata.etag ?? String(metadata.lastModified.getTime());
  const known = cache.get(key, metadata.size, tag);
  if (known) return known;
  const found = await decodeReferences(store, prefix, key);
  if (found !== 'gone') cache.set(key, metadata.size, tag, found);
  return found;
}

async function decodeReferences(store: ObjectStore, prefix: string, key: string): Promise<Pick<CheckpointRefs, 'files' | 'problem'> | 'gone'> {
  let bytes: Buffer;
  try {
    bytes = await store.read(key);
  } catch (error) {
    if (error instanceof StorageObjectNotFoundError) return 'gone';
    return { problem: `${locationOf(store, key)}: ${(error as Error).message.replace(/\.$/, '')}` };
  }
  try {
    const decoded = decodeMetadata<SnapshotMetadata>(bytes, { whole: false });
    if (decoded.kind === 'ours') return { files: decoded.metadata.files.map((f) => keyId(store, `${prefix}/${f.name}`)) };
    const { decodeFlinkMetadata, referencedFiles } = await import('./flink-metadata/index.js');
    const metadata = decodeFlinkMetadata(bytes, { snapshotDir: locationOf(store, prefix) });
    return { files: referencedFiles(metadata).map((f) => fileId(f.path)) };
  } catch (error) {
    return { problem: `${locationOf(store, key)}: ${(error as Error).message.replace(/\.$/, '')}` };
  }
}
