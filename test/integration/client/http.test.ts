// The HTTP transport and REST client against a small HTTP server on 127.0.0.1:0 that answers like Flink.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flinkErrorMessage, HttpTransport, parseHeaderLines, RestError } from '../../../src/client/http.js';
import { endpointFromConfig } from '../../../src/cli/endpoint.js';
import { FlinkRestClient } from '../../../src/client/rest-client.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { UnreachableError } from '../../../src/domain/errors.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let server: Server | undefined;

async function serve(handler: (req: Seen, res: ServerResponse) => void): Promise<{ seen: Seen[]; port: number }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { seen, port: (server!.address() as AddressInfo).port };
}

afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const transport = (port: number, extra: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}) =>
  new HttpTransport({ baseUrl: `http://127.0.0.1:${port}`, headers: {}, timeoutMs: 5000, retries: 2, ...extra }, { sleep: async () => {} });

describe('Flink error bodies', () => {
  it('keep the message of a handler error without the exception class and trace', () => {
    expect(flinkErrorMessage(['org.apache.flink.runtime.rest.NotFoundException: Job 0123 not found\n\tat org.apache...\nCaused by: x'])).toBe(
      'Job 0123 not found',
    );
    expect(flinkErrorMessage(['Not found: /v1/nope'])).toBe('Not found: /v1/nope');
  });
  it('use the deepest cause of an internal server error', () => {
    expect(
      flinkErrorMessage([
        'Internal server error.',
        '<Exception on server side:\njava.util.concurrent.CompletionException: a\nCaused by: java.lang.IllegalStateException: the real reason\n\tat x\nEnd of exception on server side>',
      ]),
    ).toBe('the real reason');
  });
});

describe('HttpTransport', () => {
  it('calls /v1 paths with JSON bodies, extra headers and the bearer token', async () => {
    const { seen, port } = await serve((_req, res) => json(res, 202, { 'request-id': 'abc' }));
    const config = resolveConfig({
      loaded: { source: 'none', files: [], entries: [], warnings: [] },
      dynamic: ['coordinator.rest.token=s3cret', `rest.port=${port}`],
    });
    const endpoint = endpointFromConfig(config, { FLINK_REST_CLIENT_HEADERS: 'X-One: 1\nX-Two:two\nbad line' });
    expect(endpoint.baseUrl).toBe(`http://127.0.0.1:${port}`);
    const client = new FlinkRestClient(new HttpTransport(endpoint));
    const id = await client.triggerSavepoint('a'.repeat(32), { 'target-directory': '/sp', formatType: 'NATIVE' });
    expect(id).toBe('abc');
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe(`/v1/jobs/${'a'.repeat(32)}/savepoints`);
    expect(seen[0].headers.authorization).toBe('Bearer s3cret');
    expect(seen[0].headers['x-one']).toBe('1');
    expect(seen[0].headers['x-two']).toBe('two');
    const body = JSON.parse(seen[0].body);
    expect(body).toMatchObject({ 'target-directory': '/sp', formatType: 'NATIVE' });
    expect(body.triggerId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("maps 404 to not-found with Flink's message, and 400 to an operation failure", async () => {
    const { port } = await serve((req, res) =>
      req.url!.includes('missing')
        ? json(res, 404, { errors: ['org.apache.flink.runtime.rest.NotFoundException: Job missing not found\n\tat x'] })
        : json(res, 400, { errors: ['Config key [execution.checkpointing.savepoint-dir] is not set. Property [target-directory] must be provided.'] }),
    );
    const http = transport(port);
    await expect(http.request('GET', '/jobs/missing')).rejects.toMatchObject({ kind: 'not-found', status: 404, message: 'Job missing not found' });
    const error = await http.request('POST', '/jobs/x/savepoints', { body: {} }).catch((e) => e as RestError);
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({ kind: 'operation-failed', status: 400 });
    expect((error as RestError).detail).toContain('Property [target-directory] must be provided');
  });

  it('401 asks for the token', async () => {
    const { port } = await serve((_req, res) => json(res, 401, { errors: ['Missing or invalid bearer token.'] }));
    await expect(transport(port).request('GET', '/overview')).rejects.toMatchObject({
      kind: 'config',
      hint: expect.stringContaining('coordinator.rest.token'),
    });
  });

  it('a refused connection is "unreachable" with the address and a hint, after bounded retries', async () => {
    const { port } = await serve(() => {});
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const error = await transport(port)
      .request('GET', '/overview')
      .catch((e) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error.message).toBe(`Could not reach the coordinator at http://127.0.0.1:${port} (connection refused).`);
    expect(error.hint).toContain('flink cluster start');
  });

  it('retries a GET after a connection reset, but not a non-idempotent POST', async () => {
    let n = 0;
    const { seen, port } = await serve((req, res) => {
      if (++n === 1) return req.method === 'GET' ? res.socket!.destroy() : res.socket!.destroy();
      json(res, 200, { ok: true });
    });
    expect((await transport(port).request('GET', '/overview')).body).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    n = 0;
    await expect(transport(port).request('POST', '/savepoint-disposal', { body: {} })).rejects.toBeInstanceOf(UnreachableError);
  });

  it('a server that does not answer in time is reported, not waited on forever', async () => {
    const { port } = await serve(() => {});
    const error = await transport(port, { timeoutMs: 200, retries: 0 })
      .request('GET', '/overview')
      .catch((e) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect(error.message).toContain('no answer within 0 s');
    server!.closeAllConnections();
  });
});

describe('FlinkRestClient', () => {
  it('detects the local coordinator and a Flink version from /config', async () => {
    let local = true;
    const { port } = await serve((_req, res) =>
      json(
        res,
        200,
        local
          ? { 'refresh-interval': 3000, 'flink-version': '0.1.0', 'flink-cli-coordinator': { version: '0.1.0', extensions: ['restorable-savepoints'] } }
          : { 'refresh-interval': 3000, 'flink-version': '1.20.1', 'flink-revision': 'abc @ 2025', features: {} },
      ),
    );
    expect(await new FlinkRestClient(transport(port)).capabilities()).toEqual({ kind: 'local', version: '0.1.0', restorableList: true });
    local = false;
    expect(await new FlinkRestClient(transport(port)).capabilities()).toEqual({
      kind: 'flink',
      version: '1.20.1',
      flinkVersion: [1, 20],
      restorableList: false,
    });
  });

  it('uploads a jar as multipart and returns the jar id; runs it with the request body', async () => {
    const { seen, port } = await serve((req, res) =>
      req.url === '/v1/jars/upload'
        ? json(res, 200, { filename: '/tmp/flink-web-upload/1234_job.jar', status: 'success' })
        : json(res, 200, { jobid: 'f'.repeat(32) }),
    );
    const client = new FlinkRestClient(transport(port));
    const jarId = await client.uploadJar(new URL(import.meta.url).pathname, { fileName: 'job.jar' });
    expect(jarId).toBe('1234_job.jar');
    expect(seen[0].headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0].body).toContain('name="jarfile"; filename="job.jar"');
    expect(await client.runJar(jarId, { programArgsList: ['a'], savepointPath: '/sp', claimMode: 'NO_CLAIM' })).toBe('f'.repeat(32));
    expect(seen[1].url).toBe('/v1/jars/1234_job.jar/run');
    expect(JSON.parse(seen[1].body)).toEqual({ programArgsList: ['a'], savepointPath: '/sp', claimMode: 'NO_CLAIM' });
  });

  it('cancel is PATCH with mode=cancel', async () => {
    const { seen, port } = await serve((_req, res) => json(res, 202, {}));
    await new FlinkRestClient(transport(port)).cancel('b'.repeat(32));
    expect([seen[0].method, seen[0].url]).toEqual(['PATCH', `/v1/jobs/${'b'.repeat(32)}?mode=cancel`]);
  });
});

describe('FLINK_REST_CLIENT_HEADERS', () => {
  it('parses Name:Value lines and skips the rest', () => {
    expect(parseHeaderLines('A: 1\r\nB:2\n:x\nnovalue\n')).toEqual({ A: '1', B: '2' });
  });
});

describe('endpoint', () => {
  it('https, IPv6 host and a path prefix', () => {
    const config = resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, jobmanager: 'https://[::1]:8443/flink/' });
    expect(endpointFromConfig(config, {}).baseUrl).toBe('https://[::1]:8443/flink');
  });
});
