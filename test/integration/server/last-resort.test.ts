// The REST server's error paths when its log cannot be written either (a full disk under the coordinator's
// log): it still answers every request and keeps serving.
import { afterAll, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobManager } from '../../../src/coordinator/job-manager.js';
import { startRestServer } from '../../../src/server/rest-server.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-last-resort-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('an internal error while the log throws ENOSPC: answered with 500, and the next request is served', async () => {
  const stateDir = path.join(root, 'state');
  const jm = new JobManager({
    stateDir,
    settings: { checkpointDir: path.join(root, 'checkpoints'), numRetained: 1, timeoutMs: 30_000, minPauseMs: 0, persistentCheckpoints: false },
    restartStrategy: { type: 'none' },
    log: () => {},
  });
  await jm.recover();
  let logCalls = 0;
  const server = await startRestServer({
    dispatcher: jm,
    port: 0,
    // What a synchronous append to a log on a full disk does.
    log: () => {
      logCalls++;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  });
  try {
    const form = new FormData();
    form.append('jarfile', new Blob([readFileSync('fixtures/jobs/no-checkpointing.mjs')]), 'job.mjs');
    const upload = await fetch(`${server.url}/v1/jars/upload`, { method: 'POST', body: form, signal: AbortSignal.timeout(10_000) });
    const jar = path.basename(((await upload.json()) as { filename: string }).filename);
    // A real I/O failure the server does not expect: the jobs directory is a file.
    rmSync(path.join(stateDir, 'jobs'), { recursive: true, force: true });
    writeFileSync(path.join(stateDir, 'jobs'), 'not a directory');
    const run = await fetch(`${server.url}/v1/jars/${jar}/run`, {
      method: 'POST',
      body: JSON.stringify({ programArgsList: ['1000', '10'] }),
      headers: { 'Content-Type': 'application/json' },
      signal: AbortSignal.timeout(20_000),
    });
    expect(run.status).toBe(500);
    expect(logCalls).toBeGreaterThan(0);
    const overview = await fetch(`${server.url}/v1/overview`, { signal: AbortSignal.timeout(10_000) });
    expect(overview.status).toBe(200);
  } finally {
    await server.close();
    await jm.close();
  }
});
