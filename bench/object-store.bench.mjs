// Listing 10,000 snapshot prefixes (savepoint-xxxxxx-<12 hex>/_metadata) through the storage interface on
// S3Mock and Azurite (started here, or the ones in FLINK_TEST_S3_ENDPOINT / FLINK_TEST_AZURITE_ENDPOINT) and
// on a local directory: LIST requests (counted on the wire, with node's HTTP diagnostics channel) and time.
// OBJECT_BENCH_COUNT changes the count. S3Mock's PUT slows down as a bucket grows (2,000 objects take ~40 s to
// write, 10,000 took 28 min on a loaded 2-core machine), so its part writes OBJECT_BENCH_S3_COUNT (default
// 2,000) unless told otherwise; its listing is measured the same way.
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withObjectStores } from './object-stores.mjs';

const count = Number(process.env.OBJECT_BENCH_COUNT ?? 10_000);
const s3Count = Number(process.env.OBJECT_BENCH_S3_COUNT ?? Math.min(count, 2_000));
const tmp = mkdtempSync(path.join(tmpdir(), 'flink-object-bench-'));

const requests = [];
subscribe('http.client.request.start', ({ request }) => requests.push(`${request.method} ${request.path}`));
const isList = (r) => r.startsWith('GET ') && (/[?&]list-type=2/.test(r) || /[?&]comp=list/.test(r));

try {
  await withObjectStores([], async ({ lib, s3, azurite, settings }) => {
    const s3Root = await lib.freshBucket(s3.endpoint, 'bench', 'savepoints');
    const azureRoot = await lib.freshContainer(azurite.endpoint, 'bench', 'savepoints');
    const stores = [
      ['local', path.join(tmp, 'local')],
      ['S3Mock', s3Root],
      ['Azurite', azureRoot],
    ];
    for (const [name, uri] of stores) {
      const n = name === 'S3Mock' ? s3Count : count;
      const names = Array.from({ length: n }, (_, i) => `savepoint-fd7201-${i.toString(16).padStart(12, '0')}/_metadata`);
      const store = await lib.openStore(uri, settings);
      const writeStart = Date.now();
      for (let i = 0; i < names.length; i += 64) await Promise.all(names.slice(i, i + 64).map((k) => store.write(k, 'metadata')));
      const writeMs = Date.now() - writeStart;
      requests.length = 0;
      const start = process.hrtime.bigint();
      let prefixes = 0;
      let pages = 0;
      for await (const page of lib.listAll(store, 'savepoint-', { delimiter: '/' })) {
        prefixes += page.prefixes.length;
        pages++;
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      store.close();
      const http = name === 'local' ? {} : { listRequests: requests.filter(isList).length, otherRequests: requests.filter((r) => !isList(r)).length };
      console.log(JSON.stringify({ bench: `list ${n} snapshot prefixes: ${name}`, prefixes, pages, ...http, ms: Math.round(ms), setupWriteMs: writeMs }));
    }
  });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
