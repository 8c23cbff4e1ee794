// Per-call cost against a reachable local coordinator: `flink list`, `savepoints <job>`, `savepoint -detached`
// vs `node -e 0` plus one curl of the same endpoint, interleaved (median of the pairs' ratios). Goal: <= 1.5x.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const runs = Number(process.env.BENCH_RUNS ?? 21);
const work = mkdtempSync(path.join(tmpdir(), 'flink-bench-local-'));
const conf = path.join(work, 'conf');
const env = { ...process.env, NO_COLOR: '1', HOME: work };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (cmd, args) => {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const flink = (args) => spawnSync(process.execPath, [bin, '--config-dir', conf, ...args], { cwd: work, env, encoding: 'utf8' });

spawnSync('mkdir', ['-p', conf]);
writeFileSync(path.join(conf, 'config.yaml'), [`coordinator.dir: ${path.join(work, 'state')}`, `state.savepoints.dir: ${path.join(work, 'sp')}`, 'rest.port: 0', ''].join('\n'));
const started = flink(['cluster', 'start']);
if (started.status !== 0) throw new Error(`cluster start: ${started.stderr}`);
const url = started.stdout.trim();
const address = url.replace(/^http:\/\//, '');
try {
  const run = flink(['-m', address, 'run', '-d', path.join(root, 'fixtures/jobs/counter.ts'), '--out', path.join(work, 'out'), '--rate', '10']);
  const jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)?.[1];
  if (!jobId) throw new Error(`run: ${run.stderr}`);
  const cases = [
    ['list', ['list'], ['-sf', `${url}/v1/jobs/overview`]],
    ['savepoints <job>', ['savepoints', jobId], ['-sf', `${url}/v1/jobs/${jobId}/checkpoints`]],
    ['savepoint -detached', ['savepoint', jobId, '-detached'], ['-sf', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"cancel-job":false}', `${url}/v1/jobs/${jobId}/savepoints`]],
  ];
  for (const [name, args, curlArgs] of cases) {
    const ours = [];
    const base = [];
    time(process.execPath, [bin, '--config-dir', conf, '-m', address, ...args]);
    for (let i = 0; i < runs; i++) {
      base.push(time(process.execPath, ['-e', '0']) + time('curl', curlArgs));
      ours.push(time(process.execPath, [bin, '--config-dir', conf, '-m', address, ...args]));
    }
    const ratio = median(ours.map((t, i) => t / base[i]));
    console.log(JSON.stringify({ bench: `local coordinator: flink ${name} vs node -e 0 + curl`, runs, baseMedianMs: +median(base).toFixed(1), flinkMedianMs: +median(ours).toFixed(1), ratio: +ratio.toFixed(2) }));
  }
} finally {
  flink(['-m', address, 'cluster', 'stop']);
  rmSync(work, { recursive: true, force: true });
}
