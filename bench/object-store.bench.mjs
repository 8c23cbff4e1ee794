// Listing 10,000 snapshot prefixes (savepoint-xxxxxx-<12 hex>/_metadata) through the storage interface on
// S3Mock and Azurite (started here, or the ones in FLINK_TEST_S3_ENDPOINT / FLINK_TEST_AZURITE_ENDPOINT) and
// on a local directory: LIST requests (counted on the wire, with node's HTTP diagnostics channel) and time.
// OBJECT_BENCH_COUNT changes the count. S3Mock's PUT slows down as a bucket grows (2,000 objects take ~40 s to
// write, 10,000 took 28 min on a loaded 2-core machine), so its part writes OBJECT_BENCH_S3_COUNT (default
// 2,000) unless told otherwise; its listing is measured the same way.
import { subscribe } from 'node:diagnostics_channel';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const count = Number(process.env.OBJECT_BENCH_COUNT ?? 10_000);
const s3Count = Number(process.env.OBJECT_BENCH_S3_COUNT ?? Math.min(count, 2_000));
const tmp = mkdtempSync(path.join(tmpdir(), 'flink-object-bench-'));
// The bundle sits inside the project (dist/ is ignored) so that it resolves packages from node_modules.
mkdirSync('dist', { recursive: true });
const bundleDir = mkdtempSync(path.join('dist', '.object-bench-'));

const requests = [];
subscribe('http.client.request.start', ({ request }) => requests.push(`${request.method} ${request.path}`));
const isList = (r) => r.startsWith('GET ') && (/[?&]list-type=2/.test(r) || /[?&]comp=list/.test(r));

const servers = [];
try {
  await build({
    stdin: {
      contents: [
        "export * from './src/storage/object-store.ts';",
        "export { storageSettings } from './src/config/storage.ts';",
        "export { resolveConfig } from './src/config/resolve.ts';",
        "export * from './test/support/object-stores.ts';",
      ].join('\n'),
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    splitting: true,
    outdir: bundleDir,
    write: true,
    logLevel: 'silent',
  });
  const lib = await import(pathToFileURL(path.resolve(bundleDir, 'stdin.js')).href);
  // allSettled: if one fails to start, the other is still stopped below.
  const started = await Promise.allSettled([lib.startS3Mock(), lib.startAzurite()]);
  for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  const [s3, azurite] = started.map((r) => r.value);
  const settings = lib.storageSettings(
    lib.resolveConfig({
      loaded: { source: 'none', files: [], entries: [], warnings: [] },
      dynamic: [
        `s3.endpoint=${s3.endpoint}`,
        's3.path.style.access=true',
        's3.access-key=bench',
        's3.secret-key=bench',
        `azure.blob.endpoint=${azurite.endpoint}`,
        `fs.azure.account.key.${lib.AZURITE_ACCOUNT}.blob.core.windows.net=${lib.AZURITE_KEY}`,
      ],
    }),
  );

  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const { BlobServiceClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const admin = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await admin.send(new CreateBucketCommand({ Bucket: 'bench' }));
  admin.destroy();
  await new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(lib.AZURITE_ACCOUNT, lib.AZURITE_KEY)).getContainerClient('bench').create();

  const stores = [
    ['local', path.join(tmp, 'local')],
    ['S3Mock', 's3://bench/savepoints'],
    ['Azurite', `wasbs://bench@${lib.AZURITE_ACCOUNT}.blob.core.windows.net/savepoints`],
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
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(tmp, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
}
