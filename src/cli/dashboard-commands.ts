// The dashboard's actions and catalog are the CLI's own commands, run in this process with --json: the same
// guarded code paths (locks, the disposal guard, verification, retention rules), the same wording of every
// refusal, and the same audit log line (marked "via": "dashboard"). Nothing here decides anything itself; it
// only builds the argv of a command and reads back the JSON document it printed.
import type { CommandOutcome, DashboardCommands, RestoreRequest } from '../rest-api/dashboard.js';
import type { GlobalOptions } from './context.js';

export interface DashboardCommandsOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Global options every command gets (-m, --config-dir, -D ...), as argv (asked at each run). */
  globals: () => string[];
}

/** The documents a command printed (one JSON document per line); an error document is told apart. */
function outcomeOf(exitCode: number, stdout: string, stderr: string): CommandOutcome {
  let document: Record<string, unknown> | null = null;
  let error: CommandOutcome['error'] = null;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // not a document (with --json, stdout carries documents only)
    }
    if (parsed.error && typeof parsed.error === 'object') error = parsed.error as CommandOutcome['error'];
    else if (document === null) document = Object.fromEntries(Object.entries(parsed).filter(([k]) => k !== 'version'));
  }
  const notes = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Error: ') && l !== error?.hint);
  return { exitCode, document, error: exitCode === 0 ? null : error, notes };
}

export function dashboardCommands(options: DashboardCommandsOptions): DashboardCommands {
  async function run(argv: string[]): Promise<CommandOutcome> {
    const [{ runCli }, { createBufferIO }] = await Promise.all([import('./app.js'), import('./io.js')]);
    const io = createBufferIO();
    const code = await runCli([...options.globals(), '--json', ...argv], { io, env: options.env, cwd: options.cwd, via: 'dashboard' });
    return outcomeOf(code, io.stdoutText(), io.stderrText());
  }
  return {
    catalog: () => run(['savepoints']),
    retention: (jobId: string, keep: number) => run(['savepoints', 'prune', '--job', jobId, '--keep', String(keep), '--dry-run']),
    savepoint: (jobId: string) => run(['savepoint', jobId]),
    stop: (jobId: string) => run(['stop', jobId]),
    pin: (path: string, reason?: string) => run(['savepoints', 'pin', path, ...(reason ? ['--reason', reason] : [])]),
    unpin: (path: string) => run(['savepoints', 'unpin', path]),
    disposePlan: (path: string) => run(['dispose', '--dry-run', path]),
    dispose: (path: string, force?: { reason: string }) => run(['dispose', ...(force ? ['--force', '--reason', force.reason] : []), path]),
    restore: (r: RestoreRequest) =>
      run([
        'restore',
        r.path,
        '--detached',
        ...(r.allowNonRestoredState ? ['--allowNonRestoredState'] : []),
        ...(r.parallelism ? ['--parallelism', String(r.parallelism)] : []),
        r.job,
        ...r.args,
      ]),
  };
}

/** The global options that say which cluster and configuration (what `flink ui` passes on). */
export type DashboardGlobals = Pick<GlobalOptions, 'jobmanager' | 'configDir' | 'D'>;

/** The global options of an invocation as argv again, for the commands the dashboard runs. */
export function globalsArgv(globals: DashboardGlobals): string[] {
  return [
    ...(globals.configDir ? ['--config-dir', globals.configDir] : []),
    ...(globals.jobmanager ? ['-m', globals.jobmanager] : []),
    ...globals.D.flatMap((d) => ['-D', d]),
  ];
}

/**
 * `flink ui`: GETs of the cluster's REST API asked on the page's behalf, with the CLI's endpoint settings (TLS,
 * token, rest.path), so the browser talks to the loopback server only. Flink's errors pass through as they are.
 */
export function clusterProxy(options: { env: NodeJS.ProcessEnv; cwd: string; globals: DashboardGlobals }) {
  const transport = (async () => {
    const [{ createContext }, { createBufferIO }] = await Promise.all([import('./context.js'), import('./io.js')]);
    const globals: GlobalOptions = { ...options.globals, json: false, quiet: true, color: false, debug: false };
    const ctx = createContext({ io: createBufferIO(), env: options.env, cwd: options.cwd }, globals);
    const [{ HttpTransport }, { endpointFromConfig }] = await Promise.all([import('../client/http.js'), import('./endpoint.js')]);
    return new HttpTransport(endpointFromConfig(await ctx.config(), options.env));
  })();
  return {
    /** The cluster's REST base URL. */
    target: async () => (await transport).endpoint.baseUrl,
    get: async (pathname: string, search: string): Promise<{ status: number; body: unknown }> => {
      const { RestError } = await import('../client/http.js');
      try {
        const query = Object.fromEntries(new URLSearchParams(search));
        const response = await (await transport).request<unknown>('GET', pathname, { query: Object.keys(query).length ? query : undefined });
        return { status: response.status, body: response.body };
      } catch (error) {
        if (error instanceof RestError) return { status: error.status, body: { errors: error.errors } };
        throw error;
      }
    },
  };
}
