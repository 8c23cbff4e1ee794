// What the local coordinator's owner check costs per connection (src/server/peer-owner.ts). First end to
// end: a request on a new connection to a REST server that checks, and to one that does not. Then the lookup
// alone (finding the peer's row in the kernel's socket table, /proc/net/tcp, and reading its uid) with the
// table as it is and with 2,000 and 8,000 more loopback connections open (two rows each; the closed ones of
// earlier rounds linger in TIME_WAIT and count too).
// Linux only (elsewhere there is no table to read, and the coordinator requires a token instead).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { request } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.PEER_BENCH_ROUNDS ?? 300);

if (!existsSync('/proc/net/tcp')) {
  console.log(JSON.stringify({ bench: 'owner check per connection', skipped: 'no /proc/net/tcp (not Linux)' }));
  process.exit(0);
}

mkdirSync(path.join(root, 'dist'), { recursive: true });
const bundleDir = mkdtempSync(path.join(root, 'dist', '.peer-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const rows = () => readFileSync('/proc/net/tcp', 'latin1').split('\n').length - 2;

try {
  await build({
    stdin: {
      contents: "export * from './src/server/peer-owner.ts';\nexport { startRestServer } from './src/server/rest-server.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: bundleDir,
    logLevel: 'silent',
  });
  const lib = await import(pathToFileURL(path.join(bundleDir, 'stdin.js')).href);

  // End to end: GET /config on a new connection each time (no keep-alive), owner-only vs open.
  const dispatcher = new Proxy({}, { get: () => async () => ({}) });
  for (const allowOtherUsers of [false, true]) {
    const rest = await lib.startRestServer({ dispatcher, host: '127.0.0.1', port: 0, allowOtherUsers });
    const times = [];
    for (let i = 0; i < ROUNDS; i++) {
      const start = process.hrtime.bigint();
      await new Promise((resolve, reject) =>
        request(`${rest.url}/v1/config`, { agent: false }, (res) => res.resume().on('end', resolve))
          .on('error', reject)
          .end(),
      );
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    await rest.close();
    console.log(
      JSON.stringify({
        bench: `REST request on a new connection (${allowOtherUsers ? 'allow-other-users: no check' : 'owner only'})`,
        rounds: ROUNDS,
        medianMs: +median(times).toFixed(3),
        p95Ms: +p95(times).toFixed(3),
      }),
    );
  }

  // A listener whose accepted connections are looked up as the coordinator looks them up.
  const accepted = [];
  const server = createServer((socket) => accepted.push(socket));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const idle = [];
  const open = (n) =>
    Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => idle.push(connect(port, '127.0.0.1', resolve).on('error', reject)))));

  for (const extra of [0, 2000, 8000]) {
    await open(extra);
    const times = [];
    for (let i = 0; i < ROUNDS; i++) {
      const client = connect(port, '127.0.0.1');
      await new Promise((resolve) => client.once('connect', resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const socket = accepted[accepted.length - 1];
      const start = process.hrtime.bigint();
      const uid = await lib.peerUid({ address: socket.remoteAddress, port: socket.remotePort }, { address: socket.localAddress, port: socket.localPort });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (uid !== process.getuid()) throw new Error(`peerUid found ${uid}, expected ${process.getuid()}`);
      client.destroy();
    }
    console.log(
      JSON.stringify({
        bench: 'owner check per connection (peerUid)',
        tableRows: rows(),
        rounds: ROUNDS,
        medianMs: +median(times).toFixed(3),
        p95Ms: +p95(times).toFixed(3),
      }),
    );
  }
  for (const socket of [...idle, ...accepted]) socket.destroy();
  server.close();
} finally {
  rmSync(bundleDir, { recursive: true, force: true });
}
