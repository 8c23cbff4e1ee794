// Submitting a job the way Flink's web submission does: POST /jars/upload, then POST /jars/:id/run.
// A .jar goes to Apache Flink as it is; a JavaScript/TypeScript job module is bundled with its relative
// imports into one file first (esbuild), so a job split over several files still runs on the coordinator.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClaimMode, JarRunRequest } from '../client/dto.js';
import type { FlinkRestClient } from '../client/rest-client.js';
import { NotFoundError, OperationError, UsageError } from '../domain/errors.js';

export type ArtifactKind = 'jar' | 'module';

export function artifactKind(file: string): ArtifactKind {
  if (/\.jar$/i.test(file)) return 'jar';
  if (/\.(m|c)?js$|\.(m|c)?ts$/i.test(file)) return 'module';
  throw new UsageError(`Cannot run '${file}': expected a job module (.js, .mjs, .ts) or a jar file (.jar).`);
}

export interface SubmitRequest {
  artifact: string;
  args: string[];
  entryClass?: string;
  parallelism?: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  claimMode?: ClaimMode;
  jobId?: string;
}

export interface Submitted {
  jobId: string;
  jarId: string;
}

/** Bundles a job module into one ES module file; returns its path (in a temp dir the caller removes). */
export async function bundleJobModule(file: string): Promise<{ bundle: string; cleanup: () => Promise<void> }> {
  const { build } = await import('esbuild');
  const dir = await mkdtemp(path.join(tmpdir(), 'flink-job-'));
  const bundle = path.join(dir, `${path.basename(file).replace(/\.(m|c)?(t|j)s$/i, '')}.mjs`);
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      // No require() shim here: the coordinator bundles the module again and adds its own.
    });
    await writeFile(bundle, result.outputFiles[0].contents);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const first = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } }> }).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new OperationError(`Cannot bundle job module ${file}: ${first?.text ?? (error as Error).message}${where}`);
  }
  return { bundle, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function submitJob(client: FlinkRestClient, request: SubmitRequest, _warn: (line: string) => void): Promise<Submitted> {
  if (!existsSync(request.artifact)) throw new NotFoundError(`Job file not found: ${request.artifact}`);
  const kind = artifactKind(request.artifact);
  let jarId: string;
  if (kind === 'module') {
    const { bundle, cleanup } = await bundleJobModule(request.artifact);
    try {
      jarId = await client.uploadJar(bundle, { contentType: 'text/javascript', fileName: path.basename(bundle) });
    } finally {
      await cleanup();
    }
  } else {
    jarId = await client.uploadJar(request.artifact);
  }
  const body: JarRunRequest = { programArgsList: request.args };
  if (request.entryClass) body.entryClass = request.entryClass;
  if (request.parallelism !== undefined) body.parallelism = request.parallelism;
  if (request.jobId) body.jobId = request.jobId;
  if (request.savepointPath) {
    body.savepointPath = request.savepointPath;
    body.allowNonRestoredState = request.allowNonRestoredState ?? false;
    if (request.claimMode) {
      // Flink 1.20 renamed restoreMode to claimMode; older clusters only know restoreMode.
      const caps = await client.capabilities();
      const old = caps.kind === 'flink' && caps.flinkVersion !== undefined && (caps.flinkVersion[0] < 1 || (caps.flinkVersion[0] === 1 && caps.flinkVersion[1] < 20));
      if (old) body.restoreMode = request.claimMode;
      else body.claimMode = request.claimMode;
    }
  }
  // The local coordinator removes the upload of a failed submission itself.
  return { jobId: await client.runJar(jarId, body), jarId };
}
