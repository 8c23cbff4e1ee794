import { afterAll, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { startJob } from '../../../src/runtime/host.js';
import { captureStream, committedLines, JOBS, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

test('smoke: counter over a sequence finishes with all output committed', async () => {
  const out = join(await tempDir(), 'out');
  const job = await startJob({ artifactPath: join(JOBS, 'counter.ts'), args: ['--out', out, '--sequence', '3000', '--users', '7'], parallelism: 2 });
  expect(job.plan.operators.map((o) => o.uid)).toEqual(['events-sequence', 'to-line', 'parse', 'valid', 'count', 'sink']);
  const outcome = await job.done;
  expect(outcome).toEqual({ status: 'FINISHED' });
  const lines = await committedLines(out);
  expect(lines.length).toBe(3000);
});

test('smoke: print job', async () => {
  const cap = captureStream();
  const job = await startJob({ artifactPath: join(JOBS, 'no-checkpointing.mjs'), args: ['9'], stdout: cap.stream });
  expect(await job.done).toEqual({ status: 'FINISHED' });
  expect(cap.text().trim().split('\n').sort()).toEqual(['0:1', '0:2', '0:3', '1:1', '1:2', '1:3', '2:1', '2:2', '2:3']);
});
