// Submitting a job the way Flink's web submission does: POST /jars/upload, then POST /jars/:id/run.
// A .jar goes to Apache Flink as it is; a JavaScript/TypeScript job module is bundled with its relative
// imports into one file first (esbuild), so a job split over several files still runs on the coordinator.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClaimMode, JarRunRequest } from '../../rest-api/types.js';
import type { FlinkApi } from '../../client/rest-client.js';
import { FlinkCliError, NotFoundError, OperationError, UsageError } from '../../domain/errors.js';

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

/** What can be known about a job file without a cluster: it exists and is a module or a jar. */
export function checkArtifact(file: string, cwd: string = process.cwd()): ArtifactKind {
  if (!existsSync(path.resolve(cwd, file))) throw new NotFoundError(`Job file not found: ${file}`);
  return artifactKind(file);
}

/** A job file ready to upload: a jar as it is, a module bundled (locally, before any cluster is involved). */
export interface PreparedArtifact {
  kind: ArtifactKind;
  upload: string;
  cleanup: () => Promise<void>;
}

export async function prepareArtifact(file: string): Promise<PreparedArtifact> {
  const kind = checkArtifact(file);
  if (kind === 'jar') return { kind, upload: file, cleanup: async () => {} };
  const { bundle, cleanup } = await bundleJobModule(file);
  return { kind, upload: bundle, cleanup };
}

export async function submitJob(client: FlinkApi, request: SubmitRequest, warn: (line: string) => void): Promise<Submitted> {
  const prepared = await prepareArtifact(request.artifact);
  try {
    return await submitPrepared(client, prepared, request, warn);
  } finally {
    await prepared.cleanup();
  }
}

/** Uploads a prepared artifact (a module with its content type); returns the jar id. */
export async function uploadPrepared(client: FlinkApi, prepared: PreparedArtifact): Promise<string> {
  return prepared.kind === 'module'
    ? client.uploadJar(prepared.upload, { contentType: 'text/javascript', fileName: path.basename(prepared.upload) })
    : client.uploadJar(prepared.upload);
}

/**
 * Uploads a prepared artifact and runs it; a run the cluster refuses leaves no uploaded artifact behind.
 * `check` runs between upload and run (the restore pre-flight); its refusal also removes the upload.
 */
export async function submitPrepared(
  client: FlinkApi,
  prepared: PreparedArtifact,
  request: SubmitRequest,
  warn: (line: string) => void,
  check?: (jarId: string) => Promise<void>,
): Promise<Submitted> {
  const jarId = await uploadPrepared(client, prepared);
  try {
    if (check) await check(jarId);
    return { jobId: await client.runJar(jarId, await runRequest(client, request)), jarId };
  } catch (error) {
    // A refused run leaves nothing uploaded behind (a timed-out one may still be starting: keep its artifact).
    if (!(error instanceof FlinkCliError && error.kind === 'timeout')) {
      // The local coordinator may have removed it already (not found is fine).
      await client
        .deleteJar(jarId)
        .catch((cause: Error) =>
          cause instanceof FlinkCliError && cause.kind === 'not-found'
            ? undefined
            : warn(`The uploaded ${prepared.kind === 'module' ? 'module' : 'jar'} ${jarId} could not be deleted: ${cause.message}`),
        );
    }
    throw error;
  }
}

async function runRequest(client: FlinkApi, request: SubmitRequest): Promise<JarRunRequest> {
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
      const old =
        caps.kind === 'flink' && caps.flinkVersion !== undefined && (caps.flinkVersion[0] < 1 || (caps.flinkVersion[0] === 1 && caps.flinkVersion[1] < 20));
      if (old) body.restoreMode = request.claimMode;
      else body.claimMode = request.claimMode;
    }
  }
  return body;
}
