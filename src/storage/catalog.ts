// The catalog: every snapshot under some roots (savepoint and checkpoint roots, --dir roots), ours and
// Apache Flink's, savepoints and retained checkpoints, described from one flat listing of each root.
//   - a snapshot is complete when its `_metadata` is there (it is written last, by Flink and by us);
//   - ours carry their facts in the name of an empty object beside `_metadata` (metadata.ts), so the
//     listing knows kind, trigger, job and id, and checks the sizes it records (the quick level);
//   - Flink's are completed at their `_metadata`'s modification time (its metadata has no timestamp);
//   - a `_metadata` is read only where the listing cannot decide: ours whose listed files do not add up to
//     what the facts record (one missing or truncated, or a stray file beside them), and, where reading costs
//     what listing does (a local disk), Flink's and ours written before the facts were. On an object store
//     reading those would be a request per snapshot, so such a snapshot is listed as its listing shows it
//     (`verified: 'listed'`); verifying it (--latest, restore, dispose) reads it.
import type { CatalogEntry } from '../domain/catalog.js';
import { FlinkCliError } from '../domain/errors.js';
import { versionRefusal } from './flink-metadata/decode.js';
import { DISPOSING_MARKER, groupSnapshots, isSnapshotName, MARKERS, METADATA_FILE, namedSnapshot, PIN_FILE, type ListedSnapshot } from './layout.js';
import {
  decodeMetadata,
  FACTS_PREFIX,
  FLINK_HEADER_BYTES,
  isFlinkMetadata,
  isKnownFlinkVersion,
  parseFactsName,
  type SnapshotFacts,
  type SnapshotMetadata,
} from './metadata.js';
import { LARGEST_PAGE, listAll, type ObjectInfo, type ObjectStore } from './object-store.js';
import type { StorePool } from './stores/index.js';

/** A _metadata up to this size is read whole; a larger one (Flink's, with inline state) only its header. */
const WHOLE_READ_BYTES = 64 * 1024;

/** A snapshot's location as users read it: a local path, or the URI. */
export function locationOf(store: ObjectStore, key: string): string {
  return (store.fileSystem ? store.fileSystem.pathOf(key) : store.uriOf(key)).replace(/\/+$/, '');
}

/** Every snapshot under the roots (a root may also be one snapshot, or one job's checkpoint folder). */
export async function scanRoots(pool: StorePool, roots: readonly string[]): Promise<CatalogEntry[]> {
  const found: CatalogEntry[] = [];
  for (const root of roots) {
    const store = await pool.at(root);
    const isSnapshot = isSnapshotName(lastSegment(root));
    const groups = groupSnapshots(await listed(store, ''), '', isSnapshot);
    for (const snapshot of groups.values()) found.push(await describeListed(store, snapshot));
  }
  return found;
}

/** Every object below `prefix` (one flat listing, in the store's largest pages). */
export async function listed(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  for await (const page of listAll(store, prefix, { pageSize: LARGEST_PAGE })) for (const o of page.objects) objects.push(o); // a local page may be 100,000s long
  return objects;
}

/** What one snapshot holds, by pointer; undefined when nothing is stored under it. */
export async function describeSnapshot(pool: StorePool, pointer: string): Promise<(CatalogEntry & { files: Map<string, ObjectInfo> }) | undefined> {
  const { store, key } = await pool.locate(pointer);
  const snapshot = groupSnapshots(await listed(store, `${key}/`), `${key}/`, true).get(`${key}/`);
  if (!snapshot) return undefined;
  return { ...(await describeListed(store, snapshot)), files: snapshot.files };
}

/** The facts an empty object beside `_metadata` names (ours, written by this version); undefined otherwise. */
export function factsIn(files: ReadonlyMap<string, ObjectInfo>): SnapshotFacts | undefined {
  for (const name of files.keys()) if (name.startsWith(FACTS_PREFIX)) return parseFactsName(name);
  return undefined;
}

/** The files of a snapshot that are its state (not `_metadata`, the facts, a pin or a disposal marker). */
export function stateFilesOf(files: ReadonlyMap<string, ObjectInfo>): ObjectInfo[] {
  const state: ObjectInfo[] = [];
  for (const [name, object] of files) if (name !== METADATA_FILE && !MARKERS.has(name) && !name.startsWith(FACTS_PREFIX)) state.push(object);
  return state;
}

/** One listed snapshot as a catalog entry (see the top of this file for what is read, and when). */
export async function describeListed(store: ObjectStore, snapshot: ListedSnapshot): Promise<CatalogEntry> {
  const { files } = snapshot;
  const path = locationOf(store, snapshot.prefix);
  const state = stateFilesOf(files);
  const metadata = files.get(METADATA_FILE);
  const facts = metadata && factsIn(files);
  if (facts) {
    const listed = fromFacts(path, files.has(PIN_FILE), facts, state);
    // The listing does not add up (a file missing or truncated, or one more beside them): only `_metadata` can
    // say which, so this one is read, wherever it is.
    if (listed.state === 'complete') return listed;
  }
  const named = namedSnapshot(path);
  const guess: CatalogEntry = {
    path,
    kind: named?.kind ?? 'checkpoint',
    jobIdPrefix: named?.jobIdPrefix,
    jobId: named?.jobId,
    snapshotId: named?.checkpointId,
    sizeBytes: 0,
    state: 'incomplete',
    origin: 'ours',
    pinned: files.has(PIN_FILE) || undefined,
  };
  const listedBytes = () => state.reduce((n, f) => n + f.size, 0) + (metadata?.size ?? 0);
  if (!metadata) {
    guess.sizeBytes = listedBytes();
    if (files.has(DISPOSING_MARKER))
      return { ...guess, disposing: true, problem: 'a disposal started and did not finish (the next prune or dispose finishes it)' };
    return { ...guess, problem: 'no _metadata (never completed, or still being written)' };
  }
  guess.sizeBytes = listedBytes();
  const metadataKey = `${snapshot.prefix === '' ? '' : `${snapshot.prefix}/`}${METADATA_FILE}`;
  if (!facts && !store.fileSystem) {
    // Flink's (or ours from before the facts): complete as far as the listing shows.
    return { ...guess, origin: 'flink', state: 'complete', completedAt: metadata.lastModified.getTime(), verified: 'listed' };
  }
  return fromMetadata(guess, metadata, files, await readForListing(store, metadataKey, metadata.size));
}

/**
 * Ours, from the facts: complete when the listed state files add up to what was written (`_metadata` itself is
 * checked where it is read). Built in one go: a listing makes one of these per snapshot.
 */
function fromFacts(path: string, pinned: boolean, facts: SnapshotFacts, state: readonly ObjectInfo[]): CatalogEntry {
  let stateBytes = state.length === facts.stateFiles ? 0 : -1;
  if (stateBytes === 0) for (const file of state) stateBytes += file.size;
  const problem =
    stateBytes !== facts.stateBytes
      ? `state files missing or truncated (${state.length} file(s); ${facts.stateFiles} file(s), ${facts.stateBytes} bytes were written)`
      : undefined;
  return {
    path,
    kind: facts.kind,
    jobIdPrefix: undefined,
    jobId: facts.jobId,
    snapshotId: facts.id,
    sizeBytes: facts.metadataBytes + facts.stateBytes,
    state: problem ? 'corrupt' : 'complete',
    origin: 'ours',
    pinned: pinned || undefined,
    trigger: facts.trigger,
    format: facts.format,
    jobName: facts.jobName,
    completedAt: facts.completedAt,
    problem,
    verified: 'quick',
  };
}

async function readForListing(store: ObjectStore, key: string, size: number): Promise<Buffer | Error> {
  try {
    const head = await store.read(key, size <= WHOLE_READ_BYTES ? undefined : { offset: 0, length: FLINK_HEADER_BYTES });
    return head.length < size && !isFlinkMetadata(head) ? await store.read(key) : head;
  } catch (error) {
    if (error instanceof FlinkCliError && error.kind !== 'not-found') throw error;
    return error as Error;
  }
}

/** A snapshot without facts, from its `_metadata` (read on a local disk): Flink's header, or ours decoded. */
function fromMetadata(guess: CatalogEntry, metadata: ObjectInfo, files: ReadonlyMap<string, ObjectInfo>, bytes: Buffer | Error): CatalogEntry {
  if (bytes instanceof Error) return { ...guess, problem: 'no _metadata (never completed, or still being written)' };
  let decoded;
  try {
    decoded = decodeMetadata<SnapshotMetadata>(bytes, { whole: false });
  } catch (error) {
    return { ...guess, state: 'corrupt', problem: `_metadata is ${(error as Error).message}`, verified: 'quick' };
  }
  if (decoded.kind === 'flink') {
    const valid = isKnownFlinkVersion(decoded.version);
    return {
      ...guess,
      origin: 'flink',
      state: valid ? 'complete' : 'corrupt',
      flinkMetadataVersion: decoded.version,
      snapshotId: decoded.checkpointId ?? guess.snapshotId,
      completedAt: metadata.lastModified.getTime(),
      problem: valid ? undefined : versionRefusal(decoded.version ?? 0),
      verified: 'quick',
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
    sizeBytes: bytes.length + m.files.reduce((n, f) => n + (files.get(f.name)?.size ?? 0), 0),
    state: missing.length === 0 ? 'complete' : 'corrupt',
    problem: missing.length === 0 ? undefined : `state file ${missing[0]} missing or truncated`,
    verified: 'quick',
  };
}

function lastSegment(pointer: string): string {
  const trimmed = pointer.trim().replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
