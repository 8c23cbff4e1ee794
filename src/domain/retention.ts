// Retention of a job's savepoints for cron and CI (pure): which to keep and which to dispose, and why.
// Never disposed: the newest complete savepoint, a pinned one, one a running job restored from and has
// not yet checkpointed since, anything incomplete or corrupt (it may still be being written), anything
// of another job, and nothing intact while one of the job's savepoints fails full verification. A
// savepoint whose disposal started and did not finish is disposed again. Persistent checkpoints are the
// coordinator's (its FIFO), not pruned here.
import { matchesJob, type CatalogEntry } from './catalog.js';
import { formatDuration } from './duration.js';
import { byNewestListed } from './ordering.js';

export interface PruneScope {
  jobId?: string;
  jobName?: string;
}

export interface PruneRules {
  /** How many of the newest complete savepoints to keep (at least 1 is always kept). */
  keep: number;
  /** Savepoints older than this are disposed even within `keep` (never the newest). */
  maxAgeMs?: number;
  now: number;
}

export interface PruneDecision {
  entry: CatalogEntry;
  action: 'keep' | 'dispose';
  reason: string;
}

export function inScope(entry: CatalogEntry, scope: PruneScope): boolean {
  if (scope.jobId !== undefined && !matchesJob(entry, scope.jobId)) return false;
  if (scope.jobName !== undefined && entry.jobName !== scope.jobName) return false;
  return scope.jobId !== undefined || scope.jobName !== undefined;
}

/** The scope's savepoints, newest completion first. */
function savepointsOf(entries: readonly CatalogEntry[], scope: PruneScope): CatalogEntry[] {
  return entries.filter((e) => e.kind === 'savepoint' && inScope(e, scope)).sort(byNewestListed);
}

/**
 * The savepoint planPrune keeps as "newest complete": the caller verifies it fully (and picks again if it
 * fails) before planning, so a corrupt snapshot never takes the place of an intact one.
 */
export function newestKept(entries: readonly CatalogEntry[], scope: PruneScope): CatalogEntry | undefined {
  return savepointsOf(entries, scope).find((e) => !e.disposing && e.state === 'complete');
}

/** Entries carry their verification results (state, problem, verified); this plan does no I/O. */
export function planPrune(entries: readonly CatalogEntry[], scope: PruneScope, rules: PruneRules, protectedPaths: ReadonlySet<string>): PruneDecision[] {
  const savepoints = savepointsOf(entries, scope);
  const keep = Math.max(1, rules.keep);
  // Same size, wrong checksum: the storage damages data at rest, so every intact copy is a fallback worth keeping.
  const damaged = savepoints.find((e) => e.state === 'corrupt' && e.verified === 'full');
  let rank = 0;
  return savepoints.map((entry): PruneDecision => {
    if (entry.disposing) return { entry, action: 'dispose', reason: 'an earlier disposal did not finish' };
    if (entry.state !== 'complete') {
      return {
        entry,
        action: 'keep',
        reason:
          entry.state === 'incomplete'
            ? 'incomplete: may still be in progress'
            : `corrupt${entry.problem ? ` (${entry.problem})` : ''}: inspect it and dispose it by hand`,
      };
    }
    const position = rank++;
    if (position === 0) return { entry, action: 'keep', reason: 'newest complete savepoint' };
    if (entry.pinned) return { entry, action: 'keep', reason: 'pinned' };
    if (protectedPaths.has(entry.path)) return { entry, action: 'keep', reason: 'a running job restored from it and has not completed a checkpoint since' };
    if (damaged)
      return {
        entry,
        action: 'keep',
        reason: `intact while ${damaged.path} fails full verification: nothing intact is disposed until that one is inspected and disposed by hand`,
      };
    const age = entry.completedAt === undefined ? undefined : rules.now - entry.completedAt;
    if (position < keep) {
      if (rules.maxAgeMs !== undefined && age !== undefined && age > rules.maxAgeMs) {
        return { entry, action: 'dispose', reason: `older than --max-age ${formatDuration(rules.maxAgeMs)} (${formatDuration(age)})` };
      }
      return { entry, action: 'keep', reason: `within --keep ${keep}` };
    }
    return { entry, action: 'dispose', reason: `beyond --keep ${keep} (number ${position + 1} by completion time)` };
  });
}
