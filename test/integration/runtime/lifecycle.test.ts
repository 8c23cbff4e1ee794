// Snapshot and job lifecycle through the host API: plans and fingerprints, stop-with-savepoint
// (completed and aborted), triggers on ended jobs, savepoints of a job without checkpointing, and the
// uid rules of restore (allowNonRestoredState).

import { afterAll, describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildPlan, startJob, SnapshotFailedError } from '../../../src/runtime/host.js';
import { localStorage } from '../../support/storage.js';
import { captureStream, committedLines, completeSnapshot, JOBS, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('plans', () => {
  test('the buggy and the fixed counter share uids and fingerprint; the build phase sees args and -p', async () => {
    const args = ['--out', '/tmp/unused', '--input', '/tmp/unused.txt'];
    const [buggy, fixed, sequence] = await Promise.all([
      buildPlan({ artifactPath: join(JOBS, 'counter-buggy.ts'), args, parallelism: 3 }),
      buildPlan({ artifactPath: join(JOBS, 'counter-fixed.ts'), args }),
      buildPlan({
        artifactPath: join(JOBS, 'counter.ts'),
        args: ['--out', '/tmp/unused', '--checkpoint-interval', '250', '--persistent-checkpoints', '/ckpt'],
      }),
    ]);
    expect(buggy.operators.map((o) => o.uid)).toEqual(['events-file', 'parse', 'valid', 'count', 'sink']);
    expect(buggy.operators.every((o) => o.parallelism === 3)).toBe(true);
    expect(fixed.fingerprint).toBe(buggy.fingerprint);
    expect(sequence.fingerprint).not.toBe(buggy.fingerprint);
    expect(sequence.checkpointConfig).toEqual({
      checkpointIntervalMs: 250,
      persistentCheckpoints: { enabled: true, path: '/ckpt' },
      periodicSavepoints: { enabled: false },
    });
    const none = await buildPlan({ artifactPath: join(JOBS, 'no-checkpointing.mjs') });
    expect(none.checkpointConfig.checkpointIntervalMs).toBeUndefined();
  });

  test('a job that does not build is reported with its error', async () => {
    await expect(buildPlan({ artifactPath: join(JOBS, 'counter.ts'), args: [] })).rejects.toThrow(/--out <directory> is required/);
    await expect(startJob({ artifactPath: join(JOBS, 'missing.ts') })).rejects.toThrow(/does not exist/);
    const work = await tempDir();
    const broken = join(work, 'broken.ts');
    await writeFile(broken, 'export default (env) => { env.fromSequence(1 ; }');
    await expect(startJob({ artifactPath: broken })).rejects.toThrow(/cannot build job .*broken\.ts:1/);
  });
});

describe('stop with savepoint', () => {
  test('a completed stop ends the job with everything before the barrier committed', async () => {
    const work = await tempDir();
    const out = join(work, 'out');
    const job = await startJob({ artifactPath: join(JOBS, 'counter.ts'), args: ['--out', out, '--rate', '5000', '--sequence', '1000000'], parallelism: 2 });
    const statuses: string[] = [];
    job.on('status', (s: string) => statuses.push(s));
    await delay(100);
    const { directory, result } = await completeSnapshot(job, work, 1, 'savepoint', true);
    expect(job.status).toBe('RUNNING'); // until the savepoint is known to be complete
    await job.notifyComplete(1);
    expect(await job.done).toEqual({ status: 'FINISHED' });
    expect(statuses).toEqual(['FINISHED']);
    const splits = (result.operators[0].state as { subtasks: Array<{ splits: Array<{ next: number }> }> }).subtasks.map((s) => s.splits[0].next);
    // Two splits of the sequence 0..999999 (even and odd numbers): what was emitted is what was committed.
    const emitted = splits[0] / 2 + (splits[1] - 1) / 2;
    expect((await committedLines(out)).length).toBe(emitted);
    expect((await localStorage.read(directory)).metadata.trigger).toBe('stop');
  });

  test('an aborted stop lets the job run on; cancel ends it', async () => {
    const work = await tempDir();
    const job = await startJob({ artifactPath: join(JOBS, 'counter.ts'), args: ['--out', join(work, 'out'), '--rate', '5000', '--sequence', '1000000'] });
    const directory = await localStorage.writer.createSavepoint(work, job.jobId);
    await job.stop({ id: 1, directory, drain: true });
    await job.abortSnapshot(1);
    await localStorage.writer.abort(directory);
    const before = job.snapshotsInProgress();
    expect(before).toEqual([]);
    await delay(50);
    // Still running and still snapshotting: the next snapshot sees progress past the aborted one.
    const { result } = await completeSnapshot(job, work, 2);
    expect(job.status).toBe('RUNNING');
    expect((result.operators[0].state as { subtasks: Array<{ splits: Array<{ next: number }> }> }).subtasks[0].splits[0].next).toBeGreaterThan(100);
    expect(await job.cancel()).toEqual({ status: 'CANCELED' });
    await expect(job.triggerSnapshot({ id: 3, directory: join(work, 'x') })).rejects.toMatchObject({ reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
  });
});

describe('snapshots', () => {
  test('a job without checkpointing can still take a savepoint (FLIP-10), with progress events', async () => {
    const work = await tempDir();
    const cap = captureStream();
    const job = await startJob({ artifactPath: join(JOBS, 'no-checkpointing.mjs'), args: ['100000000', '2000'], stdout: cap.stream });
    expect(job.plan.checkpointConfig.checkpointIntervalMs).toBeUndefined();
    const progress: number[] = [];
    job.on('snapshot-progress', (p: { acknowledged: number; total: number }) => progress.push(p.acknowledged / p.total));
    await delay(50);
    const duplicate = job.triggerSnapshot({ id: 7, directory: await localStorage.writer.createSavepoint(work, job.jobId) });
    await expect(job.triggerSnapshot({ id: 7, directory: join(work, 'dup') })).rejects.toBeInstanceOf(SnapshotFailedError);
    const result = await duplicate;
    expect(progress).toEqual([1 / 3, 2 / 3, 1]);
    expect(result.files).toHaveLength(1); // the keyed state of 'residues'
    expect(result.operators.map((o) => [o.uid, o.state === undefined])).toEqual([
      ['numbers', false],
      ['residues', false],
      ['print', true],
    ]);
    await job.cancel();
    expect(cap.text()).toMatch(/^0:1$/m);
  });

  test('a snapshot not acknowledged in time expires; the job runs on and the next one completes', async () => {
    const work = await tempDir();
    const job = await startJob({ artifactPath: join(JOBS, 'misbehaving.ts'), args: ['slow', '150'], stdout: captureStream().stream });
    await delay(20);
    await expect(job.triggerSnapshot({ id: 1, directory: await localStorage.writer.createSavepoint(work, job.jobId), timeoutMs: 10 })).rejects.toMatchObject({
      reason: 'CHECKPOINT_EXPIRED',
    });
    expect(job.snapshotsInProgress()).toEqual([]);
    expect(job.status).toBe('RUNNING');
    await completeSnapshot(job, work, 2, 'savepoint');
    await job.cancel();
  });

  test('a snapshot that cannot write its state is declined and the job keeps running', async () => {
    const work = await tempDir();
    const job = await startJob({ artifactPath: join(JOBS, 'no-checkpointing.mjs'), args: ['100000000', '2000'], stdout: captureStream().stream });
    await delay(30);
    const file = join(work, 'not-a-directory');
    await writeFile(file, 'x');
    await expect(job.triggerSnapshot({ id: 1, directory: file })).rejects.toMatchObject({ reason: 'CHECKPOINT_DECLINED' });
    expect(job.status).toBe('RUNNING');
    await completeSnapshot(job, work, 2);
    await job.cancel();
  });
});

describe('restore by uid', () => {
  test('state of a removed operator fails the restore unless allowNonRestoredState', async () => {
    const work = await tempDir();
    const out = join(work, 'out');
    const job = await startJob({ artifactPath: join(JOBS, 'counter.ts'), args: ['--out', out, '--sequence', '20000', '--rate', '5000'] });
    await delay(50);
    const { directory } = await completeSnapshot(job, work, 1, 'savepoint');
    await job.cancel();

    const changed = join(work, 'changed.mjs');
    await writeFile(
      changed,
      `export default async (env, [out]) => {
        env.fromSequence(0, 19999).uid('events-sequence').map((n) => 'n' + n).uid('to-line').sinkToFile(out).uid('sink');
        await env.execute('changed');
      };`,
    );
    await expect(startJob({ artifactPath: changed, args: [out], restoreFrom: { snapshot: directory } })).rejects.toThrow(
      /state for operator uid "count" that the job no longer has/,
    );
    const restored = await startJob({ artifactPath: changed, args: [out], restoreFrom: { snapshot: directory, allowNonRestoredState: true } });
    expect(restored.restored).toMatchObject({ restored: ['events-sequence', 'sink'], notRestored: ['count'] });
    expect(await restored.done).toEqual({ status: 'FINISHED' });
    // The source went on from its restored position instead of starting over.
    const numbers = (await committedLines(out)).filter((l) => l.startsWith('n')).map((l) => Number(l.slice(1)));
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.length).toBeLessThan(20000);
    expect(numbers.reduce((a, b) => Math.min(a, b))).toBeGreaterThan(0);
  });

  test('a corrupt state file is detected before the job starts', async () => {
    const work = await tempDir();
    const job = await startJob({ artifactPath: join(JOBS, 'no-checkpointing.mjs'), args: ['100000000', '2000'], stdout: captureStream().stream });
    await delay(30);
    const { directory, result } = await completeSnapshot(job, work, 1, 'savepoint');
    await job.cancel();
    await writeFile(join(directory, result.files[0].name), 'tampered');
    await expect(startJob({ artifactPath: join(JOBS, 'no-checkpointing.mjs'), restoreFrom: { snapshot: directory } })).rejects.toThrow(/cannot restore from/);
  });
});
