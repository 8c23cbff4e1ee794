// The catalog on object stores: STORE_BENCH_COUNT (default 10,000) of Flink's savepoints (each only its
// _metadata, as Flink writes a small one) and as many of ours (_metadata and the facts object beside it) in two
// roots, on S3Mock and on Azurite, listed by the one implementation (SnapshotStorage.scan). Requests are
// counted on the wire (LIST pages, GETs, anything else) and the listing timed. With BENCH_BASELINE, the same
// roots are also scanned by that checkout's scanStoreRoots (today's: a GET of every _metadata).
// S3Mock's PUT slows down as a bucket grows, so writing its 30,000 objects takes a long time (minutes; the
// listing itself does not); STORE_BENCH_S3_COUNT sets its count apart.
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { withObjectStores } from './object-stores.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.env.STORE_BENCH_COUNT ?? 10_000);
const s3Count = Number(process.env.STORE_BENCH_S3_COUNT ?? count);
const baseline = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : undefined;
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const requests = [];
subscribe('http.client.request.start', ({ request }) => requests.push(`${request.method} ${request.path}`));
const isList = (r) => r.startsWith('GET ') && (/[?&]list-type=2/.test(r) || /[?&]comp=list/.test(r));
const counted = () => ({
  listRequests: requests.filter(isList).length,
  getRequests: requests.filter((r) => r.startsWith('GET ') && !isList(r)).length,
  otherRequests: requests.filter((r) => !r.startsWith('GET ')).length,
});
const flinkMetadata = readFileSync(path.join(root, 'fixtures/snapshots/flink-2.3.0/savepoint-ecdf40-d4020aa67007/_metadata'));

async function baselineScan() {
  if (!baseline) return undefined;
  const dir = mkdtempSync(path.join(root, 'dist', '.baseline-bench-'));
  const out = path.join(dir, 'baseline.mjs');
  await build({
    stdin: { contents: "export { scanStoreRoots } from './src/storage/store-catalog.ts';", resolveDir: baseline, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: out,
    logLevel: 'silent',
  });
  return { lib: await import(pathToFileURL(out).href), dir };
}

/** Writes `n` snapshots (`objects(i)` gives each one's keys and bodies), 64 PUTs in flight. */
async function fill(store, n, objects) {
  const all = Array.from({ length: n }, (_, i) => objects(i)).flat();
  for (let i = 0; i < all.length; i += 64) await Promise.all(all.slice(i, i + 64).map(([key, body]) => store.write(key, body)));
}

const before = await baselineScan();
try {
  await withObjectStores(
    ["export { SnapshotStorage } from './src/storage/index.ts';", "export { encodeMetadata, factsName, factsOf } from './src/storage/metadata.ts';"],
    async ({ lib, s3, azurite, settings }) => {
      const storage = new lib.SnapshotStorage({ settings });
      for (const [name, n, fresh] of [
        ['Azurite', count, (p) => lib.freshContainer(azurite.endpoint, `bench-${p}`, 'savepoints')],
        ['S3Mock', s3Count, (p) => lib.freshBucket(s3.endpoint, `bench-${p}`, 'savepoints')],
      ]) {
        const name6 = (i) => `savepoint-fd7201-${i.toString(16).padStart(12, '0')}`;
        const roots = { flink: await fresh('flink'), ours: await fresh('ours') };
        const writeStart = Date.now();
        const flinkStore = await lib.openStore(`${roots.flink}/`, settings);
        await fill(flinkStore, n, (i) => [[`${name6(i)}/_metadata`, flinkMetadata]]);
        flinkStore.close();
        const oursStore = await lib.openStore(`${roots.ours}/`, settings);
        await fill(oursStore, n, (i) => {
          const input = {
            id: i,
            kind: 'savepoint',
            trigger: 'manual',
            format: 'canonical',
            jobId: JOB,
            jobName: 'bench',
            jobFingerprint: 'f',
            operators: [],
            toolVersion: 'bench',
            triggeredAt: i,
            completedAt: i + 1,
            files: [],
          };
          const metadata = lib.encodeMetadata({ formatVersion: 1, ...input });
          return [
            [`${name6(i)}/${lib.factsName(lib.factsOf(input, metadata.length))}`, Buffer.alloc(0)],
            [`${name6(i)}/_metadata`, metadata],
          ];
        });
        oursStore.close();
        const setupWriteMs = Date.now() - writeStart;
        for (const [origin, uri] of Object.entries(roots)) {
          requests.length = 0;
          const start = process.hrtime.bigint();
          const entries = await storage.scan([uri]);
          const scanMs = Math.round(Number(process.hrtime.bigint() - start) / 1e6);
          const result = {
            bench: `catalog listing of ${n} snapshots (${origin === 'flink' ? "Flink's" : 'ours'}): ${name}`,
            complete: entries.filter((e) => e.state === 'complete' && e.origin === (origin === 'flink' ? 'flink' : 'ours')).length,
            ...counted(),
            scanMs,
            setupWriteMs,
          };
          if (before) {
            requests.length = 0;
            const t = process.hrtime.bigint();
            const old = await before.lib.scanStoreRoots([uri], settings);
            result.baseline = {
              complete: old.filter((e) => e.state === 'complete').length,
              ...counted(),
              scanMs: Math.round(Number(process.hrtime.bigint() - t) / 1e6),
            };
          }
          console.log(JSON.stringify(result));
        }
      }
      storage.close();
    },
  );
} finally {
  if (before) rmSync(before.dir, { recursive: true, force: true });
}
