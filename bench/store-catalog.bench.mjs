// The catalog scan on object stores: N of our savepoints (savepoint-*/_metadata, a real _metadata each)
// scanned by scanStoreRoots on Azurite (STORE_BENCH_COUNT, default 10,000) and S3Mock (STORE_BENCH_S3_COUNT,
// default 2,000: S3Mock's PUT slows down as a bucket grows). Counted on the wire: LIST and GET requests. For
// comparison, the flat listing alone (what a scan costs without reading any _metadata).
import { subscribe } from 'node:diagnostics_channel';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const count = Number(process.env.STORE_BENCH_COUNT ?? 10_000);
const s3Count = Number(process.env.STORE_BENCH_S3_COUNT ?? Math.min(count, 2_000));
mkdirSync('dist', { recursive: true });
const bundleDir = mkdtempSync(path.join('dist', '.store-catalog-bench-'));
const requests = [];
subscribe('http.client.request.start', ({ request }) => requests.push(`${request.method} ${request.path}`));
const isList = (r) => r.startsWith('GET ') && (/[?&]list-type=2/.test(r) || /[?&]comp=list/.test(r));

const servers = [];
try {
  await build({
    stdin: {
      contents: [
        "export * from './src/storage/object-store.ts';",
        "export * from './src/storage/store-catalog.ts';",
        "export { encodeMetadata } from './src/storage/metadata.ts';",
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

  for (const [name, uri, n] of [
    ['Azurite', `wasbs://bench@${lib.AZURITE_ACCOUNT}.blob.core.windows.net/savepoints`, count],
    ['S3Mock', 's3://bench/savepoints', s3Count],
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
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(bundleDir, { recursive: true, force: true });
}
