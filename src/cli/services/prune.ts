// Prune a job's savepoints by the retention rules (src/domain/retention.ts): plan first, then dispose.
// A failed disposal is reported; the savepoint stays listed and the next prune tries again. What running
// jobs still need comes from the one disposal guard (src/domain/disposal-guard.ts), as for `flink dispose`.
import { pickVerified } from '../../domain/catalog.js';
import { protectedSnapshots } from '../../domain/disposal-guard.js';
import { newestKept, planPrune, type PruneDecision, type PruneRules, type PruneScope } from '../../domain/retention.js';
import { FlinkCliError, UnreachableError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import { gatherSnapshots, verifyFully } from './snapshots.js';

export interface PruneOutcome {
  decisions: PruneDecision[];
  disposed: PruneDecision[];
  failed: Array<{ decision: PruneDecision; error: string }>;
}

export async function prune(
  ctx: CommandContext,
  scope: PruneScope,
  rules: PruneRules,
  options: { dryRun: boolean; offline: boolean; dirs?: string[] },
): Promise<PruneOutcome> {
  if (options.dryRun) return pruneHolding(ctx, scope, rules, options);
  // The delete lease of every root in play is taken before the listing: two prunes never judge from two views.
  const [{ withDeleteLease }, { snapshotRoots }] = await Promise.all([import('./lease.js'), import('./storage.js')]);
  const roots = [...(await snapshotRoots(ctx)), ...(options.dirs ?? [])];
  return withDeleteLease(ctx, { roots }, 'savepoints prune', () => pruneHolding(ctx, scope, rules, options));
}

async function pruneHolding(
  ctx: CommandContext,
  scope: PruneScope,
  rules: PruneRules,
  options: { dryRun: boolean; offline: boolean; dirs?: string[] },
): Promise<PruneOutcome> {
  // Flink's REST history keeps only the newest 10 snapshots: the directories are scanned too.
  const gathered = await gatherSnapshots(ctx, {
    jobId: scope.jobId,
    jobName: scope.jobName,
    includeBroken: true,
    includeCheckpoints: false,
    dirs: options.dirs,
  });
  let protectedPaths = new Set<string>();
  const { clusterView, createDisposer } = await import('./disposer.js');
  const cluster = gathered.coordinator === 'unreachable' ? { local: false } : await clusterView(ctx);
  if (cluster.jobs === undefined) {
    if (!options.offline) {
      throw new UnreachableError(
        'Cannot see running jobs (the coordinator is unreachable), so savepoints they restored from cannot be protected; nothing was pruned.',
        {
          hint: 'Run it when the coordinator answers, or pass --offline to prune from storage alone.',
        },
      );
    }
  } else {
    protectedPaths = protectedSnapshots(cluster.jobs);
  }
  // The newest kept savepoint is fully verified first: a corrupt one must never take the place of an intact one.
  const { entries } = await pickVerified(
    gathered.entries,
    (list) => newestKept(list, scope),
    (e) => verifyFully(e, ctx),
    (e) => ctx.io.warn(`${e.path} fails full verification (${e.problem}): kept for inspection, not as the newest savepoint`),
  );
  const decisions = planPrune(entries, scope, rules, protectedPaths);
  const outcome: PruneOutcome = { decisions, disposed: [], failed: [] };
  if (options.dryRun) return outcome;
  const disposer = await createDisposer(ctx, { cluster });
  for (const decision of decisions.filter((d) => d.action === 'dispose')) {
    try {
      await disposer.dispose({ pointer: decision.entry.path, directory: decision.entry.path, bytes: decision.entry.sizeBytes, reason: decision.reason });
      outcome.disposed.push(decision);
      ctx.audit.paths.push(decision.entry.path);
    } catch (error) {
      outcome.failed.push({ decision, error: error instanceof FlinkCliError ? error.message : String(error) });
    }
  }
  return outcome;
}
