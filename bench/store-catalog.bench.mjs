// The catalog scan on object stores: N of our savepoints (savepoint-*/_metadata, a real _metadata each)
// scanned by scanStoreRoots on Azurite (STORE_BENCH_COUNT, default 10,000) and S3Mock (STORE_BENCH_S3_COUNT,
// default 2,000: S3Mock's PUT slows down as a bucket grows). Counted on the wire: LIST and GET requests. For
// comparison, the flat listing alone (what a scan costs without reading any _metadata).
import { subscribe } from 'node:diagnostics_channel';
import { withObjectStores } from './object-stores.mjs';

const count = Number(process.env.STORE_BENCH_COUNT ?? 10_000);
const s3Count = Number(process.env.STORE_BENCH_S3_COUNT ?? Math.min(count, 2_000));
const requests = [];
subscribe('http.client.request.start', ({ request }) => requests.push(`${request.method} ${request.path}`));
const isList = (r) => r.startsWith('GET ') && (/[?&]list-type=2/.test(r) || /[?&]comp=list/.test(r));

await withObjectStores(
  ["export * from './src/storage/store-catalog.ts';", "export { encodeMetadata } from './src/storage/metadata.ts';"],
  async ({ lib, s3, azurite, settings }) => {
    const s3Root = await lib.freshBucket(s3.endpoint, 'bench', 'savepoints');
    const azureRoot = await lib.freshContainer(azurite.endpoint, 'bench', 'savepoints');
    for (const [name, uri, n] of [
      ['Azurite', azureRoot, count],
      ['S3Mock', s3Root, s3Count],
    ]) {
      const store = await lib.openStore(uri, settings);
      const writeStart = Date.now();
      for (let i = 0; i < n; i += 64) {
        await Promise.all(
          Array.from({ length: Math.min(64, n - i) }, (_, j) => i + j).map((k) =>
            store.write(
              `savepoint-fd7201-${k.toString(16).padStart(12, '0')}/_metadata`,
              lib.encodeMetadata({
                formatVersion: 1,
                id: k,
                kind: 'savepoint',
                trigger: 'manual',
                format: 'canonical',
                jobId: 'fd72014d4c864993a2e5a9287b4a9c5d',
                jobName: 'bench',
                jobFingerprint: 'f',
                operators: [],
                toolVersion: 'bench',
                triggeredAt: k,
                completedAt: k + 1,
                files: [],
              }),
            ),
          ),
        );
      }
      const writeMs = Date.now() - writeStart;
      requests.length = 0;
      let start = process.hrtime.bigint();
      let keys = 0;
      for await (const page of lib.listAll(store, '')) keys += page.objects.length;
      const listMs = Number(process.hrtime.bigint() - start) / 1e6;
      const listOnly = requests.filter(isList).length;
      store.close();
      requests.length = 0;
      start = process.hrtime.bigint();
      const entries = await lib.scanStoreRoots([uri], settings);
      const scanMs = Number(process.hrtime.bigint() - start) / 1e6;
      const complete = entries.filter((e) => e.state === 'complete').length;
      console.log(
        JSON.stringify({
          bench: `catalog scan of ${n} snapshots: ${name}`,
          complete,
          listRequests: requests.filter(isList).length,
          getRequests: requests.filter((r) => r.startsWith('GET ') && !isList(r)).length,
          otherRequests: requests.filter((r) => !r.startsWith('GET ')).length,
          scanMs: Math.round(scanMs),
          listOnly: { keys, listRequests: listOnly, ms: Math.round(listMs) },
          setupWriteMs: writeMs,
        }),
      );
    }
  },
);
