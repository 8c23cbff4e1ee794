// `npm run bench`: startup of the CLI against a bare `node -e 0`, measured in one run on this machine
// (interleaved pairs; the ratio is the median of the pairs' ratios, so machine noise hits both sides alike;
// wall time and CPU time). Prints one JSON line per benchmark. BENCH_BASELINE=<another built checkout> also
// times that checkout in the same pairs.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summary, timeCall } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'flink');
const runs = Number(process.env.BENCH_RUNS ?? 21);

const baselineBin = process.env.BENCH_BASELINE ? path.join(path.resolve(process.env.BENCH_BASELINE), 'bin', 'flink') : undefined;
const env = { ...process.env, NO_COLOR: '1' };

function startup(name, args) {
  const node = (argv) => timeCall(process.execPath, argv, { cwd: root, env });
  const base = [];
  const ours = [];
  const before = [];
  // Warm-up: the first call of a command also writes its code cache.
  node([bin, ...args]);
  if (baselineBin) node([baselineBin, ...args]);
  for (let i = 0; i < runs; i++) {
    base.push(node(['-e', '0']));
    ours.push(node([bin, ...args]));
    if (baselineBin) before.push(node([baselineBin, ...args]));
  }
  console.log(JSON.stringify({ bench: name, runs, ...summary(base, ours) }));
  if (baselineBin) console.log(JSON.stringify({ bench: `BENCH_BASELINE ${name}`, runs, ...summary(base, before) }));
}

startup('startup: flink --help vs node -e 0', ['--help']);
startup('startup: flink config vs node -e 0', ['config', '--config-dir', path.join(root, 'fixtures/config/flink2-nested')]);

// Further benchmarks live beside this file as bench/*.bench.mjs and print their own JSON lines.
// BENCH_FILES=local-calls,scan runs only the files whose names contain one of these words.
// A bench that fails does not stop the others, and `npm run bench` then exits non-zero naming it.
const only = process.env.BENCH_FILES?.split(',').filter(Boolean);
const failed = [];
for (const file of readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.mjs') && (!only || only.some((w) => f.includes(w))))
  .sort()) {
  try {
    execFileSync(process.execPath, [path.join(root, 'bench', file)], { stdio: 'inherit', cwd: root });
  } catch {
    failed.push(file);
  }
}
if (!existsSync(path.join(root, 'dist', 'cli.cjs'))) console.error('dist/ missing: run npm run build');
if (failed.length > 0) {
  console.error(`FAILED: ${failed.join(', ')} (see above); their figures are missing from this run.`);
  process.exitCode = 1;
}
