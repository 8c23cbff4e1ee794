// Disposal, shared by dispose, savepoint -d, savepoints prune and gc: the cluster as the disposal guard sees
// it, and one disposer that removes a planned snapshot through the cluster or through storage.
import type { FlinkApi } from '../../client/rest-client.js';
import { resolveSavepointTarget } from '../../config/savepoint-target.js';
import type { StorageSettings } from '../../config/storage.js';
import type { JobFacts } from '../../domain/disposal-guard.js';
import { FlinkCliError, OperationError } from '../../domain/errors.js';
import type { DisposalStep } from '../../storage/disposal.js';
import type { CommandContext } from '../context.js';

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
    const { gatherJobFacts } = await import('../job-facts.js');
    return { client, local, jobs: await gatherJobFacts(client) };
  } catch (error) {
    if (!(error instanceof FlinkCliError) || error.kind !== 'unreachable') throw error;
    return { local: false };
  }
}

/** The configured snapshot roots (local ones and object-store ones): never disposed themselves. */
export async function snapshotRoots(ctx: CommandContext): Promise<string[]> {
  const config = await ctx.config();
  return [resolveSavepointTarget(config).directory, config.string('execution.checkpointing.dir')].filter((r): r is string => r !== undefined && r !== '');
}

/** Object-store credentials and endpoints from the configuration (Flink's keys). */
export async function storageSettingsOf(ctx: CommandContext): Promise<StorageSettings> {
  const { storageSettings } = await import('../../config/storage.js');
  return storageSettings(await ctx.config());
}

/**
 * Removes planned snapshots: through the local coordinator when it runs (its records must know; it runs the
 * guard again with its own facts), else directly on disk after the guard ran once more right before deleting;
 * paths this machine cannot reach go to the cluster's /savepoint-disposal.
 */
export async function createDisposer(
  ctx: CommandContext,
  options: { cluster?: ClusterView; force?: boolean } = {},
): Promise<{ dispose(step: DisposalStep): Promise<void> }> {
  const cluster = options.cluster ?? (await clusterView(ctx));
  const { client, local } = cluster;
  const roots = await snapshotRoots(ctx);
  return {
    async dispose(step) {
      const { isRemote } = await import('../../storage/store-catalog.js');
      if (step.directory !== undefined && isRemote(step.directory)) {
        // On an object store this machine reaches: the guard runs once more on what it holds right now.
        const { guardRemote } = await import('../../storage/store-disposal.js');
        const { applyDisposal } = await import('../../storage/disposal.js');
        const settings = await storageSettingsOf(ctx);
        await guardRemote(step.directory, { roots, jobs: cluster.jobs ?? [], settings, force: options.force });
        await applyDisposal({ ...step, remote: true }, settings);
      } else if (step.directory === undefined || (local && client)) {
        if (!client) throw new OperationError(`Cannot dispose ${step.pointer}: it is not on this machine and no coordinator is reachable.`);
        await disposeViaCluster(ctx, client, step.directory ?? step.pointer, { force: local && Boolean(options.force) });
      } else {
        const { applyDisposal, guardLocal } = await import('../../storage/disposal.js');
        guardLocal(step.directory, { roots, cwd: ctx.cwd, jobs: cluster.jobs ?? [], force: options.force });
        await applyDisposal(step);
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
