// The catalog on object stores: STORE_BENCH_COUNT (default 10,000) of Flink's savepoints (each only its
// _metadata, as Flink writes a small one) and as many of ours (_metadata and the facts object beside it) in two
// roots, on S3Mock and on Azurite, listed by the one implementation (SnapshotStorage.scan). Requests are
// counted on the wire (LIST pages, GETs, anything else) and the listing timed. With BENCH_BASELINE, the same
// roots are also scanned by that checkout's scanStoreRoots (today's: a GET of every _metadata).
// S3Mock's PUT rewrites a bucket's whole index, so its buckets are written into its store directory before it
// starts (bench/object-stores.mjs); Azurite's are written through the store. "listOnly" is the flat listing
// of the root alone (what any listing-based catalog pays): the catalog's own cost is the rest.
// Azurite's PUTs are slow on a loaded machine (10,000 of each kind took over half an hour at load average 30):
// STORE_BENCH_AZURITE_COUNT writes fewer there, and STORE_BENCH_STORES=S3Mock (or Azurite) measures only one.
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { withObjectStores } from './object-stores.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const count = Number(process.env.STORE_BENCH_COUNT ?? 10_000);
const azuriteCount = Number(process.env.STORE_BENCH_AZURITE_COUNT ?? count);
const measured = (process.env.STORE_BENCH_STORES ?? 'Azurite,S3Mock').split(',');
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

const name6 = (i) => `savepoint-fd7201-${i.toString(16).padStart(12, '0')}`;
/** Flink's small savepoints: only their _metadata. */
const flinkObjects = (n) => Array.from({ length: n }, (_, i) => [`${name6(i)}/_metadata`, flinkMetadata]);
/** Ours as the writer leaves them (no state files here): the facts object and _metadata. */
const ourObjects = (lib, n) =>
  Array.from({ length: n }, (_, i) => {
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
  }).flat();
const prefixed = (objects) => objects.map(([key, body]) => [`savepoints/${key}`, body]);

const before = await baselineScan();
try {
  await withObjectStores(
    ["export { SnapshotStorage } from './src/storage/index.ts';", "export { encodeMetadata, factsName, factsOf } from './src/storage/metadata.ts';"],
    async ({ lib, s3, azurite, settings }) => {
      const storage = new lib.SnapshotStorage({ settings });
      const azure = {
        flink: await lib.freshContainer(azurite.endpoint, 'bench-flink', 'savepoints'),
        ours: await lib.freshContainer(azurite.endpoint, 'bench-ours', 'savepoints'),
      };
      const writeStart = Date.now();
      for (const [origin, uri] of measured.includes('Azurite') ? Object.entries(azure) : []) {
        const store = await lib.openStore(`${uri}/`, settings);
        const all = origin === 'flink' ? flinkObjects(azuriteCount) : ourObjects(lib, azuriteCount);
        for (let i = 0; i < all.length; i += 64) await Promise.all(all.slice(i, i + 64).map(([key, body]) => store.write(key, body)));
        store.close();
      }
      const setupWriteMs = Date.now() - writeStart;
      for (const [name, roots] of [
        ['Azurite', azure],
        ['S3Mock', { flink: 's3://bench-flink/savepoints', ours: 's3://bench-ours/savepoints' }],
      ].filter(([name]) => measured.includes(name))) {
        const n = name === 'Azurite' ? azuriteCount : count;
        for (const [origin, uri] of Object.entries(roots)) {
          requests.length = 0;
          let start = process.hrtime.bigint();
          const entries = await storage.scan([uri]);
          const scanMs = Math.round(Number(process.hrtime.bigint() - start) / 1e6);
          const result = {
            bench: `catalog listing of ${n} snapshots (${origin === 'flink' ? "Flink's" : 'ours'}): ${name}`,
            complete: entries.filter((e) => e.state === 'complete' && e.origin === (origin === 'flink' ? 'flink' : 'ours')).length,
            ...counted(),
            scanMs,
          };
          const store = await lib.openStore(`${uri}/`, settings);
          start = process.hrtime.bigint();
          let keys = 0;
          for await (const page of lib.listAll(store, '', { pageSize: Number.MAX_SAFE_INTEGER })) keys += page.objects.length;
          result.listOnly = { keys, ms: Math.round(Number(process.hrtime.bigint() - start) / 1e6) };
          store.close();
          if (name === 'Azurite') result.setupWriteMs = setupWriteMs;
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
    { s3Buckets: (lib) => ({ 'bench-flink': prefixed(flinkObjects(count)), 'bench-ours': prefixed(ourObjects(lib, count)) }) },
  );
} finally {
  if (before) rmSync(before.dir, { recursive: true, force: true });
}
