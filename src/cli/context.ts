// What every command receives: the IO object, the global options and the configuration, loaded once.
import type { ResolvedConfig } from '../config/resolve.js';
import type { IO } from './io.js';

export interface GlobalOptions {
  jobmanager?: string;
  configDir?: string;
  /** Raw -D properties. */
  D: string[];
  json: boolean;
  quiet: boolean;
  color: boolean;
  debug: boolean;
}

export interface CommandContext {
  io: IO;
  env: NodeJS.ProcessEnv;
  cwd: string;
  globals: GlobalOptions;
  /** Loads and resolves the configuration on first use and prints its general warnings once. */
  config(): Promise<ResolvedConfig>;
}

export interface ContextInit {
  io: IO;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function createContext(init: ContextInit, globals: GlobalOptions): CommandContext {
  let pending: Promise<ResolvedConfig> | undefined;
  const context: CommandContext = {
    ...init,
    globals,
    config() {
      pending ??= (async () => {
        const [{ loadConfig }, { resolveConfig }] = await Promise.all([import('../config/load.js'), import('../config/resolve.js')]);
        const loaded = await loadConfig({ configDir: globals.configDir, env: init.env, cwd: init.cwd });
        const resolved = resolveConfig({ loaded, dynamic: globals.D, jobmanager: globals.jobmanager });
        for (const warning of resolved.warnings) init.io.warn(warning);
        return resolved;
      })();
      return pending;
    },
  };
  return context;
}
