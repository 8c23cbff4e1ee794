// The snapshot storage facade of one command: made on first use with the configuration's storage settings
// (Flink's keys) and the tool's state dir for its cache, closed when the command is done (app.ts).
import type { SnapshotStorage } from '../../storage/index.js';
import type { CommandContext } from '../context.js';

const opened = new WeakMap<CommandContext, Promise<SnapshotStorage>>();

export function storageOf(ctx: CommandContext): Promise<SnapshotStorage> {
  let storage = opened.get(ctx);
  if (!storage) {
    storage = (async () => {
      const [config, { storageSettings }, { coordinatorStateDir }, { SnapshotStorage }, path] = await Promise.all([
        ctx.config(),
        import('../../config/storage.js'),
        import('../../config/state-dir.js'),
        import('../../storage/index.js'),
        import('node:path'),
      ]);
      return new SnapshotStorage({
        settings: storageSettings(config),
        cwd: ctx.cwd,
        cacheDir: path.join(coordinatorStateDir(config, ctx.env, ctx.cwd), 'cache'),
      });
    })();
    opened.set(ctx, storage);
  }
  return storage;
}

/** Releases the stores' connections (after the command). */
export async function closeStorage(ctx: CommandContext): Promise<void> {
  const storage = opened.get(ctx);
  opened.delete(ctx);
  (await storage?.catch(() => undefined))?.close();
}

/**
 * The snapshot roots in play: the configured savepoint, checkpoint and changelog (dstl.dfs.base-path) roots.
 * They are never disposed themselves, and a file is deleted only when no retained snapshot under any of them
 * (nor under the --dir roots a command adds) references it.
 */
export async function snapshotRoots(ctx: CommandContext): Promise<string[]> {
  const [config, { resolveSavepointTarget }] = await Promise.all([ctx.config(), import('../../config/savepoint-target.js')]);
  return [resolveSavepointTarget(config).directory, config.string('execution.checkpointing.dir'), config.string('dstl.dfs.base-path')].filter(
    (r): r is string => r !== undefined && r !== '',
  );
}
