// The README's "Your first job": its example job module, taken from the README itself, runs on the local
// coordinator, commits its output, stops with a savepoint and restores from it with the counts continuing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emptyDir, listedJobState, ROOT, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';

const work = emptyDir('first-job-');
const conf = path.join(work, 'conf');
let address = '';

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
}

/** Committed output lines of the exactly-once sink (finished part files only). */
function committed(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l !== '');
}

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [`coordinator.dir: ${path.join(work, 'state')}`, `state.savepoints.dir: ${path.join(work, 'sp')}`]);
}, 60_000);

afterAll(async () => {
  await flink(['cluster', 'stop']);
}, 60_000);

describe("the README's first job", () => {
  it('runs as written, and continues from its savepoint', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Your first job'), readme.indexOf('## Commands'));
    const source = /```ts\n([\s\S]*?)```/.exec(section)![1];
    const job = path.join(work, 'line-counter.ts');
    writeFileSync(job, source);
    const words = path.join(work, 'words.txt');
    writeFileSync(words, Array.from({ length: 400 }, (_, i) => ['apple', 'pear', 'plum'][i % 3]).join('\n') + '\n');
    const out = path.join(work, 'line-counts');
    const run = await flink(['run', '-d', job, words, out]);
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    const jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)![1];
    await until('committed output', () => (committed(out).length > 30 ? true : undefined), 60_000);
    const stopped = await flink(['stop', '-p', path.join(work, 'sp'), jobId]);
    expect(stopped.exitCode).toBe(0);
    const restored = await flink(['restore', 'latest', '--from-job', jobId, '-d', job, words, out]);
    expect(restored.exitCode).toBe(0);
    const next = /JobID ([0-9a-f]{32})/.exec(restored.stdout)![1];
    await until('the whole file counted', () => (committed(out).length === 400 ? true : undefined), 60_000);
    // Exactly once across the stop and the restore: every count of every line once.
    const counts = committed(out).sort();
    for (const word of ['apple', 'pear', 'plum']) {
      const n = word === 'apple' ? 134 : 133;
      expect(
        counts
          .filter((l) => l.startsWith(`${word},`))
          .map((l) => Number(l.split(',')[1]))
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
    if ((await listedJobState(flink, next)) === 'RUNNING') await flink(['cancel', next]);
  }, 150_000);
});
