// The HTTP plumbing of the REST server: routes by path template, JSON bodies with a size limit, Flink's
// error bodies ({"errors": [...]}) with the status of rest-api/errors.ts, and the bearer token check.
import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { FlinkCliError } from '../domain/errors.js';
import { INTERNAL_SERVER_ERROR, statusForError } from '../rest-api/errors.js';
import { asBody, badRequest, HttpError, type Body } from './validation.js';

export type Handler = (ctx: RequestContext) => Promise<unknown>;

export interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  params: string[];
  handler: Handler;
  /** Served without the bearer token (the dashboard's page and assets: nothing secret in them). */
  public?: boolean;
}

export interface RequestContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  body(type: string): Promise<Body>;
  status(code: number): void;
}

/** A route for `template` ("/jobs/:jobid"); each ":name" matches one path segment. */
export function route(method: string, template: string, handler: Handler): Route {
  const params: string[] = [];
  const pattern = new RegExp(
    '^' +
      template.replace(/:([a-z]+)/g, (_m, name: string) => {
        params.push(name);
        return '([^/]+)';
      }) +
      '$',
  );
  return { method, template, pattern, params, handler };
}

/** A route's answer that is a file of the dashboard's page, kept in memory with its gzip form. */
export class StaticFile {
  constructor(
    readonly type: string,
    readonly body: Buffer,
    readonly gzipped: Buffer,
  ) {}
}

export function sendStatic(req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? file.gzipped : file.body;
  res.writeHead(200, {
    'Content-Type': file.type,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // The page loads its own script and style only, and talks to its own origin.
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
    ...(gzip ? { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } : { Vary: 'Accept-Encoding' }),
  });
  res.end(body);
}

/** A route's answer that is a text file (a log), sent as Flink sends logs: text/plain. */
export class TextFile {
  constructor(readonly file: string) {}
}

/** Streams a text file; a file that is gone is Flink's 404. */
export async function sendText(res: ServerResponse, file: string): Promise<void> {
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) return send(res, 404, { errors: ['This file does not exist.'] });
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': size });
  await pipeline(createReadStream(file, { end: Math.max(0, size - 1) }), res).catch(() => res.destroy());
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function drain(req: IncomingMessage): void {
  if (!req.complete) req.resume();
}

export function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The status and message of a failed request; anything untyped is an internal error. */
export function errorStatus(error: unknown): [number, string] {
  if (error instanceof HttpError) return [error.status, error.message];
  if (error instanceof FlinkCliError) {
    const status = statusForError(error);
    return [status, status === INTERNAL_SERVER_ERROR ? `${error.name}: ${error.message}` : error.message];
  }
  return [INTERNAL_SERVER_ERROR, error instanceof Error ? `${error.name}: ${error.message}` : String(error)];
}

export async function readJsonBody(req: IncomingMessage, limit: number, type: string): Promise<Body> {
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
