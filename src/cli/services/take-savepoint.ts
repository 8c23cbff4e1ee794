// Trigger -> wait (or reattach) -> prune: the one path of savepoint, stop, cancel -s and upgrade. Each command
// says what to send and which of Flink's notes to print; this service does the rest the same way for all.
import type { FlinkApi } from '../../client/rest-client.js';
import { FlinkCliError, OperationError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import type { TriggerRequestRecord } from './locking.js';
import { isMissingSavepointDir, missingSavepointDirError, waitForSavepoint } from './snapshot-ops.js';

export interface SavepointRun {
  jobId: string;
  /** How the operation is named in progress and timeout messages. */
  what: 'Savepoint' | 'Stop-with-savepoint' | 'Cancel-with-savepoint';
  /** The start of the message when the cluster reports a failure cause. */
  failurePrefix: string;
  timeoutMs: number;
  /** Sends the trigger (with this client-chosen trigger id when given); resolves to the id the cluster answered. */
  send(triggerId?: string): Promise<string>;
  /** A note printed right before the trigger is sent. */
  announce?: string;
  /** Return right after triggering (the caller reports the trigger id). */
  detached?: boolean;
  /** Flink's "Waiting for response..." before waiting. */
  waitingNote?: boolean;
  /**
   * Record the trigger, so that a run that did not see it finish (timeout, kill) is reattached to by the next run
   * asking the same; `target` names the directory in the note when a different request is pending.
   */
  reattach?: { request: TriggerRequestRecord; target?: string };
}

export interface SavepointDone {
  triggerId: string;
  /** Undefined for a detached run. */
  location?: string;
}

/** Triggers (or reattaches to) a savepoint of the job and waits for its location. */
export async function takeSavepoint(ctx: CommandContext, client: FlinkApi, run: SavepointRun): Promise<SavepointDone> {
  const records = run.reattach ? await import('./locking.js') : undefined;
  let triggerId = run.reattach && !run.detached ? await pendingToReattach(ctx, client, run) : undefined;
  if (!triggerId) {
    let chosen: string | undefined;
    if (records) {
      chosen = (await import('../../client/rest-client.js')).newTriggerId();
      await records.writePendingTrigger(ctx, { jobId: run.jobId, triggerId: chosen, startedAt: new Date().toISOString(), request: run.reattach!.request });
    }
    try {
      if (run.announce) ctx.io.progress(run.announce);
      triggerId = await run.send(chosen);
      if (records && triggerId !== chosen) {
        // Clusters older than Flink 1.15 choose their own trigger id.
        await records.writePendingTrigger(ctx, { jobId: run.jobId, triggerId, startedAt: new Date().toISOString(), request: run.reattach!.request });
      }
    } catch (error) {
      if (records) await records.clearPendingTrigger(ctx, run.jobId);
      if (isMissingSavepointDir(error)) throw missingSavepointDirError();
      throw error;
    }
  }
  if (run.detached) return { triggerId };
  if (run.waitingNote) ctx.io.progress('Waiting for response...');
  let location: string;
  try {
    location = await waitForSavepoint(ctx, client, run.jobId, triggerId, { what: run.what, timeoutMs: run.timeoutMs, failurePrefix: run.failurePrefix });
  } catch (error) {
    // A timeout keeps the record, so the next run reattaches; anything else is over.
    if (records && !(error instanceof FlinkCliError && error.kind === 'timeout')) await records.clearPendingTrigger(ctx, run.jobId);
    throw error;
  }
  if (records) await records.clearPendingTrigger(ctx, run.jobId);
  ctx.audit.paths.push(location);
  return { triggerId, location };
}

/** The trigger id of the same request that an earlier run triggered and did not see finish, if still in progress. */
async function pendingToReattach(ctx: CommandContext, client: FlinkApi, run: SavepointRun): Promise<string | undefined> {
  const { readPendingTrigger, pendingMismatch } = await import('./locking.js');
  const pending = await readPendingTrigger(ctx, run.jobId);
  if (!pending) return undefined;
  const status = await client.savepointStatus(run.jobId, pending.triggerId).catch(() => undefined);
  if (status?.status.id !== 'IN_PROGRESS') return undefined;
  // Only the same request is reattached to: a savepoint for another target is not what this run asked for.
  const mismatch = pendingMismatch(pending, run.jobId, run.reattach!.request);
  if (mismatch === undefined) {
    ctx.io.note(`Reattaching to savepoint ${pending.triggerId}, triggered ${pending.startedAt} by an earlier run that did not see it finish.`);
    return pending.triggerId;
  }
  const target = run.reattach!.target;
  ctx.io.note(
    `Savepoint ${pending.triggerId}, triggered ${pending.startedAt} by an earlier run, is still in progress, but ${mismatch}: triggering a new one${target ? ` in ${target}` : ''}.`,
  );
  return undefined;
}

export interface PrunedAfter {
  pruned: string[];
  pruneFailed: Array<{ path: string; error: string }>;
}

/**
 * Cron retention after a new savepoint completed: disposes this job's oldest savepoints beyond the rules, in the
 * directory the new one went to (where its predecessors are, also for a cluster's own default).
 */
export async function pruneAfterSavepoint(
  ctx: CommandContext,
  jobId: string,
  location: string,
  rules: { keep: number; maxAgeMs?: number },
  onDisposed: (path: string, reason: string) => void,
): Promise<PrunedAfter> {
  const [{ prune }, { pointerToPath }, path] = await Promise.all([import('./prune.js'), import('../../domain/pointers.js'), import('node:path')]);
  const local = pointerToPath(location);
  const dirs = local === undefined ? [] : [path.dirname(path.resolve(local))];
  const outcome = await prune(ctx, { jobId }, { keep: rules.keep, maxAgeMs: rules.maxAgeMs, now: Date.now() }, { dryRun: false, offline: false, dirs });
  for (const d of outcome.disposed) onDisposed(d.entry.path, d.reason);
  return { pruned: outcome.disposed.map((d) => d.entry.path), pruneFailed: outcome.failed.map((f) => ({ path: f.decision.entry.path, error: f.error })) };
}

/** The error of a completed savepoint whose retention could not dispose everything (the next run tries again). */
export function pruneFailure(location: string, failed: PrunedAfter['pruneFailed']): OperationError {
  return new OperationError(
    `The savepoint completed (${location}), but ${failed.length} old savepoint(s) could not be disposed: ${failed.map((f) => f.error).join('; ')}. The next run tries again.`,
  );
}
