// The job master's restart strategy, and FLIP-10's motivating case end to end at the runtime level: a job
// hits a bad record, exhausts its restarts (each restoring the latest completed checkpoint) and fails;
// the fixed job restores from the checkpoint it left and the output equals the reference.

import { afterAll, describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { JobMaster, restartStrategyFromConfig } from '../../../src/runtime/job-master.js';
import { captureStream, committedLines, completeSnapshot, JOBS, removeTempDirs, sorted, tempDir } from './helpers.js';

afterAll(removeTempDirs);

/** A stand-in for the checkpoint coordinator: periodic snapshots of whatever attempt is running. */
function checkpointLoop(master: JobMaster, base: string, intervalMs: number) {
  const state = { latest: undefined as string | undefined, completed: 0, stopped: false, nextId: 1 };
  const done = (async () => {
    while (!state.stopped) {
      const job = master.current;
      if (job?.status === 'RUNNING') {
        const id = state.nextId++;
        try {
          const { directory } = await completeSnapshot(job, base, id, 'persistent-checkpoint');
          state.latest = directory; // recorded before the job is told: see notifyComplete
          state.completed++;
          await job.notifyComplete(id);
        } catch {
          // the attempt failed meanwhile; the next one will be checkpointed
        }
      }
      await delay(intervalMs);
    }
  })();
  return { state, stop: () => ((state.stopped = true), done) };
}

describe('restart strategy configuration', () => {
  test('reads the restart-strategy.* keys', () => {
    const config = (entries: Record<string, string>) => restartStrategyFromConfig((key) => entries[key]);
    expect(config({})).toEqual({ type: 'fixed-delay', attempts: 3, delayMs: 1000 });
    expect(config({ 'restart-strategy.fixed-delay.attempts': '5', 'restart-strategy.fixed-delay.delay': '250 ms' })).toEqual({
      type: 'fixed-delay',
      attempts: 5,
      delayMs: 250,
    });
    expect(config({ 'restart-strategy.type': 'none' })).toEqual({ type: 'none' });
    expect(() => config({ 'restart-strategy.type': 'exponential-delay' })).toThrow(/not supported/);
    expect(() => config({ 'restart-strategy.fixed-delay.delay': 'soon' })).toThrow(/not a duration/);
  });
});

test('FLIP-10: a bad record exhausts the restarts; the fixed job restores from the last checkpoint; output is exact', async () => {
  const work = await tempDir();
  const USERS = 11;
  const lines: string[] = [];
  for (let i = 0; i < 6000; i++) lines.push(`u${(i * 5) % USERS},${['click', 'view', 'buy'][i % 3]}`);
  lines.splice(3500, 0, 'this line has no type');
  const input = join(work, 'events.txt');
  await writeFile(input, lines.join('\n') + '\n');
  const out = join(work, 'out');
  const args = ['--out', out, '--input', input, '--rate', '12000'];
  const checkpoints = join(work, 'checkpoints');

  const buggy = new JobMaster({
    artifactPath: join(JOBS, 'counter-buggy.ts'),
    args,
    parallelism: 2,
    restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 10 },
    latestSnapshot: () => loop.state.latest,
  });
  const loop = checkpointLoop(buggy, checkpoints, 30);
  const attempts: number[] = [];
  buggy.on('attempt', () => attempts.push(Date.now()));
  await buggy.start();
  const result = await buggy.result;
  await loop.stop();
  expect(result.status).toBe('FAILED');
  expect(result.cause?.message).toMatch(/reading 'trim'/);
  expect(attempts).toHaveLength(3);
  expect(buggy.history.map((h) => h.status)).toEqual([
    'INITIALIZING',
    'CREATED',
    'RUNNING',
    'RESTARTING',
    'RUNNING',
    'RESTARTING',
    'RUNNING',
    'FAILING',
    'FAILED',
  ]);
  expect(loop.state.completed).toBeGreaterThan(0);
  const committedByBuggy = (await committedLines(out)).length;
  expect(committedByBuggy).toBeGreaterThan(0);
  expect(committedByBuggy).toBeLessThan(3500);

  const fixed = new JobMaster({
    artifactPath: join(JOBS, 'counter-fixed.ts'),
    args,
    parallelism: 3,
    restartStrategy: { type: 'none' },
    initialRestore: { snapshot: loop.state.latest! },
    latestSnapshot: () => undefined,
  });
  await fixed.start();
  expect(fixed.current!.restored?.restored).toEqual(['events-file', 'count', 'sink']);
  expect(await fixed.result).toEqual({ status: 'FINISHED' });

  // Reference: every valid line counted once, per user.
  const counts = new Map<string, number>();
  const expected: string[] = [];
  for (const line of lines) {
    const [user, type] = line.split(',');
    if (type === undefined) continue;
    counts.set(user, (counts.get(user) ?? 0) + 1);
    expected.push(`${user},${counts.get(user)}`);
  }
  const actual = (await committedLines(out)).map((l) => l.split(',').slice(0, 2).join(','));
  expect(sorted(actual)).toEqual(sorted(expected));
});

test('cancel during the restart delay ends in CANCELED without another attempt', async () => {
  const master = new JobMaster({
    artifactPath: join(JOBS, 'misbehaving.ts'),
    args: ['throw', '5'],
    stdout: captureStream().stream,
    restartStrategy: { type: 'fixed-delay', attempts: 5, delayMs: 60_000 },
    latestSnapshot: () => undefined,
  });
  await master.start();
  await new Promise<void>((resolve) => master.on('status', (c: { status: string }) => c.status === 'RESTARTING' && resolve()));
  expect(await master.cancel()).toEqual({ status: 'CANCELED' });
  expect(master.history.map((h) => h.status)).toEqual(['INITIALIZING', 'CREATED', 'RUNNING', 'RESTARTING', 'CANCELLING', 'CANCELED']);
});
