// `flink savepoints pin <path> [--reason <text>]` and `flink savepoints unpin <path>`: a pinned snapshot is never
// pruned or disposed by retention; the pin (who, when, why) is stored next to the snapshot.
import { NotFoundError, NothingToDoError, UsageError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import { emit } from '../output/export.js';
import { pinJson } from '../output/format.js';

export async function runPin(action: 'pin' | 'unpin', pointer: string, reason: string | undefined, ctx: CommandContext): Promise<void> {
  const [{ storageOf }, { currentUser }, { nextPin }] = await Promise.all([
    import('../services/storage.js'),
    import('../audit.js'),
    import('../../domain/pin.js'),
  ]);
  if (action === 'unpin' && reason !== undefined) throw new UsageError('--reason goes with pin.');
  const storage = await storageOf(ctx);
  const entry = await storage.describe(pointer);
  const dir = entry?.path ?? pointer;
  if (!entry || entry.state === 'incomplete') throw new NotFoundError(`No snapshot at ${dir} (expected a savepoint-* or chk-<n> directory with _metadata).`);
  const existing = await storage.readPin(dir);
  if (action === 'unpin' && existing === undefined) throw new NothingToDoError(`Not pinned: ${dir} (nothing to unpin).`);
  ctx.audit.paths.push(dir);
  const info = action === 'pin' ? nextPin(existing, { user: currentUser(ctx.env), reason, now: new Date() }) : undefined;
  if (info) await storage.pin(dir, info);
  else await storage.unpin(dir);
  await emit(ctx.io, {
    data: { path: dir, pinned: info !== undefined, ...(info ? { pin: pinJson(info) } : {}) },
    human: (io) => io.print(info ? `Pinned ${dir}${info.reason ? ` (${info.reason})` : ''}` : `Unpinned ${dir}`),
  });
}
