// The store leases of one command (storage/lease.ts): every deleting command holds the delete lease of the
// snapshot roots it deletes under, a restore holds a restore lease naming its snapshot until the job has
// started from it. Released when the command ends and on Ctrl-C / SIGTERM. Where a store cannot create only
// if absent, a local lock stands in (same host only), with a warning.
import { isAbandoned, leaseDuration } from '../../domain/lease.js';
import { isProcessAlive } from './pid.js';
import { processHolder, type HeldLease, type LeaseHolder, type LeaseOptions } from '../../storage/index.js';
import type { CommandContext } from '../context.js';
import { storageOf } from './storage.js';

async function leaseSetup(ctx: CommandContext, command: string): Promise<{ holder: LeaseHolder; options: LeaseOptions }> {
  const config = await ctx.config();
  const holder = processHolder(command);
  return {
    holder,
    options: {
      durationMs: leaseDuration(config.duration('savepoints.lease-duration')),
      note: (line) => ctx.io.note(line),
      warn: (line) => ctx.io.warn(line),
      abandoned: (lease) => isAbandoned(lease, holder.host, isProcessAlive),
    },
  };
}

/** Runs `fn` holding the delete lease of every root (snapshot roots, or the roots of snapshot pointers). */
export async function withDeleteLease<T>(
  ctx: CommandContext,
  where: { roots?: readonly string[]; pointers?: readonly string[] },
  command: string,
  fn: () => Promise<T>,
): Promise<T> {
  const [storage, { hasAdapter }] = await Promise.all([storageOf(ctx), import('../../storage/index.js')]);
  // Locations only the cluster reaches (e.g. hdfs://) are left to it.
  const reachable = (list: readonly string[] | undefined) => (list ?? []).filter((p) => hasAdapter(p));
  const roots = [...reachable(where.roots), ...(await storage.rootsOf(reachable(where.pointers)))];
  if (roots.length === 0) return fn();
  const { holder, options } = await leaseSetup(ctx, command);
  const held = await storage.leaseRootsForDelete(roots, holder, options);
  if (held === undefined) return localFallback(ctx, roots, fn);
  return holding(held, fn);
}

/**
 * Runs `fn` (the submission) holding a restore lease naming the snapshot; refused while it is being disposed.
 * Nothing there: `fn` runs and reports it as without a lease, unless the snapshot was `picked` (restore latest
 * found it a moment ago): then it was disposed meanwhile, and the caller picks again.
 */
export async function withRestoreLease<T>(
  ctx: CommandContext,
  pointer: string,
  command: string,
  fn: () => Promise<T>,
  how: { picked?: boolean } = {},
): Promise<T> {
  const [storage, { hasAdapter }] = await Promise.all([storageOf(ctx), import('../../storage/index.js')]);
  if (!hasAdapter(pointer)) return fn(); // only the cluster reaches it (e.g. hdfs://): its own rules apply
  const { holder, options } = await leaseSetup(ctx, command);
  const held = await storage.leaseForRestore(pointer, holder, options);
  if (held === 'absent' && how.picked) {
    const { SnapshotDisposedError } = await import('../../domain/errors.js');
    throw new SnapshotDisposedError('not-found', `Cannot restore from ${pointer}: it was disposed meanwhile; nothing was started.`);
  }
  if (held === 'absent') return fn();
  if (held === 'unsupported') return localFallback(ctx, await storage.rootsOf([pointer]), fn);
  return holding([held], fn);
}

async function holding<T>(held: readonly HeldLease[], fn: () => Promise<T>): Promise<T> {
  const { onInterruptRelease } = await import('../interrupt.js');
  const release = () => Promise.all(held.map((h) => h.release())).then(() => undefined);
  const unregister = onInterruptRelease(release);
  try {
    return await fn();
  } finally {
    unregister();
    await release();
  }
}

/** A store without conditional writes: a lock in this machine's state dir per root (it does not reach other hosts). */
async function localFallback<T>(ctx: CommandContext, roots: readonly string[], fn: () => Promise<T>): Promise<T> {
  const [{ withJobLock }, { createHash }] = await Promise.all([import('./locking.js'), import('node:crypto')]);
  ctx.io.warn(`${roots.join(', ')}: this store cannot create an object only if it is absent, so no lease is kept in it; a local lock guards this host only.`);
  const run = roots.reduceRight<() => Promise<T>>(
    (inner, root) => () =>
      withJobLock(ctx, `root-${createHash('sha256').update(root).digest('hex').slice(0, 16)}`, inner, {
        what: `the local lock of ${root}`,
        refused: 'nothing was done',
      }),
    fn,
  );
  return run();
}
