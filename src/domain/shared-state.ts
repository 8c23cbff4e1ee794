// Pure rules of ownership over the snapshot roots in play (Flink's layout: <job>/chk-<n>/, shared/, taskowned/,
// a changelog root's dstl/): reference counts over every retained checkpoint and savepoint, what disposing one
// snapshot frees, and what garbage collection may reclaim. No I/O: callers pass lists of files and of what each
// _metadata references, so the same rules work on every store.

/** What one retained snapshot references (canonical ids of files). */
export interface CheckpointRefs {
  /** How messages name it: chk-7 (of the same job), <job id>/chk-7, savepoint-..., or its location. */
  name: string;
  /** Where it is (a path or URI), for scripts: a kept file's `neededBy`. Default: its name. */
  location?: string;
  /** Undefined when its _metadata could not be read: its references are unknown. */
  files?: readonly string[];
  /** Why its _metadata could not be read. */
  problem?: string;
  /** When it completed (its _metadata's modification time). */
  completedAt?: number;
}

export interface FilePlan {
  path: string;
  bytes: number;
  action: 'delete' | 'keep';
  reason: string;
  /** A kept file: the retained snapshots that reference it (their locations). */
  neededBy?: string[];
}

/** path -> names of the checkpoints referencing it. */
export function referenceCounts(checkpoints: readonly CheckpointRefs[]): Map<string, string[]> {
  const counts = new Map<string, string[]>();
  for (const c of checkpoints) {
    for (const f of new Set(c.files ?? [])) {
      const by = counts.get(f);
      if (by) by.push(c.name);
      else counts.set(f, [c.name]);
    }
  }
  return counts;
}

function byName(names: readonly string[]): string {
  const sorted = [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return sorted.length <= 3 ? sorted.join(', ') : `${sorted.slice(0, 3).join(', ')} and ${sorted.length - 3} more`;
}

/** A file that disposing a snapshot concerns: one of its own folder, or one it references outside it. */
export interface OwnedFile {
  /** Its id, as the references name it. */
  path: string;
  bytes: number;
  /** In the snapshot's own folder: it goes with the folder unless another retained snapshot references it. */
  own: boolean;
  /** Outside the folder, why it is never deleted here whoever references it (outside the roots in play, a running job's). */
  keepBecause?: string;
}

/**
 * Ownership across the roots in play: disposing `target` deletes a file only when no other retained snapshot
 * references it. Its own files that another snapshot references are kept (a job that claimed it, or restored
 * from it in LEGACY mode, reads them); a file it references outside its folder (a job's shared/, a changelog
 * root) is deleted when nothing else references it, it is ours to delete, and every other snapshot's
 * references are known. The plan lists every file outside the folder and every own file that is kept.
 */
export function planOwnedFiles(target: string, files: readonly OwnedFile[], others: readonly CheckpointRefs[]): FilePlan[] {
  const rest = others.filter((c) => c.name !== target);
  // Only the target's files are counted (a root may hold 100,000s of references).
  const wanted = new Set(files.map((f) => f.path));
  const counts = referenceCounts(rest.map((c) => ({ ...c, files: c.files?.filter((f) => wanted.has(f)) })));
  const unknown = rest.filter((c) => c.files === undefined);
  const locations = new Map(rest.map((c) => [c.name, c.location ?? c.name]));
  const plans: FilePlan[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    const users = counts.get(f.path);
    const neededBy = users?.map((name) => locations.get(name) ?? name);
    const keep = (reason: string) => plans.push({ path: f.path, bytes: f.bytes, action: 'keep', reason, ...(neededBy ? { neededBy } : {}) });
    if (f.own) {
      if (users) keep(`own file: also referenced by ${byName(users)}`);
    } else if (users) keep(`shared: also referenced by ${byName(users)}`);
    else if (unknown.length > 0)
      keep(`shared: the references of ${byName(unknown.map((c) => c.name))} are unknown (${unknown[0].problem ?? 'unreadable _metadata'})`);
    else if (f.keepBecause !== undefined) keep(`shared: ${f.keepBecause}`);
    else plans.push({ path: f.path, bytes: f.bytes, action: 'delete', reason: `shared: referenced only by ${target}` });
  }
  return plans;
}

export interface StoredFile {
  path: string;
  bytes: number;
  modifiedAt: number;
}

export interface GcPlan {
  /** Files to reclaim, each with its reason. */
  files: FilePlan[];
  /** Unreferenced files left alone because they are too young (a checkpoint may still be writing them). */
  young: StoredFile[];
  /** Unreferenced files of a ForSt database folder, left alone: they belong to the database, not to checkpoints. */
  database: StoredFile[];
  /** Files older than this are old enough. */
  cutoff: number;
}

/** Why gc cannot decide: a retained snapshot whose references are unknown. */
export function gcRefusal(checkpoints: readonly CheckpointRefs[]): string | undefined {
  const unknown = checkpoints.filter((c) => c.files === undefined);
  if (unknown.length === 0) return undefined;
  return `the _metadata of ${byName(unknown.map((c) => c.name))} cannot be read (${unknown[0].problem ?? 'unreadable'}), so what it references is unknown`;
}

/**
 * ForSt (Flink 2.x, asynchronous state) keeps its live database on its primary directory, by default the job's
 * checkpoint folder: shared/op_<operator>_<id>__<subtask>_<parallelism>__attempt_<n>/db/. Checkpoints reference
 * those files in place; the ones no checkpoint references yet are the running database's, whatever their age.
 */
export function isForStDatabaseFile(path: string): boolean {
  return /[/\\]shared[/\\]op_[^/\\]+__attempt_\d+[/\\]db[/\\]/.test(path);
}

/**
 * Garbage collection of one job's shared and task-owned files: a stored file is reclaimed when no retained
 * snapshot under the roots in play references it, whichever job that snapshot belongs to, and it is older than
 * `minAgeMs` and than the job's newest checkpoint (a checkpoint still being written has no _metadata yet, and its
 * new files are younger than both). `jobCheckpoints` are the job's own retained checkpoints (default: all).
 * Files of a ForSt database folder are never reclaimed (see isForStDatabaseFile).
 */
export function planGc(
  stored: readonly StoredFile[],
  checkpoints: readonly CheckpointRefs[],
  options: { minAgeMs: number; now: number; jobCheckpoints?: readonly CheckpointRefs[] },
): GcPlan {
  const refusal = gcRefusal(checkpoints);
  if (refusal) throw new Error(refusal);
  const counts = referenceCounts(checkpoints);
  const newest = Math.max(-Infinity, ...(options.jobCheckpoints ?? checkpoints).map((c) => c.completedAt ?? -Infinity));
  const cutoff = Math.min(options.now - options.minAgeMs, newest === -Infinity ? Infinity : newest);
  const files: FilePlan[] = [];
  const young: StoredFile[] = [];
  const database: StoredFile[] = [];
  for (const f of stored) {
    if (counts.has(f.path)) continue;
    if (isForStDatabaseFile(f.path)) database.push(f);
    else if (f.modifiedAt >= cutoff) young.push(f);
    else
      files.push({
        path: f.path,
        bytes: f.bytes,
        action: 'delete',
        reason:
          checkpoints.length === 0
            ? 'no retained checkpoint or savepoint references it'
            : `referenced by none of the ${checkpoints.length} retained checkpoint(s) and savepoint(s)`,
      });
  }
  return { files, young, database, cutoff };
}
