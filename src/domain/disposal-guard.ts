// The one disposal guard: pure rules deciding whether a snapshot may be deleted. Every deleting path
// (flink dispose, prune, savepoint -d, coordinator retention, REST /savepoint-disposal) gathers facts about
// the target (storage/disposal.ts) and about jobs (REST on the CLI side, the registry on the coordinator)
// and asks judgeDisposal. A refusal deletes nothing. --force overrides only the pin and the
// incomplete-leftover rules, never the in-use rules while a job runs, never the path rules.
import path from 'node:path';
import { NotFoundError, OperationError, UsageError, type ErrorKind, type FlinkCliError } from './errors.js';
import { isGloballyTerminal, type JobStatus } from './job-status.js';
import { pointerToPath } from './pointers.js';

/** What a directory holds, judged by its content (the name alone never makes a snapshot). */
export type TargetContent =
  | 'ours' // our _metadata decodes
  | 'flink' // Flink's magic and a known _metadata version
  | 'disposing' // a disposal started and did not finish: may be finished
  | 'incomplete' // a snapshot directory (by name) without _metadata
  | 'junk' // a _metadata that is neither ours nor Flink's
  | 'not-a-snapshot' // no snapshot name and no _metadata
  | 'missing';

export interface TargetFacts {
  /** The directory as asked for (absolute, normalised), or the pointer for paths this machine cannot reach. */
  directory: string;
  /** The pointer contains '..' segments. */
  dotDot?: boolean;
  /** The directory is a configured snapshot root, '/', or the home directory. */
  root?: string;
  /** The target itself is a symbolic link (lstat); its destination. */
  symlinkTo?: string;
  /** Its real path lies outside its parent directory. */
  escapesTo?: string;
  content: TargetContent;
  /** Why the content is not a snapshot (e.g. "_metadata is not a snapshot metadata file"). */
  contentProblem?: string;
  pinned?: boolean;
  /** For an incomplete directory: why a writer may still hold it (in progress, or changed recently). */
  liveWriter?: string;
}

/** What the guard needs to know about one job. */
export interface JobFacts {
  jobId: string;
  status: JobStatus | string;
  /** The snapshot the job restored from, if any. */
  restoredFrom?: string;
  /** Checkpoints (or savepoints) the job completed since it started. */
  completedSinceRestore: number;
  /** The newest restorable snapshot of the job (what a restart would restore from). */
  newest?: string;
  /** Snapshots the job is writing now: their paths, or '*' when only their number is known (then any of the job's directories). */
  inProgress?: string[];
}

export type GuardRule = 'dot-dot' | 'root' | 'symlink' | 'missing' | 'not-a-snapshot' | 'junk-metadata' | 'incomplete' | 'restored-from' | 'newest' | 'pinned';

export interface Refusal {
  rule: GuardRule;
  /** One line, naming the directory and why. */
  message: string;
  hint?: string;
  /** --force would override it. */
  overridable: boolean;
}

/**
 * What a refusal is, as an error kind (the one exit-code table maps kinds to codes): a path dispose does not
 * take at all (not a snapshot, a root, a link, '..') is a bad argument; a missing one is not found; a snapshot
 * the rules protect (in use, pinned, maybe still being written) is a refused operation.
 */
export function refusalKind(rule: GuardRule): ErrorKind {
  switch (rule) {
    case 'dot-dot':
    case 'root':
    case 'symlink':
    case 'not-a-snapshot':
    case 'junk-metadata':
      return 'usage';
    case 'missing':
      return 'not-found';
    case 'incomplete':
    case 'restored-from':
    case 'newest':
    case 'pinned':
      return 'operation-failed';
  }
}

/**
 * A refusal of the disposal guard as the typed error of its kind (nothing was deleted). The error's class is
 * the kind's (NotFoundError, UsageError, OperationError), so that it keeps its kind across the REST boundary too
 * (a failure cause names the class, as Flink's do).
 */
export function refusalError(refusal: Refusal): FlinkCliError {
  const options = refusal.hint ? { hint: refusal.hint } : {};
  switch (refusalKind(refusal.rule)) {
    case 'usage':
      return new UsageError(refusal.message, options);
    case 'not-found':
      return new NotFoundError(refusal.message, options);
    default:
      return new OperationError(refusal.message, options);
  }
}

export interface GuardOptions {
  force?: boolean;
}

/** A pointer normalised for comparison: file: URIs and plain paths alike, without a trailing /_metadata or slash. */
export function snapshotKey(pointer: string): string {
  let p = pointer.trim();
  if (/^file:/i.test(p)) p = pointerToPath(p) ?? p;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(p)) p = path.posix.normalize(p);
  p = p.replace(/\/+$/, '');
  if (p.endsWith('/_metadata')) p = p.slice(0, -'/_metadata'.length);
  return p === '' ? '/' : p;
}

/** The in-use rules alone (by path string): usable for paths only the cluster can reach. Never overridable. */
export function judgeInUse(pointer: string, jobs: readonly JobFacts[]): Refusal | undefined {
  const key = snapshotKey(pointer);
  for (const job of jobs) {
    if (isGloballyTerminal(job.status as JobStatus)) continue;
    if (job.restoredFrom !== undefined && snapshotKey(job.restoredFrom) === key && job.completedSinceRestore === 0) {
      return {
        rule: 'restored-from',
        message: `Refusing to dispose ${pointer}: job ${job.jobId} (${job.status}) restored from it and has not completed a checkpoint since; it would restart from nothing.`,
        hint: 'Wait for the job to complete a checkpoint (flink checkpoint <jobId>), or stop it first.',
        overridable: false,
      };
    }
    if (job.newest !== undefined && snapshotKey(job.newest) === key) {
      return {
        rule: 'newest',
        message: `Refusing to dispose ${pointer}: it is the newest restorable snapshot of job ${job.jobId} (${job.status}); a restart restores from it.`,
        hint: 'Take a newer savepoint or checkpoint first, or stop the job.',
        overridable: false,
      };
    }
  }
  return undefined;
}

/** Snapshots no running job may lose: restored from and not checkpointed past, or the newest restorable. */
export function protectedSnapshots(jobs: readonly JobFacts[]): Set<string> {
  const result = new Set<string>();
  for (const job of jobs) {
    if (isGloballyTerminal(job.status as JobStatus)) continue;
    if (job.restoredFrom !== undefined && job.completedSinceRestore === 0) result.add(snapshotKey(job.restoredFrom));
    if (job.newest !== undefined) result.add(snapshotKey(job.newest));
  }
  return result;
}

/** The whole guard: undefined means the disposal may go ahead. */
export function judgeDisposal(target: TargetFacts, jobs: readonly JobFacts[], options: GuardOptions = {}): Refusal | undefined {
  const dir = target.directory;
  const refuse = (rule: GuardRule, message: string, hint?: string): Refusal => ({ rule, message, hint, overridable: false });
  if (target.dotDot) return refuse('dot-dot', `Refusing '${dir}': it contains '..' segments; give the snapshot directory itself.`);
  if (target.root !== undefined) return refuse('root', `Refusing to dispose ${dir}: it is ${target.root}, not one snapshot.`);
  if (target.symlinkTo !== undefined)
    return refuse('symlink', `Refusing to dispose ${dir}: it is a symbolic link to ${target.symlinkTo}; give the real snapshot directory.`);
  if (target.escapesTo !== undefined)
    return refuse('symlink', `Refusing to dispose ${dir}: it resolves through a symbolic link to ${target.escapesTo}, outside its directory.`);
  if (target.content === 'missing') return refuse('missing', `Nothing to dispose at ${dir}: it does not exist.`);
  if (target.content === 'not-a-snapshot') {
    return refuse('not-a-snapshot', `Refusing to dispose ${dir}: not a snapshot directory (expected savepoint-<job>-<id> or chk-<n> with a _metadata file).`);
  }
  if (target.content === 'junk') {
    return refuse('junk-metadata', `Refusing to dispose ${dir}: not a snapshot (${target.contentProblem ?? "its _metadata is neither ours nor Flink's"}).`);
  }
  // In use by a running job: never overridable, whatever the content.
  const inUse = judgeInUse(dir, jobs);
  if (inUse) return inUse;
  if (target.content === 'incomplete') {
    if (target.liveWriter !== undefined) {
      return refuse(
        'incomplete',
        `Refusing to dispose ${dir}: it has no _metadata and may still be being written (${target.liveWriter}).`,
        'Wait for the snapshot to finish or fail.',
      );
    }
    if (!options.force) {
      return {
        rule: 'incomplete',
        overridable: true,
        message: `Refusing to dispose ${dir}: it has no _metadata and may still be being written.`,
        hint: 'If no job writes it any more (an interrupted snapshot), remove it with: flink dispose --force --reason <why> <path>',
      };
    }
  }
  if (target.pinned && !options.force) {
    return {
      rule: 'pinned',
      overridable: true,
      message: `Refusing to dispose ${dir}: it is pinned.`,
      hint: `Unpin it first (flink savepoints unpin ${dir}), or dispose it anyway with --force --reason <why>.`,
    };
  }
  return undefined;
}
