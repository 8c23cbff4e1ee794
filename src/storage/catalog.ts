// The catalog scan: every snapshot under some root directories (the savepoint dir, the checkpoint dir,
// --dir roots), ours and Apache Flink's, savepoints and retained checkpoints, with their state.
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogEntry } from '../domain/catalog.js';
import { readSnapshot } from './index.js';

const FLINK_MAGIC = 0x4960672d;
const SAVEPOINT_DIR = /^savepoint-([0-9a-f]{6})-[0-9a-z]{12}$/;
const CHECKPOINT_DIR = /^chk-(\d+)$/;
const JOB_DIR = /^[0-9a-f]{32}$/;

/** Local directory of a pointer: plain path, file:/ or file:/// URI, or its _metadata file. */
export function localPath(pointer: string): string {
  let p = pointer.trim();
  if (/^file:/i.test(p)) p = decodeURIComponent(new URL(p.replace(/^file:(?!\/\/)/i, 'file://')).pathname);
  p = path.resolve(p);
  return path.basename(p) === '_metadata' ? path.dirname(p) : p;
}

export async function scanSnapshots(roots: readonly string[]): Promise<CatalogEntry[]> {
  const found = new Map<string, CatalogEntry>();
  for (const root of roots) {
    const dir = localPath(root);
    for (const candidate of await candidates(dir)) {
      if (found.has(candidate)) continue;
      const entry = await inspect(candidate);
      if (entry) found.set(candidate, entry);
    }
  }
  return [...found.values()];
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

/** Snapshot directories at a root: the root itself, savepoint-* and chk-* children, <jobId>/chk-* grandchildren. */
async function candidates(root: string): Promise<string[]> {
  const base = path.basename(root);
  if (SAVEPOINT_DIR.test(base) || CHECKPOINT_DIR.test(base)) return [root];
  const result: string[] = [];
  for (const name of await list(root)) {
    if (SAVEPOINT_DIR.test(name) || CHECKPOINT_DIR.test(name)) result.push(path.join(root, name));
    else if (JOB_DIR.test(name)) for (const child of await list(path.join(root, name))) if (CHECKPOINT_DIR.test(child)) result.push(path.join(root, name, child));
  }
  return result;
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name);
    if (entry.isFile()) total += (await stat(p).catch(() => ({ size: 0 }))).size;
    else if (entry.isDirectory()) total += await directorySize(p);
  }
  return total;
}

/** What one snapshot directory holds; undefined when it is not one. */
export async function inspect(dir: string): Promise<CatalogEntry | undefined> {
  const base = path.basename(dir);
  const savepoint = SAVEPOINT_DIR.exec(base);
  const checkpoint = CHECKPOINT_DIR.exec(base);
  if (!savepoint && !checkpoint) return undefined;
  const parent = path.basename(path.dirname(dir));
  const sizeBytes = await directorySize(dir);
  const guess: CatalogEntry = {
    path: dir,
    kind: savepoint ? 'savepoint' : 'checkpoint',
    jobIdPrefix: savepoint ? savepoint[1] : undefined,
    jobId: checkpoint && JOB_DIR.test(parent) ? parent : undefined,
    snapshotId: checkpoint ? Number(checkpoint[1]) : undefined,
    sizeBytes,
    state: 'incomplete',
    origin: 'ours',
  };
  const metadataFile = path.join(dir, '_metadata');
  let header: Buffer;
  let mtime: number;
  try {
    const handle = await open(metadataFile, 'r');
    try {
      header = Buffer.alloc(16);
      const { bytesRead } = await handle.read(header, 0, 16, 0);
      header = header.subarray(0, bytesRead);
      mtime = Math.round((await handle.stat()).mtimeMs);
    } finally {
      await handle.close();
    }
  } catch {
    return { ...guess, problem: 'no _metadata (never completed, or still being written)' };
  }
  if (header.length >= 4 && header.readUInt32BE(0) === FLINK_MAGIC) {
    const version = header.length >= 8 ? header.readInt32BE(4) : undefined;
    const id = header.length >= 16 && version !== undefined && version >= 2 ? Number(header.readBigInt64BE(8)) : undefined;
    const valid = version !== undefined && version >= 1 && version <= 6;
    return { ...guess, origin: 'flink', state: valid ? 'complete' : 'corrupt', flinkMetadataVersion: version, snapshotId: id ?? guess.snapshotId, completedAt: mtime, problem: valid ? undefined : `unknown Flink metadata version ${version}` };
  }
  try {
    const snapshot = await readSnapshot(dir);
    const m = snapshot.metadata;
    return {
      ...guess, kind: m.kind, trigger: m.trigger, format: m.format, jobId: m.jobId, jobIdPrefix: undefined, jobName: m.jobName,
      snapshotId: m.id, completedAt: m.completedAt, state: 'complete',
    };
  } catch (error) {
    return { ...guess, state: 'corrupt', problem: (error as Error).message.split('\n')[0] };
  }
}
