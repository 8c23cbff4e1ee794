// Issue 12, case 9: a run after a timed-out savepoint reattaches only to a trigger for the same request
// (job, target directory, format); a run for another target takes a new savepoint there.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pointerToPath } from '../../src/domain/pointers.js';
import { emptyDir, fixture, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';

const work = emptyDir('reattach-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
let address = '';
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
}

const savepointsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith('savepoint-')) : []);

/** A savepoint run that gives up after 1 s while its savepoint still runs; the trigger id it printed. */
async function timedOut(jobId: string, target: string): Promise<string> {
  const r = await flink(['savepoint', jobId, target, '--timeout', '1s']);
  expect(r.exitCode).toBe(6);
  return /trigger id ([0-9a-f]{32})/.exec(r.stderr)![1];
}

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [`coordinator.dir: ${state}`, `state.savepoints.dir: ${path.join(work, 'default-savepoints')}`]);
}, 60_000);

afterAll(async () => {
  await flink(['cluster', 'stop']);
}, 60_000);

describe('reattaching after a timed-out savepoint', () => {
  it('another target gets a new savepoint there; the same target reattaches to the running one', async () => {
    // Every record takes 4 s, so a savepoint stays in progress for seconds after a 1 s wait gave up.
    const run = await flink(['run', '-d', fixture('jobs', 'misbehaving.ts'), 'slow', '4000']);
    expect(run.exitCode).toBe(0);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
    const a = path.join(work, 'target-a');
    const b = path.join(work, 'target-b');

    const first = await timedOut(jobId, a);
    const record = JSON.parse(readFileSync(path.join(state, 'locks', `${jobId}.trigger.json`), 'utf8'));
    expect(record).toMatchObject({ jobId, triggerId: first, request: { kind: 'savepoint', targetDirectory: a, formatType: 'CANONICAL' } });

    const other = await flink(['savepoint', jobId, b]);
    expect(other.stderr).not.toContain('Reattaching');
    // With its stderr and the coordinator's lines about the job, so a failure on a loaded CI machine says why.
    const why = () =>
      [
        other.stderr,
        ...readFileSync(path.join(state, 'coordinator.log'), 'utf8')
          .split('\n')
          .filter((l) => l.includes(jobId)),
      ].join('\n');
    expect([other.exitCode, other.exitCode === 0 ? '' : why()]).toEqual([0, '']);
    const location = /^Savepoint completed\. Path: (\S+)$/m.exec(other.stdout)![1];
    expect(path.dirname(pointerToPath(location)!)).toBe(b);
    expect(savepointsIn(b)).toEqual([path.basename(pointerToPath(location)!)]);

    const third = await timedOut(jobId, a);
    const same = await flink(['savepoint', jobId, a]);
    expect(same.stderr).toContain(`Reattaching to savepoint ${third}`);
    expect(same.exitCode).toBe(0);
    const reattached = pointerToPath(/^Savepoint completed\. Path: (\S+)$/m.exec(same.stdout)![1])!;
    expect(path.dirname(reattached)).toBe(a);
    // The first run's savepoint and the third's, nothing more: the reattaching run triggered none.
    expect(savepointsIn(a)).toHaveLength(2);
    expect(savepointsIn(a)).toContain(path.basename(reattached));
    await flink(['cancel', jobId]);
  }, 150_000);
});
