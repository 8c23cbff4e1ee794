// Job-id completion against the local coordinator: the whole `flink __complete -- stop ''` a shell runs on
// <TAB> (process start, spec, GET /jobs/overview), with one job running. Target: under 300 ms (median).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const runs = Number(process.env.BENCH_RUNS ?? 21);
const work = mkdtempSync(path.join(tmpdir(), 'flink-completion-bench-'));
const conf = path.join(work, 'conf');
mkdirSync(conf);
writeFileSync(path.join(conf, 'config.yaml'), `rest.port: 0\ncoordinator.dir: ${path.join(work, 'state')}\nstate.savepoints.dir: ${path.join(work, 'sp')}\n`);
const env = { ...process.env, HOME: work, NO_COLOR: '1' };
const flink = (...args) => spawnSync(process.execPath, [bin, '--config-dir', conf, ...args], { cwd: work, env, encoding: 'utf8' });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const started = flink('cluster', 'start');
  if (started.status !== 0) throw new Error(`cluster start: ${started.stderr}`);
  const address = started.stdout.trim().replace(/^http:\/\//, '');
  const run = flink(
    '-m',
    address,
    'run',
    '-d',
    path.join(root, 'fixtures/jobs/counter.ts'),
    '--out',
    path.join(work, 'out'),
    '--sequence',
    '1000000',
    '--rate',
    '100',
  );
  const jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)?.[1];
  if (!jobId) throw new Error(`run: ${run.stderr}`);
  // Interleaved with a bare `node -e 0`, so a loaded machine shows as a slow baseline, not as a slow CLI.
  const times = [];
  const base = [];
  for (let i = 0; i < runs + 1; i++) {
    const nodeStart = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    if (i > 0) base.push(Number(process.hrtime.bigint() - nodeStart) / 1e6);
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, '__complete', '--', '--config-dir', conf, '-m', address, 'stop', ''], { cwd: work, env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (!r.stdout.split('\n').includes(jobId)) throw new Error(`completion did not offer ${jobId}: ${r.stdout}`);
    if (i > 0) times.push(ms); // the first run warms the file cache
  }
  const medianMs = +median(times).toFixed(1);
  console.log(
    JSON.stringify({
      bench: 'completion: job ids from the local coordinator (flink __complete -- stop <TAB>)',
      runs,
      nodeMedianMs: +median(base).toFixed(1),
      medianMs,
      overNodeMs: +median(times.map((t, i) => t - base[i])).toFixed(1),
      maxMs: +Math.max(...times).toFixed(1),
      limitMs: 300,
      ok: medianMs < 300,
    }),
  );
} finally {
  flink('cluster', 'stop');
  rmSync(work, { recursive: true, force: true });
}
