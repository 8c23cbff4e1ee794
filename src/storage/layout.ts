// The snapshot layout, Flink's and ours (pure): names of snapshot folders and of the files beside them,
// where a pointer's snapshot root is, and how a flat listing of a root groups into snapshots.
//   savepoints:  <root>/savepoint-<first 6 of the job id>-<12 hex>/_metadata + state files
//   checkpoints: <root>/<job id>/chk-<n>/_metadata, the job's shared/ and taskowned/ beside them
//   changelog:   <dstl base>/<job id>/dstl/<file> (Flink's changelog state backend)
import path from 'node:path';
import type { ObjectInfo } from './object-store.js';

export const SAVEPOINT_NAME = /^savepoint-([0-9a-f]{6})-[0-9a-z]{12}$/;
export const CHECKPOINT_NAME = /^chk-(\d+)$/;
export const JOB_NAME = /^[0-9a-f]{32}$/;
/** A job's folders of files that checkpoints share (and that gc may reclaim): under <root>/<job id>/. */
export const JOB_FILE_FOLDERS = ['shared', 'taskowned', 'dstl'] as const;

export const METADATA_FILE = '_metadata';
/**
 * Written into a snapshot folder before its files are deleted, and deleted last: a disposal that failed or
 * was interrupted leaves it behind, so the folder is known for what it is and the next prune or dispose
 * finishes the job. Its lines: the time the disposal started, then the URI of every file outside the folder
 * it was to delete (judged again when it is finished).
 */
export const DISPOSING_MARKER = '_disposing';
/** Who pinned a snapshot, when and why (JSON). A pinned snapshot is never disposed by retention. */
export const PIN_FILE = '_pinned';
/** The files a snapshot folder holds beside its state: never state themselves. */
export const MARKERS = new Set([DISPOSING_MARKER, PIN_FILE]);

export function isSnapshotName(name: string): boolean {
  return SAVEPOINT_NAME.test(name) || CHECKPOINT_NAME.test(name);
}

/** "…/savepoint-x/_metadata", "…/savepoint-x/" → "…/savepoint-x" (a URI or a path). */
export function snapshotPointer(pointer: string): string {
  const trimmed = pointer.trim().replace(/\/+$/, '');
  const bare = trimmed.endsWith(`/${METADATA_FILE}`) ? trimmed.slice(0, -METADATA_FILE.length - 1) : trimmed;
  return bare === '' ? '/' : bare;
}

/**
 * How many leading segments of a path (split on '/') form its snapshot root: the folder holding the
 * snapshot (a savepoint's parent; a checkpoint's job folder's parent) or the job folder holding its shared
 * files; for anything else, its parent. `segments` of "/data/sp/savepoint-x" are ['', 'data', 'sp', 'savepoint-x'].
 */
export function rootLength(segments: readonly string[]): number {
  let anchor = -1;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (SAVEPOINT_NAME.test(s)) anchor = i;
    else if (CHECKPOINT_NAME.test(s)) anchor = i > 0 && JOB_NAME.test(segments[i - 1]) ? i - 1 : i;
    else if (JOB_NAME.test(s) && (JOB_FILE_FOLDERS as readonly string[]).includes(segments[i + 1] ?? '')) anchor = i;
  }
  return anchor >= 0 ? anchor : Math.max(segments.length - 1, 0);
}

/** What a snapshot folder's name and place say: kind, job id (or its first 6 characters), checkpoint id. */
export interface NamedSnapshot {
  kind: 'savepoint' | 'checkpoint';
  jobId?: string;
  jobIdPrefix?: string;
  checkpointId?: number;
}

/** The name facts of a snapshot at `location` (a path or URI); undefined when its name is no snapshot's. */
export function namedSnapshot(location: string): NamedSnapshot | undefined {
  const name = path.posix.basename(location);
  const parent = path.posix.basename(path.posix.dirname(location));
  const savepoint = SAVEPOINT_NAME.exec(name);
  if (savepoint) return { kind: 'savepoint', jobIdPrefix: savepoint[1] };
  const checkpoint = CHECKPOINT_NAME.exec(name);
  if (checkpoint) return { kind: 'checkpoint', jobId: JOB_NAME.test(parent) ? parent : undefined, checkpointId: Number(checkpoint[1]) };
  return undefined;
}

/** One snapshot as a listing shows it: the files below its folder, by name relative to it. */
export interface ListedSnapshot {
  /** Its folder's key below the listed store ('' when the listing was of the snapshot itself). */
  prefix: string;
  files: Map<string, ObjectInfo>;
}

/**
 * Groups a flat listing below `under` ('' or ending with '/') by snapshot folder: savepoint-*, chk-*,
 * <job id>/chk-* (a checkpoint root); with `isSnapshot`, everything below `under` is one snapshot. Other
 * keys (a job's shared/ and taskowned/, unrelated objects) belong to no snapshot.
 */
export function groupSnapshots(
  objects: Iterable<ObjectInfo>,
  under: string,
  isSnapshot = false,
  into = new Map<string, ListedSnapshot>(),
): Map<string, ListedSnapshot> {
  // A listing is in key order, so a snapshot's files come one after another: the folder of the previous key is
  // tried first (no name test, no map lookup for all but the first file of a snapshot).
  let folder: string | undefined;
  let current: ListedSnapshot | undefined;
  for (const object of objects) {
    const relative = object.key.slice(under.length);
    if (folder !== undefined && current && relative.startsWith(folder)) {
      current.files.set(relative.slice(folder.length), object);
      continue;
    }
    const length = isSnapshot ? 0 : snapshotFolderLength(relative);
    if (length < 0) continue;
    folder = length === 0 ? '' : relative.slice(0, length + 1); // with its '/'
    const prefix = under + relative.slice(0, length);
    current = into.get(prefix);
    if (!current) into.set(prefix, (current = { prefix: prefix.replace(/\/$/, ''), files: new Map() }));
    current.files.set(relative.slice(folder.length), object);
  }
  return into;
}

/** The length of the snapshot folder a relative key lies in (savepoint-*, chk-*, <job id>/chk-*), or -1. */
function snapshotFolderLength(relative: string): number {
  const first = relative.indexOf('/');
  if (first < 0) return -1;
  const head = relative.slice(0, first);
  if (isSnapshotName(head)) return first;
  if (!JOB_NAME.test(head)) return -1;
  const second = relative.indexOf('/', first + 1);
  return second > 0 && CHECKPOINT_NAME.test(relative.slice(first + 1, second)) ? second : -1;
}

/** A job's shared-file folders below a listing: <job id>/shared|taskowned|dstl/... → the job id and folder. */
export function jobFileOf(key: string): { jobId: string; folder: string } | undefined {
  const parts = key.split('/');
  for (let i = 0; i + 2 < parts.length; i++) {
    if (JOB_NAME.test(parts[i]) && (JOB_FILE_FOLDERS as readonly string[]).includes(parts[i + 1])) return { jobId: parts[i], folder: parts[i + 1] };
  }
  return undefined;
}

/**
 * ForSt (disaggregated state) may keep a running job's live database below its shared/ folder
 * (shared/op_<operator>_attempt_<n>/db/...): files no checkpoint references yet belong to it, never to gc.
 */
export function isLiveDatabaseFile(key: string): boolean {
  return /(^|\/)shared\/op_[^/]+_attempt_\d+\/db\//.test(key);
}
