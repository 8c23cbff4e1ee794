// Catalog scan speed: 10,000 snapshots (ours, published by the real writer) in one directory, scanned once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const tmp = mkdtempSync(path.join(tmpdir(), 'flink-scan-bench-'));
try {
  const bundle = await build({
    stdin: {
      contents: "export * from './src/storage/index.ts'; export { scanSnapshots } from './src/storage/catalog.ts';",
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  writeFileSync(path.join(tmp, 'storage.mjs'), bundle.outputFiles[0].contents);
  const storage = await import(pathToFileURL(path.join(tmp, 'storage.mjs')).href);
  const base = path.join(tmp, 'savepoints');
  const job = 'fd72014d4c864993a2e5a9287b4a9c5d';
  const count = Number(process.env.SCAN_BENCH_COUNT ?? 10_000);
  for (let i = 0; i < count; i++) {
    const dir = await storage.createSavepointDir(base, job);
    const file = await storage.writeStateFile(dir, 'state', `state ${i}`);
    await storage.publishSnapshot(dir, {
      id: i,
      kind: 'savepoint',
      trigger: 'periodic',
      format: 'canonical',
      jobId: job,
      jobName: 'bench',
      jobFingerprint: 'f',
      operators: [],
      toolVersion: 't',
      triggeredAt: i,
      completedAt: i,
      files: [file],
    });
  }
  const start = process.hrtime.bigint();
  const entries = await storage.scanSnapshots([base]);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    JSON.stringify({
      bench: `catalog scan of ${count} snapshots`,
      snapshots: entries.length,
      complete: entries.filter((e) => e.state === 'complete').length,
      ms: Math.round(ms),
    }),
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
