// Safe disposal: plan first (what, how many bytes, why), apply second, so a dry run shows exactly what
// would go. Refused, deleting nothing: a path that is not a snapshot directory, a configured root itself,
// anything reached through a symbolic link that leaves its directory, paths with '..' segments, and a
// directory without _metadata (it may still be being written).
import { open, readdir, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogEntry } from '../domain/catalog.js';
import { NotFoundError, UsageError } from '../domain/errors.js';
import { hasScheme, rejectHeapPointer } from '../domain/pointers.js';
import { inspect, localPath } from './catalog.js';
import { DISPOSING_MARKER, METADATA_FILE } from './metadata.js';

export interface DisposalStep {
  pointer: string;
  /** Local directory, or undefined when only the cluster can reach it (hdfs://, s3://, ...). */
  directory?: string;
  bytes?: number;
  reason: string;
  entry?: CatalogEntry;
}

export async function planDisposal(pointers: readonly string[], options: { roots: readonly string[]; cwd: string }): Promise<DisposalStep[]> {
  const roots = options.roots.map((r) => localPath(path.resolve(options.cwd, r)));
  const steps: DisposalStep[] = [];
  for (const pointer of pointers) {
    rejectHeapPointer(pointer);
    if (pointer.split(/[\\/]+/).includes('..')) throw new UsageError(`Refusing '${pointer}': it contains '..' segments; give the snapshot directory itself.`);
    if (hasScheme(pointer) && !/^file:/i.test(pointer)) {
      steps.push({ pointer, reason: 'not on this machine: the cluster disposes it (/savepoint-disposal)' });
      continue;
    }
    const dir = localPath(/^file:/i.test(pointer) ? pointer : path.resolve(options.cwd, pointer));
    if (roots.includes(dir)) throw new UsageError(`Refusing to dispose ${dir}: it is a configured snapshot root, not one snapshot.`);
    const real = await realpath(dir).catch(() => undefined);
    if (real === undefined) throw new NotFoundError(`Nothing to dispose at ${dir}: it does not exist.`);
    const parent = await realpath(path.dirname(dir)).catch(() => path.dirname(dir));
    if (path.dirname(real) !== parent) throw new UsageError(`Refusing to dispose ${dir}: it is a symbolic link to ${real}, outside its directory.`);
    const entry = await inspect(dir);
    if (!entry) throw new UsageError(`Refusing to dispose ${dir}: not a snapshot directory (expected savepoint-<job>-<id> or chk-<n> with a _metadata file).`);
    if (entry.state === 'incomplete' && !entry.disposing) throw new UsageError(`Refusing to dispose ${dir}: it has no _metadata and may still be being written.`);
    const what = `${entry.origin === 'flink' ? 'Flink ' : ''}${entry.kind.replace('-', ' ')}${entry.state === 'corrupt' ? ' (corrupt)' : ''}`;
    steps.push({ pointer, directory: dir, bytes: entry.sizeBytes, entry, reason: `${what}, requested` });
  }
  return steps;
}

/** Removes one planned local snapshot directory; idempotent (already gone is fine). */
export async function applyDisposal(step: DisposalStep): Promise<void> {
  if (step.directory === undefined) throw new UsageError(`${step.pointer} is not on this machine; only the cluster can dispose it.`);
  await removeSnapshotFiles(step.directory);
}

/**
 * Deletes a snapshot directory so that a failure half-way is recognisable and can be finished later:
 * the disposing marker first (durably), then _metadata (it is no longer restorable from here on), then
 * everything else, then the marker and the directory. Idempotent: a directory already gone is fine.
 */
export async function removeSnapshotFiles(dir: string): Promise<void> {
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
  for (const name of await readdir(dir)) if (name !== DISPOSING_MARKER) await rm(path.join(dir, name), { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
}
