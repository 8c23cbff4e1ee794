// What the object-store benches share: our storage sources bundled on the fly (the benches are plain .mjs,
// the sources TypeScript), a real S3Mock and Azurite on loopback (test/support/object-stores.ts), and the
// storage settings for both from Flink's own keys. `run` gets them; the servers and the bundle go afterwards.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `exports`: more `export … from './src/….ts'` lines the bench needs beside the storage interface. */
export async function withObjectStores(exports, run) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Inside the project (dist/ is ignored), so the bundle resolves packages from node_modules.
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  const bundleDir = mkdtempSync(path.join(root, 'dist', '.object-bench-'));
  const servers = [];
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
    const started = await Promise.allSettled([lib.startS3Mock(), lib.startAzurite()]);
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
  }
}
