// The local coordinator's REST server: Flink's REST API v1 paths, field names, status values and error
// bodies ({"errors": [...]}), plus FLIP-10's GET /jobs/:jobid/savepoints. Binds loopback by default;
// any other address requires a bearer token. Routes: routes.ts; HTTP plumbing: http.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigError } from '../domain/errors.js';
import { isLoopback } from '../domain/net.js';
import type { Dispatcher } from './dispatcher.js';
import { authorized, drain, errorStatus, readJsonBody, send, sendStatic, sendText, StaticFile, TextFile, type RequestContext, type Route } from './http.js';
import { dashboardRoutes, type DashboardOptions } from './dashboard.js';
import { applicationRoutes } from './application-routes.js';
import { monitorRoutes, type JobManagerFacts } from './monitor-routes.js';
import { ownerGuard } from './peer-owner.js';
import { buildRoutes } from './routes.js';
import { HttpError } from './validation.js';

export { EXTENSIONS } from './routes.js';

export interface RestServerOptions {
  dispatcher: Dispatcher;
  host?: string;
  port?: number;
  /** Required by every request when set; mandatory when binding a non-loopback address. */
  token?: string;
  /** Other users of this host may connect too (coordinator.rest.allow-other-users); by default only the owner may. */
  allowOtherUsers?: boolean;
  /** The kernel's socket table (tests point it elsewhere). */
  procNet?: string;
  maxJsonBytes?: number;
  maxUploadBytes?: number;
  log?: (line: string) => void;
  /** What GET /jobmanager/* reports: the coordinator's log file and configuration. */
  jobManager?: JobManagerFacts;
  /** The dashboard at the root URL: its built page and the CLI's commands behind its actions. */
  dashboard?: Omit<DashboardOptions, 'info' | 'program'>;
}

export interface RunningRestServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export { isLoopback };

export async function startRestServer(options: RestServerOptions): Promise<RunningRestServer> {
  const host = options.host ?? '127.0.0.1';
  const holder: { url?: string } = {};
  const dashboard = options.dashboard;
  const routes = [
    ...buildRoutes(options.dispatcher, options),
    ...monitorRoutes(options.dispatcher, options.jobManager ?? {}),
    ...applicationRoutes(options.dispatcher, options.jobManager ?? {}),
    ...(dashboard
      ? dashboardRoutes(
          {
            ...dashboard,
            info: () => ({ mode: 'coordinator', target: holder.url ?? '', toolVersion: options.dispatcher.version }),
            program: async (jobId) => {
              const program = await options.dispatcher.jobProgram(jobId);
              return { job: program.artifactPath, args: program.args };
            },
          },
          Boolean(options.token),
        )
      : []),
  ];
  const server = await listen(routes, { ...options, host });
  holder.url = server.url;
  return server;
}

export interface DashboardServerOptions {
  host?: string;
  port?: number;
  log?: (line: string) => void;
  dashboard: DashboardOptions;
  /** GET requests the dashboard's routes do not answer: the cluster's REST API, asked by the server. */
  proxy: (pathname: string, search: string) => Promise<{ status: number; body: unknown }>;
}

/** `flink ui`: the dashboard for any cluster, on loopback, its REST reads passed on to the cluster. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<RunningRestServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new ConfigError(`flink ui serves on a loopback address only, not ${host}.`);
  return listen(dashboardRoutes(options.dashboard, false), { ...options, host, fallback: options.proxy });
}

interface ListenOptions {
  host: string;
  port?: number;
  token?: string;
  allowOtherUsers?: boolean;
  procNet?: string;
  maxJsonBytes?: number;
  log?: (line: string) => void;
  fallback?: (pathname: string, search: string) => Promise<{ status: number; body: unknown }>;
}

async function listen(routes: Route[], options: ListenOptions): Promise<RunningRestServer> {
  const { host } = options;
  if (!isLoopback(host) && !options.token) {
    throw new ConfigError(`Refusing to bind ${host} without a token: set coordinator.rest.token (clients send it as a bearer token), or bind 127.0.0.1.`);
  }
  // Logging is the last resort of every error path here: it must never throw (a full disk), or an error
  // handler would fail in turn and take the process down.
  const given = options.log;
  options = {
    ...options,
    log:
      given &&
      ((line: string) => {
        try {
          given(line);
        } catch {
          /* dropped */
        }
      }),
  };
  // Each connection is judged once, from its first byte on: who is at the other end (peer-owner.ts).
  const admit = await ownerGuard({
    allowOtherUsers: options.allowOtherUsers ?? false,
    ownerUid: process.getuid?.() ?? -1,
    procNet: options.procNet,
    log: options.log,
  });
  const verdicts = new WeakMap<Socket, Promise<string | undefined>>();
  const verdictOf = (socket: Socket) => verdicts.get(socket) ?? admit(socket);
  const server = createServer((req, res) => {
    verdictOf(req.socket)
      .then((refusal) => {
        if (refusal === undefined) return handle(req, res, routes, options);
        drain(req);
        send(res, 403, { errors: [refusal] }, { Connection: 'close' });
      })
      .catch((error) => {
        // Last resort: the server never crashes on bad input.
        options.log?.(`request handling failed: ${(error as Error).message}`);
        if (!res.headersSent) send(res, 500, { errors: ['Internal server error.'] });
        else res.destroy();
      });
  });
  server.on('connection', (socket: Socket) => verdicts.set(socket, admit(socket)));
  server.requestTimeout = 10 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8081, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: Route[], options: ListenOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const pathname = url.pathname.replace(/^\/v1(?=\/)/, '').replace(/\/+$/, '') || '/';
  const matching = routes.map((route) => ({ route, match: route.pattern.exec(pathname) })).filter((m) => m.match);
  const found = matching.find((m) => m.route.method === req.method);
  if (options.token && !found?.route.public && !authorized(req, options.token)) {
    drain(req);
    return send(res, 401, { errors: ['Missing or invalid bearer token.'] }, { 'WWW-Authenticate': 'Bearer' });
  }
  if (!found) {
    drain(req);
    if (matching.length > 0) {
      // The most specific route (listed first) decides: /jobs/overview is not /jobs/:jobid.
      const template = matching[0].route.template;
      const allow = [...new Set(matching.filter((m) => m.route.template === template).map((m) => m.route.method))].join(', ');
      return send(res, 405, { errors: [`Method ${req.method} is not allowed for ${url.pathname}; allowed: ${allow}.`] }, { Allow: allow });
    }
    if (options.fallback && req.method === 'GET') {
      const answer = await options.fallback(pathname, url.search).catch((error: Error) => ({ status: 502, body: { errors: [error.message] } }));
      return send(res, answer.status, answer.body);
    }
    return send(res, 404, { errors: [`Not found: ${url.pathname}`] });
  }
  const params: Record<string, string> = {};
  found.route.params.forEach((name, i) => (params[name] = decodeURIComponent(found.match![i + 1])));
  let status = 200;
  const ctx: RequestContext = {
    req,
    params,
    query: url.searchParams,
    body: (type) => readJsonBody(req, options.maxJsonBytes ?? 1024 * 1024, type),
    status: (code) => (status = code),
  };
  try {
    const body = await found.route.handler(ctx);
    drain(req);
    if (body instanceof TextFile) return sendText(res, body.file);
    if (body instanceof StaticFile) return sendStatic(req, res, body);
    send(res, status, body ?? {});
  } catch (error) {
    drain(req);
    const [code, message] = errorStatus(error);
    if (code >= 500) options.log?.(`${req.method} ${url.pathname}: ${(error as Error).stack ?? error}`);
    send(
      res,
      code,
      { errors: code === 500 ? ['Internal server error.', `<Exception on server side:\n${message}\nEnd of exception on server side>`] : [message] },
      error instanceof HttpError ? error.headers : {},
    );
  }
}
