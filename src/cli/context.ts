// What every command receives: the IO object, the global options and the configuration, loaded once.
import type { FlinkApi } from '../client/rest-client.js';
import type { ResolvedConfig } from '../config/resolve.js';
import type { AuditNotes } from './audit.js';
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
  /** Piped tables: a first line naming the columns (--header). */
  header?: boolean;
  /** Aligned tables with units even when piped (--human). */
  human?: boolean;
}

export interface CommandContext {
  io: IO;
  env: NodeJS.ProcessEnv;
  cwd: string;
  globals: GlobalOptions;
  /** Loads and resolves the configuration on first use and prints its general warnings once. */
  config(): Promise<ResolvedConfig>;
  /** The REST client for the configured coordinator / JobManager. */
  client(): Promise<FlinkApi>;
  /** How long waiting commands wait: --timeout (parsed by options.ts parseTimeout), else client.timeout (ms). */
  waitTimeoutMs(timeoutMs?: number): Promise<number>;
  /** What the command changed (job, paths), for the audit log. */
  audit: AuditNotes;
}

export interface ContextInit {
  io: IO;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where the command came from when not from a terminal (the dashboard): recorded in the audit log. */
  via?: string;
}

export function createContext(init: ContextInit, globals: GlobalOptions): CommandContext {
  let pending: Promise<ResolvedConfig> | undefined;
  const context: CommandContext = {
    ...init,
    globals,
    audit: { paths: [] },
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
    async client() {
      const [config, { HttpTransport }, { endpointFromConfig }, { FlinkRestClient }] = await Promise.all([
        context.config(),
        import('../client/http.js'),
        import('./endpoint.js'),
        import('../client/rest-client.js'),
      ]);
      return new FlinkRestClient(new HttpTransport(endpointFromConfig(config, init.env)));
    },
    async waitTimeoutMs(timeoutMs) {
      if (timeoutMs !== undefined) return timeoutMs;
      return (await context.config()).duration('client.timeout') ?? 60_000;
    },
  };
  return context;
}
