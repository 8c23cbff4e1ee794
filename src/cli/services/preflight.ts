// The restore pre-flight (rules in src/domain/preflight.ts): before a job starts from a snapshot (run -s,
// restore) and before `upgrade` stops the old job, the snapshot's operators holding state are compared with the
// new job's operators, which the cluster plans from the uploaded artifact (POST /jars/:jarid/plan; the CLI never
// evaluates job code itself). State that would be dropped refuses unless -n; operators starting empty are reported.
import type { FlinkApi } from '../../client/rest-client.js';
import type { ClaimMode } from '../../rest-api/types.js';
import { comparePreflight, describeOperator, describePlanned, type SnapshotOperator } from '../../domain/preflight.js';
import { FlinkCliError, OperationError } from '../../domain/errors.js';
import { operatorIdForUid } from '../../domain/operator-id.js';
import type { SnapshotStorage } from '../../storage/index.js';
import type { CommandContext } from '../context.js';
import { storageOf } from './storage.js';

export interface PreflightRequest {
  args: string[];
  entryClass?: string;
  parallelism?: number;
  allowNonRestoredState?: boolean;
}

const list = (items: string[]) => (items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`);

/** snapshotOperators' answer for a snapshot this machine does not reach (the cluster may: its own disk, hdfs://). */
export const NOT_HERE = 'not on this machine';

/** The operators of a snapshot (ours or Flink's) on any store this machine reaches; a reason string when it cannot be read here. */
export async function snapshotOperators(pointer: string, storage: SnapshotStorage): Promise<SnapshotOperator[] | string> {
  const { hasAdapter } = await import('../../storage/index.js');
  if (!hasAdapter(pointer)) return `${pointer} is not on this machine`;
  // Not here: the cluster may still reach it (its own disk); it says whether it can, so nothing to note.
  if (!(await storage.describe(pointer).catch(() => undefined))) return NOT_HERE;
  try {
    const inspected = await storage.inspect(pointer);
    if (inspected.origin === 'flink') {
      const { operatorBytes } = await import('../../storage/flink-metadata/index.js');
      return inspected.snapshot.metadata.operators.map((op) => {
        const bytes = operatorBytes(op);
        return { id: op.id, uid: op.uid, name: op.name, bytes, hasState: bytes > 0 || op.coordinatorState !== null };
      });
    }
    const { metadata } = inspected.snapshot;
    const sizes = new Map(metadata.files.map((f) => [f.name, f.size]));
    return metadata.operators.map((op) => {
      const subtasks = (op.state as { subtasks?: Array<{ file?: string }> } | undefined)?.subtasks ?? [];
      const bytes = subtasks.reduce((n, s) => n + (s.file ? (sizes.get(s.file) ?? 0) : 0), 0);
      return { id: operatorIdForUid(op.uid), uid: op.uid, name: op.name ?? null, bytes, hasState: op.state !== undefined && op.state !== null };
    });
  } catch (error) {
    return `its _metadata cannot be read (${(error as Error).message.replace(/\.$/, '')})`;
  }
}

/**
 * Compares the snapshot at `pointer` with the plan of the uploaded artifact `jarId`. Throws (nothing started)
 * when state would be dropped without -n; notes what starts empty and what could not be checked.
 * `refusalTail` says what did not happen ("Nothing was started.").
 */
export async function preflight(
  ctx: CommandContext,
  client: FlinkApi,
  jarId: string,
  pointer: string,
  request: PreflightRequest,
  refusalTail: string,
  read?: SnapshotOperator[],
): Promise<void> {
  const { io } = ctx;
  // First whether the new job can start at all, whatever is known about the snapshot.
  const nodes = await planNewJob(client, jarId, request, refusalTail);
  const operators = read ?? (await snapshotOperators(pointer, await storageOf(ctx)));
  if (operators === NOT_HERE) return;
  if (typeof operators === 'string') {
    io.note(`Restore pre-flight skipped: ${operators}; the cluster checks the state mapping when the job starts.`);
    return;
  }
  const caps = await client.capabilities();
  const everyOperator = caps.kind === 'local';
  const report = comparePreflight(
    operators,
    nodes.map((n) => ({ id: n.id, name: n.description })),
    { everyOperator },
  );
  if (report.dropped.length > 0) {
    const what = `the state of ${report.dropped.length} operator(s) in ${pointer} that the new job does not have: ${list(report.dropped.map(describeOperator))}`;
    if (!request.allowNonRestoredState) {
      throw new OperationError(`Restoring would drop ${what}. ${refusalTail}`, {
        hint: 'Give those operators their uids again, or pass -n (--allowNonRestoredState) to drop that state.',
      });
    }
    io.warn(`Dropping (-n) ${what}.`);
  }
  if (report.startEmpty.length > 0)
    io.note(
      `${report.startEmpty.length} operator(s) of the new job are not in the snapshot and start with empty state: ${list(report.startEmpty.map(describePlanned))}.`,
    );
  if (!everyOperator) {
    const unchecked =
      report.unchecked.length > 0
        ? `${report.unchecked.length} operator(s) holding state are not among the new job's vertices and could not be checked: ${list(report.unchecked.map(describeOperator))}. `
        : '';
    io.note(
      `${unchecked}Flink's plan lists only the first operator of each chain (vertex ids), so an operator chained behind another cannot be told from a removed one; Flink checks every operator when the job starts${request.allowNonRestoredState ? '' : ' (and refuses without -n)'}.`,
    );
  }
}

/**
 * The plan of the uploaded artifact, as the cluster builds it (the job's main runs there, never here). A job
 * whose plan cannot be built cannot start either: that refuses (`refusalTail` says what did not happen), before
 * anything is stopped or started. Only a cluster that cannot be asked (unreachable, timed out) throws as it is.
 */
export async function planNewJob(
  client: FlinkApi,
  jarId: string,
  request: PreflightRequest,
  refusalTail: string,
): Promise<Array<{ id: string; description: string }>> {
  try {
    return (await client.jarPlan(jarId, { programArgsList: request.args, entryClass: request.entryClass, parallelism: request.parallelism })).plan.nodes;
  } catch (error) {
    if (!(error instanceof FlinkCliError) || error.kind === 'unreachable' || error.kind === 'timeout') throw error;
    throw new OperationError(`The new job cannot start: ${error.message.replace(/\.$/, '')}. ${refusalTail}`, { hint: error.hint, cause: error });
  }
}

/**
 * Flink cannot restore the changelog state backend's state in NO_CLAIM mode: the new job must take a full
 * snapshot first, which that backend does not support, so the job fails at its first checkpoint ("does not
 * support enforcing a full snapshot"). Refused here, before anything is submitted (`given`: the mode as given, else
 * the configured execution.state-recovery.claim-mode). A snapshot this machine cannot read is left to Flink.
 */
export async function refuseNoClaimOfChangelog(ctx: CommandContext, pointer: string, given: ClaimMode | undefined, refusalTail: string): Promise<void> {
  const mode = given ?? ((await ctx.config()).enumValue('execution.state-recovery.claim-mode') as ClaimMode | undefined) ?? 'NO_CLAIM';
  if (mode !== 'NO_CLAIM') return;
  const metadata = await flinkMetadataOf(ctx, pointer);
  const fm = await import('../../storage/flink-metadata/index.js');
  if (!metadata || !fm.usesChangelog(metadata)) return;
  throw new OperationError(
    `${pointer} holds state of the changelog state backend, which Flink cannot restore in NO_CLAIM mode${given ? '' : ' (the default)'}: the new job would fail at its first checkpoint (the backend does not support enforcing a full snapshot). ${refusalTail}`,
    { hint: 'Restore it in CLAIM mode (-claimMode claim): the new job then owns the checkpoint and its change-log files.' },
  );
}

/** Flink's decoded _metadata at a snapshot pointer, on any store; undefined when it is not Flink's or cannot be read here. */
async function flinkMetadataOf(ctx: CommandContext, pointer: string) {
  try {
    const inspected = await (await storageOf(ctx)).inspect(pointer);
    return inspected.origin === 'flink' ? inspected.snapshot.metadata : undefined;
  } catch {
    return undefined; // unreadable here: the other checks say so, and the cluster decides
  }
}

/** The newest completed checkpoint or savepoint of a running job (what its stop-with-savepoint will hold). */
export async function latestSnapshotOf(client: FlinkApi, jobId: string): Promise<string | undefined> {
  const stats = await client.checkpoints(jobId).catch(() => undefined);
  const candidates = [stats?.latest.completed, stats?.latest.savepoint].filter(
    (c): c is NonNullable<typeof c> => !!c?.external_path && !c.external_path.startsWith('<'),
  );
  return candidates.sort((a, b) => b.latest_ack_timestamp - a.latest_ack_timestamp)[0]?.external_path;
}

/**
 * The operators of a running job's newest snapshot. A checkpoint can be subsumed (and deleted) between the
 * question and the read: then the next newest is asked for, a few times.
 */
export async function runningJobOperators(
  client: FlinkApi,
  jobId: string,
  storage: SnapshotStorage,
): Promise<{ pointer: string; operators: SnapshotOperator[] } | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const pointer = await latestSnapshotOf(client, jobId);
    if (pointer === undefined) return undefined;
    const operators = await snapshotOperators(pointer, storage);
    if (typeof operators !== 'string') return { pointer, operators };
    if (operators !== NOT_HERE) return undefined; // there, but unreadable: asking again gives the same
  }
  return undefined;
}
