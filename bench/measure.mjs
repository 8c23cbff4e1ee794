// Timing of one child process: wall time, and CPU time (user + sys of the child and its children, from
// bash's `times`), which a loaded machine disturbs much less than wall time. Ratios are medians of pairs
// run back to back, so both sides of a pair see the same load.
import { spawnSync } from 'node:child_process';

const WRAP = '"$@" >/dev/null 2>/dev/null </dev/null; s=$?; times >&2; exit $s';

/** Runs `cmd args` once; throws when it fails (a benchmark of a failing call measures nothing). */
export function timeCall(cmd, args, { cwd, env } = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', WRAP, 'bash', cmd, ...args], { cwd, env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  // The second line of `times` is the children's "user sys", e.g. "0m0.081s 0m0.012s".
  const [user, sys] = r.stderr.trim().split('\n').pop().split(/\s+/).map(seconds);
  return { wallMs, cpuMs: (user + sys) * 1000 };
}

function seconds(text) {
  const m = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!m) throw new Error(`unexpected output of times: ${text}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall and CPU ratios of `ours[i] / base[i]` and the medians of each side. */
export function summary(base, ours) {
  const ratio = (key) => +median(ours.map((o, i) => o[key] / base[i][key])).toFixed(2);
  const ms = (list, key) => +median(list.map((x) => x[key])).toFixed(1);
  return {
    baseMedianMs: ms(base, 'wallMs'),
    flinkMedianMs: ms(ours, 'wallMs'),
    ratio: ratio('wallMs'),
    baseCpuMs: ms(base, 'cpuMs'),
    flinkCpuMs: ms(ours, 'cpuMs'),
    cpuRatio: ratio('cpuMs'),
  };
}

/** Adds two measurements (a baseline of two processes, e.g. node -e 0 and curl). */
export const plus = (a, b) => ({ wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs });
