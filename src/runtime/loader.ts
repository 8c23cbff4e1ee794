// Turns a job module (.ts/.mts/.js/.mjs, possibly split over several files) into one ESM file a worker can
// import, with esbuild; and finds (or builds) the TaskManager process's entry file. Bundles are content-addressed
// files in a cache directory, so the same code is built once and a restart imports the same bytes. The
// worker entry is what a job's TaskManager process runs (task-manager.ts forks it).

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OperationError } from '../domain/errors.js';

export function defaultCacheDir(): string {
  return join(tmpdir(), 'flink-ts-runtime');
}

async function writeContentAddressed(cacheDir: string, prefix: string, code: string): Promise<string> {
  const path = join(cacheDir, `${prefix}-${createHash('sha256').update(code).digest('hex').slice(0, 24)}.mjs`);
  if (existsSync(path)) return path;
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, code);
  await rename(tmp, path);
  return path;
}

// CommonJS dependencies bundled into an ESM file may call require() for Node built-ins.
const REQUIRE_SHIM = "import { createRequire as __flinkCreateRequire } from 'node:module'; const require = __flinkCreateRequire(import.meta.url);";

async function bundle(entry: string, banner: boolean): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    ...(banner ? { banner: { js: REQUIRE_SHIM } } : {}),
  });
  return result.outputFiles[0].text;
}

/** Bundles a job module with its relative imports and dependencies; returns the path of the bundle. */
export async function bundleJob(entry: string, cacheDir = defaultCacheDir()): Promise<string> {
  if (!existsSync(entry)) throw new OperationError(`job artifact ${entry} does not exist`);
  let code: string;
  try {
    code = await bundle(entry, true);
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    const detail = errors?.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; ');
    throw new OperationError(`cannot build job ${entry}: ${detail ?? (error as Error).message}`, { cause: error });
  }
  return writeContentAddressed(cacheDir, 'job', code);
}

let workerEntry: Promise<string> | undefined;

/**
 * The worker's entry file: `runtime-worker.mjs` next to this module when running from a build that ships
 * it (add `'runtime-worker': 'src/runtime/worker.ts'` to the bundler's entry points), otherwise the
 * TypeScript source bundled on first use (tests, development).
 */
export function workerEntryPath(cacheDir = defaultCacheDir()): Promise<string> {
  workerEntry ??= (async () => {
    const shipped = fileURLToPath(new URL('./runtime-worker.mjs', import.meta.url));
    if (existsSync(shipped)) return shipped;
    const source = fileURLToPath(new URL('./worker.ts', import.meta.url));
    return writeContentAddressed(cacheDir, 'worker', await bundle(source, false));
  })();
  workerEntry.catch(() => (workerEntry = undefined));
  return workerEntry;
}
