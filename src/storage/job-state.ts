// A job's checkpoint directory (<root>/<jobId>/ with chk-*/, shared/, taskowned/) wherever it lives: on the local
// file system (shared-files.ts) or on an object store (store-shared-files.ts). `flink savepoints gc` asks it what
// the retained checkpoints reference and what is stored, and deletes what the pure rules plan.
import path from 'node:path';
import type { StorageSettings } from '../config/storage.js';
import { NotFoundError } from '../domain/errors.js';
import type { CheckpointRefs, FilePlan, StoredFile } from '../domain/shared-state.js';

export interface JobCheckpointDir {
  /** The local directory or the URI of the job's prefix (for messages and the audit log). */
  location: string;
  checkpoints(): Promise<CheckpointRefs[]>;
  storedFiles(): Promise<StoredFile[]>;
  /** Deletes the planned files (in batches on object stores); returns the bytes freed. */
  deletePlanned(plans: readonly FilePlan[]): Promise<number>;
  close(): void;
}

/** The job's checkpoint directory: <root>/<jobId> for the first root that has it, or a root that is it. */
export async function openJobCheckpointDir(roots: readonly string[], jobId: string, cwd: string, settings: StorageSettings): Promise<JobCheckpointDir> {
  const tried: string[] = [];
  for (const root of roots) {
    const { isRemote } = await import('./store-catalog.js');
    const { hasScheme } = await import('../domain/pointers.js');
    if (isRemote(root) || (hasScheme(root) && !/^file:/i.test(root))) {
      const trimmed = root.replace(/\/+$/, '');
      const uri = path.posix.basename(trimmed) === jobId ? trimmed : `${trimmed}/${jobId}`;
      tried.push(uri);
      const found = await remoteJobDir(uri, settings);
      if (found) return found;
      continue;
    }
    const { localPath } = await import('./catalog.js');
    const dir = localPath(/^file:/i.test(root) ? root : path.resolve(cwd, root));
    const candidate = path.basename(dir) === jobId ? dir : path.join(dir, jobId);
    tried.push(candidate);
    const { stat } = await import('node:fs/promises');
    if ((await stat(candidate).catch(() => undefined))?.isDirectory()) return localJobDir(candidate);
  }
  throw new NotFoundError(`No checkpoint directory of job ${jobId}: looked in ${tried.join(', ')}.`);
}

async function localJobDir(dir: string): Promise<JobCheckpointDir> {
  const local = await import('./shared-files.js');
  return {
    location: dir,
    checkpoints: () => local.jobCheckpoints(dir),
    storedFiles: () => local.storedSharedFiles(dir),
    deletePlanned: (plans) => local.deletePlannedFiles(plans),
    close: () => undefined,
  };
}

async function remoteJobDir(uri: string, settings: StorageSettings): Promise<JobCheckpointDir | undefined> {
  const { openStore } = await import('./object-store.js');
  const { JobPrefix } = await import('./store-shared-files.js');
  const job = new JobPrefix(await openStore(`${uri}/`, settings));
  try {
    if (!(await job.exists())) {
      job.store.close();
      return undefined;
    }
  } catch (error) {
    job.store.close();
    throw error;
  }
  return {
    location: uri,
    checkpoints: () => job.checkpoints(),
    storedFiles: () => job.storedFiles(),
    deletePlanned: (plans) => job.deletePlanned(plans),
    close: () => job.store.close(),
  };
}
