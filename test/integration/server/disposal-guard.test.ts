// POST /v1/savepoint-disposal on a real local coordinator goes through the one disposal guard: what is not a
// snapshot by content, symbolic links, and snapshots a running job needs are refused (the refusal is the
// operation's failure-cause, as Flink reports it) and nothing is deleted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../../src/cli/services/submit.js';
import { HttpTransport } from '../../../src/client/http.js';
import { FlinkRestClient } from '../../../src/client/rest-client.js';
import { JobManager } from '../../../src/coordinator/job-manager.js';
import { startRestServer, type RunningRestServer } from '../../../src/server/rest-server.js';
import { pointerToPath } from '../../../src/domain/pointers.js';
import { until } from '../../support/until.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-guard-'));
const savepointDir = path.join(root, 'savepoints');
const checkpointDir = path.join(root, 'checkpoints');
let server: RunningRestServer;
let jm: JobManager;
let client: FlinkRestClient;

beforeAll(async () => {
  jm = new JobManager({
    stateDir: path.join(root, 'state'),
    settings: { checkpointDir, savepointDir, numRetained: 1, timeoutMs: 30_000, minPauseMs: 0, persistentCheckpoints: true },
    restartStrategy: { type: 'none' },
    log: () => {},
  });
  await jm.recover();
  server = await startRestServer({ dispatcher: jm, port: 0, maxJsonBytes: 64 * 1024, maxUploadBytes: 2 * 1024 * 1024 });
  client = new FlinkRestClient(new HttpTransport({ baseUrl: server.url, headers: {}, timeoutMs: 10_000, retries: 0 }));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await jm?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Requests a disposal and waits for its result: the failure cause's text, or undefined when it succeeded. */
async function dispose(pointer: string): Promise<string | undefined> {
  const trigger = await client.disposeSavepoint(pointer);
  const done = await until('the disposal to finish', async () => {
    const s = await client.disposalStatus(trigger);
    return s.status.id === 'COMPLETED' ? s : undefined;
  });
  return done.operation?.['failure-cause']?.['stack-trace'];
}

/** A directory with a file called _metadata plus unrelated files and sub-directories. */
function unrelatedTree(dir: string): string[] {
  mkdirSync(path.join(dir, 'photos', '2024'), { recursive: true });
  writeFileSync(path.join(dir, '_metadata'), 'my notes, not a snapshot\n');
  writeFileSync(path.join(dir, 'thesis.tex'), '\\documentclass{article}\n');
  writeFileSync(path.join(dir, 'photos', '2024', 'a.jpg'), 'jpeg');
  return ['_metadata', 'thesis.tex', 'photos/2024/a.jpg'].map((f) => path.join(dir, f));
}

describe('POST /savepoint-disposal refuses, deleting nothing', () => {
  it('a symbolic link named like a savepoint, pointing at a directory that holds a _metadata file', async () => {
    const elsewhere = path.join(root, 'home', 'user');
    const files = unrelatedTree(elsewhere);
    mkdirSync(savepointDir, { recursive: true });
    const link = path.join(savepointDir, 'savepoint-abcdef-0123456789ab');
    symlinkSync(elsewhere, link);
    const cause = await dispose(link);
    expect(cause).toMatch(/symbolic link/);
    for (const f of files) expect(existsSync(f)).toBe(true);
    expect(existsSync(link)).toBe(true);
  });

  it('the same tree reached through its _metadata file behind the link', async () => {
    const cause = await dispose(path.join(savepointDir, 'savepoint-abcdef-0123456789ab', '_metadata'));
    expect(cause).toMatch(/symbolic link/);
    expect(existsSync(path.join(root, 'home', 'user', 'thesis.tex'))).toBe(true);
  });

  it('a chk-3/ whose _metadata is junk', async () => {
    const chk = path.join(checkpointDir, '0123456789abcdef0123456789abcdef', 'chk-3');
    mkdirSync(chk, { recursive: true });
    writeFileSync(path.join(chk, '_metadata'), 'junk junk junk');
    writeFileSync(path.join(chk, 'state'), 'x');
    const cause = await dispose(chk);
    expect(cause).toMatch(/not a snapshot/);
    expect(readdirSync(chk).sort()).toEqual(['_metadata', 'state']);
  });

  it("a savepoint-* directory whose _metadata carries Flink's magic number with an unknown version", async () => {
    const dir = path.join(savepointDir, 'savepoint-abcdef-00000000000f');
    mkdirSync(dir, { recursive: true });
    const bytes = Buffer.alloc(16);
    bytes.writeUInt32BE(0x4960672d, 0);
    bytes.writeInt32BE(99, 4);
    writeFileSync(path.join(dir, '_metadata'), bytes);
    expect(await dispose(dir)).toMatch(/unknown version 99/);
    expect(existsSync(path.join(dir, '_metadata'))).toBe(true);
  });

  it('the newest restorable snapshot of a running job; once it has a newer one, the older goes', async () => {
    const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs/counter.ts'));
    const jarId = await client.uploadJar(bundle, { contentType: 'text/javascript', fileName: 'counter.mjs' });
    await cleanup();
    // No periodic checkpoints: the savepoint stays the job's newest snapshot until we take another.
    const jobId = await client.runJar(jarId, {
      programArgsList: ['--out', path.join(root, 'out'), '--sequence', '1000000', '--rate', '200', '--users', '3', '--checkpoint-interval', '3600000'],
      parallelism: 1,
    });
    await until('RUNNING', async () => ((await client.job(jobId)).state === 'RUNNING' ? true : undefined));
    const takeSavepoint = async () => {
      const trigger = await client.triggerSavepoint(jobId, { 'cancel-job': false });
      return until('the savepoint', async () => {
        const s = await client.savepointStatus(jobId, trigger);
        // The location is Flink's form (file:/...); the test works on the directory.
        return s.status.id === 'COMPLETED' && s.operation?.location ? pointerToPath(s.operation.location) : undefined;
      });
    };
    const first = (await takeSavepoint())!;
    expect(await dispose(first)).toMatch(/newest restorable snapshot of job/);
    expect(existsSync(path.join(first, '_metadata'))).toBe(true);
    await takeSavepoint();
    expect(await dispose(first)).toBeUndefined();
    expect(existsSync(first)).toBe(false);
    await client.cancel(jobId);
  }, 60_000);
});
