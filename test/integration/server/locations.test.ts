// Issue 12: the local coordinator reports snapshot locations the way Flink's JobManager does, as file: URIs
// with one slash (fixtures/rest/*/savepoint-status-completed.json, checkpoints.json), in every REST response
// that carries one; and what it reports is accepted back (restore from it).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../../src/cli/services/submit.js';
import { HttpTransport } from '../../../src/client/http.js';
import { FlinkRestClient } from '../../../src/client/rest-client.js';
import { JobManager } from '../../../src/coordinator/job-manager.js';
import { pointerToPath } from '../../../src/domain/pointers.js';
import { startRestServer, type RunningRestServer } from '../../../src/server/rest-server.js';
import { until } from '../../support/until.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-locations-'));
const savepointDir = path.join(root, 'savepoints');
let server: RunningRestServer;
let jm: JobManager;
let client: FlinkRestClient;
let jarId = '';

/** Flink's form: `file:` and an absolute path with one leading slash, naming a directory that exists. */
function expectFlinkLocation(location: string | undefined, under: string): void {
  expect(location).toMatch(/^file:\/[^/]/);
  expect(location!.startsWith(`file:${under}/`)).toBe(true);
  expect(existsSync(pointerToPath(location!)!)).toBe(true);
}

const args = (name: string) => ['--out', path.join(root, name), '--sequence', '1000000', '--rate', '400', '--users', '3', '--checkpoint-interval', '200'];

async function savepointOf(jobId: string, target?: string): Promise<string> {
  const trigger = await client.triggerSavepoint(jobId, target ? { 'target-directory': target } : {});
  const done = await until('the savepoint', async () => {
    const s = await client.savepointStatus(jobId, trigger);
    return s.status.id === 'COMPLETED' ? s : undefined;
  });
  return done.operation!.location!;
}

beforeAll(async () => {
  jm = new JobManager({
    stateDir: path.join(root, 'state'),
    settings: { checkpointDir: path.join(root, 'checkpoints'), savepointDir, numRetained: 1, timeoutMs: 30_000, minPauseMs: 0, persistentCheckpoints: true },
    restartStrategy: { type: 'none' },
    log: () => {},
  });
  await jm.recover();
  server = await startRestServer({ dispatcher: jm, port: 0 });
  client = new FlinkRestClient(new HttpTransport({ baseUrl: server.url, headers: {}, timeoutMs: 10_000, retries: 0 }));
  const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs/counter.ts'));
  jarId = await client.uploadJar(bundle, { contentType: 'text/javascript', fileName: 'counter.mjs' });
  await cleanup();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await jm?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("locations in Flink's form", () => {
  it('savepoint status, checkpoint statistics, checkpoint details and the FLIP-10 list; a restore from what was reported', async () => {
    const jobId = await client.runJar(jarId, { programArgsList: args('out-1') });
    await until('a checkpoint', async () => ((await client.checkpoints(jobId)).counts.completed > 0 ? true : undefined));
    const adHoc = path.join(root, 'adhoc');
    const location = await savepointOf(jobId, adHoc);
    expectFlinkLocation(location, adHoc);

    const stats = await client.checkpoints(jobId);
    expectFlinkLocation(stats.latest.savepoint?.external_path, adHoc);
    expect(stats.latest.savepoint?.external_path).toBe(location);
    expectFlinkLocation(stats.latest.completed?.external_path, path.join(root, 'checkpoints'));
    const completed = stats.history.filter((h) => h.status === 'COMPLETED');
    expect(completed.length).toBeGreaterThan(0);
    for (const h of completed) expect(h.external_path).toMatch(/^file:\/[^/]/);
    const details = await client.checkpointDetails(jobId, stats.latest.completed!.id);
    expect(details.external_path).toBe(stats.latest.completed!.external_path);

    const list = await client.restorableSnapshots(jobId);
    expect(list.savepoints.length).toBeGreaterThan(0);
    for (const s of list.savepoints) expect(s.external_path).toMatch(/^file:\/[^/]/);
    expect(list.savepoints.map((s) => s.external_path)).toContain(location);

    // What the coordinator reported is what a client gives back (the same output: its sink state is in the savepoint).
    await client.cancel(jobId);
    await until('CANCELED', async () => ((await client.job(jobId)).state === 'CANCELED' ? true : undefined));
    const restored = await client.runJar(jarId, { programArgsList: args('out-1'), savepointPath: location });
    const restoredStats = await until('the restored job', async () => {
      const s = await client.checkpoints(restored);
      return s.latest.restored ? s : undefined;
    });
    expect(restoredStats.latest.restored?.external_path).toBe(location);
    await client.cancel(restored);
  }, 60_000);

  it('stop-with-savepoint reports its location the same way', async () => {
    const jobId = await client.runJar(jarId, { programArgsList: args('out-3') });
    await until('RUNNING', async () => ((await client.job(jobId)).state === 'RUNNING' ? true : undefined));
    const trigger = await client.stopWithSavepoint(jobId, { drain: false });
    const done = await until('the stop', async () => {
      const s = await client.savepointStatus(jobId, trigger);
      return s.status.id === 'COMPLETED' ? s : undefined;
    });
    expectFlinkLocation(done.operation?.location, savepointDir);
  }, 60_000);
});
