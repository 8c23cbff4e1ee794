// `flink dispose` against a running local coordinator, spawned as a user would: it refuses (exit 1, deleting
// nothing) what a running job still needs and pinned savepoints; --force --reason overrides only the pin, and
// the audit log records it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listedJobState, emptyDir, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';

const work = emptyDir('guard-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
const checkpoints = path.join(work, 'checkpoints');
let address = '';
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const SAVEPOINT_RE = /^Savepoint completed\. Path: (.+)$/m;

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, ...(address ? ['-m', address] : []), ...args], { cwd: work });
}

/** A counter job without periodic checkpoints: its snapshots are exactly the ones the test takes. */
async function runJob(out: string, extra: string[] = []): Promise<string> {
  const r = await flink([
    'run',
    '-d',
    ...extra,
    path.resolve('fixtures/jobs/counter.ts'),
    '--out',
    path.join(work, out),
    '--sequence',
    '1000000',
    '--rate',
    '200',
    '--users',
    '3',
    '--checkpoint-interval',
    '3600000',
  ]);
  expect([r.exitCode, r.stderr]).toEqual([0, '']);
  const jobId = JOB_RE.exec(r.stdout)![1];
  await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
  return jobId;
}

async function savepoint(jobId: string): Promise<string> {
  const r = await flink(['savepoint', jobId]);
  expect([r.exitCode, r.stderr]).toEqual([0, expect.anything()]);
  return SAVEPOINT_RE.exec(r.stdout)![1].replace(/^file:/, '');
}

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [
    `coordinator.dir: ${state}`,
    `state.savepoints.dir: ${path.join(work, 'savepoints')}`,
    `execution.checkpointing.dir: ${checkpoints}`,
  ]);
}, 60_000);

afterAll(async () => {
  await flink(['cluster', 'stop']);
}, 60_000);

describe('dispose refuses what a running job needs, even with --force', () => {
  let restoredJob = '';
  let origin = '';

  it('the savepoint a running job was just restored from (it has not checkpointed past it)', async () => {
    const first = await runJob('out-a');
    origin = await savepoint(first);
    expect((await flink(['cancel', first])).exitCode).toBe(0);
    restoredJob = await runJob('out-a', ['-s', origin]); // the same output: the sink resumes its files
    const refused = await flink(['dispose', origin]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`Refusing to dispose ${origin}: job ${restoredJob} (RUNNING) restored from it and has not completed a checkpoint since`);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const forced = await flink(['dispose', '--force', '--reason', 'testing', origin]);
    expect([forced.exitCode, forced.stdout, forced.stderr]).toEqual([1, '', expect.stringContaining('restored from it')]);
    expect(existsSync(path.join(origin, '_metadata'))).toBe(true);
  }, 90_000);

  it('the only checkpoint of a running job; once it exists, the savepoint restored from may go', async () => {
    const r = await flink(['checkpoint', restoredJob]);
    expect(r.exitCode).toBe(0);
    const id = /^Checkpoint (\d+) for job/.exec(r.stdout)![1];
    const chk = path.join(checkpoints, restoredJob, `chk-${id}`);
    expect(existsSync(path.join(chk, '_metadata'))).toBe(true);
    for (const args of [[chk], ['--force', '--reason', 'testing', chk]]) {
      const refused = await flink(['dispose', ...args]);
      expect([refused.exitCode, refused.stderr]).toEqual([1, expect.stringContaining(`Refusing to dispose ${chk}`)]);
      expect(refused.stderr).toContain(`Refusing to dispose ${chk}: it is the newest restorable snapshot of job ${restoredJob} (RUNNING)`);
      expect(existsSync(path.join(chk, '_metadata'))).toBe(true);
    }
    const now = await flink(['dispose', origin]);
    expect(now.exitCode).toBe(0);
    expect(existsSync(origin)).toBe(false);
  }, 60_000);
});

describe('a pinned savepoint', () => {
  it('is refused, saying how to unpin or force; --force needs --reason; --force --reason disposes it and is audited', async () => {
    const jobId = await runJob('out-c');
    const pinned = await savepoint(jobId);
    await savepoint(jobId); // the newer one is what the job needs; the pinned one is only pinned
    expect((await flink(['savepoints', 'pin', pinned])).exitCode).toBe(0);
    const refused = await flink(['dispose', pinned]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`Refusing to dispose ${pinned}: it is pinned.`);
    expect(refused.stderr).toContain(`flink savepoints unpin ${pinned}`);
    expect(refused.stderr).toContain('--force --reason');
    expect(existsSync(path.join(pinned, '_metadata'))).toBe(true);
    const noReason = await flink(['dispose', '--force', pinned]);
    expect(noReason.exitCode).toBe(2);
    expect(noReason.stderr).toContain('--force needs --reason');
    expect(existsSync(path.join(pinned, '_metadata'))).toBe(true);
    const forced = await flink(['dispose', '--force', '--reason', 'superseded by release 2.0', pinned]);
    expect(forced.exitCode).toBe(0);
    expect(existsSync(pinned)).toBe(false);
    const records = readFileSync(path.join(state, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.command === 'dispose' && r.result === 'ok').at(-1)).toMatchObject({
      forced: true,
      reason: 'superseded by release 2.0',
      paths: [pinned],
    });
    await flink(['cancel', jobId]);
  }, 90_000);
});

describe('an incomplete leftover (no _metadata, nothing wrote to it for minutes)', () => {
  it('is refused with a hint; --force --reason removes it', async () => {
    const dir = path.join(work, 'savepoints', 'savepoint-0badc0-0123456789ab');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'part-0'), 'half a snapshot');
    const old = Date.now() / 1000 - 300;
    utimesSync(path.join(dir, 'part-0'), old, old);
    utimesSync(dir, old, old);
    const refused = await flink(['dispose', dir]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`Refusing to dispose ${dir}: it has no _metadata and may still be being written.`);
    expect(refused.stderr).toContain('flink dispose --force --reason');
    expect(existsSync(path.join(dir, 'part-0'))).toBe(true);
    const forced = await flink(['dispose', '--force', '--reason', 'left by a crash', dir]);
    expect([forced.exitCode, forced.stderr]).toEqual([0, '']);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('a path dispose does not take is a usage error (exit 2); a missing one is not found (5)', () => {
  it('a non-snapshot directory, a configured root, $HOME, /, a path with .., a missing path: exit codes as in flink help exit-codes', async () => {
    const home = emptyDir('home-');
    const cases: Array<[string, number, string]> = [
      [conf, 2, 'not a snapshot directory'],
      [path.join(work, 'savepoints'), 2, 'a configured snapshot root'],
      [checkpoints, 2, 'a configured snapshot root'],
      [home, 2, 'the home directory'],
      ['/', 2, 'Refusing to dispose /'],
      [`${work}/savepoints/../conf`, 2, "'..' segments"],
      [path.join(work, 'savepoints', 'savepoint-0badc0-000000000000'), 5, 'does not exist'],
    ];
    for (const [target, code, message] of cases) {
      const r = await runFlink(['--config-dir', conf, '-m', address, 'dispose', target], { cwd: work, env: { HOME: home } });
      expect([target, r.exitCode, r.stderr]).toEqual([target, code, expect.stringContaining(message)]);
    }
    // savepoint -d asks the cluster (Flink's /savepoint-disposal): its refusal reads as one, without a class name.
    const viaCluster = await flink(['savepoint', '-d', conf]);
    expect([viaCluster.exitCode, viaCluster.stderr.split('\n').at(-2)]).toEqual([
      1,
      `Error: Failed to dispose the savepoint '${conf}': Refusing to dispose ${conf}: not a snapshot directory (expected savepoint-<job>-<id> or chk-<n> with a _metadata file).`,
    ]);
    const table = await flink(['help', 'exit-codes']);
    expect(table.stdout).toMatch(/^\s+2 .*a path dispose does not take/m);
    expect(existsSync(conf)).toBe(true);
  });
});

describe('without a reachable coordinator', () => {
  it('dispose of a local path refuses and hints at --offline, deleting nothing', async () => {
    const r = await runFlink(['dispose', '-m', '127.0.0.1:1', path.join(work, 'savepoints')], { cwd: work });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('Cannot see running jobs');
    expect(r.stderr).toContain('--offline');
  });
});
