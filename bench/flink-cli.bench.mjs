// Wall time of `list` and `savepoint`, this CLI vs Apache Flink's own CLI, against the same running Flink
// cluster, in one run. Needs the real-Flink harness's cached classpath (npm run test:flink once); skipped
// otherwise. FLINK_BENCH_VERSION picks the version (default 2.3.0).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const version = process.env.FLINK_BENCH_VERSION ?? '2.3.0';
const runs = Number(process.env.BENCH_RUNS_FLINK ?? 5);
if (!existsSync(path.join(root, '.flink-cache', version, 'cp.txt'))) {
  console.log(JSON.stringify({ bench: `flink ${version}: ours vs Flink's CLI`, skipped: 'no cached Flink classpath; run npm run test:flink once' }));
  process.exit(0);
}

// The harness is TypeScript; bundle it for this script.
const tmp = mkdtempSync(path.join(tmpdir(), 'flink-bench-'));
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

const jar = await testJobJar(version);
const cluster = await FlinkCluster.start(version);
try {
  const ours = (args, bin = path.join(root, 'bin/flink')) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  // BENCH_BASELINE=<another built checkout>: its bin/flink is timed in the same rounds (before/after).
  const baseline = process.env.BENCH_BASELINE ? path.join(path.resolve(process.env.BENCH_BASELINE), 'bin', 'flink') : undefined;
  const out = ours(['run', '-d', '-m', cluster.address, jar, 'bench', path.join(tmp, 'counts.txt')]).stdout;
  const jobId = /JobID ([0-9a-f]{32})/.exec(out)[1];
  for (let i = 0; i < 100; i++) {
    const stats = await cluster.rest(`/jobs/${jobId}/checkpoints`).catch(() => undefined);
    if (stats?.counts?.completed > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const flinkCli = (args) => {
    // Flink's CliFrontend, synchronously, as the bin/flink script runs it.
    const cp = execFileSync('cat', [path.join(root, '.flink-cache', version, 'cp.txt')], { encoding: 'utf8' }).trim();
    return spawnSync(
      'java',
      [
        '-XX:+IgnoreUnrecognizedVMOptions',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Xmx256m',
        '--add-opens=java.base/java.util=ALL-UNNAMED',
        `-Dlog.file=${path.join(tmp, 'cli.log')}`,
        `-Dlog4j.configurationFile=file:${path.join(cluster.conf, 'log4j-cli.properties')}`,
        '-cp',
        cp,
        'org.apache.flink.client.cli.CliFrontend',
        ...args,
      ],
      { encoding: 'utf8', env: { ...process.env, FLINK_CONF_DIR: cluster.conf } },
    );
  };
  for (const [name, oursArgs, theirArgs] of [
    ['list', ['list', '-m', cluster.address], ['list', '-m', cluster.address]],
    [
      'savepoint',
      ['savepoint', jobId, `file://${path.join(tmp, 'sp')}`, '-m', cluster.address],
      ['savepoint', '-m', cluster.address, jobId, `file://${path.join(tmp, 'sp')}`],
    ],
  ]) {
    const a = [];
    const b = [];
    const c = [];
    for (let i = 0; i < runs; i++) {
      a.push(time(() => ours(oursArgs)));
      if (baseline) c.push(time(() => ours(oursArgs, baseline)));
      b.push(time(() => flinkCli(theirArgs)));
    }
    console.log(
      JSON.stringify({
        bench: `flink ${version} ${name}: ours vs Flink's CLI`,
        runs,
        oursMedianMs: Math.round(median(a)),
        flinkMedianMs: Math.round(median(b)),
        ratio: +(median(a) / median(b)).toFixed(2),
      }),
    );
    if (baseline)
      console.log(
        JSON.stringify({
          bench: `flink ${version} ${name}: BENCH_BASELINE vs Flink's CLI`,
          runs,
          oursMedianMs: Math.round(median(c)),
          flinkMedianMs: Math.round(median(b)),
          ratio: +(median(c) / median(b)).toFixed(2),
        }),
      );
  }
} finally {
  await cluster.stop();
  rmSync(tmp, { recursive: true, force: true });
}
