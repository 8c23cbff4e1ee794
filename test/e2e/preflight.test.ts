// The restore pre-flight on the local coordinator: before run -s / restore submit, and before upgrade stops the
// old job, the snapshot's operators holding state are compared with the new job's plan (POST /jars/:jarid/plan).
// A renamed uid drops state: refused without -n (nothing started, the old job keeps running), allowed with it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pointerToPath } from '../../src/domain/pointers.js';
import { operatorIdForUid } from '../../src/domain/operator-id.js';
import { emptyDir, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';

const work = emptyDir('preflight-');
const conf = path.join(work, 'conf');
let address = '';
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const COUNTER = path.resolve('fixtures/jobs/counter.ts');

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
}
const jobState = (jobId: string) => listedJobState((args) => flink(args), jobId);
const counterArgs = (out: string, extra: string[] = []) => [
  '--out',
  out,
  '--sequence',
  '200000',
  '--rate',
  '300',
  '--users',
  '4',
  '--checkpoint-interval',
  '300',
  ...extra,
];

async function runningJob(out: string): Promise<string> {
  const r = await flink(['run', '-d', COUNTER, ...counterArgs(out)]);
  expect(r.exitCode).toBe(0);
  const jobId = JOB_RE.exec(r.stdout)![1];
  await until('RUNNING', async () => ((await jobState(jobId)) === 'RUNNING' ? true : undefined));
  return jobId;
}

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [
    `coordinator.dir: ${path.join(work, 'state')}`,
    `state.savepoints.dir: ${path.join(work, 'savepoints')}`,
    `execution.checkpointing.dir: ${path.join(work, 'checkpoints')}`,
  ]);
}, 60_000);

afterAll(async () => {
  await flink(['cluster', 'stop']);
}, 60_000);

/** A job run and stopped with a savepoint; the savepoint's directory. */
async function stoppedSavepoint(out: string): Promise<string> {
  const jobId = await runningJob(out);
  const r = await flink(['stop', jobId]);
  expect(r.exitCode).toBe(0);
  await until('stopped', async () => (['FINISHED', 'CANCELED'].includes((await jobState(jobId)) ?? '') ? true : undefined));
  return pointerToPath(/Savepoint completed\. Path: (\S+)/.exec(r.stdout)![1])!;
}

describe('restore pre-flight', () => {
  let savepoint = '';

  it('the same job restores without a word about dropped or empty state', async () => {
    const out = path.join(work, 'out-1');
    savepoint = await stoppedSavepoint(out);
    const same = await flink(['run', '-d', '-s', savepoint, COUNTER, ...counterArgs(out)]);
    expect([same.exitCode, same.stderr]).toEqual([0, '']);
    await flink(['cancel', JOB_RE.exec(same.stdout)![1]]);
  });

  it('run -s into a job whose stateful operator has a new uid: refused naming the state (exit 1), nothing started', async () => {
    const before = JSON.parse((await flink(['list', '-a', '--json'])).stdout).jobs.length;
    const r = await flink(['run', '-d', '-s', savepoint, COUNTER, ...counterArgs(path.join(work, 'out-3'), ['--count-uid', 'tally'])]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `Restoring would drop the state of 1 operator(s) in ${savepoint} that the new job does not have: uid 'count' (operator ${operatorIdForUid('count')}, `,
    );
    expect(r.stderr).toContain('Nothing was started.');
    expect(r.stderr).toContain('-n (--allowNonRestoredState)');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(JSON.parse((await flink(['list', '-a', '--json'])).stdout).jobs.length).toBe(before);
  });

  it('restore with -n: warns what is dropped and what starts empty, and starts', async () => {
    const out = path.join(work, 'out-4');
    const own = await stoppedSavepoint(out);
    const r = await flink(['restore', own, '-n', '-d', COUNTER, ...counterArgs(out, ['--count-uid', 'tally'])]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`Dropping (-n) the state of 1 operator(s) in ${own} that the new job does not have: uid 'count'`);
    expect(r.stderr).toContain(
      `1 operator(s) of the new job are not in the snapshot and start with empty state: 'Count per user' (operator ${operatorIdForUid('tally')})`,
    );
    await flink(['cancel', JOB_RE.exec(r.stdout)![1]]);
  });

  it('upgrade to a version that would drop state is refused before the old job is stopped', async () => {
    const jobId = await runningJob(path.join(work, 'out-5'));
    await until('a checkpoint', async () => {
      const doc = JSON.parse((await flink(['checkpoints', jobId, '--json'])).stdout);
      return doc.latest?.completed ? true : undefined;
    });
    const r = await flink(['upgrade', jobId, COUNTER, ...counterArgs(path.join(work, 'out-5'), ['--count-uid', 'tally'])]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Restoring would drop the state of 1 operator(s)');
    expect(r.stderr).toContain(`Job ${jobId} keeps running; nothing was stopped.`);
    expect(r.stderr).not.toContain('Stopping job');
    expect(await jobState(jobId)).toBe('RUNNING');
    await flink(['cancel', jobId]);
  });
});

// Reuses this file's coordinator: gc of a job that still runs is refused unless --force.
describe('savepoints gc while the job runs', () => {
  it('refused (exit 1, nothing deleted) while the job is RUNNING on the reachable cluster; --force reclaims', async () => {
    const jobId = await runningJob(path.join(work, 'out-gc'));
    const root = emptyDir('gc-root-');
    const orphan = path.join(root, jobId, 'shared', 'orphan');
    mkdirSync(path.dirname(orphan), { recursive: true });
    writeFileSync(orphan, 'x');
    const old = new Date(Date.now() - 7_200_000);
    utimesSync(orphan, old, old);
    const refused = await flink(['savepoints', 'gc', '--job', jobId, '--dir', root]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`Refusing to collect garbage of job ${jobId}: it is RUNNING`);
    expect(existsSync(orphan)).toBe(true);
    const forced = await flink(['savepoints', 'gc', '--job', jobId, '--dir', root, '--force', '--json']);
    expect(forced.exitCode).toBe(0);
    expect(JSON.parse(forced.stdout).files.map((f: { path: string }) => f.path)).toEqual([orphan]);
    expect(existsSync(orphan)).toBe(false);
    await flink(['cancel', jobId]);
  });
});

// Reuses this file's coordinator: a retained checkpoint of Flink 2.3's changelog state backend (the golden file)
// cannot be restored in NO_CLAIM mode (Flink fails the job at its first checkpoint); refused before submitting.
describe('restore pre-flight: the changelog state backend in NO_CLAIM mode', () => {
  const chk = path.join(work, 'flink-checkpoints', 'a7c2d0f1e3b54c6d8e9f0a1b2c3d4e5f', 'chk-4');
  beforeAll(() => {
    mkdirSync(chk, { recursive: true });
    copyFileSync(path.resolve('fixtures/flink-metadata/2.3.0/checkpoint-changelog/_metadata'), path.join(chk, '_metadata'));
  });

  it('refused by default and with -claimMode no_claim (exit 1, one line naming the mode, nothing started); CLAIM passes this check', async () => {
    const before = JSON.parse((await flink(['list', '-a', '--json'])).stdout).jobs.length;
    const byDefault = await flink(['run', '-d', '-s', chk, COUNTER, ...counterArgs(path.join(work, 'out-changelog'))]);
    expect(byDefault.exitCode).toBe(1);
    expect(byDefault.stdout).toBe('');
    expect(byDefault.stderr).toContain(
      `${chk} holds state of the changelog state backend, which Flink cannot restore in NO_CLAIM mode (the default): the new job would fail at its first checkpoint`,
    );
    expect(byDefault.stderr).toContain('Nothing was started.');
    expect(byDefault.stderr).toContain('-claimMode claim');
    expect(byDefault.stderr).not.toMatch(/\n\s+at /);
    const explicit = await flink(['run', '-d', '-s', chk, '-claimMode', 'no_claim', COUNTER, ...counterArgs(path.join(work, 'out-changelog'))]);
    expect(explicit.exitCode).toBe(1);
    expect(explicit.stderr).toContain('which Flink cannot restore in NO_CLAIM mode: the new job');
    expect(JSON.parse((await flink(['list', '-a', '--json'])).stdout).jobs.length).toBe(before);
    // In CLAIM mode this check has nothing to say (what follows is the cluster's: this one cannot run Flink's state).
    const claimed = await flink(['run', '-d', '-s', chk, '-claimMode', 'claim', COUNTER, ...counterArgs(path.join(work, 'out-changelog'))]);
    expect(claimed.stderr).not.toContain('changelog state backend');
    const jobId = JOB_RE.exec(claimed.stdout)?.[1];
    if (jobId) await flink(['cancel', jobId]);
  });
});
