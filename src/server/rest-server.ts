// The local coordinator's REST server: Flink's REST API v1 paths, field names, status values and error
// bodies ({"errors": [...]}), plus FLIP-10's GET /jobs/:jobid/savepoints. Binds loopback by default;
// any other address requires a bearer token.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AsyncOperationResult, DashboardConfig, JarRunRequest, SerializedFailure } from '../rest-api/types.js';
import { ConfigError, FlinkCliError } from '../domain/errors.js';
import { INTERNAL_SERVER_ERROR, statusForError } from '../rest-api/errors.js';
import { isLoopback } from '../domain/net.js';
import type { Dispatcher } from './dispatcher.js';
import { checkpointStatisticsView, checkpointingStatisticsView, flinkLocation, restorableSnapshotView } from './locations.js';
import { OperationCache, type OperationState } from './operations.js';
import {
  asBody, badRequest, HttpError, localPathField, optBool, optEnum, optHexId, optInt, optString, optStringArray, parseHexParam, type Body,
} from './validation.js';

export interface RestServerOptions {
  dispatcher: Dispatcher;
  host?: string;
  port?: number;
  /** Required by every request when set; mandatory when binding a non-loopback address. */
  token?: string;
  maxJsonBytes?: number;
  maxUploadBytes?: number;
  log?: (line: string) => void;
}

export interface RunningRestServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export const EXTENSIONS = ['restorable-savepoints', 'periodic-savepoints', 'persistent-checkpoints'];

type Handler = (ctx: RequestContext) => Promise<unknown>;
interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  params: string[];
  handler: Handler;
}
interface RequestContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  body(type: string): Promise<Body>;
  status(code: number): void;
}

export { isLoopback };

export async function startRestServer(options: RestServerOptions): Promise<RunningRestServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.token) {
    throw new ConfigError(`Refusing to bind ${host} without a token: set coordinator.rest.token (clients send it as a bearer token), or bind 127.0.0.1.`);
  }
  // Logging is the last resort of every error path here: it must never throw (a full disk), or an error
  // handler would fail in turn and take the process down.
  const given = options.log;
  options = { ...options, log: given && ((line: string) => { try { given(line); } catch { /* dropped */ } }) };
  const routes = buildRoutes(options.dispatcher, options);
  const server = createServer((req, res) => {
    handle(req, res, routes, options).catch((error) => {
      // Last resort: the server never crashes on bad input.
      options.log?.(`request handling failed: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, { errors: ['Internal server error.'] });
      else res.destroy();
    });
  });
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

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: Route[], options: RestServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (options.token && !authorized(req, options.token)) {
    drain(req);
    return send(res, 401, { errors: ['Missing or invalid bearer token.'] }, { 'WWW-Authenticate': 'Bearer' });
  }
  const pathname = url.pathname.replace(/^\/v1(?=\/)/, '').replace(/\/+$/, '') || '/';
  const matching = routes.map((route) => ({ route, match: route.pattern.exec(pathname) })).filter((m) => m.match);
  const found = matching.find((m) => m.route.method === req.method);
  if (!found) {
    drain(req);
    if (matching.length > 0) {
      // The most specific route (listed first) decides: /jobs/overview is not /jobs/:jobid.
      const template = matching[0].route.template;
      const allow = [...new Set(matching.filter((m) => m.route.template === template).map((m) => m.route.method))].join(', ');
      return send(res, 405, { errors: [`Method ${req.method} is not allowed for ${url.pathname}; allowed: ${allow}.`] }, { Allow: allow });
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
    send(res, status, body ?? {});
  } catch (error) {
    drain(req);
    const [code, message] = errorStatus(error);
    if (code >= 500) options.log?.(`${req.method} ${url.pathname}: ${(error as Error).stack ?? error}`);
    send(res, code, { errors: code === 500 ? ['Internal server error.', `<Exception on server side:\n${message}\nEnd of exception on server side>`] : [message] }, error instanceof HttpError ? error.headers : {});
  }
}

function drain(req: IncomingMessage): void {
  if (!req.complete) req.resume();
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function errorStatus(error: unknown): [number, string] {
  if (error instanceof HttpError) return [error.status, error.message];
  if (error instanceof FlinkCliError) {
    const status = statusForError(error);
    return [status, status === INTERNAL_SERVER_ERROR ? `${error.name}: ${error.message}` : error.message];
  }
  return [INTERNAL_SERVER_ERROR, error instanceof Error ? `${error.name}: ${error.message}` : String(error)];
}

async function readJsonBody(req: IncomingMessage, limit: number, type: string): Promise<Body> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `Request body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `Request body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(`Request did not match expected format ${type}.`);
  }
  return asBody(value, type);
}

/** A failed operation as Flink's SerializedThrowable, which clients read for the cause. */
function failure(error: Error): SerializedFailure {
  const name = error instanceof FlinkCliError ? error.name : error.name || 'Error';
  return { class: name, 'stack-trace': `${name}: ${error.message}` };
}

function asyncResult<T>(state: OperationState<T> | undefined, success: (value: T) => object, failed: (error: Error) => object): AsyncOperationResult<object> {
  if (!state || state.status === 'IN_PROGRESS') return { status: { id: 'IN_PROGRESS' }, operation: null };
  return { status: { id: 'COMPLETED' }, operation: state.status === 'COMPLETED' ? success(state.value) : failed(state.error) };
}

function route(method: string, template: string, handler: Handler): Route {
  const params: string[] = [];
  const pattern = new RegExp(
    '^' + template.replace(/:([a-z]+)/g, (_m, name: string) => {
      params.push(name);
      return '([^/]+)';
    }) + '$',
  );
  return { method, template, pattern, params, handler };
}

function buildRoutes(dispatcher: Dispatcher, options: RestServerOptions): Route[] {
  const operations = new OperationCache();
  const jobId = (ctx: RequestContext) => parseHexParam(ctx.params.jobid, 'jobid');
  const triggerIdParam = (ctx: RequestContext) => parseHexParam(ctx.params.triggerid, 'triggerid');
  const newTrigger = () => randomBytes(16).toString('hex');
  const directoryOrDefault = (value: string | undefined, field: string): string | undefined => {
    if (value !== undefined && value !== '') return localPathField(value, field);
    if (dispatcher.defaultSavepointDirectory() === undefined) {
      throw badRequest(`Config key [execution.checkpointing.savepoint-dir] is not set. Property [${field}] must be provided.`);
    }
    return undefined;
  };

  return [
    route('GET', '/config', async (): Promise<DashboardConfig> => ({
      'refresh-interval': 3000,
      'timezone-name': Intl.DateTimeFormat().resolvedOptions().timeZone,
      'timezone-offset': -new Date().getTimezoneOffset() * 60_000,
      'flink-version': dispatcher.version,
      'flink-revision': `flink-cli local coordinator ${dispatcher.version}`,
      features: { 'web-submit': true, 'web-cancel': true, 'web-rescale': false, 'web-history': false },
      'flink-cli-coordinator': { version: dispatcher.version, extensions: EXTENSIONS, pid: process.pid },
    })),
    route('GET', '/overview', () => dispatcher.overview()),
    route('GET', '/jobs', async () => ({ jobs: (await dispatcher.jobs()).map((j) => ({ id: j.jid, status: j.state })) })),
    route('GET', '/jobs/overview', async () => ({ jobs: await dispatcher.jobs() })),
    route('GET', '/jobs/:jobid', (ctx) => dispatcher.job(jobId(ctx))),
    route('PATCH', '/jobs/:jobid', async (ctx) => {
      const id = jobId(ctx);
      const mode = (ctx.query.get('mode') ?? 'cancel').toLowerCase();
      if (mode === 'stop') {
        throw new HttpError(308, 'The termination mode "stop" has been removed. For an ungraceful shutdown, please use "cancel" instead. For a graceful shutdown, please use "jobs/:jobId/stop" instead.');
      }
      if (mode !== 'cancel') throw badRequest(`Bad request, could not parse parameters: unknown termination mode '${mode}'.`);
      await dispatcher.cancel(id);
      ctx.status(202);
      return {};
    }),
    route('GET', '/jobs/:jobid/status', async (ctx) => ({ status: (await dispatcher.job(jobId(ctx))).state })),
    route('GET', '/jobs/:jobid/exceptions', (ctx) => {
      const id = jobId(ctx);
      const max = ctx.query.get('maxExceptions');
      if (max !== null && !/^\d+$/.test(max)) throw badRequest(`Bad request, could not parse parameters: maxExceptions '${max}' is not a non-negative integer.`);
      return dispatcher.exceptions(id, max === null ? undefined : Number(max));
    }),
    route('GET', '/jobs/:jobid/checkpoints', async (ctx) => checkpointingStatisticsView(await dispatcher.checkpointStatistics(jobId(ctx)))),
    route('GET', '/jobs/:jobid/checkpoints/config', (ctx) => dispatcher.checkpointConfig(jobId(ctx))),
    route('GET', '/jobs/:jobid/checkpoints/details/:checkpointid', (ctx) => {
      const id = jobId(ctx);
      if (!/^\d+$/.test(ctx.params.checkpointid)) throw badRequest(`Bad request, could not parse parameters: checkpoint id '${ctx.params.checkpointid}' is not a number.`);
      return dispatcher.checkpointDetails(id, Number(ctx.params.checkpointid)).then(checkpointStatisticsView);
    }),
    route('POST', '/jobs/:jobid/checkpoints', async (ctx) => {
      const id = jobId(ctx);
      const body = await ctx.body('CheckpointTriggerRequestBody');
      const type = optEnum(body, 'checkpointType', ['CONFIGURED', 'FULL', 'INCREMENTAL'] as const, 'CheckpointTriggerRequestBody') ?? 'CONFIGURED';
      if (type === 'INCREMENTAL') throw badRequest('Triggering an incremental checkpoint explicitly is not supported (as in Flink, FLINK-33723).');
      const trigger = optHexId(body, 'triggerId', 'CheckpointTriggerRequestBody') ?? newTrigger();
      await dispatcher.job(id);
      operations.start(`checkpoint:${id}:${trigger}`, () => dispatcher.checkpoint(id, type === 'FULL'));
      ctx.status(202);
      return { 'request-id': trigger };
    }),
    route('GET', '/jobs/:jobid/checkpoints/:triggerid', async (ctx) => {
      const id = jobId(ctx);
      const trigger = triggerIdParam(ctx);
      const state = operations.get<number>(`checkpoint:${id}:${trigger}`);
      if (!state) throw new HttpError(404, `There is no checkpoint operation with triggerId=${trigger} for job ${id}.`);
      return asyncResult(state, (checkpointId) => ({ checkpointId }), (error) => ({ failureCause: failure(error) }));
    }),
    route('POST', '/jobs/:jobid/savepoints', async (ctx) => {
      const id = jobId(ctx);
      const type = 'SavepointTriggerRequestBody';
      const body = await ctx.body(type);
      const targetDirectory = directoryOrDefault(optString(body, 'target-directory', type), 'target-directory');
      const cancelJob = optBool(body, 'cancel-job', type) ?? false;
      const format = optEnum(body, 'formatType', ['CANONICAL', 'NATIVE'] as const, type) ?? 'CANONICAL';
      const trigger = optHexId(body, 'triggerId', type) ?? newTrigger();
      // Flink acknowledges triggers for unknown jobs and reports the failure through the status; it is the
      // same to clients, and an unknown job fails the operation below.
      operations.start(`savepoint:${id}:${trigger}`, () => dispatcher.savepoint(id, { targetDirectory, cancelJob, format }));
      ctx.status(202);
      return { 'request-id': trigger };
    }),
    route('GET', '/jobs/:jobid/savepoints', async (ctx) => {
      const id = jobId(ctx);
      return { jobid: id, savepoints: (await dispatcher.restorableSnapshots(id)).map(restorableSnapshotView) };
    }),
    route('GET', '/jobs/:jobid/savepoints/:triggerid', async (ctx) => {
      const id = jobId(ctx);
      const trigger = triggerIdParam(ctx);
      const state = operations.get<string>(`savepoint:${id}:${trigger}`);
      if (!state) throw new HttpError(404, `There is no savepoint operation with triggerId=${trigger} for job ${id}.`);
      return asyncResult(state, (location) => ({ location: flinkLocation(location) }), (error) => ({ 'failure-cause': failure(error) }));
    }),
    route('POST', '/jobs/:jobid/stop', async (ctx) => {
      const id = jobId(ctx);
      const type = 'StopWithSavepointRequestBody';
      const body = await ctx.body(type);
      const targetDirectory = directoryOrDefault(optString(body, 'targetDirectory', type), 'targetDirectory');
      const drain = optBool(body, 'drain', type) ?? false;
      const format = optEnum(body, 'formatType', ['CANONICAL', 'NATIVE'] as const, type) ?? 'CANONICAL';
      const trigger = optHexId(body, 'triggerId', type) ?? newTrigger();
      operations.start(`savepoint:${id}:${trigger}`, () => dispatcher.stopWithSavepoint(id, { targetDirectory, drain, format }));
      ctx.status(202);
      return { 'request-id': trigger };
    }),
    route('POST', '/savepoint-disposal', async (ctx) => {
      const body = await ctx.body('SavepointDisposalRequest');
      const raw = optString(body, 'savepoint-path', 'SavepointDisposalRequest');
      if (raw === undefined) throw badRequest('Field savepoint-path must not be omitted or be null.');
      const pointer = localPathField(raw, 'savepoint-path');
      // Our extension: the CLI's `dispose --force` (pins and incomplete leftovers only; never a running job's snapshot).
      const force = optBool(body, 'force', 'SavepointDisposalRequest') ?? false;
      const trigger = newTrigger();
      operations.start(`disposal:${trigger}`, () => dispatcher.disposeSavepoint(pointer, { force }));
      return { 'request-id': trigger };
    }),
    route('GET', '/savepoint-disposal/:triggerid', async (ctx) => {
      const trigger = triggerIdParam(ctx);
      const state = operations.get<void>(`disposal:${trigger}`);
      if (!state) throw new HttpError(404, `Operation not found under key: ${trigger}`);
      return asyncResult(state, () => ({}), (error) => ({ 'failure-cause': failure(error) }));
    }),
    route('POST', '/jars/upload', async (ctx) => {
      const artifact = await receiveUpload(ctx.req, dispatcher, options.maxUploadBytes ?? 64 * 1024 * 1024);
      return { filename: artifact.path, status: 'success' };
    }),
    route('GET', '/jars', async (ctx) => ({
      address: `http://${ctx.req.headers.host ?? 'localhost'}`,
      files: (await dispatcher.artifacts()).map((a) => ({ id: a.id, name: a.name, uploaded: a.uploaded, entry: a.entry.map((name) => ({ name, description: null })) })),
    })),
    route('DELETE', '/jars/:jarid', async (ctx) => {
      await dispatcher.deleteArtifact(artifactId(ctx.params.jarid));
      return {};
    }),
    route('POST', '/jars/:jarid/plan', async (ctx) => {
      const type = 'JarPlanRequestBody';
      const body = await ctx.body(type);
      return dispatcher.planArtifact(artifactId(ctx.params.jarid), {
        entryClass: optString(body, 'entryClass', type), programArgsList: optStringArray(body, 'programArgsList', type),
        parallelism: optInt(body, 'parallelism', type), jobId: optHexId(body, 'jobId', type),
      });
    }),
    route('POST', '/jars/:jarid/run', async (ctx) => {
      const id = artifactId(ctx.params.jarid);
      const type = 'JarRunRequestBody';
      const body = await ctx.body(type);
      const claim = (field: string) => optEnum(body, field, ['CLAIM', 'NO_CLAIM', 'LEGACY'] as const, type);
      const savepointPath = optString(body, 'savepointPath', type) ?? ctx.query.get('savepointPath') ?? undefined;
      const request: JarRunRequest = {
        entryClass: optString(body, 'entryClass', type),
        programArgsList: optStringArray(body, 'programArgsList', type),
        parallelism: optInt(body, 'parallelism', type),
        jobId: optHexId(body, 'jobId', type),
        savepointPath: savepointPath === undefined || savepointPath === '' ? undefined : localPathField(savepointPath, 'savepointPath'),
        allowNonRestoredState: optBool(body, 'allowNonRestoredState', type),
        claimMode: claim('claimMode') ?? claim('restoreMode'),
      };
      return { jobid: await dispatcher.runArtifact(id, request) };
    }),
  ];
}

function artifactId(value: string): string {
  if (!/^[\w.-]+$/.test(value) || value.includes('..')) throw badRequest(`Bad request, could not parse parameters: invalid jar id '${value}'.`);
  return value;
}

async function receiveUpload(req: IncomingMessage, dispatcher: Dispatcher, limit: number) {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) throw badRequest('Only multipart/form-data uploads are accepted.');
  if (Number(req.headers['content-length'] ?? 0) > limit + 64 * 1024) throw new HttpError(413, `Upload is larger than ${limit} bytes.`);
  const { default: Busboy } = await import('busboy');
  return new Promise<Awaited<ReturnType<Dispatcher['uploadArtifact']>>>((resolve, reject) => {
    let files = 0;
    let pending: Promise<Awaited<ReturnType<Dispatcher['uploadArtifact']>>> | undefined;
    let failed: Error | undefined;
    const busboy = Busboy({ headers: req.headers, limits: { fileSize: limit, files: 2, fields: 4 } });
    busboy.on('file', (_field, stream, info) => {
      files++;
      if (files > 1) {
        stream.resume();
        return;
      }
      if (!/\.(jar|js|mjs|cjs|ts)$/i.test(info.filename ?? '') || /[\\/]/.test(info.filename ?? '')) {
        failed = badRequest('Only job modules (.js, .mjs, .cjs, .ts) and jar files are allowed.');
        stream.resume();
        return;
      }
      stream.on('limit', () => {
        failed = new HttpError(413, `Upload is larger than ${limit} bytes.`);
      });
      pending = dispatcher.uploadArtifact(info.filename, stream);
      pending.catch(() => {});
    });
    busboy.on('error', (error) => reject(badRequest(`Malformed multipart upload: ${(error as Error).message}`)));
    busboy.on('close', () => {
      if (files !== 1 || (!pending && !failed)) return reject(failed ?? badRequest(`Exactly 1 file must be sent, received ${files}.`));
      if (!pending) return reject(failed);
      pending.then(
        // A truncated upload (over the limit) is removed again, never kept.
        (artifact) => (failed ? dispatcher.deleteArtifact(artifact.id).finally(() => reject(failed)) : resolve(artifact)),
        (error) => reject(failed ?? error),
      );
    });
    req.pipe(busboy);
  });
}
