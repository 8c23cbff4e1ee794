// Disposal, shared by dispose, savepoint -d, savepoints prune and gc: the cluster as the disposal guard sees
// it, and one disposer that removes a planned snapshot through the cluster or through storage.
import type { FlinkApi } from '../../client/rest-client.js';
import type { JobFacts } from '../../domain/disposal-guard.js';
import { FlinkCliError, OperationError } from '../../domain/errors.js';
import type { DisposalStep } from '../../storage/index.js';
import type { CommandContext } from '../context.js';
import { snapshotRoots, storageOf } from './storage.js';

/** The cluster as the guard sees it: its client, whether it is the local coordinator, and its jobs' facts. */
export interface ClusterView {
  client?: FlinkApi;
  local: boolean;
  /** Undefined when the cluster is unreachable. */
  jobs?: JobFacts[];
}

export async function clusterView(ctx: CommandContext): Promise<ClusterView> {
  try {
    const client = await ctx.client();
    const local = (await client.capabilities()).kind === 'local';
    const { gatherJobFacts } = await import('./job-facts.js');
    return { client, local, jobs: await gatherJobFacts(client) };
  } catch (error) {
    if (!(error instanceof FlinkCliError) || error.kind !== 'unreachable') throw error;
    return { local: false };
  }
}

/**
 * Removes planned snapshots: through the local coordinator when it runs (its records must know; it runs the
 * guard again with its own facts), else from storage here after the guard ran once more on what storage holds
 * right then; paths this machine cannot reach go to the cluster's /savepoint-disposal.
 */
export async function createDisposer(
  ctx: CommandContext,
  options: { cluster?: ClusterView; force?: boolean } = {},
): Promise<{ dispose(step: DisposalStep): Promise<void> }> {
  const cluster = options.cluster ?? (await clusterView(ctx));
  const { client, local } = cluster;
  const [storage, roots] = await Promise.all([storageOf(ctx), snapshotRoots(ctx)]);
  return {
    async dispose(step) {
      if (step.directory === undefined || (local && client)) {
        if (!client) throw new OperationError(`Cannot dispose ${step.pointer}: it is not on this machine and no coordinator is reachable.`);
        await disposeViaCluster(ctx, client, step.directory ?? step.pointer, { force: local && Boolean(options.force) });
      } else {
        await storage.dispose(step.directory, { roots, jobs: cluster.jobs ?? [], force: options.force });
      }
    },
  };
}

/** Flink's /savepoint-disposal, waited for; `announce` prints Flink's two notes (savepoint -d). */
export async function disposeViaCluster(
  ctx: CommandContext,
  client: FlinkApi,
  pointer: string,
  options: { force?: boolean; timeoutMs?: number; announce?: boolean } = {},
): Promise<void> {
  const { pollUntilComplete } = await import('../../client/async-operation.js');
  const { failureError } = await import('./snapshot-ops.js');
  if (options.announce) ctx.io.progress(`Disposing savepoint '${pointer}'.`);
  const triggerId = await client.disposeSavepoint(pointer, { force: Boolean(options.force) });
  if (options.announce) ctx.io.progress('Waiting for response...');
  const operation = await pollUntilComplete(() => client.disposalStatus(triggerId), {
    timeoutMs: await ctx.waitTimeoutMs(options.timeoutMs),
    what: 'Disposal',
    triggerId,
  });
  if (operation['failure-cause']) throw failureError(`Failed to dispose the savepoint '${pointer}'`, operation['failure-cause']);
}
