// The only module that makes HTTP calls. One place for the base URL, timeouts, extra headers, the bearer
// token, bounded retries on connection errors, and the mapping of Flink's error bodies to typed errors.
import { FlinkCliError, UnreachableError, type UnreachableReason } from '../domain/errors.js';
import { kindForStatus } from '../rest-api/errors.js';
import type { TlsSettings } from './tls/stores.js';

export interface Endpoint {
  /** e.g. http://127.0.0.1:8081 or https://flink.example:443/proxy (no trailing slash, no /v1). */
  baseUrl: string;
  headers: Record<string, string>;
  /** Per request. */
  timeoutMs: number;
  /** Extra attempts after a connection error, for requests that are safe to repeat. */
  retries: number;
  /** Trust and client certificates for https (none: Node's default CAs and NODE_EXTRA_CA_CERTS). */
  tls?: TlsSettings;
}

export const START_LOCAL_HINT =
  "Start the local coordinator with 'flink cluster start', or point the CLI at your Flink cluster with -m host:port or rest.address/rest.port.";

/** Flink's FLINK_REST_CLIENT_HEADERS: newline-separated "Name:Value" lines. */
export function parseHeaderLines(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of (text ?? '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** How to reach a REST endpoint, as plain values: the caller builds them from its configuration. */
export interface ClientOptions {
  host: string;
  port: number;
  https: boolean;
  /** A path prefix in front of /v1 (Flink's rest.path); '' for none. */
  path: string;
  /** Sent as `Authorization: Bearer <token>` (the local coordinator's coordinator.rest.token). */
  token?: string;
  /** Extra headers on every request (Flink's FLINK_REST_CLIENT_HEADERS). */
  headers?: Record<string, string>;
  /** Certificates for https (Flink's security.ssl.rest.* keys). */
  tls?: TlsSettings;
  /** How long a request waits for an answer (default 30 s). */
  timeoutMs?: number;
}

export function endpointFor(options: ClientOptions): Endpoint {
  const restPath = options.path.replace(/\/+$/, '');
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  const headers = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return {
    baseUrl: `${options.https ? 'https' : 'http'}://${hostPart}:${options.port}${restPath === '' ? '' : restPath.startsWith('/') ? restPath : `/${restPath}`}`,
    headers,
    timeoutMs: options.timeoutMs ?? 30_000,
    retries: 2,
    ...(options.https && options.tls ? { tls: options.tls } : {}),
  };
}

/** An HTTP error answered by the REST endpoint, with Flink's error text reduced to its message. */
export class RestError extends FlinkCliError {
  readonly status: number;
  readonly errors: string[];

  constructor(status: number, errors: string[], method: string, path: string) {
    super(kindForStatus(status), restErrorMessage(status, errors, method, path), {
      hint: status === 401 ? "Set the coordinator's token with -D coordinator.rest.token=<token> (or in your configuration)." : undefined,
    });
    this.status = status;
    this.errors = errors;
  }

  /** The first line of Flink's error text without the exception class prefix. */
  get detail(): string {
    return flinkErrorMessage(this.errors);
  }
}

/**
 * Flink puts the whole stringified exception in errors[0] ("org.apache...NotFoundException: Job x not
 * found\n\tat ..."), or "Internal server error." plus a server-side trace. Keep the message only.
 */
export function flinkErrorMessage(errors: readonly string[]): string {
  if (errors.length === 0) return '';
  const useful = errors[0] === 'Internal server error.' && errors.length > 1 ? (deepestCause(errors[1]) ?? errors[0]) : errors[0];
  const firstLine = useful.split('\n')[0].trim();
  return firstLine.replace(/^(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable): /, '');
}

function deepestCause(trace: string): string | undefined {
  const causes = [...trace.matchAll(/Caused by: ([^\n]+)/g)].map((m) => m[1]);
  if (causes.length > 0) return causes[causes.length - 1];
  const line = trace.split('\n').find((l) => /Exception|Error/.test(l) && !l.startsWith('<'));
  return line;
}

function restErrorMessage(status: number, errors: string[], method: string, path: string): string {
  const detail = flinkErrorMessage(errors);
  return detail === '' ? `${method} ${path} failed with HTTP ${status}` : detail;
}

export interface RequestOptions {
  body?: unknown;
  /** multipart upload instead of JSON */
  form?: FormData;
  query?: Record<string, string>;
  /** Safe to send again after a connection error (GETs; triggers that carry a client-chosen trigger id). */
  idempotent?: boolean;
  timeoutMs?: number;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
}

/** The part of a fetch Response the transport reads. */
export interface ResponseLike {
  status: number;
  ok: boolean;
  text(): Promise<string>;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<ResponseLike>;

/**
 * The transport's fetch: node:http(s) rather than the global fetch, which loads Node's bundled undici on first
 * use (most of a `flink list` call in the CPU profile) and cannot take client certificates. A multipart body
 * (a jar upload) is encoded by the Response class first. For https the endpoint's agent carries its trust and
 * client certificates, and a failed handshake becomes one line naming the cause.
 */
export function nodeHttpFetchFor(endpoint: Pick<Endpoint, 'baseUrl' | 'tls'>): FetchLike {
  return async (url, init) => {
    const target = new URL(url);
    const headers = { ...(init.headers as Record<string, string>) };
    let body: string | Buffer | undefined = init.body as string | undefined;
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      const encoded = new Response(init.body);
      body = Buffer.from(await encoded.arrayBuffer());
      headers['Content-Type'] = encoded.headers.get('content-type') ?? 'application/octet-stream';
    }
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const https = target.protocol === 'https:';
    const { request } = https ? await import('node:https') : await import('node:http');
    const tls = https ? await tlsFor(endpoint) : undefined;
    return new Promise<ResponseLike>((resolve, reject) => {
      const req = request(target, { method: init.method, headers, signal: init.signal ?? undefined, agent: tls?.connection.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status, ok: status >= 200 && status < 300, text: async () => text });
        });
      });
      req.on('error', (error) => {
        // An abort by the timeout signal surfaces as the signal's reason (a TimeoutError), as with fetch.
        if (init.signal?.aborted) return reject(init.signal.reason ?? error);
        if (!tls) return reject(error);
        tls.explain(error, tls.connection, !req.reusedSocket).then(
          (explained) => reject(explained ?? error),
          () => reject(error),
        );
      });
      req.end(body);
    });
  };
}

type TlsModule = typeof import('./tls/connect.js');

/** The TLS side of an https endpoint, loaded only for https (stores are read once per endpoint). */
async function tlsFor(
  endpoint: Pick<Endpoint, 'baseUrl' | 'tls'>,
): Promise<{ connection: ReturnType<TlsModule['tlsConnection']>; explain: TlsModule['explainTlsFailure'] }> {
  const { tlsConnection, explainTlsFailure } = await import('./tls/connect.js');
  return { connection: tlsConnection(endpoint), explain: explainTlsFailure };
}

export class HttpTransport {
  readonly endpoint: Endpoint;
  private readonly fetchImpl: FetchLike;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(endpoint: Endpoint, options: { fetch?: FetchLike; sleep?: (ms: number) => Promise<void> } = {}) {
    this.endpoint = endpoint;
    this.fetchImpl = options.fetch ?? nodeHttpFetchFor(endpoint);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** `path` is relative to /v1, e.g. "/jobs/overview". */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const url = `${this.endpoint.baseUrl}/v1${path}${query}`;
    const headers: Record<string, string> = { Accept: 'application/json', ...this.endpoint.headers };
    let body: FormData | string | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json; charset=UTF-8';
      body = JSON.stringify(options.body);
    }
    const attempts = 1 + ((options.idempotent ?? method === 'GET') ? this.endpoint.retries : 0);
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await this.sleep(100 * 3 ** (attempt - 1));
      let response: ResponseLike;
      try {
        response = await this.fetchImpl(url, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? this.endpoint.timeoutMs) });
      } catch (error) {
        if (error instanceof FlinkCliError) throw error; // a TLS failure, already one line naming its cause
        lastError = error;
        if (isRetryable(error)) continue;
        throw unreachable(this.endpoint.baseUrl, error, options.timeoutMs ?? this.endpoint.timeoutMs);
      }
      const text = await response.text();
      const parsed = parseJson(text);
      if (!response.ok) {
        const errors = isErrorBody(parsed) ? parsed.errors : text.trim() === '' ? [] : [text.trim().slice(0, 500)];
        throw new RestError(response.status, errors, method, path);
      }
      return { status: response.status, body: parsed as T };
    }
    throw unreachable(this.endpoint.baseUrl, lastError, options.timeoutMs ?? this.endpoint.timeoutMs);
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}

function isErrorBody(value: unknown): value is { errors: string[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { errors?: unknown }).errors);
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; name?: string } })?.cause;
  return cause?.code ?? (error as { code?: string })?.code;
}

function isTimeout(error: unknown): boolean {
  return (error as { name?: string })?.name === 'TimeoutError' || (error as { name?: string })?.name === 'AbortError';
}

function isRetryable(error: unknown): boolean {
  const code = causeCode(error);
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

/** What the CLI can tell about an address that did not answer is decided there (cli/services/unreachable.ts). */
function unreachable(baseUrl: string, error: unknown, timeoutMs: number): UnreachableError {
  const code = causeCode(error);
  const reason: UnreachableReason = isTimeout(error)
    ? 'no-answer'
    : code === 'ECONNREFUSED'
      ? 'refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'unknown-host'
        : 'failed';
  const why =
    reason === 'no-answer'
      ? `it accepted the connection but sent no answer within ${Math.round(timeoutMs / 1000)} s`
      : reason === 'refused'
        ? 'connection refused'
        : reason === 'unknown-host'
          ? 'unknown host'
          : (code ?? ((error as Error)?.message || 'connection failed'));
  return new UnreachableError(`Could not reach the coordinator at ${baseUrl} (${why}).`, { hint: START_LOCAL_HINT, cause: error, address: baseUrl, reason });
}
