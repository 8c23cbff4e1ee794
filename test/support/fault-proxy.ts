// A fault-injecting loopback HTTP proxy in front of an object-store server (S3Mock, Azurite). Each request
// is matched against a schedule that decides, deterministically from a seed and the request's ordinal, whether
// it meets a fault, and which: the answers and breakages a real S3 or Azure endpoint (or the network in front
// of it) produces. Everything else is forwarded untouched. The proxy keeps a log, so a test can count the faults
// it injected and how many of them the client recovered from by sending the same request again.
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind =
  /** 503 answered by the proxy (S3: SlowDown; Azure: ServerBusy); nothing reaches the server. */
  | 'busy'
  /** The connection is reset after part of the request arrived; nothing reaches the server. */
  | 'reset-request'
  /** Part of the request body reaches the server, then both connections are reset (an upload cut half-way). */
  | 'reset-upload'
  /** The server answers in full (and has done the work); the client gets a part of the answer, then a reset. */
  | 'reset-response'
  /** The server answers in full; the client gets a well-framed answer whose body is cut short (a truncated page). */
  | 'truncate'
  /**
   * A batch delete (S3 DeleteObjects, an Azure blob batch) is done, and the answer says a part of its keys were
   * not deleted this time (S3: SlowDown per key; Azure: ServerBusy sub-responses). Other requests: forwarded.
   */
  | 'partial-batch';

export const FAULT_KINDS: readonly FaultKind[] = ['busy', 'reset-request', 'reset-upload', 'reset-response', 'truncate', 'partial-batch'];

/** S3 DeleteObjects (POST /<bucket>?delete) or an Azure blob batch (POST ...?comp=batch). */
export function isBatchDelete(req: { method: string; url: string }): boolean {
  return req.method === 'POST' && /[?&](delete(=|&|$)|comp=batch)/.test(req.url);
}

export interface RequestInfo {
  /** 1-based, counting every request the proxy received. */
  ordinal: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface ScheduledFault {
  kind: FaultKind;
  /** A number in [0, 1) choosing where the connection breaks or the body is cut (fraction of the bytes). */
  at: number;
}

/** Decides the fault of one request (undefined: forward it untouched). */
export type Schedule = (request: RequestInfo) => ScheduledFault | undefined;

export interface LoggedRequest extends RequestInfo {
  fault?: FaultKind;
}

/** Mulberry32: a small seeded generator, so a schedule repeats exactly from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Faults at `rate` among the requests `applies` selects, of the given kinds, drawn from `seed`: the same seed
 * and the same sequence of requests give the same faults. `limit` caps how many are injected in all.
 */
export function seededSchedule(options: {
  seed: number;
  rate: number;
  kinds?: readonly FaultKind[];
  applies?: (request: RequestInfo) => boolean;
  limit?: number;
}): Schedule {
  const random = seededRandom(options.seed);
  const kinds = options.kinds ?? FAULT_KINDS;
  let injected = 0;
  return (req) => {
    if (options.applies && !options.applies(req)) return undefined;
    const roll = random();
    const kind = kinds[Math.floor(random() * kinds.length)];
    const at = random();
    if (roll >= options.rate || injected >= (options.limit ?? Infinity)) return undefined;
    injected++;
    return { kind, at };
  };
}

/** Faults for the first `times` requests that `applies` selects (then none). */
export function scriptedSchedule(kind: FaultKind, applies: (request: RequestInfo) => boolean, times = 1, at = 0.5): Schedule {
  let left = times;
  return (req) => {
    if (left === 0 || !applies(req)) return undefined;
    left--;
    return { kind, at };
  };
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>, plus the upstream's path (Azurite's account) when it has one. */
  endpoint: string;
  readonly log: readonly LoggedRequest[];
  /** Replaces the schedule (none: forward everything). */
  schedule(next: Schedule | undefined): void;
  /** Points the proxy at another upstream (a restarted server); the proxy's own endpoint stays. */
  retarget(upstream: string): void;
  /** Called when a request arrives, before it is forwarded (e.g. to kill the server at the right moment). */
  onRequest(hook: ((request: RequestInfo) => Promise<void> | void) | undefined): void;
  /** How many faults of each kind were injected. */
  injected(): Record<FaultKind, number>;
  /** Faulted requests that the client sent again later (same method and URL): the retries that happened. */
  retried(): number;
  close(): Promise<void>;
}

/** `flavour` picks the 503 body a real service sends. */
export async function startFaultProxy(upstream: string, flavour: 's3' | 'azure'): Promise<FaultProxy> {
  let target = new URL(upstream);
  let schedule: Schedule | undefined;
  let hook: ((request: RequestInfo) => Promise<void> | void) | undefined;
  const log: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  let ordinal = 0;

  const server: Server = createServer((req, res) => {
    const info: RequestInfo = { ordinal: ++ordinal, method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    const fault = schedule?.(info);
    log.push({ ...info, fault: fault?.kind });
    void Promise.resolve(hook?.(info)).then(() => handle(req, res, fault));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 60_000;

  const handle = (req: IncomingMessage, res: ServerResponse, fault: ScheduledFault | undefined) => {
    const reset = () => {
      if (!req.socket.destroyed) req.socket.resetAndDestroy();
    };
    if (fault?.kind === 'busy') {
      req.resume();
      return answerBusy(res, flavour);
    }
    if (fault?.kind === 'reset-request' || (fault?.kind === 'reset-upload' && !hasBody(req))) {
      // Some of the request is read (never all of it when it has a body), then the connection breaks.
      const declared = Number(req.headers['content-length'] ?? 0);
      const stopAt = Math.floor(declared * fault.at);
      let seen = 0;
      if (declared === 0) return reset();
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= stopAt) reset();
      });
      return;
    }
    const sentBody: Buffer[] = [];
    if (fault?.kind === 'partial-batch') req.on('data', (chunk: Buffer) => sentBody.push(chunk));
    const upstreamReq = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        if (fault === undefined || (fault.kind === 'partial-batch' && !isBatchDelete(req as { method: string; url: string }))) {
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          answer.pipe(res);
          return;
        }
        void collect(answer).then((body) => {
          const headers = withoutLength(answer.headers);
          if (fault.kind === 'partial-batch') {
            const rewritten = partialBatch(body, Buffer.concat(sentBody).toString('utf8'), flavour, fault.at);
            res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': String(rewritten.length) });
            res.end(rewritten);
            return;
          }
          if (fault.kind === 'truncate') {
            const cut = body.subarray(0, Math.floor(body.length * fault.at));
            res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': String(cut.length) });
            res.end(cut);
            return;
          }
          // reset-response: the work is done upstream; the client sees some of the answer, then a reset.
          if (fault.at < 0.2) return reset(); // before the status line
          res.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
          res.write(body.subarray(0, Math.floor(body.length * fault.at)), () => reset());
        });
      },
    );
    upstreamReq.on('error', () => reset()); // the server is gone (killed): the client sees its connection break
    if (fault?.kind === 'reset-upload') {
      // Forward a part of the body, then cut both sides: the server sees an incomplete upload.
      const declared = Number(req.headers['content-length'] ?? 0);
      const stopAt = Math.max(1, Math.floor(declared * fault.at));
      let sent = 0;
      req.on('data', (chunk: Buffer) => {
        if (sent >= stopAt) return;
        const part = chunk.subarray(0, stopAt - sent);
        sent += part.length;
        upstreamReq.write(part);
        if (sent >= stopAt) {
          upstreamReq.destroy();
          reset();
        }
      });
      return;
    }
    req.pipe(upstreamReq);
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const upstreamPath = target.pathname.replace(/\/+$/, '');
  return {
    endpoint: `http://127.0.0.1:${port}${upstreamPath}`,
    log,
    schedule: (next) => (schedule = next),
    retarget: (next) => (target = new URL(next)),
    onRequest: (next) => (hook = next),
    injected: () => {
      const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
      for (const entry of log) if (entry.fault) counts[entry.fault]++;
      return counts;
    },
    retried: () => {
      let count = 0;
      log.forEach((entry, i) => {
        if (entry.fault && log.slice(i + 1).some((later) => later.method === entry.method && later.url === entry.url)) count++;
      });
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** The answer of a batch delete with a part of its keys (at least one) reported as not deleted, for a passing reason. */
function partialBatch(answer: Buffer, sent: string, flavour: 's3' | 'azure', at: number): Buffer {
  const text = answer.toString('utf8');
  if (flavour === 's3') {
    const keys = [...sent.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
    const failed = keys.slice(0, Math.max(1, Math.ceil(keys.length * at)));
    const errors = failed.map((k) => `<Error><Key>${k}</Key><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`).join('');
    return Buffer.from(text.replace(/<\/DeleteResult>\s*$/, `${errors}</DeleteResult>`));
  }
  const parts = text.split('HTTP/1.1 202 Accepted').length - 1;
  let left = Math.max(1, Math.ceil(parts * at));
  return Buffer.from(
    text.replace(/HTTP\/1\.1 202 Accepted/g, (accepted) => (left-- > 0 ? 'HTTP/1.1 503 The server is busy.\r\nx-ms-error-code: ServerBusy' : accepted)),
  );
}

function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0;
}

function collect(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function withoutLength(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  delete copy['content-length'];
  delete copy['transfer-encoding'];
  return copy;
}

/** What S3 and Azure send when they shed load. */
function answerBusy(res: ServerResponse, flavour: 's3' | 'azure'): void {
  if (flavour === 's3') {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>';
    res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const body =
    '\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.\nRequestId:fault-proxy\nTime:2026-01-01T00:00:00.0000000Z</Message></Error>';
  res.writeHead(503, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-ms-error-code': 'ServerBusy',
    'x-ms-request-id': 'fault-proxy',
  });
  res.end(body);
}
