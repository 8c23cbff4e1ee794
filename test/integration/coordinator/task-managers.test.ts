// Job code runs in TaskManager processes: jobs that SIGKILL their process, exit, allocate without bound or
// throw each end FAILED after their restarts, with the cause in Flink's /jobs/:id/exceptions shape, while
// this process (the coordinator) stays up and a well-behaved job beside them commits exactly once. A new
// coordinator on the same state directory resumes the good job and leaves the failed ones failed.
import { afterAll, expect, test } from '@jest/globals';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../../src/cli/services/submit.js';
import { JobManager } from '../../../src/coordinator/job-manager.js';
import { FlinkViews } from '../../../src/server/views/flink-views.js';
import { counterOutput } from '../../support/counter-output.js';
import { until } from '../../support/until.js';

/** Flink's JSON views of the job manager's jobs, as the REST server renders them. */
const views = (jm: JobManager) => new FlinkViews(jm);

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-tm-'));
const managers: JobManager[] = [];
afterAll(async () => {
  await Promise.all(managers.map((m) => m.close()));
  rmSync(root, { recursive: true, force: true });
});

const stateDir = path.join(root, 'state');
function manager(): JobManager {
  const jm = new JobManager({
    stateDir,
    settings: {
      checkpointDir: path.join(stateDir, 'checkpoints'),
      savepointDir: path.join(root, 'savepoints'),
      numRetained: 1,
      timeoutMs: 30_000,
      minPauseMs: 0,
      persistentCheckpoints: false,
    },
    restartStrategy: { type: 'fixed-delay', attempts: 1, delayMs: 50 },
    taskManagerMemoryBytes: 192 * 1024 ** 2,
    log: () => {},
  });
  managers.push(jm);
  return jm;
}

async function submit(jm: JobManager, fixture: string, args: string[], savepointPath?: string): Promise<string> {
  const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs', fixture));
  try {
    const artifact = await jm.uploadArtifact(path.basename(bundle), createReadStream(bundle));
    return await jm.runArtifact(artifact.id, { args, ...(savepointPath ? { savepointPath } : {}) });
  } finally {
    await cleanup();
  }
}

const CAUSES: Record<string, RegExp> = {
  kill: /^TaskManagerException: the job's TaskManager process \(pid \d+\) was killed by signal SIGKILL$/,
  exit: /^TaskManagerException: the job's TaskManager process \(pid \d+\) exited unexpectedly \(exit code 3\)$/,
  hog: /^TaskManagerException: the job's TaskManager process used [\d.]+ MB of resident memory, [\d.]+ (MB|KB) over taskmanager\.memory\.process\.size \(192 MB\), and was killed$/,
  throw: /^Error: bad record 20$/,
};

test('misbehaving jobs fail with their cause; the coordinator and a good job carry on; a restart keeps both', async () => {
  const jm = manager();
  const out = path.join(root, 'out');
  const good = await submit(jm, 'counter.ts', ['--out', out, '--sequence', '100000000', '--rate', '2000', '--users', '7', '--checkpoint-interval', '100']);
  const bad = Object.fromEntries(await Promise.all(Object.keys(CAUSES).map(async (mode) => [mode, await submit(jm, 'misbehaving.ts', [mode, '20'])] as const)));

  for (const [mode, id] of Object.entries(bad)) {
    await until(`${mode} FAILED`, async () => ((await views(jm).job(id)).state === 'FAILED' ? true : undefined), 60_000);
    const exceptions = await views(jm).exceptions(id);
    // One restart, then FAILED: two root exceptions, newest first, each with the cause's trace.
    expect(exceptions.exceptionHistory.entries).toHaveLength(2);
    expect(exceptions.exceptionHistory.truncated).toBe(false);
    for (const entry of exceptions.exceptionHistory.entries) {
      expect(entry.stacktrace.split('\n')[0]).toMatch(CAUSES[mode]);
      expect(entry).toEqual(expect.objectContaining({ failureLabels: {}, concurrentExceptions: [], taskName: null }));
      expect(entry.taskManagerId).toMatch(/^local-taskmanager-\d+$/);
    }
    const [latest, first] = exceptions.exceptionHistory.entries;
    expect(latest.timestamp).toBeGreaterThanOrEqual(first.timestamp);
    expect(latest.taskManagerId).not.toBe(first.taskManagerId); // the restart ran in a new process
    expect(exceptions['root-exception']).toBe(latest.stacktrace);
    expect(exceptions.timestamp).toBe(latest.timestamp);
    expect((await views(jm).exceptions(id, 1)).exceptionHistory).toEqual({ entries: [latest], truncated: true });
    // The restart it used is on disk: the next coordinator does not grant it again.
    const onDisk = () => JSON.parse(readFileSync(path.join(stateDir, 'jobs', id, 'job.json'), 'utf8')) as { status: string; restarts?: number };
    await until(`${mode} FAILED on disk`, async () => (onDisk().status === 'FAILED' ? true : undefined));
    expect(onDisk().restarts).toBe(1);
  }

  expect((await views(jm).job(good)).state).toBe('RUNNING');
  expect((await views(jm).exceptions(good)).exceptionHistory.entries).toEqual([]);
  await until('good job commits', async () => (counterOutput(out).records > 500 ? true : undefined), 60_000);
  expect(counterOutput(out).exact).toBe(true);

  // The next coordinator on the same state: the good job resumes, the failed ones stay FAILED with their history.
  await jm.close();
  const next = manager();
  await next.recover();
  const before = counterOutput(out).records;
  await until(
    'good job resumed and commits',
    async () => ((await views(next).job(good)).state === 'RUNNING' && counterOutput(out).records > before + 200 ? true : undefined),
    60_000,
  );
  for (const [mode, id] of Object.entries(bad)) {
    expect((await views(next).job(id)).state).toBe('FAILED');
    expect((await views(next).exceptions(id)).exceptionHistory.entries[0].stacktrace.split('\n')[0]).toMatch(CAUSES[mode]);
  }
  expect(counterOutput(out).exact).toBe(true);
  await next.cancel(good);
}, 120_000);

test('a restore whose operator uid disappeared is refused with the hint to use -n', async () => {
  const jm = manager();
  const id = await submit(jm, 'typed-state.ts', ['number']);
  await until('RUNNING', async () => ((await views(jm).job(id)).state === 'RUNNING' ? true : undefined));
  const savepoint = await jm.savepoint(id, { cancelJob: true, format: 'canonical' });
  await expect(submit(jm, 'typed-state.ts', ['renamed'], savepoint)).rejects.toThrow(
    /failed to start: the snapshot has state for operator uid "tally" that the job no longer has\. Restore with --allowNonRestoredState \(-n\) to skip that state/,
  );
}, 60_000);

test('uploads no running job uses are removed: at once when the submission fails, on start once old', async () => {
  const dir = path.join(root, 'artifacts-state');
  const make = (ttl: number) => {
    const jm = new JobManager({
      stateDir: dir,
      settings: { checkpointDir: path.join(dir, 'checkpoints'), numRetained: 1, timeoutMs: 30_000, minPauseMs: 0, persistentCheckpoints: false },
      restartStrategy: { type: 'none' },
      artifactTtlMs: ttl,
      log: () => {},
    });
    managers.push(jm);
    return jm;
  };
  const upload = async (jm: JobManager, fixture: string) => {
    const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs', fixture));
    try {
      return (await jm.uploadArtifact(path.basename(bundle), createReadStream(bundle))).id;
    } finally {
      await cleanup();
    }
  };
  const jm = make(60 * 60_000);
  await jm.recover();
  // A module whose build phase throws: the submission fails and leaves nothing.
  const broken = await upload(jm, 'counter-v2-broken.ts');
  await expect(jm.runArtifact(broken, {})).rejects.toThrow(/required setting --region is missing/);
  expect((await jm.artifacts()).map((a) => a.id)).not.toContain(broken);

  const running = await upload(jm, 'typed-state.ts');
  const job = await jm.runArtifact(running, { args: ['number'] });
  const idle = await upload(jm, 'typed-state.ts');
  await jm.close();

  // The next start with a TTL of 0: the idle upload goes, the one the resumed job runs from stays.
  const next = make(0);
  await next.recover();
  const left = (await next.artifacts()).map((a) => a.id);
  expect(left).toContain(running);
  expect(left).not.toContain(idle);
  await next.cancel(job);
}, 60_000);
