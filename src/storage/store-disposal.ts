// The disposal guard's facts about a snapshot on an object store (the remote side of disposal.ts's
// targetFacts): what its _metadata is, whether it is pinned, a configured root, or still being written.
// Object stores have no symbolic links and no real directories, so those rules never apply here.
import path from 'node:path';
import type { StorageSettings } from '../config/storage.js';
import { judgeDisposal, snapshotKey, type JobFacts, type TargetFacts } from '../domain/disposal-guard.js';
import { decodeMetadata, DISPOSING_MARKER, METADATA_FILE } from './metadata.js';
import { PIN_FILE } from './pins.js';
import { isRemote, remoteSnapshotUri, withSnapshotStore, type ListedFile } from './store-catalog.js';

const SNAPSHOT_NAME = /^(savepoint-[0-9a-f]{6}-[0-9a-z]{12}|chk-\d+)$/;
/** As LIVE_WRITER_WINDOW_MS in disposal.ts: an incomplete snapshot that changed this recently may be being written. */
const LIVE_WRITER_WINDOW_MS = 60_000;

export interface RemoteGuardContext {
  /** Configured savepoint and checkpoint roots (any scheme; the remote ones matter here). */
  roots: readonly string[];
  jobs: readonly JobFacts[];
  settings: StorageSettings;
  now?: number;
}

export async function remoteTargetFacts(pointer: string, context: RemoteGuardContext): Promise<TargetFacts & { files?: Map<string, ListedFile> }> {
  const uri = remoteSnapshotUri(pointer);
  const facts: TargetFacts = { directory: uri, content: 'missing' };
  if (pointer.split(/[\\/]+/).includes('..')) return { ...facts, directory: pointer, dotDot: true };
  if (/^[^:]+:\/\/[^/]+$/.test(uri)) return { ...facts, root: 'a bucket or container root' };
  if (context.roots.filter(isRemote).some((r) => snapshotKey(r) === snapshotKey(uri))) return { ...facts, root: 'a configured snapshot root' };
  return withSnapshotStore(uri, context.settings, async (store) => {
    const { listAll } = await import('./object-store.js');
    const files = new Map<string, ListedFile>();
    for await (const page of listAll(store, '')) for (const o of page.objects) files.set(o.key, { size: o.size, mtime: o.lastModified.getTime() });
    if (files.size === 0) return facts;
    const pinned = files.has(PIN_FILE);
    if (files.has(METADATA_FILE)) {
      try {
        const decoded = decodeMetadata(await store.read(METADATA_FILE));
        if (decoded.kind === 'ours') return { ...facts, content: 'ours', pinned, files };
        if (decoded.version !== undefined && decoded.version >= 1 && decoded.version <= 6) return { ...facts, content: 'flink', pinned, files };
        return { ...facts, content: 'junk', contentProblem: `_metadata has Flink's magic number but an unknown version ${decoded.version ?? '(none)'}`, files };
      } catch (error) {
        return { ...facts, content: 'junk', contentProblem: `_metadata is ${(error as Error).message}`, files };
      }
    }
    if (files.has(DISPOSING_MARKER)) return { ...facts, content: 'disposing', pinned, files };
    if (!SNAPSHOT_NAME.test(path.posix.basename(uri))) return { ...facts, content: 'not-a-snapshot', files };
    return { ...facts, content: 'incomplete', pinned, liveWriter: liveWriter(uri, files, context), files };
  });
}

function liveWriter(uri: string, files: ReadonlyMap<string, ListedFile>, context: RemoteGuardContext): string | undefined {
  const base = path.posix.basename(uri);
  const jobDir = path.posix.basename(path.posix.dirname(uri));
  for (const job of context.jobs) {
    if (!job.inProgress?.length) continue;
    const mine = job.inProgress.some((p) =>
      p === '*' ? base.startsWith(`savepoint-${job.jobId.slice(0, 6)}-`) || jobDir === job.jobId : snapshotKey(p) === snapshotKey(uri),
    );
    if (mine) return `job ${job.jobId} has a snapshot in progress`;
  }
  const newest = Math.max(0, ...[...files.values()].map((f) => f.mtime));
  const age = (context.now ?? Date.now()) - newest;
  return age < LIVE_WRITER_WINDOW_MS ? `it changed ${Math.max(0, Math.round(age / 1000))} s ago` : undefined;
}

/** Runs the guard on one remote target; throws the refusal (deleting nothing). */
export async function guardRemote(
  pointer: string,
  context: RemoteGuardContext & { force?: boolean },
): Promise<TargetFacts & { files?: Map<string, ListedFile> }> {
  const facts = await remoteTargetFacts(pointer, context);
  const refusal = judgeDisposal(facts, context.jobs, { force: context.force });
  if (refusal) {
    const { refusalError } = await import('./disposal.js');
    throw refusalError(refusal);
  }
  return facts;
}
