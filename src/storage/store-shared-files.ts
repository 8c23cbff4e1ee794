// The object-store side of reference counting (rules in src/domain/shared-state.ts; the local file system's side
// is shared-files.ts): what every retained checkpoint of a job prefix (<root>/<jobId>/chk-*/_metadata) references,
// the objects stored under its shared/ and taskowned/, and the deletion of planned objects in batches.
// Paths are compared as canonical URIs: Flink may write s3a:// where the user says s3://, the same objects.
import path from 'node:path';
import type { StorageSettings } from '../config/storage.js';
import { planSharedDisposal, type CheckpointRefs, type FilePlan, type StoredFile } from '../domain/shared-state.js';
import { decodeMetadata, METADATA_FILE } from './metadata.js';
import { listAll, openStore, type ObjectStore } from './object-store.js';

const CHECKPOINT_DIR = /^chk-\d+$/;
const SHARED_DIRS = ['shared/', 'taskowned/'] as const;
/** GETs of _metadata (or stats) in flight at once. */
const READ_CONCURRENCY = 16;
const SCHEME_FAMILY: Record<string, string> = { s3a: 's3', s3p: 's3', wasb: 'wasbs', abfs: 'abfss' };

/** One URI per object: the scheme of its family, lower-case scheme and authority, no doubled slashes in the key. */
export function canonicalUri(uri: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(uri);
  if (!m) return uri;
  const scheme = m[1].toLowerCase();
  return `${SCHEME_FAMILY[scheme] ?? scheme}://${m[2].toLowerCase()}${(m[3] ?? '/').replace(/\/{2,}/g, '/')}`;
}

/** A job's checkpoint prefix on an object store, opened at <root>/<jobId>/. */
export class JobPrefix {
  private readonly base: string;

  constructor(readonly store: ObjectStore) {
    this.base = canonicalUri(store.base);
  }

  /** The canonical URI of a key below the job prefix. */
  uriOf(key: string): string {
    return canonicalUri(this.store.uriOf(key));
  }

  /** The key below the job prefix of a (canonical) URI; undefined when it lies elsewhere. */
  keyOf(uri: string): string | undefined {
    const canonical = canonicalUri(uri);
    return canonical.startsWith(this.base) ? canonical.slice(this.base.length) : undefined;
  }

  isShared(uri: string): boolean {
    return this.keyOf(uri)?.startsWith('shared/') ?? false;
  }

  /** Whether anything is stored under the prefix (one LIST request of one key). */
  async exists(): Promise<boolean> {
    const page = await this.store.list('', { pageSize: 1 });
    return page.objects.length > 0 || page.prefixes.length > 0;
  }

  /** What checkpoint chk-<n> references (canonical URIs); undefined when it has no _metadata (not retained). */
  async checkpointRefs(name: string, info?: { lastModified: Date }): Promise<CheckpointRefs | undefined> {
    const key = `${name}/${METADATA_FILE}`;
    const stat = info ?? (await this.store.stat(key));
    if (!stat) return undefined;
    const completedAt = stat.lastModified.getTime();
    try {
      const bytes = await this.store.read(key);
      if (decodeMetadata(bytes).kind === 'ours') return { name, files: [], completedAt };
      return { name, files: (await this.referencedBy(name, bytes)).map((f) => f.path), completedAt };
    } catch (error) {
      return { name, problem: (error as Error).message.replace(/\.$/, ''), completedAt };
    }
  }

  /** The files a Flink _metadata of chk-<n> references, with canonical URIs; throws a one-line error when it does not decode. */
  async referencedBy(name: string, bytes: Buffer): Promise<Array<{ path: string; bytes: number }>> {
    const { decodeFlinkMetadata, FlinkMetadataError, referencedFiles } = await import('./flink-metadata/index.js');
    try {
      const metadata = decodeFlinkMetadata(bytes, { snapshotDir: this.store.uriOf(name) });
      return referencedFiles(metadata).map((f) => ({ path: canonicalUri(f.path), bytes: f.bytes }));
    } catch (error) {
      if (error instanceof FlinkMetadataError) throw new Error(`${this.store.uriOf(`${name}/${METADATA_FILE}`)}: ${error.message}`);
      throw error;
    }
  }

  /** Every retained checkpoint (chk-<n>/ with a _metadata object) of the job: one delimited listing, then the _metadata reads. */
  async checkpoints(): Promise<CheckpointRefs[]> {
    const names: string[] = [];
    for await (const page of listAll(this.store, '', { delimiter: '/' })) {
      for (const p of page.prefixes) if (CHECKPOINT_DIR.test(p.slice(0, -1))) names.push(p.slice(0, -1));
    }
    const found = await mapLimit(names, READ_CONCURRENCY, (name) => this.checkpointRefs(name));
    return found.filter((c): c is CheckpointRefs => c !== undefined);
  }

  /** Every object under shared/ and taskowned/ (flat listings, 1,000 keys a page). */
  async storedFiles(): Promise<StoredFile[]> {
    const found: StoredFile[] = [];
    for (const dir of SHARED_DIRS) {
      for await (const page of listAll(this.store, dir)) {
        for (const o of page.objects) found.push({ path: this.uriOf(o.key), bytes: o.size, modifiedAt: o.lastModified.getTime() });
      }
    }
    return found;
  }

  /** Deletes the planned objects (the store's batches: S3 1,000, Azure 256 a request); returns the bytes freed. */
  async deletePlanned(plans: readonly FilePlan[], options: { signal?: AbortSignal } = {}): Promise<number> {
    const doomed = plans
      .filter((p) => p.action === 'delete')
      .flatMap((p) => {
        const key = this.keyOf(p.path);
        return key === undefined ? [] : [{ key, bytes: p.bytes }];
      });
    await this.store.deleteMany(
      doomed.map((d) => d.key),
      options,
    );
    return doomed.reduce((n, d) => n + d.bytes, 0);
  }

  /**
   * Disposing chk-<n> of this job: each file it references in the job's shared/ is deleted when no other retained
   * checkpoint references it, kept otherwise. `candidates` stand in for its _metadata once that is gone (an
   * interrupted disposal being finished): they are judged again against the checkpoints retained now.
   */
  async planDisposal(name: string, candidates?: readonly string[]): Promise<FilePlan[]> {
    let files: Array<{ path: string; bytes: number }>;
    if (candidates) {
      const sizes = await mapLimit(candidates, READ_CONCURRENCY, async (uri) => {
        const key = this.keyOf(uri);
        return key === undefined ? undefined : await this.store.stat(key);
      });
      files = candidates.flatMap((uri, i) => (sizes[i] ? [{ path: canonicalUri(uri), bytes: sizes[i]!.size }] : []));
    } else {
      const bytes = await this.store.read(`${name}/${METADATA_FILE}`).catch(() => undefined);
      if (!bytes || decodeMetadata(bytes).kind !== 'flink') return [];
      try {
        files = await this.referencedBy(name, bytes);
      } catch {
        return []; // unreadable: nothing of shared/ is touched (gc can reclaim it later)
      }
    }
    return planSharedDisposal({ name, files }, await this.checkpoints(), (p) => this.isShared(p));
  }
}

/** For an object-store snapshot URI of the form <root>/<jobId>/chk-<n>: its name and its job prefix (to close). */
export async function openJobPrefixOf(snapshotUri: string, settings: StorageSettings): Promise<{ name: string; job: JobPrefix } | undefined> {
  const uri = snapshotUri.replace(/\/+$/, '');
  const name = path.posix.basename(uri);
  if (!CHECKPOINT_DIR.test(name)) return undefined;
  const jobUri = uri.slice(0, -name.length);
  if (/^[^:]+:\/\/[^/]*\/?$/.test(jobUri)) return undefined; // chk-<n> right below a bucket: no job prefix
  return { name, job: new JobPrefix(await openStore(jobUri, settings)) };
}

/** The shared-file plan of disposing a remote snapshot (empty for anything but a retained checkpoint chk-<n>). */
export async function planRemoteSharedFiles(snapshotUri: string, settings: StorageSettings): Promise<FilePlan[]> {
  const opened = await openJobPrefixOf(snapshotUri, settings);
  if (!opened) return [];
  try {
    return await opened.job.planDisposal(opened.name);
  } finally {
    opened.job.store.close();
  }
}

/** Runs `fn` over items with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]);
      }
    }),
  );
  return results;
}
