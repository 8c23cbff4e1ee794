// Per-call cost over mutual TLS: `flink list` with Flink's security.ssl.rest.* keys (PKCS12 truststore and
// keystore made by keytool) against a loopback https server that requires a client certificate (TLS 1.2, as
// Flink's REST endpoint negotiates), vs `node -e 0` plus one curl with the same certificates (the CA as PEM,
// the same PKCS12 client store), interleaved. Goal: <= 1.5x.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { plus, summary, timeCall } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const runs = Number(process.env.BENCH_RUNS ?? 21);
const work = mkdtempSync(path.join(tmpdir(), 'flink-bench-tls-'));
const password = 'bench-store-pw';
const at = (file) => path.join(work, file);
const keytool = (args, input) =>
  execFileSync('keytool', ['-J-XX:TieredStopAtLevel=1', ...args, '-storepass', password], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });

function signed(name, cn, san) {
  keytool(['-genkeypair', '-alias', name, '-keyalg', 'RSA', '-keysize', '2048', '-dname', `CN=${cn}`, '-validity', '2', '-keystore', at(`${name}.p12`)]);
  const request = keytool(['-certreq', '-alias', name, '-keystore', at(`${name}.p12`)]);
  const cert = keytool(['-gencert', '-alias', 'ca', '-rfc', '-keystore', at('ca.p12'), ...(san ? ['-ext', `SAN=${san}`] : [])], request);
  writeFileSync(at(`${name}-chain.pem`), cert + keytool(['-exportcert', '-alias', 'ca', '-rfc', '-keystore', at('ca.p12')]));
  keytool(['-importcert', '-noprompt', '-alias', name, '-file', at(`${name}-chain.pem`), '-keystore', at(`${name}.p12`)]);
}

keytool([
  '-genkeypair',
  '-alias',
  'ca',
  '-keyalg',
  'RSA',
  '-keysize',
  '2048',
  '-dname',
  'CN=bench-ca',
  '-ext',
  'bc:c',
  '-validity',
  '2',
  '-keystore',
  at('ca.p12'),
]);
writeFileSync(at('ca.pem'), keytool(['-exportcert', '-alias', 'ca', '-rfc', '-keystore', at('ca.p12')]));
keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', at('ca.pem'), '-keystore', at('trust.p12')]);
signed('server', 'localhost', 'ip:127.0.0.1');
signed('client', 'bench-client');

// The server runs in its own process: the measurements below block this one.
const serverSource = `
const https = require('node:https'); const fs = require('node:fs');
const body = JSON.stringify({ jobs: [{ jid: 'fd72014d4c864993a2e5a9287b4a9c5d', name: 'bench', 'start-time': 1, 'end-time': -1, duration: 1, state: 'RUNNING', 'last-modification': 1, tasks: {} }] });
const server = https.createServer({ pfx: fs.readFileSync(${JSON.stringify(at('server.p12'))}), passphrase: ${JSON.stringify(password)}, ca: fs.readFileSync(${JSON.stringify(at('ca.pem'))}), requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' },
  (req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(body); });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
const server = spawn(process.execPath, ['-e', serverSource], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  server.stdout.once('data', (d) => resolve(Number(String(d).trim())));
  server.once('exit', (code) => reject(new Error(`the https server exited ${code}`)));
});

const conf = at('conf');
execFileSync('mkdir', ['-p', conf]);
writeFileSync(
  path.join(conf, 'config.yaml'),
  [
    'rest.address: 127.0.0.1',
    `rest.port: ${port}`,
    'security.ssl.rest.enabled: true',
    'security.ssl.rest.authentication-enabled: true',
    `security.ssl.rest.truststore: ${at('trust.p12')}`,
    `security.ssl.rest.truststore-password: ${password}`,
    `security.ssl.rest.keystore: ${at('client.p12')}`,
    `security.ssl.rest.keystore-password: ${password}`,
    `security.ssl.rest.key-password: ${password}`,
    '',
  ].join('\n'),
);

try {
  const opts = { cwd: work, env: { ...process.env, NO_COLOR: '1', HOME: work } };
  const curl = [
    '-sf',
    '--cacert',
    at('ca.pem'),
    '--cert-type',
    'P12',
    '--cert',
    `${at('client.p12')}:${password}`,
    `https://127.0.0.1:${port}/v1/jobs/overview`,
  ];
  const call = () => timeCall(process.execPath, [bin, '--config-dir', conf, 'list'], opts);
  call(); // warm-up: the first call of a command also writes its code cache
  const base = [];
  const ours = [];
  for (let i = 0; i < runs; i++) {
    base.push(plus(timeCall(process.execPath, ['-e', '0'], opts), timeCall('curl', curl, opts)));
    ours.push(call());
  }
  console.log(JSON.stringify({ bench: 'mutual TLS (PKCS12 stores): flink list vs node -e 0 + curl', runs, ...summary(base, ours) }));
} finally {
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
