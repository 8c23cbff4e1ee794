// Where the local coordinator keeps its state (jobs, artifacts, pid and log file): coordinator.dir, else
// $XDG_STATE_HOME/flink-cli, else ~/.local/state/flink-cli. Shared by the CLI and the daemon.
import os from 'node:os';
import path from 'node:path';
import { pointerToPath } from '../domain/pointers.js';
import type { ResolvedConfig } from './resolve.js';

/**
 * Where a system cannot tell local users apart (no kernel socket table), the local coordinator writes a token
 * here, readable by its owner only, and requires it; the owner's `flink` sends it to that coordinator.
 */
export const OWNER_TOKEN_FILE = 'rest.token';

export function coordinatorStateDir(config: ResolvedConfig, env: NodeJS.ProcessEnv, cwd: string): string {
  const configured = config.string('coordinator.dir');
  if (configured) return path.resolve(cwd, (pointerToPath(configured) ?? configured).replace(/^~(?=$|\/)/, env.HOME ?? os.homedir()));
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : path.join(env.HOME ?? os.homedir(), '.local', 'state');
  return path.join(base, 'flink-cli');
}
