// Faults around snapshot directories, on a real JobManager (runtime, storage, coordinator) in-process:
// a directory creation that hangs, and what a crash leaves in a job record.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../../src/cli/services/submit.js';
import { forManualSavepoint } from '../../../src/domain/snapshot-properties.js';
import { JobManager, type JobManagerOptions } from '../../../src/coordinator/job-manager.js';
import { FlinkViews } from '../../../src/server/views/flink-views.js';
import { localStorage } from '../../support/storage.js';
import { until } from '../../support/until.js';

/** Flink's JSON views of the job manager's jobs, as the REST server renders them. */
const views = (jm: JobManager) => new FlinkViews(jm);

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let managers: JobManager[] = [];
afterEach(async () => {
  await Promise.all(managers.map((m) => m.close()));
  managers = [];
});

let seq = 0;
function manager(stateDir: string, extra: Partial<JobManagerOptions> = {}, timeoutMs = 30_000) {
  const log: string[] = [];
  const jm = new JobManager({
    stateDir,
    settings: {
      checkpointDir: path.join(stateDir, 'checkpoints'),
      savepointDir: path.join(stateDir, 'savepoints'),
      numRetained: 1,
      timeoutMs,
      minPauseMs: 0,
      persistentCheckpoints: false,
    },
    restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 100 },
    log: (line) => log.push(line),
    ...extra,
  });
  managers.push(jm);
  return { jm, log };
}

async function submit(jm: JobManager, fixture: string, args: string[]): Promise<string> {
  const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs', fixture));
  try {
    const artifact = await jm.uploadArtifact(path.basename(bundle), createReadStream(bundle));
    return await jm.runArtifact(artifact.id, { args });
  } finally {
    await cleanup();
  }
}

const stateOf = async (jm: JobManager, id: string) => (await views(jm).job(id)).state;
const record = (stateDir: string, jobId: string) => JSON.parse(readFileSync(path.join(stateDir, 'jobs', jobId, 'job.json'), 'utf8'));

describe('a snapshot directory whose creation hangs', () => {
  // A real hang of mkdir needs a dead network or FUSE mount, which this machine cannot provide; so the
  // directory-creating function the coordinator takes is replaced by one that does not return for the
  // first checkpoint (until the test lets it), and is the real one otherwise.
  it('expires that checkpoint within the timeout, never blocks the next ones, and its late directory is removed', async () => {
    const stateDir = path.join(root, `state-${++seq}`);
    let release: (() => void) | undefined;
    let stuckDir: string | undefined;
    const seenInRecord: boolean[] = [];
    let jobId = '';
    const { jm } = manager(
      stateDir,
      {
        createSnapshotDirectory: async (dir) => {
          // The record on disk names the directory before it exists: a crash now leaves nothing unknown.
          seenInRecord.push((record(stateDir, jobId).snapshots as Array<{ pointer: string }>).some((e) => e.pointer === dir));
          if (stuckDir === undefined && path.basename(dir).startsWith('chk-')) {
            stuckDir = dir;
            await new Promise<void>((resolve) => (release = resolve));
          }
          await localStorage.writer.create(dir);
        },
      },
      1500,
    );
    jobId = await submit(jm, 'no-checkpointing.mjs', ['100000000', '200']);
    await until('RUNNING', async () => ((await stateOf(jm, jobId)) === 'RUNNING' ? true : undefined));

    await expect(jm.checkpoint(jobId)).rejects.toMatchObject({
      reason: 'CHECKPOINT_EXPIRED',
      message: expect.stringMatching(/Creating \S+chk-\d+ did not finish within 1500 ms/),
    });
    // The next checkpoint and a savepoint complete while the first creation still hangs.
    const next = await jm.checkpoint(jobId);
    expect(existsSync(path.join(stateDir, 'checkpoints', jobId, `chk-${next}`, '_metadata'))).toBe(true);
    const savepoint = await jm.savepoint(jobId, { cancelJob: false, format: 'canonical' });
    expect(existsSync(path.join(savepoint, '_metadata'))).toBe(true);
    expect(seenInRecord.length).toBeGreaterThanOrEqual(3);
    expect(seenInRecord.every(Boolean)).toBe(true);

    const history = (await views(jm).checkpointStatistics(jobId)).history;
    expect(history.find((h) => h.status === 'FAILED')).toMatchObject({
      failure_message: expect.stringContaining('did not complete before execution.checkpointing.timeout'),
    });

    // The stuck creation finishes after all: what it made is cleaned up.
    release!();
    await until('the late directory removed', () => (existsSync(stuckDir!) ? undefined : true));
    await jm.cancel(jobId);
  }, 60_000);
});

describe('recovery after a crash', () => {
  it("settles a finished job's in-progress snapshots as FAILED and removes their partial directories and record temp files", async () => {
    const stateDir = path.join(root, `state-${++seq}`);
    const first = manager(stateDir);
    const jobId = await submit(first.jm, 'counter.ts', [
      '--out',
      path.join(root, `out-${seq}`),
      '--sequence',
      '300',
      '--rate',
      '2000',
      '--users',
      '3',
      '--checkpoint-interval',
      '100',
    ]);
    await until('FINISHED', async () => ((await stateOf(first.jm, jobId)) === 'FINISHED' ? true : undefined));
    const keptSavepoint = await (async () => {
      // A completed savepoint of another job in the same directory must stay.
      const dir = path.join(stateDir, 'savepoints', `savepoint-${jobId.slice(0, 6)}-aaaaaaaaaaaa`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, '_metadata'), 'x');
      return dir;
    })();
    await first.jm.close();

    // What a kill -9 in the middle of a savepoint and of a record write leaves behind.
    const partial = path.join(stateDir, 'savepoints', `savepoint-${jobId.slice(0, 6)}-0123456789ab`);
    await mkdir(path.join(partial, 'op-1'), { recursive: true });
    writeFileSync(path.join(partial, 'op-1', 'state-0'), 'half');
    const file = path.join(stateDir, 'jobs', jobId, 'job.json');
    const crashed = JSON.parse(readFileSync(file, 'utf8'));
    const id = crashed.nextSnapshotId;
    crashed.snapshots.push(
      {
        id,
        pointer: partial,
        properties: forManualSavepoint(),
        completedAt: 0,
        status: 'IN_PROGRESS',
        triggeredAt: Date.now(),
        stateSize: 0,
        numSubtasks: 3,
        numAcknowledged: 1,
        discarded: false,
      },
      {
        id: id + 1,
        pointer: keptSavepoint,
        properties: forManualSavepoint(),
        completedAt: 0,
        status: 'IN_PROGRESS',
        triggeredAt: Date.now(),
        stateSize: 0,
        numSubtasks: 3,
        numAcknowledged: 3,
        discarded: false,
      },
    );
    crashed.nextSnapshotId = id + 2;
    writeFileSync(file, JSON.stringify(crashed));
    writeFileSync(`${file}.1a2b3c4d.tmp`, '{"version":1,');

    const second = manager(stateDir);
    await second.jm.recover();
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(path.join(keptSavepoint, '_metadata'))).toBe(true);
    expect(readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const stats = await views(second.jm).checkpointStatistics(jobId);
    expect(stats.counts.in_progress).toBe(0);
    expect(stats.history.filter((h) => h.id >= id).map((h) => [h.id, h.status, h.failure_message])).toEqual([
      [id + 1, 'FAILED', 'The coordinator stopped before it completed.'],
      [id, 'FAILED', 'The coordinator stopped before it completed.'],
    ]);
    expect(await stateOf(second.jm, jobId)).toBe('FINISHED');
    // Settled durably: the record on disk says so too.
    await until('record settled on disk', () =>
      (record(stateDir, jobId).snapshots as Array<{ status: string }>).some((e) => e.status === 'IN_PROGRESS') ? undefined : true,
    );
    expect(second.log.some((l) => l.includes(`Removed the partial savepoint ${id}`))).toBe(true);
  }, 60_000);
});
