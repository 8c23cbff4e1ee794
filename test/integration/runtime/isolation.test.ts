// One bad job (endless loop, throw, process.exit, out of memory, async throw, loop in the build phase)
// fails alone: the host stays responsive and another job runs to a correct, exactly-once end.

import { afterAll, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startJob, type RunningJob } from '../../../src/runtime/host.js';
import { captureStream, committedLines, completeSnapshot, JOBS, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

test('misbehaving jobs fail alone; a healthy job next to them completes exactly once', async () => {
  const work = await tempDir();
  const out = join(work, 'out');
  const N = 12_000;
  const healthy = await startJob({
    artifactPath: join(JOBS, 'counter.ts'),
    // Slow enough to still run once the misbehaving jobs' processes are up (a process start is slower than a thread's).
    args: ['--out', out, '--sequence', String(N), '--users', '5', '--rate', '2000'],
    parallelism: 2,
  });

  const sink = captureStream();
  const bad = (mode: string, extra: { maxHeapMb?: number; heartbeatTimeoutMs?: number } = {}) =>
    startJob({
      artifactPath: join(JOBS, 'misbehaving.ts'),
      args: [mode, '20'],
      stdout: sink.stream,
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 800,
      ...extra,
    });
  const started = await Promise.all([bad('loop'), bad('throw'), bad('exit'), bad('async-throw'), bad('oom', { maxHeapMb: 48, heartbeatTimeoutMs: 20_000 })]);
  const buildLoop = startJob({ artifactPath: join(JOBS, 'misbehaving.ts'), args: ['loop-at-build'], heartbeatIntervalMs: 100, heartbeatTimeoutMs: 800 }).then(
    () => new Error('started'),
    (error: Error) => error,
  );

  // The host keeps checkpointing the healthy job while the others spin, throw, exit and run out of memory.
  let id = 1;
  const snapshots = join(work, 'checkpoints');
  while (healthy.status === 'RUNNING') {
    try {
      const { result } = await completeSnapshot(healthy, snapshots, id);
      expect(result.operators).toHaveLength(6);
      await healthy.notifyComplete(id++);
    } catch (error) {
      if (healthy.status === 'RUNNING' && (error as { reason?: string }).reason !== 'NOT_ALL_REQUIRED_TASKS_RUNNING') throw error;
    }
    await delay(25);
  }

  const outcomes = await Promise.all(started.map((job: RunningJob) => job.done));
  expect(outcomes.map((o) => o.status)).toEqual(['FAILED', 'FAILED', 'FAILED', 'FAILED', 'FAILED']);
  const [loop, thrown, exited, asyncThrown, oom] = outcomes.map((o) => o.error!.message);
  expect(loop).toMatch(/did not respond for \d+ ms/);
  expect(thrown).toBe('bad record 20');
  expect(exited).toMatch(/exited unexpectedly \(exit code 3\)/);
  expect(asyncThrown).toBe('async failure after record 20');
  expect(oom).toMatch(/out of memory/i);
  expect((await buildLoop).message).toMatch(/failed to start: the job's TaskManager process did not respond/);

  expect(await healthy.done).toEqual({ status: 'FINISHED' });
  expect(id).toBeGreaterThan(1); // snapshots of the healthy job completed meanwhile
  const lines = await committedLines(out);
  expect(lines).toHaveLength(N);
  expect(new Set(lines).size).toBe(N);
});
