// `flink savepoints gc`'s storage side: the files under a job's shared/ and taskowned/ (and dstl/, below a
// changelog root given as --dir) that no retained snapshot under the roots in play references, whichever job
// it belongs to (a job that claimed this one's checkpoint references its files). The rules are in
// domain/shared-state.ts (planGc); a ForSt job's live database below shared/ is never a candidate.
import { NotFoundError } from '../domain/errors.js';
import { gcRefusal, planGc, type GcPlan, type StoredFile } from '../domain/shared-state.js';
import { listed } from './catalog.js';
import { isLiveDatabaseFile, jobFileOf } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { keyId, retainedSnapshots, type RetainedSnapshot } from './references.js';
import type { StorePool } from './stores/index.js';

export interface GcRequest {
  jobId: string;
  /** Where the job's folder is looked for (<dir>/<job id>, or a dir that is the job's folder). */
  dirs: readonly string[];
  /** Every root in play: references are counted over all of them (the dirs among them). */
  roots: readonly string[];
  minAgeMs: number;
  now: number;
  cacheDir?: string;
}

export interface GcOutcome {
  /** The job's folders (for messages and the audit log). */
  locations: string[];
  /** Every retained snapshot under the roots in play. */
  retained: RetainedSnapshot[];
  /** The job's own retained checkpoints among them. */
  jobCheckpoints: RetainedSnapshot[];
  /** Why nothing may be collected (a snapshot whose references are unknown), or the plan. */
  refusal?: string;
  plan?: GcPlan;
}

interface JobFolder {
  store: ObjectStore;
  key: string;
  location: string;
}

/** The job's folders under the dirs; NotFoundError when there is none. */
async function jobFolders(pool: StorePool, dirs: readonly string[], jobId: string): Promise<JobFolder[]> {
  const found: JobFolder[] = [];
  const tried: string[] = [];
  for (const dir of dirs) {
    const trimmed = dir.trim().replace(/\/+$/, '');
    const candidate = trimmed.slice(trimmed.lastIndexOf('/') + 1) === jobId ? trimmed : `${trimmed}/${jobId}`;
    const { store, key, location } = await pool.locate(candidate);
    tried.push(location);
    const page = await store.list(`${key}/`, { pageSize: 1 });
    if (page.objects.length > 0 || page.prefixes.length > 0 || store.fileSystem?.facts(key).kind === 'directory') found.push({ store, key, location });
  }
  if (found.length === 0) throw new NotFoundError(`No checkpoint directory of job ${jobId}: looked in ${tried.join(', ')}.`);
  return found;
}

export async function planJobGc(pool: StorePool, request: GcRequest): Promise<GcOutcome> {
  const folders = await jobFolders(pool, request.dirs, request.jobId);
  const retained = await retainedSnapshots(pool, [...request.roots, ...request.dirs], { cacheDir: request.cacheDir });
  const jobCheckpoints = retained.filter((s) => s.jobId === request.jobId && s.checkpointId !== undefined);
  const outcome: GcOutcome = { locations: folders.map((f) => f.location), retained, jobCheckpoints };
  const unknown = retained.filter((s) => s.files === undefined);
  if (unknown.length > 0) return { ...outcome, refusal: gcRefusal(retained.map((s) => ({ ...s, name: jobCheckpoints.includes(s) ? nameOf(s) : s.name }))) };
  const stored: StoredFile[] = [];
  for (const folder of folders) {
    for (const o of await listed(folder.store, `${folder.key}/`)) {
      const job = jobFileOf(o.key);
      if (job?.jobId !== request.jobId || isLiveDatabaseFile(o.key)) continue;
      stored.push({ path: keyId(folder.store, o.key), bytes: o.size, modifiedAt: o.lastModified.getTime() });
    }
  }
  return { ...outcome, plan: planGc(stored, retained, { minAgeMs: request.minAgeMs, now: request.now, jobCheckpoints }) };
}

/** Deletes the planned files (in the stores' batches); returns the bytes freed. */
export async function deleteGcFiles(pool: StorePool, plan: GcPlan): Promise<number> {
  const byStore = new Map<ObjectStore, string[]>();
  for (const f of plan.files) {
    const { store, key } = await pool.locate(f.path);
    byStore.set(store, [...(byStore.get(store) ?? []), key]);
  }
  for (const [store, keys] of byStore) await store.deleteMany(keys);
  return plan.files.reduce((n, f) => n + f.bytes, 0);
}

/** A job's checkpoint as gc names it: chk-<n>. */
function nameOf(s: RetainedSnapshot): string {
  return `chk-${s.checkpointId}`;
}
