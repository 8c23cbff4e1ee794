// Safe disposal, on every store: the facts about a target (read from storage), the one guard's judgement
// (src/domain/disposal-guard.ts), the plan (what goes, how many bytes, why, and for every file another
// snapshot still needs, which one), then the `_disposing` protocol:
//   1. the marker, naming every file outside the folder that is to go (written durably);
//   2. `_metadata` (from here on the snapshot is not restorable);
//   3. everything else in the folder but what another retained snapshot references;
//   4. the files outside the folder no retained snapshot references (a job's shared/, a changelog root);
//   5. the marker (and, on a local disk, the emptied folder) — unless files another snapshot needs stay:
//      then the marker stays with them, saying what the folder is.
// An interruption leaves the marker, so the folder is known for what it is and the next dispose (or prune)
// finishes it: the files its marker names are judged again against the snapshots retained then.
import path from 'node:path';
import type { CatalogEntry } from '../domain/catalog.js';
import { judgeDisposal, judgeInUse, refusalError, snapshotKey, type JobFacts, type TargetFacts } from '../domain/disposal-guard.js';
import { FlinkCliError, LockedError } from '../domain/errors.js';
import { isGloballyTerminal, type JobStatus } from '../domain/job-status.js';
import { rejectHeapPointer } from '../domain/pointers.js';
import { planOwnedFiles, type FilePlan, type OwnedFile } from '../domain/shared-state.js';
import { describeListed, listed, locationOf } from './catalog.js';
import { describeHolder } from '../domain/lease.js';
import { restoresHolding } from './lease.js';
import { DISPOSING_MARKER, isSnapshotName, jobFileOf, METADATA_FILE, namedSnapshot, snapshotPointer } from './layout.js';
import { decodeMetadata, isKnownFlinkVersion } from './metadata.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';
import { fileId, keyId, retainedSnapshots, type RetainedSnapshot } from './references.js';
import type { Located, StorePool } from './stores/index.js';
import { hasAdapter } from './uri.js';

export interface DisposalContext {
  pool: StorePool;
  /** The snapshot roots in play (configured savepoint, checkpoint and changelog roots, --dir roots): never disposed themselves; references are counted over all of them. */
  roots: readonly string[];
  /** Facts about the jobs that could still need a snapshot. */
  jobs: readonly JobFacts[];
  force?: boolean;
  now?: number;
  /** Where what each `_metadata` references is cached between runs. */
  cacheDir?: string;
}

export interface DisposalStep {
  pointer: string;
  /** A local path or an object-store URI; undefined when only the cluster can reach it. */
  directory?: string;
  bytes?: number;
  reason: string;
  entry?: CatalogEntry;
  /** Files outside its folder (each deleted or kept, with the reason), and its own files another snapshot needs. */
  sharedFiles?: FilePlan[];
}

/** A directory without _metadata that changed within this window may still be being written. */
export const LIVE_WRITER_WINDOW_MS = 60_000;

type Target = TargetFacts & { located?: Located; files: Map<string, ObjectInfo> };

/** Facts about one target, read from storage (listing, _metadata, links and roots where folders exist). */
export async function targetFacts(pointer: string, context: DisposalContext): Promise<Target> {
  rejectHeapPointer(pointer);
  const files = new Map<string, ObjectInfo>();
  if (pointer.split(/[\\/]+/).includes('..')) return { directory: pointer, content: 'missing', dotDot: true, files };
  const located = await context.pool.locate(snapshotPointer(pointer));
  const { store, key, location } = located;
  const facts: Target = { directory: location, content: 'missing', located, files };
  const root = rootName(located, context);
  if (root) return { ...facts, root };
  const local = store.fileSystem?.facts(key);
  if (local?.symlinkTo !== undefined) return { ...facts, symlinkTo: local.symlinkTo };
  if (local?.escapesTo !== undefined) return { ...facts, escapesTo: local.escapesTo };
  if (local?.kind === 'missing') return facts;
  if (local && local.kind !== 'directory') return { ...facts, content: 'not-a-snapshot' };
  for (const o of await listed(store, `${key}/`)) files.set(o.key.slice(key.length + 1), o);
  if (files.size === 0 && !local) return facts;
  const pinned = files.has('_pinned');
  const metadataOnDisk = store.fileSystem?.facts(`${key}/${METADATA_FILE}`).kind;
  if (metadataOnDisk !== undefined && metadataOnDisk !== 'missing' && metadataOnDisk !== 'file')
    return { ...facts, content: 'junk', contentProblem: '_metadata is not a regular file' };
  if (files.has(METADATA_FILE)) {
    try {
      const decoded = decodeMetadata(await store.read(`${key}/${METADATA_FILE}`), { whole: false });
      if (decoded.kind === 'ours') return { ...facts, content: 'ours', pinned };
      if (isKnownFlinkVersion(decoded.version)) return { ...facts, content: 'flink', pinned };
      return { ...facts, content: 'junk', contentProblem: `_metadata has Flink's magic number but an unknown version ${decoded.version ?? '(none)'}` };
    } catch (error) {
      if (error instanceof FlinkCliError) throw error;
      return { ...facts, content: 'junk', contentProblem: `_metadata is ${(error as Error).message}` };
    }
  }
  if (files.has(DISPOSING_MARKER)) return { ...facts, content: 'disposing', pinned };
  if (!isSnapshotName(path.posix.basename(key))) return { ...facts, content: 'not-a-snapshot' };
  return { ...facts, content: 'incomplete', pinned, liveWriter: liveWriter(location, files, local?.modifiedAt ?? 0, context) };
}

function rootName(located: Located, context: DisposalContext): string | undefined {
  const { store, key, location } = located;
  const local = store.fileSystem?.protectedAs(key);
  if (local) return local;
  if (key === '' && /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/$/i.test(store.base)) return 'a bucket or container root';
  const id = fileId(location);
  return context.roots.some((r) => fileId(context.pool.absolute(r)) === id) ? 'a configured snapshot root' : undefined;
}

/** Why a writer may still hold an incomplete folder: a job has a snapshot in progress, or it changed recently. */
function liveWriter(location: string, files: ReadonlyMap<string, ObjectInfo>, folderChanged: number, context: DisposalContext): string | undefined {
  const key = snapshotKey(location);
  const base = path.posix.basename(location);
  const jobDir = path.posix.basename(path.posix.dirname(location));
  for (const job of context.jobs) {
    if (!job.inProgress?.length) continue;
    const mine = job.inProgress.some((p) =>
      p === '*' ? base.startsWith(`savepoint-${job.jobId.slice(0, 6)}-`) || jobDir === job.jobId : snapshotKey(p) === key,
    );
    if (mine) return `job ${job.jobId} has a snapshot in progress`;
  }
  const newest = Math.max(folderChanged, ...[...files.values()].map((f) => f.lastModified.getTime()));
  const age = (context.now ?? Date.now()) - newest;
  return age < LIVE_WRITER_WINDOW_MS ? `it changed ${Math.max(0, Math.round(age / 1000))} s ago` : undefined;
}

/** A refusal as the typed error whose kind the CLI maps to an exit code (the rule decides: domain/disposal-guard.ts). */
export { refusalError };

/** The guard on one target; throws the refusal (deleting nothing). */
export async function guard(pointer: string, context: DisposalContext): Promise<Target> {
  const facts = await targetFacts(pointer, context);
  const refusal = judgeDisposal(facts, context.jobs, { force: context.force });
  if (refusal) throw refusalError(refusal);
  return facts;
}

/** Whether only the cluster can reach a pointer (a scheme this machine has no adapter for: gs://, ...). */
function clusterOnly(pointer: string): boolean {
  return !hasAdapter(pointer);
}

/** The plan: for each pointer, what goes, how many bytes and why, after the guard (a refusal throws). */
export async function planDisposal(pointers: readonly string[], context: DisposalContext): Promise<DisposalStep[]> {
  const steps: DisposalStep[] = [];
  for (const pointer of pointers) {
    rejectHeapPointer(pointer);
    if (clusterOnly(pointer)) {
      if (pointer.split(/[\\/]+/).includes('..'))
        throw refusalError({
          rule: 'dot-dot',
          message: `Refusing '${pointer}': it contains '..' segments; give the snapshot directory itself.`,
          overridable: false,
        });
      const refusal = judgeInUse(pointer, context.jobs);
      if (refusal) throw refusalError(refusal);
      steps.push({ pointer, reason: 'not on this machine: the cluster disposes it (/savepoint-disposal)' });
      continue;
    }
    const facts = await guard(pointer, context);
    const { store, key } = facts.located!;
    const entry = facts.files.size > 0 ? await describeListed(store, { prefix: key, files: facts.files }) : undefined;
    const forced = context.force && (facts.pinned || facts.content === 'incomplete');
    const what = entry
      ? `${entry.origin === 'flink' ? 'Flink ' : ''}${entry.kind.replace('-', ' ')}${entry.state === 'corrupt' ? ' (corrupt)' : ''}`
      : 'snapshot';
    const leftover = facts.content === 'incomplete' ? ' (incomplete leftover)' : facts.content === 'disposing' ? ' (unfinished disposal)' : '';
    const sharedFiles = await planFiles(facts, context);
    steps.push({
      pointer,
      directory: facts.directory,
      bytes: entry?.sizeBytes,
      entry,
      reason: `${what}${leftover}, ${forced ? 'forced' : 'requested'}`,
      ...(sharedFiles.length > 0 ? { sharedFiles } : {}),
    });
  }
  return steps;
}

/** Disposes one target: the guard again, on what storage holds now, a fresh plan, then the protocol. Returns its location. */
export async function dispose(pointer: string, context: DisposalContext): Promise<string> {
  const facts = await guard(pointer, context);
  await remove(facts, await planFiles(facts, context), context.pool);
  return facts.directory;
}

/**
 * What disposing a target does beyond its folder: ours reference only their own files (nothing else restores
 * from them), so nothing; Flink's, a leftover and an unfinished disposal are planned over every retained
 * snapshot under the roots in play (its own root among them).
 */
async function planFiles(facts: Target, context: DisposalContext): Promise<FilePlan[]> {
  if (facts.content === 'ours' || facts.content === 'missing' || !facts.located) return [];
  const { store, key, location } = facts.located;
  const folder = `${keyId(store, key)}/`;
  // Its own root is always in play: the snapshots beside it are the likeliest to share its files.
  const roots = [...context.roots, locationOf(store, '')];
  const files: OwnedFile[] = [...facts.files].map(([, o]) => ({ path: keyId(store, o.key), bytes: o.size, own: true }));
  for (const outside of await referencedOutside(facts, folder)) files.push(await ownership(outside, { ...context, roots }));
  if (files.length === 0) return [];
  const retained = await retainedSnapshots(context.pool, roots, { cacheDir: context.cacheDir });
  const others = retained.filter((s) => s.id !== keyId(store, key)).map((s) => ({ ...s, name: nameFrom(location, s), location: s.name }));
  return planOwnedFiles(path.posix.basename(location), files, others);
}

/** The files a target references outside its folder: from its `_metadata` (Flink's), or from its marker (an unfinished disposal). */
async function referencedOutside(facts: Target, folder: string): Promise<Array<{ path: string; bytes?: number }>> {
  const { store, key, location } = facts.located!;
  if (facts.content === 'flink') {
    const { decodeFlinkMetadata, referencedFiles } = await import('./flink-metadata/index.js');
    try {
      const metadata = decodeFlinkMetadata(await store.read(`${key}/${METADATA_FILE}`), { snapshotDir: location });
      return referencedFiles(metadata)
        .map((f) => ({ path: fileId(f.path), bytes: f.bytes }))
        .filter((f) => !f.path.startsWith(folder));
    } catch {
      return []; // unreadable: nothing outside its folder is touched (gc can reclaim it later)
    }
  }
  if (facts.content === 'disposing') {
    const marker = (await store.read(`${key}/${DISPOSING_MARKER}`)).toString('utf8');
    return marker
      .split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '')
      .map((line) => ({ path: fileId(line.trim()) }));
  }
  return [];
}

/** Whether a file outside the target's folder is one disposal may delete: in a job's shared/, taskowned/ or dstl/ under a root in play, the job not running. */
async function ownership(file: { path: string; bytes?: number }, context: DisposalContext): Promise<OwnedFile> {
  const { store, key } = await context.pool.locate(file.path);
  const bytes = file.bytes ?? (await store.stat(key))?.size;
  const owned: OwnedFile = { path: file.path, bytes: bytes ?? 0, own: false };
  const root = fileId(locationOf(store, ''));
  if (bytes === undefined) return { ...owned, keepBecause: 'already gone' };
  const link = store.fileSystem?.facts(key);
  if (link?.throughLink !== undefined || link?.symlinkTo !== undefined || link?.escapesTo !== undefined)
    return { ...owned, keepBecause: `reached through a symbolic link (${link.throughLink ?? link.symlinkTo ?? link.escapesTo}): never deleted through` };
  if (!context.roots.some((r) => fileId(context.pool.absolute(r)) === root))
    return { ...owned, keepBecause: `outside the snapshot roots in play (${locationOf(store, '')}): not disposed from here` };
  const job = jobFileOf(key);
  if (!job) return { ...owned, keepBecause: "not in a job's shared/, taskowned/ or dstl/ folder" };
  const running = context.jobs.find((j) => j.jobId === job.jobId && !isGloballyTerminal(j.status as JobStatus));
  if (running) return { ...owned, keepBecause: `job ${job.jobId} is ${running.status}: its files are its JobManager's` };
  return owned;
}

/** How a plan names another snapshot: short where the target's own job folder or root makes it clear, else its location. */
function nameFrom(target: string, other: RetainedSnapshot): string {
  const named = namedSnapshot(target);
  const jobFolder = named?.jobId ? path.posix.dirname(target) : undefined;
  const root = jobFolder ? path.posix.dirname(jobFolder) : path.posix.dirname(target);
  if (jobFolder && other.name.startsWith(`${jobFolder}/`)) return other.name.slice(jobFolder.length + 1);
  if (other.name.startsWith(`${root}/`)) return other.name.slice(root.length + 1);
  return other.name;
}

/** The `_disposing` protocol (the top of this file) with a plan made just before. */
async function remove(facts: Target, plan: readonly FilePlan[], pool: StorePool): Promise<void> {
  if (!facts.located) return;
  const { store, key } = facts.located;
  const files = new Map<string, ObjectInfo>();
  for (const o of await listed(store, `${key}/`)) files.set(o.key, o);
  if (files.size === 0 && !store.fileSystem) return; // nothing stored under it: nothing to do
  const doomed = plan.filter((p) => p.action === 'delete').map((p) => p.path);
  const kept = new Set(plan.filter((p) => p.action === 'keep').map((p) => p.path));
  const marker = `${key}/${DISPOSING_MARKER}`;
  const resumed = files.has(marker);
  await store.write(marker, [new Date().toISOString(), ...doomed].join('\n') + '\n');
  await store.fileSystem?.syncDirectory(key); // the marker is durable before _metadata goes
  // A restore takes its lease, then looks for the marker; a disposal writes the marker, then looks for leases:
  // whichever comes second sees the other. A restore holding it: back out, the snapshot untouched.
  if (!resumed) {
    const holders = await restoresHolding(store, facts.located.location);
    if (holders.length > 0) {
      await store.deleteMany([marker]);
      throw new LockedError(
        `Refusing to dispose ${facts.located.location}: a restore reads it (${describeHolder(holders[0], Date.now())}); nothing was deleted.`,
      );
    }
  }
  await store.deleteMany([`${key}/${METADATA_FILE}`]);
  await store.deleteMany([...files.keys()].filter((k) => k !== marker && k !== `${key}/${METADATA_FILE}` && !kept.has(keyId(store, k))));
  await deleteFiles(pool, doomed);
  if ([...files.keys()].some((k) => kept.has(keyId(store, k)))) return; // the marker stays with what others need
  await store.deleteMany([marker]);
  await store.fileSystem?.removeEmptyDirectory(key);
}

async function deleteFiles(pool: StorePool, ids: readonly string[]): Promise<void> {
  const byStore = new Map<ObjectStore, string[]>();
  for (const id of ids) {
    const { store, key } = await pool.locate(id);
    byStore.set(store, [...(byStore.get(store) ?? []), key]);
  }
  for (const [store, keys] of byStore) await store.deleteMany(keys);
}
