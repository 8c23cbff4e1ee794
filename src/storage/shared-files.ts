// The file-system side of reference counting (rules in src/domain/shared-state.ts): what every retained
// checkpoint of a job directory references, the files stored under its shared/ and taskowned/, and the
// deletion of planned files. Paths are compared as absolute local paths.
import { lstat, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { planSharedDisposal, type CheckpointRefs, type FilePlan, type StoredFile } from '../domain/shared-state.js';
import { localPathOf } from './flink-metadata/summary.js';
import { readFlinkSnapshot } from './flink-metadata/index.js';
import { decodeMetadata, METADATA_FILE } from './metadata.js';

const CHECKPOINT_DIR = /^chk-\d+$/;
export const SHARED_DIRS = ['shared', 'taskowned'] as const;

function normalised(uri: string): string | undefined {
  const local = localPathOf(uri);
  return local === undefined ? undefined : path.resolve(local);
}

/** What one checkpoint directory references; undefined when it has no _metadata (never completed: not retained). */
export async function checkpointRefs(dir: string): Promise<CheckpointRefs | undefined> {
  const name = path.basename(dir);
  const file = path.join(dir, METADATA_FILE);
  const info = await stat(file).catch(() => undefined);
  if (!info) return undefined;
  try {
    const bytes = await readFile(file);
    if (decodeMetadata(bytes).kind === 'ours') return { name, files: [], completedAt: info.mtimeMs };
    const snapshot = await readFlinkSnapshot(dir);
    const files = snapshot.files.map((f) => normalised(f.path)).filter((p): p is string => p !== undefined);
    return { name, files, completedAt: info.mtimeMs };
  } catch (error) {
    return { name, problem: (error as Error).message.replace(/\.$/, ''), completedAt: info.mtimeMs };
  }
}

/** Every retained checkpoint (chk-* with _metadata) of a job directory. */
export async function jobCheckpoints(jobDir: string): Promise<CheckpointRefs[]> {
  const names = (await readdir(jobDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory() && CHECKPOINT_DIR.test(d.name))
    .map((d) => d.name);
  const found = await Promise.all(names.map((n) => checkpointRefs(path.join(jobDir, n))));
  return found.filter((c): c is CheckpointRefs => c !== undefined);
}

/** Files (recursively) under the job directory's shared/ and taskowned/; symbolic links are not followed. */
export async function storedSharedFiles(jobDir: string): Promise<StoredFile[]> {
  const found: StoredFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (d.isFile()) {
        const info = await lstat(p).catch(() => undefined);
        if (info) found.push({ path: p, bytes: info.size, modifiedAt: info.mtimeMs });
      }
    }
  };
  // A shared/ that is a symbolic link is not walked: deleting through it could reach anything.
  for (const sub of SHARED_DIRS) if ((await lstat(path.join(jobDir, sub)).catch(() => undefined))?.isDirectory()) await walk(path.join(jobDir, sub));
  return found;
}

/**
 * For a retained checkpoint `chk-<n>` inside a job directory: what disposing it does with the files it references
 * in the job's shared/ (delete those no other retained checkpoint references). Empty for any other snapshot.
 */
export async function planSharedFiles(snapshotDir: string): Promise<FilePlan[]> {
  const dir = path.resolve(snapshotDir);
  if (!CHECKPOINT_DIR.test(path.basename(dir))) return [];
  const jobDir = path.dirname(dir);
  const sharedDir = path.join(jobDir, 'shared') + path.sep;
  // lstat: a shared/ that is a symbolic link is never deleted through.
  if (!(await lstat(path.join(jobDir, 'shared')).catch(() => undefined))?.isDirectory()) return [];
  let target;
  try {
    const bytes = await readFile(path.join(dir, METADATA_FILE));
    if (decodeMetadata(bytes).kind !== 'flink') return [];
    target = await readFlinkSnapshot(dir);
  } catch {
    return []; // unreadable: nothing of shared/ is touched (gc can reclaim it later)
  }
  const files = target.files.flatMap((f) => {
    const p = normalised(f.path);
    return p === undefined ? [] : [{ path: p, bytes: f.bytes }];
  });
  return planSharedDisposal({ name: path.basename(dir), files }, await jobCheckpoints(jobDir), (p) => p.startsWith(sharedDir));
}

/** Deletes the planned files (a file already gone is fine); returns the bytes freed. */
export async function deletePlannedFiles(plans: readonly FilePlan[]): Promise<number> {
  let freed = 0;
  for (const p of plans) {
    if (p.action !== 'delete') continue;
    const info = await lstat(p.path).catch(() => undefined);
    if (!info?.isFile()) continue;
    await rm(p.path, { force: true });
    freed += info.size;
  }
  return freed;
}
