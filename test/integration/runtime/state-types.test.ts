// State type safety on restore: a keyed state restored from a snapshot must be declared as what it was.
// A changed value type or a value/map swap fails the job naming the state and the operator, instead of
// feeding old values to new code; the same type restores.

import { afterAll, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { startJob } from '../../../src/runtime/host.js';
import { captureStream, completeSnapshot, JOBS, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

async function savepointOfNumberMode(): Promise<string> {
  const work = await tempDir();
  const job = await startJob({ artifactPath: join(JOBS, 'typed-state.ts'), args: ['number'], stdout: captureStream().stream });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const { directory } = await completeSnapshot(job, join(work, 'savepoints'), 1, 'savepoint');
  await job.cancel();
  return directory;
}

test('a value state restored as another type, or as map state, fails naming state and operator; the same type restores', async () => {
  const savepoint = await savepointOfNumberMode();

  const text = await startJob({
    artifactPath: join(JOBS, 'typed-state.ts'),
    args: ['text'],
    stdout: captureStream().stream,
    restoreFrom: { snapshot: savepoint },
  });
  const textOutcome = await text.done;
  expect(textOutcome.status).toBe('FAILED');
  expect(textOutcome.error!.message).toMatch(
    /^keyed state "seen" of operator "tally" holds number values in the snapshot, but the job now declares it with a string default \(""\): keep its type/,
  );

  const map = await startJob({
    artifactPath: join(JOBS, 'typed-state.ts'),
    args: ['map'],
    stdout: captureStream().stream,
    restoreFrom: { snapshot: savepoint },
  });
  const mapOutcome = await map.done;
  expect(mapOutcome.status).toBe('FAILED');
  expect(mapOutcome.error!.message).toMatch(/^keyed state "seen" of operator "tally" is value state in the snapshot, but the job now declares it as map state/);

  const out = captureStream();
  const same = await startJob({ artifactPath: join(JOBS, 'typed-state.ts'), args: ['number'], stdout: out.stream, restoreFrom: { snapshot: savepoint } });
  const deadline = Date.now() + 10_000;
  while (!out.text().includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(same.status).toBe('RUNNING');
  // Counting went on from the restored counts (not from 1 again).
  const first = out.text().split('\n')[0].split(',');
  expect(Number(first[1])).toBeGreaterThan(1);
  await same.cancel();
});
