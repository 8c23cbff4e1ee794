// Pure rules over the files of one job's checkpoint directory (Flink's layout: <job>/chk-<n>/, shared/,
// taskowned/): reference counts over every retained checkpoint, what disposing one checkpoint frees in shared/,
// and what garbage collection may reclaim. No I/O: callers pass lists of files and of what each _metadata references,
// so the same rules work on local storage and on object stores.

/** What one retained checkpoint of the job references (absolute, normalised paths). */
export interface CheckpointRefs {
  /** e.g. chk-7 */
  name: string;
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

/**
 * Disposing checkpoint `target`: each of its files that lives in the job's shared directory is deleted when no
 * other retained checkpoint references it, and kept otherwise (also when some checkpoint's references are unknown).
 * Files outside the shared directory are not planned here (its own directory goes with it).
 */
export function planSharedDisposal(
  target: { name: string; files: ReadonlyArray<{ path: string; bytes: number }> },
  others: readonly CheckpointRefs[],
  isShared: (path: string) => boolean,
): FilePlan[] {
  const rest = others.filter((c) => c.name !== target.name);
  const counts = referenceCounts(rest);
  const unknown = rest.filter((c) => c.files === undefined);
  const plans: FilePlan[] = [];
  const seen = new Set<string>();
  for (const f of target.files) {
    if (!isShared(f.path) || seen.has(f.path)) continue;
    seen.add(f.path);
    const users = counts.get(f.path);
    if (users) plans.push({ path: f.path, bytes: f.bytes, action: 'keep', reason: `shared: also referenced by ${byName(users)}` });
    else if (unknown.length > 0) {
      plans.push({
        path: f.path,
        bytes: f.bytes,
        action: 'keep',
        reason: `shared: the references of ${byName(unknown.map((c) => c.name))} are unknown (${unknown[0].problem ?? 'unreadable _metadata'})`,
      });
    } else plans.push({ path: f.path, bytes: f.bytes, action: 'delete', reason: `shared: referenced only by ${target.name}` });
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

/** Why gc cannot decide: a retained checkpoint whose references are unknown. */
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
 * checkpoint references it and it is older than `minAgeMs` and older than the newest checkpoint (a checkpoint
 * still being written has no _metadata yet, and its new files are younger than both). Files of a ForSt database
 * folder are never reclaimed (see isForStDatabaseFile).
 */
export function planGc(stored: readonly StoredFile[], checkpoints: readonly CheckpointRefs[], options: { minAgeMs: number; now: number }): GcPlan {
  const refusal = gcRefusal(checkpoints);
  if (refusal) throw new Error(refusal);
  const counts = referenceCounts(checkpoints);
  const newest = Math.max(-Infinity, ...checkpoints.map((c) => c.completedAt ?? -Infinity));
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
            ? 'no retained checkpoint of the job references it'
            : `referenced by none of the ${checkpoints.length} retained checkpoint(s)`,
      });
  }
  return { files, young, database, cutoff };
}
