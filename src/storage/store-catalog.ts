// The catalog, verification, pins and disposal on an object store (s3://, wasbs://, abfss://), through the
// storage interface (object-store.ts). Same answers as the local file system's (catalog.ts, verify.ts,
// pins.ts, disposal.ts); what differs is the cost model:
//   - a snapshot is complete when its _metadata object exists (Flink writes it last; so do we);
//   - a root is listed flat, 1,000 keys a LIST page, and grouped by snapshot: sizes, pins, markers and
//     modification times all come from the listing, never from a request per snapshot;
//   - only the check that needs it reads an object: quick verification reads each _metadata, one GET a
//     snapshot (a large one, Flink's with inline state, only its 16-byte header);
//   - a failing request is an error naming the URI and the action, never "nothing found".
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { StorageSettings } from '../config/storage.js';
import { matchesJob, type CatalogEntry, type Verification, type VerificationLevel } from '../domain/catalog.js';
import type { SnapshotMetadata } from './index.js';
import { decodeMetadata, DISPOSING_MARKER, FLINK_MAGIC, METADATA_FILE } from './metadata.js';
import { listAll, openStore, type ObjectStore } from './object-store.js';
import { PIN_FILE } from './pins.js';
import type { FilePlan } from '../domain/shared-state.js';

const SAVEPOINT_DIR = /^savepoint-([0-9a-f]{6})-[0-9a-z]{12}$/;
const CHECKPOINT_DIR = /^chk-(\d+)$/;
const JOB_DIR = /^[0-9a-f]{32}$/;
/** GETs of _metadata in flight at once during a scan (measured: bench/object-store.bench.mjs). */
const READ_CONCURRENCY = 32;
/** Flink's header: magic, version, checkpoint id. */
const FLINK_HEADER_BYTES = 16;
/** A _metadata up to this size is read whole in a scan; a larger one (Flink's, with inline state) only its header. */
const WHOLE_READ_BYTES = 64 * 1024;

/** A pointer on an object store this tool has an adapter for (s3://, s3a://, s3p://, wasbs://, abfss://, hdfs://, ...). */
export function isRemote(pointer: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(pointer)?.[1]?.toLowerCase();
  return scheme !== undefined && REMOTE_SCHEMES.has(scheme);
}
const REMOTE_SCHEMES = new Set(['s3', 's3a', 's3p', 'wasbs', 'wasb', 'abfss', 'abfs', 'hdfs', 'webhdfs']);

/** "s3://b/sp/savepoint-x/_metadata" or ".../savepoint-x/" → "s3://b/sp/savepoint-x". */
export function remoteSnapshotUri(pointer: string): string {
  return pointer.replace(/\/+$/, '').replace(/\/_metadata$/, '');
}

/** A file of a snapshot as a listing shows it: name relative to the snapshot. */
export interface ListedFile {
  size: number;
  mtime: number;
}

/** Every snapshot under object-store roots (the root itself, savepoint-*, chk-*, <jobId>/chk-*). */
export async function scanStoreRoots(roots: readonly string[], settings: StorageSettings, options: { jobId?: string } = {}): Promise<CatalogEntry[]> {
  const found: CatalogEntry[] = [];
  for (const root of roots) {
    const store = await openStore(remoteSnapshotUri(root) + '/', settings);
    try {
      const rootIsSnapshot = isSnapshotName(path.posix.basename(remoteSnapshotUri(root)));
      let groups = [...(await listSnapshots(store, rootIsSnapshot))];
      // Names carry the job (savepoint-<first 6 of its id>-..., <job id>/chk-<n>): another job's snapshots
      // cost no GET when one job is asked for.
      const { jobId } = options;
      if (jobId && !rootIsSnapshot)
        groups = groups.filter(([prefix, files]) => matchesJob(describeSnapshot(remoteSnapshotUri(store.uriOf(prefix)), undefined, files), jobId));
      found.push(...(await mapLimit(groups, READ_CONCURRENCY, ([prefix, files]) => describeListed(store, prefix, files))));
    } finally {
      store.close();
    }
  }
  return found;
}

function isSnapshotName(name: string): boolean {
  return SAVEPOINT_DIR.test(name) || CHECKPOINT_DIR.test(name);
}

/** Keys below a root grouped by snapshot prefix ("" when the root is a snapshot itself). */
async function listSnapshots(store: ObjectStore, rootIsSnapshot: boolean): Promise<Map<string, Map<string, ListedFile>>> {
  const groups = new Map<string, Map<string, ListedFile>>();
  for await (const page of listAll(store, '')) {
    for (const object of page.objects) {
      const parts = object.key.split('/');
      let depth: number;
      if (rootIsSnapshot) depth = 0;
      else if (parts.length > 1 && isSnapshotName(parts[0])) depth = 1;
      else if (parts.length > 2 && JOB_DIR.test(parts[0]) && CHECKPOINT_DIR.test(parts[1])) depth = 2;
      else continue; // Flink's shared/ and taskowned/ folders, unrelated objects
      const prefix = parts.slice(0, depth).join('/');
      let files = groups.get(prefix);
      if (!files) groups.set(prefix, (files = new Map()));
      files.set(parts.slice(depth).join('/'), { size: object.size, mtime: object.lastModified.getTime() });
    }
  }
  return groups;
}

/** The files of one snapshot (one flat listing of its prefix). */
async function listFiles(store: ObjectStore): Promise<Map<string, ListedFile>> {
  return (await listSnapshots(store, true)).get('') ?? new Map();
}

async function describeListed(store: ObjectStore, prefix: string, files: Map<string, ListedFile>): Promise<CatalogEntry> {
  const key = (name: string) => (prefix === '' ? name : `${prefix}/${name}`);
  const uri = remoteSnapshotUri(store.uriOf(prefix));
  let head: Buffer | undefined;
  const meta = files.get(METADATA_FILE);
  if (meta) {
    // One GET a snapshot: ours is small and checksummed as a whole; a large _metadata is Flink's (inline
    // state) and its header says all a listing needs.
    const whole = meta.size <= WHOLE_READ_BYTES;
    head = await store.read(key(METADATA_FILE), whole ? undefined : { offset: 0, length: FLINK_HEADER_BYTES });
    if (!whole && head.length >= 4 && head.readUInt32BE(0) !== FLINK_MAGIC) head = await store.read(key(METADATA_FILE));
  }
  return describeSnapshot(uri, head, files);
}

/** What a snapshot's listing and _metadata say about it (pure; the same rules as catalog.ts's local scan). */
export function describeSnapshot(uri: string, metadata: Buffer | undefined, files: ReadonlyMap<string, ListedFile>): CatalogEntry {
  const name = path.posix.basename(uri);
  const parent = path.posix.basename(path.posix.dirname(uri));
  const savepoint = SAVEPOINT_DIR.exec(name);
  const checkpoint = CHECKPOINT_DIR.exec(name);
  let total = 0;
  for (const f of files.values()) total += f.size;
  const guess: CatalogEntry = {
    path: uri,
    kind: savepoint ? 'savepoint' : 'checkpoint',
    jobIdPrefix: savepoint ? savepoint[1] : undefined,
    jobId: checkpoint && JOB_DIR.test(parent) ? parent : undefined,
    snapshotId: checkpoint ? Number(checkpoint[1]) : undefined,
    sizeBytes: total,
    state: 'incomplete',
    origin: 'ours',
    pinned: files.has(PIN_FILE) || undefined,
  };
  if (metadata === undefined) {
    if (files.has(DISPOSING_MARKER))
      return { ...guess, disposing: true, problem: 'a disposal started and did not finish (the next prune or dispose finishes it)' };
    return { ...guess, problem: 'no _metadata (never completed, or still being written)' };
  }
  let decoded;
  try {
    decoded = decodeMetadata<SnapshotMetadata>(metadata);
  } catch (error) {
    return { ...guess, state: 'corrupt', problem: `_metadata is ${(error as Error).message}` };
  }
  if (decoded.kind === 'flink') {
    const valid = decoded.version !== undefined && decoded.version >= 1 && decoded.version <= 6;
    return {
      ...guess,
      origin: 'flink',
      state: valid ? 'complete' : 'corrupt',
      flinkMetadataVersion: decoded.version,
      snapshotId: decoded.checkpointId ?? guess.snapshotId,
      completedAt: files.get(METADATA_FILE)?.mtime ?? 0,
      problem: valid ? undefined : `unknown Flink metadata version ${decoded.version}`,
    };
  }
  const m = decoded.metadata;
  const missing = m.files.filter((f) => files.get(f.name)?.size !== f.size).map((f) => f.name);
  return {
    ...guess,
    kind: m.kind,
    trigger: m.trigger,
    format: m.format,
    jobId: m.jobId,
    jobIdPrefix: undefined,
    jobName: m.jobName,
    snapshotId: m.id,
    completedAt: m.completedAt,
    state: missing.length === 0 ? 'complete' : 'corrupt',
    problem: missing.length === 0 ? undefined : `state file ${missing[0]} missing or truncated`,
  };
}

/** One snapshot on an object store, opened at its own prefix. */
export async function withSnapshotStore<T>(pointer: string, settings: StorageSettings, run: (store: ObjectStore, uri: string) => Promise<T>): Promise<T> {
  const uri = remoteSnapshotUri(pointer);
  const store = await openStore(uri + '/', settings);
  try {
    return await run(store, uri);
  } finally {
    store.close();
  }
}

/** What one remote snapshot holds; undefined when nothing is stored under it. */
export async function inspectRemote(pointer: string, settings: StorageSettings): Promise<(CatalogEntry & { files: Map<string, ListedFile> }) | undefined> {
  return withSnapshotStore(pointer, settings, async (store, uri) => {
    const files = await listFiles(store);
    if (files.size === 0) return undefined;
    const metadata = files.has(METADATA_FILE) ? await store.read(METADATA_FILE) : undefined;
    return { ...describeSnapshot(uri, metadata, files), files };
  });
}

/** The verification levels of verify.ts, on an object store: quick from the listing, full reads every state file. */
export async function verifyRemote(pointer: string, level: VerificationLevel, settings: StorageSettings): Promise<Verification> {
  return withSnapshotStore(pointer, settings, async (store) => {
    const failed = (state: Verification['state'], problem: string): Verification => ({ level, state, problem });
    const files = await listFiles(store);
    if (files.size === 0) return failed('incomplete', 'no objects under this prefix any more');
    if (!files.has(METADATA_FILE)) return failed('incomplete', 'no _metadata (never completed, or still being written)');
    let decoded;
    try {
      decoded = decodeMetadata<SnapshotMetadata>(await store.read(METADATA_FILE));
    } catch (error) {
      return failed('corrupt', `_metadata is ${(error as Error).message}`);
    }
    if (decoded.kind === 'flink') {
      const { verifyFlinkSnapshot } = await import('./verify.js');
      const header = await verifyFlinkSnapshot(store.base, decoded.version, 'quick');
      if (level === 'quick' || header.state !== 'complete') return { ...header, level };
      return verifyFlinkReferenced(store, await store.read(METADATA_FILE), settings, level);
    }
    for (const file of decoded.metadata.files)
      if (files.get(file.name)?.size !== file.size) return failed('corrupt', `state file ${file.name} missing or truncated`);
    if (level === 'full') {
      for (const file of decoded.metadata.files) {
        const digest = createHash('sha256')
          .update(await store.read(file.name))
          .digest('hex');
        if (digest !== file.sha256) return failed('corrupt', `state file ${file.name} fails its checksum (corrupt)`);
      }
    }
    return { level, state: 'complete' };
  });
}

/**
 * Full verification of Apache Flink's snapshot on an object store: its whole _metadata decodes, and every file
 * it references (relative ones resolved against the snapshot's prefix) exists with its recorded size, by a
 * stat through the store of its bucket or container (a few dozen in flight).
 */
async function verifyFlinkReferenced(store: ObjectStore, bytes: Buffer, settings: StorageSettings, level: VerificationLevel): Promise<Verification> {
  const { decodeFlinkMetadata, referencedFiles } = await import('./flink-metadata/index.js');
  let files;
  try {
    files = referencedFiles(decodeFlinkMetadata(bytes, { snapshotDir: store.base.replace(/\/+$/, '') }));
  } catch (error) {
    return { level, state: 'corrupt', problem: `_metadata is ${(error as Error).message}` };
  }
  const { checkRemoteFiles } = await import('./store-inspect.js');
  const { problems } = await checkRemoteFiles(files, settings);
  if (problems.length === 0) return { level, state: 'complete' };
  return {
    level,
    state: 'corrupt',
    problem: `referenced file ${problems[0].path}: ${problems[0].problem}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
  };
}

export async function pinRemote(pointer: string, settings: StorageSettings, info: { user: string; reason?: string } | undefined): Promise<void> {
  await withSnapshotStore(pointer, settings, async (store) => {
    if (info) await store.write(PIN_FILE, JSON.stringify({ pinnedAt: new Date().toISOString(), ...info }) + '\n');
    else await store.deleteMany([PIN_FILE]);
  });
}

/**
 * The _disposing protocol on an object store: the marker object first, then _metadata (from here on it is
 * not restorable), then everything else in batches, then a retained checkpoint's shared/ objects that no other
 * retained checkpoint references, the marker last. An interruption leaves the marker, so the prefix is
 * recognised and the next dispose finishes it: the marker lists the shared objects still to go, and they are
 * judged again then against the checkpoints retained at that time. Nothing stored under it: nothing to do.
 */
export async function removeRemoteSnapshot(pointer: string, settings: StorageSettings, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { openJobPrefixOf } = await import('./store-shared-files.js');
  const opened = await openJobPrefixOf(remoteSnapshotUri(pointer), settings);
  try {
    await withSnapshotStore(pointer, settings, async (store) => {
      const files = await listFiles(store);
      if (files.size === 0) return;
      let shared: FilePlan[] = [];
      if (opened && files.has(METADATA_FILE)) shared = await opened.job.planDisposal(opened.name);
      else if (opened && files.has(DISPOSING_MARKER)) shared = await opened.job.planDisposal(opened.name, markedShared(await store.read(DISPOSING_MARKER)));
      const doomed = shared.filter((p) => p.action === 'delete').map((p) => p.path);
      await store.write(DISPOSING_MARKER, [new Date().toISOString(), ...doomed].join('\n') + '\n');
      await store.deleteMany([METADATA_FILE], options);
      const rest = [...(await listFiles(store)).keys()].filter((k) => k !== DISPOSING_MARKER);
      await store.deleteMany(rest, options);
      if (opened) await opened.job.deletePlanned(shared, options);
      await deleteLastOfSnapshot(remoteSnapshotUri(pointer), settings, options);
    });
  } finally {
    opened?.job.store.close();
  }
}

/**
 * The marker goes last, through the store of the snapshot's parent: a store with directories (HDFS) then removes
 * the snapshot's directory the delete left empty, as Flink's own disposal does, and never the parent (a configured
 * root) itself.
 */
async function deleteLastOfSnapshot(uri: string, settings: StorageSettings, options: { signal?: AbortSignal }): Promise<void> {
  const parent = await openStore(path.posix.dirname(uri) + '/', settings);
  try {
    await parent.deleteMany([`${path.posix.basename(uri)}/${DISPOSING_MARKER}`], options);
  } finally {
    parent.close();
  }
}

/** The shared objects an interrupted disposal's marker lists (the lines after its timestamp). */
function markedShared(marker: Buffer): string[] {
  return marker
    .toString('utf8')
    .split('\n')
    .slice(1)
    .filter((line) => /^[a-z][a-z0-9+.-]*:\/\//i.test(line));
}

/** Runs `fn` over items with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
