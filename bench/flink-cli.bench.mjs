// `list` and `savepoint`: this CLI vs Apache Flink's own CLI (CliFrontend from the same jars, started as the
// real-Flink harness starts it), against one running Flink cluster, in interleaved rounds. Besides the wall
// times it measures the cluster's own work (the same REST requests made from this process: GET /jobs/overview;
// a savepoint triggered and polled as both clients poll, 10 ms doubling) and reports each CLI's overhead, the
// time beyond that work, which both pay. Goal: our overhead at most a tenth of Flink's CLI's.
// It needs Java 17 and Maven (the harness resolves Flink's jars into ~/.m2 on first use) and fails, saying why,
// when it cannot run: a comparison that silently did not happen is worse than none. FLINK_BENCH=skip skips it on
// purpose; FLINK_BENCH_VERSION picks the version (default 2.3.0); BENCH_RUNS_FLINK the rounds (default 7).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const version = process.env.FLINK_BENCH_VERSION ?? '2.3.0';
const runs = Number(process.env.BENCH_RUNS_FLINK ?? 7);
const name = `flink ${version}: ours vs Flink's CLI`;
if (process.env.FLINK_BENCH === 'skip') {
  console.log(JSON.stringify({ bench: name, skipped: 'FLINK_BENCH=skip' }));
  process.exit(0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const since = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const tmp = mkdtempSync(path.join(tmpdir(), 'flink-bench-'));
let cluster;
try {
  // The harness is TypeScript; bundle it for this script. It finds (or resolves) Flink's classpath itself.
  const bundled = path.join(tmp, 'harness.mjs');
  const result = await build({
    entryPoints: [path.join(root, 'test/flink/harness/flink-cluster.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  writeFileSync(bundled, result.outputFiles[0].contents);
  process.chdir(root);
  const { FlinkCluster, testJobJar } = await import(pathToFileURL(bundled).href);
  const jar = await testJobJar(version);
  // A loaded shared machine can take minutes to start two JVMs (the layout suite allows the same).
  cluster = await FlinkCluster.start(version, { bootTimeoutMs: 300_000 });

  /** Our bin/flink, synchronously; a failing call would time nothing worth comparing. */
  const ours = (args) => {
    const r = spawnSync(process.execPath, [path.join(root, 'bin/flink'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    if (r.status !== 0) throw new Error(`flink ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  const theirs = async (args) => {
    const r = await cluster.flinkCli(args);
    if (r.exitCode !== 0) throw new Error(`Flink's CLI ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  };
  const jobId = /JobID ([0-9a-f]{32})/.exec(ours(['run', '-d', '-m', cluster.address, jar, 'bench', path.join(tmp, 'counts.txt'), 'rare-checkpoints']))[1];
  for (let i = 0; i < 100 && (await cluster.rest(`/jobs/${jobId}`)).state !== 'RUNNING'; i++) await sleep(300);

  // The cluster's own work, asked from this process: what any client pays, whatever it is written in.
  const clusterWork = {
    list: async () => {
      await cluster.rest('/jobs/overview');
    },
    savepoint: async () => {
      const { 'request-id': trigger } = await cluster.rest(`/jobs/${jobId}/savepoints`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ 'target-directory': `file://${path.join(tmp, 'sp-rest')}`, 'cancel-job': false }),
      });
      for (let delay = 10; ; delay = Math.min(delay * 2, 2000)) {
        const status = await cluster.rest(`/jobs/${jobId}/savepoints/${trigger}`);
        if (status.status.id === 'COMPLETED') {
          if (status.operation?.['failure-cause']) throw new Error(`savepoint failed: ${JSON.stringify(status.operation['failure-cause']).slice(0, 300)}`);
          return;
        }
        await sleep(delay);
      }
    },
  };
  const calls = [
    ['list', ['list', '-m', cluster.address], ['list', '-m', cluster.address]],
    [
      'savepoint',
      ['savepoint', jobId, `file://${path.join(tmp, 'sp-ours')}`, '-m', cluster.address],
      ['savepoint', '-m', cluster.address, jobId, `file://${path.join(tmp, 'sp-flink')}`],
    ],
  ];
  for (const [call, oursArgs, theirArgs] of calls) {
    // Warm-up: the first call of each also writes caches (our code cache, the JVM's class data, the OS's).
    await clusterWork[call]();
    ours(oursArgs);
    await theirs(theirArgs);
    const base = [];
    const a = [];
    const b = [];
    for (let i = 0; i < runs; i++) {
      let start = process.hrtime.bigint();
      await clusterWork[call]();
      base.push(since(start));
      start = process.hrtime.bigint();
      ours(oursArgs);
      a.push(since(start));
      start = process.hrtime.bigint();
      await theirs(theirArgs);
      b.push(since(start));
    }
    const work = median(base);
    const oursOverhead = median(a) - work;
    const flinkOverhead = median(b) - work;
    const overheadRatio = +(oursOverhead / flinkOverhead).toFixed(3);
    console.log(
      JSON.stringify({
        bench: `flink ${version} ${call}: ours vs Flink's CLI`,
        runs,
        oursMedianMs: Math.round(median(a)),
        flinkMedianMs: Math.round(median(b)),
        ratio: +(median(a) / median(b)).toFixed(2),
        clusterWorkMedianMs: Math.round(work),
        oursOverheadMs: Math.round(oursOverhead),
        flinkOverheadMs: Math.round(flinkOverhead),
        overheadRatio,
        goal: `overhead ≤ 0.1 of Flink's CLI's: ${overheadRatio <= 0.1 ? 'met' : 'not met'}`,
      }),
    );
  }
} catch (error) {
  console.error(`bench/flink-cli.bench.mjs cannot run the comparison with Flink's CLI: ${error.message}`);
  console.error('It needs Java 17 and Maven (Flink jars from Maven Central); FLINK_BENCH=skip skips it on purpose.');
  process.exitCode = 1;
} finally {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
