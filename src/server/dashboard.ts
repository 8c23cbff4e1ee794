// The dashboard: its page and assets (built by `npm run build` into dist/dashboard/, served from memory,
// gzip-compressed), and its API (/dashboard/api/*), which runs the CLI's own commands (DashboardCommands) for
// the page's catalog and actions. A request that changes something must come from the page itself: JSON (so a
// cross-site form cannot send it), from the same origin, to a loopback host name unless a token guards the server.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CommandOutcome, DashboardCommands, DashboardInfo } from '../rest-api/dashboard.js';
import { isLoopback } from '../domain/net.js';
import { route, StaticFile, type RequestContext, type Route } from './http.js';
import { badRequest, HttpError, optBool, optInt, optString, optStringArray, parseHexParam } from './validation.js';

export interface DashboardOptions {
  /** The built page: index.html and its assets. */
  assetsDir: string;
  commands: DashboardCommands;
  info: () => DashboardInfo;
  /** The job module and arguments a job was started with (the local coordinator only), to restore it again. */
  program?: (jobId: string) => Promise<{ job: string; args: string[] } | undefined>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=UTF-8',
  '.js': 'text/javascript; charset=UTF-8',
  '.css': 'text/css; charset=UTF-8',
  '.svg': 'image/svg+xml',
};

/** The page's files, read once: a missing build is one clear line, not a 404 per file. */
function loadAssets(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = readFileSync(path.join(dir, name));
    files.set(name, new StaticFile(type, body, gzipSync(body, { level: 9 })));
  }
  return files;
}

/** Same-origin JSON only, to a host name the server expects (against cross-site requests and DNS rebinding). */
function checkOrigin(ctx: RequestContext, guardedByToken: boolean): void {
  const host = ctx.req.headers.host ?? '';
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (!guardedByToken && !isLoopback(hostname) && hostname !== 'localhost') {
    throw new HttpError(403, `The dashboard answers requests to a loopback address only, not to '${host}'.`);
  }
  if (ctx.req.method === 'GET') return;
  const origin = ctx.req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    throw new HttpError(403, 'Cross-origin requests to the dashboard are refused.');
  }
  if (!(ctx.req.headers['content-type'] ?? '').startsWith('application/json')) throw badRequest('The dashboard API accepts JSON bodies only.');
}

export function dashboardRoutes(options: DashboardOptions, guardedByToken: boolean): Route[] {
  const assets = loadAssets(options.assetsDir);
  const { commands } = options;
  const api = (method: string, template: string, handler: (ctx: RequestContext) => Promise<unknown>) =>
    route(method, `/dashboard/api${template}`, async (ctx) => {
      checkOrigin(ctx, guardedByToken);
      return handler(ctx);
    });
  const jobId = (ctx: RequestContext) => parseHexParam(ctx.params.jobid, 'jobid');
  const snapshotPath = async (ctx: RequestContext, type: string) => {
    const body = await ctx.body(type);
    const value = optString(body, 'path', type);
    if (!value) throw badRequest('Field path must name a snapshot.');
    return { body, path: value };
  };
  const asset = (name: string) => {
    const file = assets.get(name);
    if (!file) throw new HttpError(404, assets.size === 0 ? 'The dashboard is not built (run npm run build).' : `Not found: ${name}`);
    return file;
  };

  return [
    { ...route('GET', '/', async () => asset('index.html')), public: true },
    { ...route('GET', '/dashboard/:file', async (ctx) => asset(ctx.params.file)), public: true },
    api('GET', '/info', async () => options.info()),
    api('GET', '/catalog', () => commands.catalog()),
    api('GET', '/retention', async (ctx) => {
      const keep = Number(ctx.query.get('keep') ?? '');
      if (!Number.isInteger(keep) || keep < 1) throw badRequest('keep must be a positive integer.');
      return commands.retention(parseHexParam(ctx.query.get('job') ?? '', 'jobid'), keep);
    }),
    api('GET', '/jobs/:jobid/program', async (ctx) => (options.program ? ((await options.program(jobId(ctx))) ?? null) : null)),
    api('POST', '/jobs/:jobid/savepoint', (ctx) => commands.savepoint(jobId(ctx))),
    api('POST', '/jobs/:jobid/stop', (ctx) => commands.stop(jobId(ctx))),
    api('POST', '/snapshots/pin', async (ctx) => {
      const { body, path: p } = await snapshotPath(ctx, 'PinRequest');
      return commands.pin(p, optString(body, 'reason', 'PinRequest') || undefined);
    }),
    api('POST', '/snapshots/unpin', async (ctx) => commands.unpin((await snapshotPath(ctx, 'UnpinRequest')).path)),
    api('POST', '/snapshots/dispose-plan', async (ctx) => commands.disposePlan((await snapshotPath(ctx, 'DisposeRequest')).path)),
    api('POST', '/snapshots/dispose', async (ctx): Promise<CommandOutcome> => {
      const { body, path: p } = await snapshotPath(ctx, 'DisposeRequest');
      const force = optBool(body, 'force', 'DisposeRequest') ?? false;
      return commands.dispose(p, force ? { reason: optString(body, 'reason', 'DisposeRequest') ?? '' } : undefined);
    }),
    api('POST', '/snapshots/restore', async (ctx) => {
      const type = 'RestoreRequest';
      const { body, path: p } = await snapshotPath(ctx, type);
      const job = optString(body, 'job', type);
      if (!job) throw badRequest('Field job must name the job module or jar to run.');
      return commands.restore({
        path: p,
        job,
        args: optStringArray(body, 'args', type) ?? [],
        allowNonRestoredState: optBool(body, 'allowNonRestoredState', type) ?? false,
        parallelism: optInt(body, 'parallelism', type),
      });
    }),
  ];
}
