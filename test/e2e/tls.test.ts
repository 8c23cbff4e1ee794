// The CLI over https with Flink's security.ssl.rest.* keys, against loopback Node https servers that answer
// as a Flink JobManager does (recorded responses) and present certificates from keytool-made stores. Each
// certificate failure is one exact line with exit 4; nothing is sent to a server that was not verified.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { sharedPki, KEY_PASSWORD, STORE_PASSWORD, type Pki } from '../support/tls-stores.js';
import { emptyDir, fixture, runFlink } from './helpers.js';

const recorded = (name: string) => JSON.parse(readFileSync(fixture('rest', '1.20.5', `${name}.json`), 'utf8')).body as unknown;
const JOB_ID = (recorded('jobs-overview') as { jobs: Array<{ jid: string }> }).jobs[0].jid;

interface FakeJobManager {
  port: number;
  /** Requests that reached the HTTP layer, with the client certificate's CN. */
  requests: Array<{ url: string; client?: string }>;
  close(): Promise<void>;
}

function answer(url: string): unknown {
  if (url === '/v1/config') return recorded('config');
  if (url === '/v1/jobs/overview') return recorded('jobs-overview');
  if (url === '/v1/overview') return recorded('overview');
  return undefined;
}

/** An https server with `keystore`; with `clientCa`, it requires a client certificate signed by that CA. */
async function startJobManager(pki: Pki, options: { keystore?: string; clientCa?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<FakeJobManager> {
  const requests: FakeJobManager['requests'] = [];
  const server: Server = createServer(
    {
      pfx: readFileSync(options.keystore ?? pki.serverP12),
      passphrase: STORE_PASSWORD,
      ...(options.clientCa ? { ca: readFileSync(options.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
      maxVersion: options.maxVersion,
    },
    (req, res) => {
      const client = (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN;
      requests.push({ url: req.url ?? '', client: typeof client === 'string' ? client : undefined });
      const body = answer(req.url ?? '');
      res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body ?? { errors: ['Not found.'] }));
    },
  );
  return listen(server, requests);
}

async function listen(server: Server | HttpServer, requests: FakeJobManager['requests']): Promise<FakeJobManager> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let pki: Pki;
let caPem = '';
let mutual: FakeJobManager;
let mutualTls12: FakeJobManager;
let serverOnly: FakeJobManager;
let otherHost: FakeJobManager;
let plainHttp: FakeJobManager;

beforeAll(async () => {
  pki = await sharedPki();
  caPem = path.join(pki.dir, 'test-ca.pem');
  [mutual, mutualTls12, serverOnly, otherHost] = await Promise.all([
    startJobManager(pki, { clientCa: caPem }),
    startJobManager(pki, { clientCa: caPem, maxVersion: 'TLSv1.2' }),
    startJobManager(pki),
    startJobManager(pki, { keystore: pki.otherHostP12 }),
  ]);
  const requests: FakeJobManager['requests'] = [];
  plainHttp = await listen(
    createHttpServer((req, res) => {
      requests.push({ url: req.url ?? '' });
      res.end(JSON.stringify(answer(req.url ?? '') ?? {}));
    }),
    requests,
  );
}, 180_000);

afterAll(async () => {
  await Promise.all([mutual, mutualTls12, serverOnly, otherHost, plainHttp].map((s) => s?.close()));
});

/** A Flink conf dir: config.yaml with these lines (as Flink's CLI reads them). */
function confDir(lines: string[]): string {
  const dir = emptyDir('tls-conf-');
  writeFileSync(path.join(dir, 'config.yaml'), [...lines, ''].join('\n'));
  return dir;
}

const MUTUAL_P12 = () => [
  'security.ssl.rest.enabled: true',
  'security.ssl.rest.authentication-enabled: true',
  `security.ssl.rest.truststore: ${pki.trustP12}`,
  `security.ssl.rest.truststore-password: ${STORE_PASSWORD}`,
  `security.ssl.rest.keystore: ${pki.clientP12}`,
  `security.ssl.rest.keystore-password: ${STORE_PASSWORD}`,
  `security.ssl.rest.key-password: ${STORE_PASSWORD}`,
];

const at = (server: FakeJobManager) => ['-m', `127.0.0.1:${server.port}`];
const url = (server: FakeJobManager) => `https://127.0.0.1:${server.port}`;

/** stderr without the "Waiting for response..." line that list prints first, as Flink's CLI does. */
const errors = (stderr: string) => stderr.replace(/^Waiting for response\.\.\.\n/, '');
const firstLine = (stderr: string) => errors(stderr).split('\n')[0];

function expectNoSecrets(...outputs: string[]): void {
  for (const output of outputs) {
    expect(output).not.toContain(STORE_PASSWORD);
    expect(output).not.toContain(KEY_PASSWORD);
  }
}

describe('mutual TLS with the stores of a Flink conf dir', () => {
  it.each([
    ['PKCS12 stores (keytool)', () => MUTUAL_P12()],
    [
      'JKS stores, the client key with its own password',
      () => [
        'security.ssl.rest.enabled: true',
        'security.ssl.rest.authentication-enabled: true',
        `security.ssl.rest.truststore: ${pki.trustJks}`,
        `security.ssl.rest.truststore-password: ${STORE_PASSWORD}`,
        'security.ssl.rest.truststore-type: JKS',
        `security.ssl.rest.keystore: ${pki.clientJks}`,
        `security.ssl.rest.keystore-password: ${STORE_PASSWORD}`,
        `security.ssl.rest.key-password: ${KEY_PASSWORD}`,
        'security.ssl.rest.keystore-type: JKS',
      ],
    ],
    [
      "Flink's older shared keys (security.ssl.enabled, security.ssl.truststore, ...) and a PEM truststore",
      () => [
        'security.ssl.enabled: true',
        'security.ssl.rest.authentication-enabled: true',
        `security.ssl.truststore: ${caPem}`,
        `security.ssl.keystore: ${pki.clientP12}`,
        `security.ssl.keystore-password: ${STORE_PASSWORD}`,
        `security.ssl.key-password: ${STORE_PASSWORD}`,
      ],
    ],
  ])('%s: list works and the server saw the client certificate', async (_name, lines) => {
    const before = mutual.requests.length;
    const r = await runFlink(['--config-dir', confDir(lines()), ...at(mutual), 'list']);
    expect(errors(r.stderr)).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`${JOB_ID} : harness-counter (RUNNING)`);
    expect(mutual.requests.slice(before)).toEqual([{ url: '/v1/jobs/overview', client: 'flink-client' }]);
  });

  it('-m https://host:port turns TLS on with the stores of the conf dir; --version names the cluster', async () => {
    const conf = confDir(MUTUAL_P12().filter((l) => !l.startsWith('security.ssl.rest.enabled')));
    const list = await runFlink(['--config-dir', conf, '-m', url(mutual), 'list']);
    expect(list.exitCode).toBe(0);
    const version = await runFlink(['--config-dir', conf, '-m', url(mutualTls12), '--version']);
    expect(version.stdout).toBe(`Version: 0.1.0\nCluster: Flink 1.20.5 at ${url(mutualTls12)}\n`);
  });

  it('NODE_EXTRA_CA_CERTS is trusted when no truststore is configured', async () => {
    const r = await runFlink(['-m', url(serverOnly), 'list'], { env: { NODE_EXTRA_CA_CERTS: caPem } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(JOB_ID);
  });
});

describe('each certificate failure is one line naming the cause (exit 4), and nothing is sent', () => {
  it('no truststore: unknown CA, naming the certificate and what is trusted', async () => {
    const before = serverOnly.requests.length;
    const r = await runFlink(['--config-dir', confDir(['security.ssl.rest.enabled: true']), ...at(serverOnly), 'list']);
    expect(r.exitCode).toBe(4);
    expect(firstLine(r.stderr)).toBe(
      `Error: Could not verify the server at ${url(serverOnly)}: unknown CA (its certificate CN=localhost is issued by CN=test-ca), not trusted by Node.js's default CAs and NODE_EXTRA_CA_CERTS.`,
    );
    expect(r.stderr).toContain('Set security.ssl.rest.truststore and security.ssl.rest.truststore-password');
    expect(serverOnly.requests.length).toBe(before);
  });

  it("a truststore without the server's CA", async () => {
    const conf = confDir([
      'security.ssl.rest.enabled: true',
      `security.ssl.rest.truststore: ${pki.otherTrustP12}`,
      `security.ssl.rest.truststore-password: ${STORE_PASSWORD}`,
    ]);
    const r = await runFlink(['--config-dir', conf, ...at(serverOnly), 'list']);
    expect(r.exitCode).toBe(4);
    expect(firstLine(r.stderr)).toBe(
      `Error: Could not verify the server at ${url(serverOnly)}: unknown CA (its certificate CN=localhost is issued by CN=test-ca), not trusted by the truststore ${pki.otherTrustP12} (security.ssl.rest.truststore).`,
    );
  });

  it.each([
    ['TLS 1.3', () => mutual, 'certificate required'],
    ['TLS 1.2, as Flink negotiates it', () => mutualTls12, 'handshake failure'],
  ])('no client certificate (%s)', async (_name, server, alert) => {
    const lines = MUTUAL_P12().filter((l) => !l.startsWith('security.ssl.rest.authentication-enabled'));
    const r = await runFlink(['--config-dir', confDir(lines), ...at(server()), 'list']);
    expect(r.exitCode).toBe(4);
    expect(errors(r.stderr)).toBe(
      `Error: The server at ${url(server())} requires a client certificate (mutual TLS), and none is configured (alert: ${alert}).\n` +
        `security.ssl.rest.keystore (${pki.clientP12}) is set, but it is sent only with security.ssl.rest.authentication-enabled: true (as in Flink).\n`,
    );
  });

  it('a client certificate the server does not trust (a Node server closes without an alert; Flink sends one: test/flink/tls.test.ts)', async () => {
    const lines = MUTUAL_P12().map((l) => l.replace(pki.clientP12, pki.rogueClientP12));
    const before = mutualTls12.requests.length;
    const r = await runFlink(['--config-dir', confDir(lines), ...at(mutualTls12), 'list']);
    expect(r.exitCode).toBe(4);
    expect(firstLine(r.stderr)).toBe(
      `Error: The server at ${url(mutualTls12)} closed the connection in the TLS handshake, without an answer: it probably rejected the client certificate CN=rogue-client.`,
    );
    expect(mutualTls12.requests.length).toBe(before);
  });

  it('a wrong store password names the store and the key, never a password (not even with --debug)', async () => {
    const lines = MUTUAL_P12().map((l) => (l.startsWith('security.ssl.rest.keystore-password') ? 'security.ssl.rest.keystore-password: not-the-password' : l));
    const r = await runFlink(['--debug', '--config-dir', confDir(lines), ...at(mutual), 'list']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Error:'))).toEqual([
      `Error: Could not open the keystore ${pki.clientP12}: wrong password (security.ssl.rest.keystore-password).`,
    ]);
    expectNoSecrets(r.stdout, r.stderr);
    expect(r.stderr).not.toContain('not-the-password');
  });

  it('host name mismatch; security.ssl.verify-hostname: false accepts the name (the CA still checked)', async () => {
    const conf = confDir([
      'security.ssl.rest.enabled: true',
      `security.ssl.rest.truststore: ${pki.trustP12}`,
      `security.ssl.rest.truststore-password: ${STORE_PASSWORD}`,
    ]);
    const r = await runFlink(['--config-dir', conf, ...at(otherHost), 'list']);
    expect(r.exitCode).toBe(4);
    expect(firstLine(r.stderr)).toBe(
      `Error: Could not verify the server at ${url(otherHost)}: host name mismatch (its certificate is for DNS:flink.example.org, not 127.0.0.1).`,
    );
    const relaxed = await runFlink(['--config-dir', conf, '-D', 'security.ssl.verify-hostname=false', ...at(otherHost), 'list']);
    expect(relaxed.exitCode).toBe(0);
    const otherCa = await runFlink([
      '--config-dir',
      conf,
      '-D',
      'security.ssl.verify-hostname=false',
      '-D',
      `security.ssl.rest.truststore=${pki.otherTrustP12}`,
      ...at(otherHost),
      'list',
    ]);
    expect(otherCa.exitCode).toBe(4);
  });

  it('verification is skipped only when asked for by name, with a warning on every call', async () => {
    const r = await runFlink(['-D', 'security.ssl.rest.insecure-skip-verify=true', '-m', url(serverOnly), 'list']);
    expect(r.exitCode).toBe(0);
    expect(errors(r.stderr.replace('Waiting for response...\n', ''))).toBe(
      'Warning: TLS verification of the REST endpoint is off (security.ssl.rest.insecure-skip-verify, -D): anyone on the network path can read and change every request.\n',
    );
  });

  it('https to a plain http server', async () => {
    const r = await runFlink(['-m', `https://127.0.0.1:${plainHttp.port}`, 'list']);
    expect(r.exitCode).toBe(4);
    expect(firstLine(r.stderr)).toBe(`Error: The server at https://127.0.0.1:${plainHttp.port} does not speak TLS (it answered in plain HTTP).`);
  });
});

describe('flink doctor checks the TLS setup', () => {
  it('passes with the stores of the conf dir, naming what they hold', async () => {
    const r = await runFlink(['--config-dir', confDir(MUTUAL_P12()), ...at(mutual), 'doctor', '--json']);
    const checks = JSON.parse(r.stdout).checks as Array<{ id: string; status: string; detail: string }>;
    const tls = checks.find((c) => c.id === 'tls')!;
    expect(tls.status).toBe('pass');
    expect(tls.detail).toMatch(
      new RegExp(
        `^truststore ${pki.trustP12}: 1 trusted certificate \\(CN=test-ca\\); client certificate CN=flink-client \\(valid until .+\\) from ${pki.clientP12}$`,
      ),
    );
    expect(checks.find((c) => c.id === 'rest')).toMatchObject({ status: 'pass', detail: `Flink 1.20.5 at ${url(mutual)}` });
    expectNoSecrets(r.stdout, r.stderr);
  });

  it('fails the TLS item on a wrong password and the REST item with the handshake line', async () => {
    const lines = MUTUAL_P12().map((l) => (l.startsWith('security.ssl.rest.truststore-password') ? 'security.ssl.rest.truststore-password: nope' : l));
    const wrong = await runFlink(['--config-dir', confDir(lines), ...at(mutual), 'doctor', '--json']);
    expect(wrong.exitCode).toBe(1);
    const checks = JSON.parse(wrong.stdout).checks as Array<{ id: string; status: string; detail: string }>;
    expect(checks.find((c) => c.id === 'tls')).toMatchObject({
      status: 'fail',
      detail: `Could not open the truststore ${pki.trustP12}: wrong password (security.ssl.rest.truststore-password).`,
    });
    const untrusted = await runFlink(['--config-dir', confDir(['security.ssl.rest.enabled: true']), ...at(serverOnly), 'doctor', '--json']);
    const rest = (JSON.parse(untrusted.stdout).checks as Array<{ id: string; status: string; detail: string }>).find((c) => c.id === 'rest');
    expect(rest).toMatchObject({ status: 'fail', detail: expect.stringContaining(': unknown CA (its certificate CN=localhost is issued by CN=test-ca)') });
  });

  it('a password given with -D is ****** in the audit log of a failed savepoint', async () => {
    const log = path.join(emptyDir('audit-'), 'audit.log');
    const conf = confDir(MUTUAL_P12().filter((l) => !l.includes('password')));
    const r = await runFlink([
      '--config-dir',
      conf,
      '-D',
      `audit.log=${log}`,
      '-D',
      `security.ssl.rest.truststore-password=${STORE_PASSWORD}`,
      `-Dsecurity.ssl.rest.keystore-password=${STORE_PASSWORD}`,
      '-D',
      `security.ssl.rest.key-password=${STORE_PASSWORD}`,
      ...at(mutualTls12),
      'savepoint',
      JOB_ID,
    ]);
    expect(r.exitCode).toBe(5); // the recorded job answers nothing for its savepoint route: not found, after TLS worked
    const audit = readFileSync(log, 'utf8');
    expect(audit).toContain('security.ssl.rest.truststore-password=******');
    expectNoSecrets(audit, r.stdout, r.stderr);
  });

  it('the passwords are ****** in flink config', async () => {
    const r = await runFlink(['--config-dir', confDir(MUTUAL_P12()), 'config']);
    expect(r.stdout).toContain('security.ssl.rest.keystore-password\t******');
    expect(r.stdout).toContain('security.ssl.rest.truststore-password\t******');
    expect(r.stdout).toContain('security.ssl.rest.key-password\t******');
    expectNoSecrets(r.stdout, r.stderr);
  });
});
