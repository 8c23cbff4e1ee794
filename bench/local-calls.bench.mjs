// Per-call cost against a reachable local coordinator: `flink list`, `savepoints <job>`, `savepoint -detached`
// vs `node -e 0` plus one curl of the same endpoint, interleaved (median of the pairs' ratios, wall and CPU).
// Goal: <= 1.5x. BENCH_BASELINE=<another checkout, built> also times that checkout's bin/flink in the same
// pairs (before/after a change, in one run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { plus, summary, timeCall } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const baselineBin = process.env.BENCH_BASELINE ? path.join(path.resolve(process.env.BENCH_BASELINE), 'bin', 'flink') : undefined;
const runs = Number(process.env.BENCH_RUNS ?? 21);
const work = mkdtempSync(path.join(tmpdir(), 'flink-bench-local-'));
const conf = path.join(work, 'conf');
const env = { ...process.env, NO_COLOR: '1', HOME: work };
const flink = (args) => spawnSync(process.execPath, [bin, '--config-dir', conf, ...args], { cwd: work, env, encoding: 'utf8' });

spawnSync('mkdir', ['-p', conf]);
writeFileSync(
  path.join(conf, 'config.yaml'),
  [`coordinator.dir: ${path.join(work, 'state')}`, `state.savepoints.dir: ${path.join(work, 'sp')}`, 'rest.port: 0', ''].join('\n'),
);
const started = flink(['cluster', 'start']);
if (started.status !== 0) throw new Error(`cluster start: ${started.stderr}`);
const url = started.stdout.trim();
const address = url.replace(/^http:\/\//, '');
try {
  // A job that runs for the whole benchmark, with a few savepoints for `savepoints` to list and verify.
  const run = flink([
    '-m',
    address,
    'run',
    '-d',
    path.join(root, 'fixtures/jobs/counter.ts'),
    '--out',
    path.join(work, 'out'),
    '--rate',
    '10',
    '--sequence',
    '100000000',
  ]);
  const jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)?.[1];
  if (!jobId) throw new Error(`run: ${run.stderr}`);
  for (let i = 0; i < 3; i++) {
    const taken = flink(['-m', address, 'savepoint', jobId]);
    if (taken.status !== 0) throw new Error(`savepoint: ${taken.stderr}`);
  }
  const cases = [
    ['list', ['list'], ['-sf', `${url}/v1/jobs/overview`]],
    ['savepoints <job>', ['savepoints', jobId], ['-sf', `${url}/v1/jobs/${jobId}/checkpoints`]],
    [
      'savepoint -detached',
      ['savepoint', jobId, '-detached'],
      ['-sf', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"cancel-job":false}', `${url}/v1/jobs/${jobId}/savepoints`],
    ],
  ];
  const opts = { cwd: work, env };
  for (const [name, args, curlArgs] of cases) {
    const call = (which) => timeCall(process.execPath, [which, '--config-dir', conf, '-m', address, ...args], opts);
    const base = [];
    const ours = [];
    const before = [];
    // Warm-up: the first call of a command also writes its code cache.
    call(bin);
    if (baselineBin) call(baselineBin);
    for (let i = 0; i < runs; i++) {
      base.push(plus(timeCall(process.execPath, ['-e', '0'], opts), timeCall('curl', curlArgs, opts)));
      ours.push(call(bin));
      if (baselineBin) before.push(call(baselineBin));
    }
    console.log(JSON.stringify({ bench: `local coordinator: flink ${name} vs node -e 0 + curl`, runs, ...summary(base, ours) }));
    if (baselineBin)
      console.log(JSON.stringify({ bench: `local coordinator: BENCH_BASELINE flink ${name} vs node -e 0 + curl`, runs, ...summary(base, before) }));
  }
} finally {
  flink(['-m', address, 'cluster', 'stop']);
  rmSync(work, { recursive: true, force: true });
}
