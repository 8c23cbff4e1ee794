// What the object-store benches share: our storage sources bundled on the fly (the benches are plain .mjs,
// the sources TypeScript), a real S3Mock and Azurite on loopback (test/support/object-stores.ts), and the
// storage settings for both from Flink's own keys. `run` gets them; the servers and the bundle go afterwards.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A store directory of S3Mock 4.x holding these buckets and objects (its own on-disk layout: an index of the bucket's keys, a folder per object). */
function seedS3Mock(buckets) {
  const store = mkdtempSync(path.join(tmpdir(), 's3mock-seeded-'));
  const owner = { DisplayName: 's3-mock-file-store', ID: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' };
  for (const [bucket, objects] of Object.entries(buckets)) {
    const dir = path.join(store, bucket);
    mkdirSync(dir);
    const index = {};
    for (const [key, body] of objects) {
      const id = randomUUID();
      const now = Date.now();
      mkdirSync(path.join(dir, id));
      writeFileSync(path.join(dir, id, 'binaryData'), body);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      const data = `file://${path.join(dir, id, 'binaryData')}`;
      const meta = {
        id,
        key,
        size: String(body.length),
        modificationDate: new Date(now).toISOString(),
        etag,
        contentType: 'application/octet-stream',
        lastModified: now,
      };
      const rest = {
        dataPath: data,
        userMetadata: {},
        tags: [],
        legalHold: null,
        retention: null,
        owner,
        storeHeaders: {},
        encryptionHeaders: {},
        checksumAlgorithm: null,
      };
      writeFileSync(
        path.join(dir, id, 'objectMetadata.json'),
        JSON.stringify({ ...meta, ...rest, checksum: null, storageClass: null, policy: null, versionId: null, deleteMarker: false, checksumType: null }),
      );
      index[key] = id;
    }
    const bucketMeta = {
      name: bucket,
      creationDate: new Date().toISOString(),
      versioningConfiguration: null,
      objectLockConfiguration: null,
      bucketLifecycleConfiguration: null,
    };
    writeFileSync(
      path.join(dir, 'bucketMetadata.json'),
      JSON.stringify({
        ...bucketMeta,
        objectOwnership: 'BucketOwnerEnforced',
        path: `file://${dir}/`,
        bucketRegion: 'us-east-1',
        bucketInfo: null,
        locationInfo: null,
        objects: index,
      }),
    );
  }
  return store;
}

/**
 * `exports`: more `export … from './src/….ts'` lines the bench needs beside the storage interface.
 * `options.s3Buckets(lib)`: buckets S3Mock starts with, { name: [[key, body], ...] }, written into its store directory
 * before it starts (its PUT rewrites a bucket's whole object index, so writing 10,000s through it takes hours).
 */
export async function withObjectStores(exports, run, options = {}) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Inside the project (dist/ is ignored), so the bundle resolves packages from node_modules.
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  const bundleDir = mkdtempSync(path.join(root, 'dist', '.object-bench-'));
  const servers = [];
  let s3Root;
  try {
    await build({
      stdin: {
        contents: [
          "export * from './src/storage/object-store.ts';",
          "export { storageSettings } from './src/config/storage.ts';",
          "export { resolveConfig } from './src/config/resolve.ts';",
          "export * from './test/support/object-stores.ts';",
          ...exports,
        ].join('\n'),
        resolveDir: root,
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
    s3Root = options.s3Buckets ? seedS3Mock(options.s3Buckets(lib)) : undefined;
    const started = await Promise.allSettled([lib.startS3Mock({ root: s3Root }), lib.startAzurite()]);
    for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    const [s3, azurite] = started.map((r) => r.value);
    /** Flink's keys for both stores, as config.yaml lines. */
    const configLines = [...lib.s3ConfigLines(s3.endpoint), ...lib.azureConfigLines(azurite.endpoint)];
    const dynamic = configLines.map((line) => line.replace(': ', '='));
    const settings = lib.storageSettings(lib.resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic }));
    return await run({ lib, s3, azurite, configLines, settings });
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(bundleDir, { recursive: true, force: true });
    if (s3Root) rmSync(s3Root, { recursive: true, force: true }); // a seeded root outlives its server
  }
}
