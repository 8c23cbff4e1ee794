// `npm run bench`: startup of the CLI against a bare `node -e 0`, measured in one run on this machine
// (interleaved pairs; the ratio is the median of the pairs' ratios, so machine noise hits both sides alike). Prints one JSON line per benchmark.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const runs = Number(process.env.BENCH_RUNS ?? 21);

function timeOnce(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0 && args[0] !== '-e') throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function startup(name, args) {
  const base = [];
  const ours = [];
  timeOnce(['-e', '0']);
  timeOnce(args);
  for (let i = 0; i < runs; i++) {
    base.push(timeOnce(['-e', '0']));
    ours.push(timeOnce(args));
  }
  // The ratio is the median of each pair's ratio (the two runs of a pair see the same machine load), so a
  // noisy shared machine moves it less than a ratio of medians taken over different moments.
  const pairRatios = ours.map((t, i) => t / base[i]);
  const result = { bench: name, runs, nodeMedianMs: +median(base).toFixed(1), flinkMedianMs: +median(ours).toFixed(1), ratio: +median(pairRatios).toFixed(2) };
  console.log(JSON.stringify(result));
  return result;
}

startup('startup: flink --help vs node -e 0', [bin, '--help']);
startup('startup: flink config vs node -e 0', [bin, 'config', '--config-dir', path.join(root, 'fixtures/config/flink2-nested')]);

// Further benchmarks live beside this file as bench/*.bench.mjs and print their own JSON lines.
for (const file of readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.mjs')).sort()) {
  execFileSync(process.execPath, [path.join(root, 'bench', file)], { stdio: 'inherit', cwd: root });
}
if (!existsSync(path.join(root, 'dist', 'cli.mjs'))) console.error('dist/ missing: run npm run build');
