// The local catalog scan through the one storage implementation (SnapshotStorage.scan: one listing of the
// root, our snapshots described by the facts beside their _metadata), side by side with the direct scan of
// BENCH_BASELINE (another checkout: its src/storage/catalog.ts scanSnapshots, which reads every _metadata),
// in interleaved rounds over the same 10,000 snapshots; then the listing of 10,000, 50,000 and 100,000
// (SCAN_BENCH_SIZES) to show how it grows, each beside its floor (the same readdirs and stats with nothing else
// done: systemCallsOnly). The trees are what the writer makes (_metadata, the facts, one state file each),
// written directly (the writer's fsyncs would make 100,000 take many minutes).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const baseline = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : undefined;
const count = Number(process.env.SCAN_BENCH_COUNT ?? 10_000);
const sizes = (process.env.SCAN_BENCH_SIZES ?? '10000,50000,100000').split(',').map(Number);
const rounds = Number(process.env.SCAN_BENCH_ROUNDS ?? 5);
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tmp = mkdtempSync(path.join(tmpdir(), 'flink-scan-bench-'));

async function bundle(contents, resolveDir, name) {
  const out = path.join(tmp, `${name}.mjs`);
  await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'silent',
    nodePaths: [path.join(root, 'node_modules')],
  });
  return import(pathToFileURL(out).href);
}

/** `n` of our savepoints below `dir`, as the writer lays them out. */
function tree(lib, dir, n) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const snapshot = path.join(dir, `savepoint-fd7201-${i.toString(16).padStart(12, '0')}`);
    mkdirSync(snapshot);
    const state = Buffer.from(`state ${i}`);
    writeFileSync(path.join(snapshot, 'state'), state);
    const input = {
      id: i,
      kind: 'savepoint',
      trigger: 'periodic',
      format: 'canonical',
      jobId: JOB,
      jobName: 'bench',
      jobFingerprint: 'f',
      operators: [],
      toolVersion: 't',
      triggeredAt: i,
      completedAt: i,
      files: [{ name: 'state', size: state.length, sha256: 'x'.repeat(64) }],
    };
    const metadata = lib.encodeMetadata({ formatVersion: 1, ...input });
    writeFileSync(path.join(snapshot, lib.factsName(lib.factsOf(input, metadata.length))), '');
    writeFileSync(path.join(snapshot, '_metadata'), metadata);
  }
}

/**
 * The system calls any listing of `dir` that checks what it lists must make, and nothing else: a readdir of the
 * root and of each snapshot folder, a stat of each state file (its size against the facts). The floor.
 */
function systemCallsOnly(dir) {
  let found = 0;
  for (const name of readdirSync(dir)) {
    for (const entry of readdirSync(path.join(dir, name), { withFileTypes: true })) {
      if (entry.name === 'state') found += statSync(path.join(dir, name, entry.name)).size > 0 ? 1 : 0;
    }
  }
  return found;
}

const timed = async (run) => {
  const start = process.hrtime.bigint();
  const result = await run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
};

try {
  const lib = await bundle(
    "export { SnapshotStorage, NO_STORAGE_SETTINGS } from './src/storage/index.ts'; export { encodeMetadata, factsName, factsOf } from './src/storage/metadata.ts';",
    root,
    'ours',
  );
  const before = baseline ? await bundle("export { scanSnapshots } from './src/storage/catalog.ts';", baseline, 'baseline') : undefined;
  const storage = new lib.SnapshotStorage({ settings: lib.NO_STORAGE_SETTINGS });
  const complete = (entries) => entries.filter((e) => e.state === 'complete').length;

  const dir = path.join(tmp, `scan-${count}`);
  tree(lib, dir, count);
  const ours = [];
  const theirs = [];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first, so neither always meets a warmer cache.
    const one = async () => {
      const t = await timed(() => storage.scan([dir]));
      if (complete(t.result) !== count) throw new Error(`scan found ${complete(t.result)} complete snapshots of ${count}`);
      ours.push(t.ms);
      return t.ms;
    };
    const other = async () => {
      const t = await timed(() => before.scanSnapshots([dir]));
      if (complete(t.result) !== count) throw new Error(`baseline scan found ${complete(t.result)} complete snapshots of ${count}`);
      theirs.push(t.ms);
      return t.ms;
    };
    if (!before) await one();
    else if (r % 2 === 0) ratios.push((await one()) / (await other()));
    else {
      const b = await other();
      ratios.push((await one()) / b);
    }
  }
  console.log(
    JSON.stringify({
      bench: `local catalog scan of ${count} snapshots: one implementation${before ? ' vs BENCH_BASELINE direct scan' : ''}`,
      rounds,
      medianMs: Math.round(median(ours)),
      ...(before ? { baselineMedianMs: Math.round(median(theirs)), ratio: +median(ratios).toFixed(2) } : {}),
    }),
  );
  rmSync(dir, { recursive: true, force: true });

  const points = [];
  for (const n of sizes) {
    const at = path.join(tmp, `list-${n}`);
    tree(lib, at, n);
    const runs = [];
    for (let r = 0; r < 3; r++) {
      const t = await timed(() => storage.scan([at]));
      if (complete(t.result) !== n) throw new Error(`scan found ${complete(t.result)} complete snapshots of ${n}`);
      runs.push(t.ms);
    }
    const floor = [];
    for (let r = 0; r < 3; r++) {
      const t = await timed(() => systemCallsOnly(at));
      if (t.result !== n) throw new Error(`the floor found ${t.result} state files of ${n}`);
      floor.push(t.ms);
    }
    points.push({
      snapshots: n,
      medianMs: Math.round(median(runs)),
      usPerSnapshot: +((median(runs) * 1000) / n).toFixed(1),
      systemCallsOnlyMs: Math.round(median(floor)),
    });
    rmSync(at, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ bench: 'local catalog listing: growth', points }));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
