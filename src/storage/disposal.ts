// Safe disposal: plan first (what, how many bytes, why), apply second, so a dry run shows exactly what
// would go. Every deleting path asks the one guard (src/domain/disposal-guard.ts); this file gathers the
// facts about the target it needs (content of _metadata, symbolic links, roots, pins, recent writes).
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StorageSettings } from '../config/storage.js';
import type { CatalogEntry } from '../domain/catalog.js';
import { judgeDisposal, judgeInUse, refusalError, snapshotKey, type GuardOptions, type JobFacts, type TargetFacts } from '../domain/disposal-guard.js';
import { UsageError } from '../domain/errors.js';
import { hasScheme, rejectHeapPointer } from '../domain/pointers.js';
import { inspect, localPath } from './catalog.js';
import { isObjectStorePointer } from './index.js';
import { decodeMetadata, DISPOSING_MARKER, METADATA_FILE } from './metadata.js';
import { isPinned } from './pins.js';
import type { FilePlan } from '../domain/shared-state.js';

export interface DisposalStep {
  pointer: string;
  /** Local directory, an object-store URI (remote), or undefined when only the cluster can reach it. */
  directory?: string;
  /** On an object store this machine reaches (s3://, wasbs://, abfss://). */
  remote?: boolean;
  bytes?: number;
  reason: string;
  entry?: CatalogEntry;
  /** A retained checkpoint's files in the job's shared/: each deleted or kept, with the reason. */
  sharedFiles?: FilePlan[];
}

export interface GuardContext {
  /** Configured savepoint and checkpoint roots (local paths or file: URIs). */
  roots: readonly string[];
  cwd: string;
  /** Facts about the jobs that could still need a snapshot. */
  jobs: readonly JobFacts[];
  force?: boolean;
  now?: number;
  /** Credentials and endpoints for object stores: with them, s3:// and wasbs:// targets are disposed from here. */
  storage?: StorageSettings;
}

/** A directory without _metadata that changed within this window may still be being written. */
export const LIVE_WRITER_WINDOW_MS = 60_000;
const SNAPSHOT_NAME = /^(savepoint-[0-9a-f]{6}-[0-9a-z]{12}|chk-\d+)$/;

/** Facts about one local target, read from storage (lstat, realpath, _metadata, pins, modification times). */
export function targetFacts(pointer: string, context: Omit<GuardContext, 'force'>): TargetFacts {
  const directory = localPath(/^file:/i.test(pointer) ? pointer : path.resolve(context.cwd, pointer));
  const facts: TargetFacts = { directory, content: 'missing' };
  if (pointer.split(/[\\/]+/).includes('..')) return { ...facts, directory: pointer, dotDot: true };
  const root = rootName(directory, context);
  if (root) return { ...facts, root };
  const link = lstatSync(directory, { throwIfNoEntry: false });
  if (!link) return facts;
  if (link.isSymbolicLink()) return { ...facts, symlinkTo: safe(() => readlinkSync(directory)) ?? '?' };
  const real = safe(() => realpathSync(directory));
  const parent = safe(() => realpathSync(path.dirname(directory))) ?? path.dirname(directory);
  if (real === undefined) return facts;
  if (path.dirname(real) !== parent) return { ...facts, escapesTo: real };
  if (!link.isDirectory()) return { ...facts, content: 'not-a-snapshot' };
  return { ...facts, ...content(directory, context), pinned: isPinned(directory) };
}

function content(dir: string, context: Omit<GuardContext, 'force'>): Pick<TargetFacts, 'content' | 'contentProblem' | 'liveWriter'> {
  const metadata = path.join(dir, METADATA_FILE);
  const info = lstatSync(metadata, { throwIfNoEntry: false });
  if (info && !info.isFile()) return { content: 'junk', contentProblem: '_metadata is not a regular file' };
  if (info) {
    try {
      const decoded = decodeMetadata(readFileSync(metadata));
      if (decoded.kind === 'ours') return { content: 'ours' };
      if (decoded.version !== undefined && decoded.version >= 1 && decoded.version <= 6) return { content: 'flink' };
      return { content: 'junk', contentProblem: `_metadata has Flink's magic number but an unknown version ${decoded.version ?? '(none)'}` };
    } catch (error) {
      return { content: 'junk', contentProblem: `_metadata is ${(error as Error).message}` };
    }
  }
  if (lstatSync(path.join(dir, DISPOSING_MARKER), { throwIfNoEntry: false })) return { content: 'disposing' };
  if (!SNAPSHOT_NAME.test(path.basename(dir))) return { content: 'not-a-snapshot' };
  return { content: 'incomplete', liveWriter: liveWriter(dir, context) };
}

/** Why a writer may still hold an incomplete directory: a job has a snapshot in progress, or it changed recently. */
function liveWriter(dir: string, context: Omit<GuardContext, 'force'>): string | undefined {
  const key = snapshotKey(dir);
  const base = path.basename(dir);
  const jobDir = path.basename(path.dirname(dir));
  for (const job of context.jobs) {
    if (job.inProgress === undefined || job.inProgress.length === 0) continue;
    const mine = job.inProgress.some((p) =>
      p === '*' ? base.startsWith(`savepoint-${job.jobId.slice(0, 6)}-`) || jobDir === job.jobId : snapshotKey(p) === key,
    );
    if (mine) return `job ${job.jobId} has a snapshot in progress`;
  }
  const age = (context.now ?? Date.now()) - newestChange(dir);
  if (age < LIVE_WRITER_WINDOW_MS) return `it changed ${Math.max(0, Math.round(age / 1000))} s ago`;
  return undefined;
}

/** The newest modification time of a directory and everything under it. */
function newestChange(dir: string): number {
  let newest = statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return newest;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    const info = lstatSync(p, { throwIfNoEntry: false });
    if (!info) continue;
    newest = Math.max(newest, info.mtimeMs);
    if (info.isDirectory()) newest = Math.max(newest, newestChange(p));
  }
  return newest;
}

function rootName(dir: string, context: Pick<GuardContext, 'roots' | 'cwd'>): string | undefined {
  if (dir === path.parse(dir).root) return 'the file system root';
  if (dir === path.resolve(os.homedir())) return 'the home directory';
  const roots = context.roots.filter((r) => !hasScheme(r) || /^file:/i.test(r)).map((r) => localPath(/^file:/i.test(r) ? r : path.resolve(context.cwd, r)));
  return roots.includes(dir) ? 'a configured snapshot root' : undefined;
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** A refusal as the typed error whose kind the CLI maps to an exit code (the rule decides: domain/disposal-guard.ts). */
export { refusalError };

/** Runs the guard on one local target; throws the refusal (deleting nothing). */
export function guardLocal(pointer: string, context: GuardContext): TargetFacts {
  const facts = targetFacts(pointer, context);
  const refusal = judgeDisposal(facts, context.jobs, { force: context.force } satisfies GuardOptions);
  if (refusal) throw refusalError(refusal);
  return facts;
}

/**
 * The coordinator's deleting paths (retention, subsumption, REST disposal): the guard on one target, then
 * its removal with the disposing protocol; local or on an object store (with this process's storage
 * settings). Returns the directory (or URI) removed.
 */
export async function guardAndRemove(pointer: string, context: GuardContext): Promise<string> {
  if (isObjectStorePointer(pointer)) {
    const { storageSettingsInUse } = await import('./remote-snapshots.js');
    const { guardRemote } = await import('./store-disposal.js');
    const { removeRemoteSnapshot } = await import('./store-catalog.js');
    const settings = context.storage ?? storageSettingsInUse();
    const facts = await guardRemote(pointer, { ...context, settings });
    await removeRemoteSnapshot(facts.directory, settings);
    return facts.directory;
  }
  const facts = guardLocal(pointer, context);
  await removeSnapshotFiles(facts.directory);
  return facts.directory;
}

export async function planDisposal(pointers: readonly string[], options: GuardContext | { roots: readonly string[]; cwd: string }): Promise<DisposalStep[]> {
  const context: GuardContext = { jobs: [], ...options };
  const steps: DisposalStep[] = [];
  for (const pointer of pointers) {
    rejectHeapPointer(pointer);
    if (hasScheme(pointer) && !/^file:/i.test(pointer)) {
      if (pointer.split(/[\\/]+/).includes('..'))
        throw refusalError({
          rule: 'dot-dot',
          message: `Refusing '${pointer}': it contains '..' segments; give the snapshot directory itself.`,
          overridable: false,
        });
      if (context.storage && (await import('./store-catalog.js')).isRemote(pointer)) {
        // An object store this machine reaches: the whole guard runs on what it holds.
        const { guardRemote } = await import('./store-disposal.js');
        const { describeSnapshot } = await import('./store-catalog.js');
        const facts = await guardRemote(pointer, { ...context, settings: context.storage });
        const entry = facts.files ? describeSnapshot(facts.directory, undefined, facts.files) : undefined;
        const forced = context.force && (facts.pinned || facts.content === 'incomplete');
        const what = `${facts.content === 'flink' ? 'Flink snapshot' : facts.content === 'ours' ? (entry?.kind ?? 'snapshot').replace('-', ' ') : facts.content === 'disposing' ? 'unfinished disposal' : 'snapshot'}${facts.content === 'incomplete' ? ' (incomplete leftover)' : ''}`;
        // A retained checkpoint's shared/ objects: planned from its _metadata while it is there.
        const { planRemoteSharedFiles } = await import('./store-shared-files.js');
        const sharedFiles = facts.content === 'flink' ? await planRemoteSharedFiles(facts.directory, context.storage) : [];
        steps.push({
          pointer,
          directory: facts.directory,
          bytes: entry?.sizeBytes,
          entry,
          remote: true,
          reason: `${what}, ${forced ? 'forced' : 'requested'}`,
          ...(sharedFiles.length > 0 ? { sharedFiles } : {}),
        });
        continue;
      }
      // Only the cluster can reach it: the in-use rules still apply, by path string.
      const refusal = judgeInUse(pointer, context.jobs);
      if (refusal) throw refusalError(refusal);
      steps.push({ pointer, reason: 'not on this machine: the cluster disposes it (/savepoint-disposal)' });
      continue;
    }
    const facts = guardLocal(pointer, context);
    const dir = facts.directory;
    const entry = await inspect(dir);
    const forced = context.force && (facts.pinned || facts.content === 'incomplete');
    const what = entry
      ? `${entry.origin === 'flink' ? 'Flink ' : ''}${entry.kind.replace('-', ' ')}${entry.state === 'corrupt' ? ' (corrupt)' : ''}${facts.content === 'incomplete' ? ' (incomplete leftover)' : ''}`
      : 'snapshot';
    const { planSharedFiles } = await import('./shared-files.js');
    const sharedFiles = await planSharedFiles(dir);
    steps.push({
      pointer,
      directory: dir,
      bytes: entry?.sizeBytes,
      entry,
      reason: `${what}, ${forced ? 'forced' : 'requested'}`,
      ...(sharedFiles.length > 0 ? { sharedFiles } : {}),
    });
  }
  return steps;
}

/** Removes one planned local snapshot directory; idempotent (already gone is fine). */
export async function applyDisposal(step: DisposalStep, storage?: StorageSettings): Promise<void> {
  if (step.directory === undefined) throw new UsageError(`${step.pointer} is not on this machine; only the cluster can dispose it.`);
  if (step.remote) {
    if (!storage) throw new UsageError(`${step.pointer} is on an object store; disposing it needs the storage settings.`);
    const { removeRemoteSnapshot } = await import('./store-catalog.js');
    await removeRemoteSnapshot(step.directory, storage);
    return;
  }
  await removeSnapshotFiles(step.directory);
}

/**
 * Deletes a snapshot directory so that a failure half-way is recognisable and can be finished later:
 * the disposing marker first (durably), then _metadata (it is no longer restorable from here on), then
 * everything else, then the marker and the directory. Idempotent: a directory already gone is fine.
 * A retained checkpoint's files in the job's shared/ that no other retained checkpoint references go last
 * (planned while its _metadata is still there; an interruption leaves them to `flink savepoints gc`).
 */
export async function removeSnapshotFiles(dir: string): Promise<void> {
  const { planSharedFiles, deletePlannedFiles } = await import('./shared-files.js');
  const shared = await planSharedFiles(dir);
  let marker;
  try {
    marker = await open(path.join(dir, DISPOSING_MARKER), 'w');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    await marker.writeFile(`${new Date().toISOString()}\n`);
    await marker.sync();
  } finally {
    await marker.close();
  }
  await rm(path.join(dir, METADATA_FILE), { force: true });
  // Another disposal of the same directory may have finished meanwhile: gone is done.
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  for (const name of names) if (name !== DISPOSING_MARKER) await rm(path.join(dir, name), { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
  await deletePlannedFiles(shared);
}
