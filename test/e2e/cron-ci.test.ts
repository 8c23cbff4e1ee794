// Cron and CI against a real local coordinator: retention converges, overlapping runs trigger one
// savepoint, a killed run is harmless, upgrade succeeds or rolls back with counts checked, prune plans
// match what prune removes, pins hold, the audit log records it all.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pointerToPath } from '../../src/domain/pointers.js';
import { BIN, emptyDir, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';
import { counterOutput } from '../support/counter-output.js';
import { slowStatusProxy } from '../support/slow-status-proxy.js';
import { putUndeletable } from '../support/undeletable.js';

const work = emptyDir('cron-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
const savepoints = path.join(work, 'savepoints');
let address = '';
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
}

const state_ = (jobId: string) => listedJobState(flink, jobId);

async function startCounter(out: string, job = 'counter.ts', extra: string[] = []): Promise<string> {
  const r = await flink([
    'run',
    '-d',
    path.resolve('fixtures/jobs', job),
    '--out',
    out,
    '--sequence',
    '1000000',
    '--rate',
    '300',
    '--users',
    '3',
    '--checkpoint-interval',
    '300',
    ...extra,
  ]);
  expect(r.exitCode).toBe(0);
  const jobId = JOB_RE.exec(r.stdout)![1];
  await until('RUNNING', async () => ((await state_(jobId)) === 'RUNNING' ? true : undefined));
  return jobId;
}

/** Takes `count` savepoints one after another; their paths, oldest first (the printed file: URIs as paths). */
async function takeSavepoints(jobId: string, count: number): Promise<string[]> {
  const made: string[] = [];
  for (let i = 0; i < count; i++) made.push(pointerToPath(/Path: (\S+)/.exec((await flink(['savepoint', jobId])).stdout)![1])!);
  return made;
}

const savepointDirs = (jobId: string) => (existsSync(savepoints) ? readdirSync(savepoints).filter((d) => d.startsWith(`savepoint-${jobId.slice(0, 6)}-`)) : []);

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [`coordinator.dir: ${state}`, `state.savepoints.dir: ${savepoints}`, 'savepoints.lock-stale-after: 3 s']);
}, 60_000);

afterAll(async () => {
  await flink(['cluster', 'stop']);
}, 60_000);

describe('retention under cron', () => {
  it('repeated runs with --keep 2 converge to exactly 2 savepoints of the job', async () => {
    const jobId = await startCounter(path.join(work, 'out-keep'));
    for (let i = 0; i < 4; i++) {
      const r = await flink(['savepoint', jobId, '--keep', '2']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^Savepoint completed\. Path: /);
    }
    expect(savepointDirs(jobId)).toHaveLength(2);
    const listed = JSON.parse((await flink(['savepoints', jobId, '--json'])).stdout).snapshots as Array<{ kind: string }>;
    expect(listed.filter((s) => s.kind === 'savepoint')).toHaveLength(2);
    await flink(['cancel', jobId]);
  });

  it('prune --dry-run plans exactly what prune then removes; pinned and newest are kept; nothing left → exit 8', async () => {
    const jobId = await startCounter(path.join(work, 'out-prune'));
    const made = await takeSavepoints(jobId, 5);
    const pin = await flink(['savepoints', 'pin', made[0], '--reason', 'golden']);
    expect([pin.exitCode, pin.stdout]).toEqual([0, `Pinned ${made[0]} (golden)\n`]);
    // Pinned again without a reason: the reason stays.
    const repinned = await flink(['savepoints', 'pin', made[0]]);
    expect([repinned.exitCode, repinned.stdout]).toEqual([0, `Pinned ${made[0]} (golden)\n`]);
    const dry = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '2', '--dry-run', '--json']);
    expect(dry.exitCode).toBe(0);
    const plan = JSON.parse(dry.stdout).decisions as Array<{ path: string; action: string; reason: string }>;
    const planned = plan
      .filter((d) => d.action === 'dispose')
      .map((d) => d.path)
      .sort();
    expect(planned).toEqual([made[1], made[2]].sort());
    expect(plan.find((d) => d.path === made[0])).toMatchObject({ action: 'keep', reason: 'pinned' });
    expect(plan.find((d) => d.path === made[4])).toMatchObject({ action: 'keep', reason: 'newest complete savepoint' });
    expect(savepointDirs(jobId)).toHaveLength(5); // the dry run changed nothing
    // The plan for a script (tab-separated, bytes) and for a person (--human: aligned, with units and a header).
    const piped = (await flink(['savepoints', 'prune', '--job', jobId, '--keep', '2', '--dry-run'])).stdout.trim().split('\n');
    expect(piped).toContainEqual(expect.stringMatching(new RegExp(`^Would dispose\t${made[1]}\t\\d+\t`)));
    const human = (await flink(['savepoints', 'prune', '--job', jobId, '--keep', '2', '--dry-run', '--human'])).stdout.trim().split('\n');
    expect(human[0]).toMatch(/^ACTION\s+LOCATION\s+SIZE\s+REASON$/);
    expect(human.find((l) => l.includes(made[1]))).toMatch(new RegExp(`^Would dispose\\s+${made[1]}\\s+\\d+(\\.\\d)? KB\\s+\\S`));
    const real = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '2', '--json']);
    expect(real.exitCode).toBe(0);
    expect((JSON.parse(real.stdout).disposed as string[]).sort()).toEqual(planned);
    expect(made.filter((p) => existsSync(p))).toEqual([made[0], made[3], made[4]]);
    const again = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '2']);
    expect(again.exitCode).toBe(8);
    expect(again.stderr).toContain('Nothing to prune');
    // The reason is shown: in --json and in the table.
    const listing = JSON.parse((await flink(['savepoints', jobId, '--json'])).stdout).snapshots as Array<{ path: string; pinned: boolean }>;
    expect(listing.find((s) => s.path === made[0])).toMatchObject({ pinned: true, pin: { reason: 'golden', user: expect.any(String) } });
    const table = (await flink(['savepoints', jobId])).stdout.split('\n');
    expect(table.find((l) => l.includes(made[0]))).toMatch(/\tcomplete(, verified)?, pinned \(golden\)$/);
    expect((await flink(['savepoints', 'unpin', made[0]])).exitCode).toBe(0);
    // Unpinning what is not pinned is nothing to do, and says so.
    const unpinned = await flink(['savepoints', 'unpin', made[0]]);
    expect([unpinned.exitCode, unpinned.stdout, unpinned.stderr]).toEqual([8, '', `Not pinned: ${made[0]} (nothing to unpin).\n`]);
    await flink(['cancel', jobId]);
  }, 120_000);
});

describe('a disposal that fails', () => {
  it('is reported (exit 1), stays listed as such, and the next prune finishes it', async () => {
    const jobId = await startCounter(path.join(work, 'out-fail'));
    const made = await takeSavepoints(jobId, 3);
    const release = putUndeletable(made[0]);
    try {
      const failed = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '1']);
      expect(failed.exitCode).toBe(1);
      expect(failed.stderr).toContain(`Could not dispose 1 savepoint(s) of job ${jobId}: ${made[0]}`);
      expect(failed.stderr).toContain('the next prune tries again');
      expect(existsSync(made[1])).toBe(false);
      const listed = JSON.parse((await flink(['savepoints', jobId, '--all', '--json'])).stdout).snapshots as Array<{
        path: string;
        state: string;
        problem: string | null;
      }>;
      expect(listed.find((s) => s.path === made[0])).toMatchObject({
        state: 'incomplete',
        problem: expect.stringContaining('a disposal started and did not finish'),
      });
      expect((await flink(['savepoints', '--latest', jobId])).stdout.trim()).toBe(made[2]);
    } finally {
      release();
    }
    const again = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '1']);
    expect([again.exitCode, again.stdout]).toEqual([0, expect.stringContaining(`Disposed ${made[0]}`)]);
    expect(again.stdout).toContain('an earlier disposal did not finish');
    expect(existsSync(made[0])).toBe(false);
    await flink(['cancel', jobId]);
  });
});

describe('a savepoint a running job restored from', () => {
  it('is kept by prune until that job completed its first checkpoint (NO_CLAIM), then it may go', async () => {
    const jobId = await startCounter(path.join(work, 'out-protect'));
    const made = await takeSavepoints(jobId, 3);
    await flink(['cancel', jobId]);
    // Restored from the oldest (into the same output: the sink's pending files belong to it), with
    // checkpoints far apart, so it has not completed one yet.
    const run = await flink([
      'run',
      '-d',
      '-s',
      made[0],
      path.resolve('fixtures/jobs/counter.ts'),
      '--out',
      path.join(work, 'out-protect'),
      '--sequence',
      '1000000',
      '--rate',
      '300',
      '--users',
      '3',
      '--checkpoint-interval',
      '600000',
    ]);
    expect([run.exitCode, run.stderr]).toEqual([0, expect.any(String)]);
    const restored = JOB_RE.exec(run.stdout)![1];
    await until('RUNNING', async () => ((await state_(restored)) === 'RUNNING' ? true : undefined));
    const planOf = async () =>
      JSON.parse((await flink(['savepoints', 'prune', '--job', jobId, '--keep', '1', '--dry-run', '--json'])).stdout).decisions as Array<{
        path: string;
        action: string;
        reason: string;
      }>;
    const before = await planOf();
    expect(before.find((d) => d.path === made[0])).toMatchObject({
      action: 'keep',
      reason: 'a running job restored from it and has not completed a checkpoint since',
    });
    expect(before.find((d) => d.path === made[1])).toMatchObject({ action: 'dispose' });
    expect((await flink(['checkpoint', restored])).exitCode).toBe(0);
    const after = await planOf();
    expect(after.find((d) => d.path === made[0])).toMatchObject({ action: 'dispose' });
    expect(made.every((p) => existsSync(p))).toBe(true); // dry runs only
    await flink(['cancel', restored]);
  });
});

describe('overlapping and killed runs', () => {
  it('two overlapping runs for the same job trigger one savepoint; the other exits 7', async () => {
    const jobId = await startCounter(path.join(work, 'out-overlap'));
    const before = savepointDirs(jobId).length;
    // The first run waits behind a proxy that holds back its status polls for 3 s, so it surely still holds
    // the lock when the second run starts (the same lock directory: the same configuration).
    const proxy = await slowStatusProxy(address, 3000);
    try {
      const first = runFlink(['--config-dir', conf, '-m', proxy.address, 'savepoint', jobId], { cwd: work });
      await until(
        "the first run's trigger record",
        async () => (existsSync(path.join(state, 'locks', `${jobId}.trigger.json`)) ? true : undefined),
        30_000,
        20,
      );
      const second = await flink(['savepoint', jobId]);
      expect([second.exitCode, second.stdout]).toEqual([7, '']);
      expect(second.stderr).toContain('Another run holds the savepoint lock');
      expect((await first).exitCode).toBe(0);
    } finally {
      await proxy.close();
    }
    expect(savepointDirs(jobId).length).toBe(before + 1);
    await flink(['cancel', jobId]);
  });

  it('a run killed while waiting leaves nothing the next run mishandles', async () => {
    const jobId = await startCounter(path.join(work, 'out-kill'), 'counter.ts', ['--users', '60000', '--rate', '40000']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const child = execa(process.execPath, [BIN, '--config-dir', conf, '-m', address, 'savepoint', jobId], { cwd: work, reject: false });
    await until('the trigger record', async () => (existsSync(path.join(state, 'locks', `${jobId}.trigger.json`)) ? true : undefined), 10_000);
    child.kill('SIGKILL');
    await child;
    const next = await flink(['savepoint', jobId]);
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toMatch(/^Savepoint completed\. Path: /);
    const all = JSON.parse((await flink(['savepoints', jobId, '--all', '--json'])).stdout).snapshots as Array<{ state: string; kind: string }>;
    expect(all.filter((s) => s.kind === 'savepoint').every((s) => s.state === 'complete')).toBe(true);
    await flink(['cancel', jobId]);
  });
});

describe('CI: upgrade with rollback', () => {
  it('a good new version takes over from the savepoint; counts continue exactly', async () => {
    const out = path.join(work, 'out-upgrade');
    const jobId = await startCounter(out);
    await until('output', async () => (existsSync(out) && counterOutput(out).records > 50 ? true : undefined));
    const args = ['--out', out, '--sequence', '1000000', '--rate', '300', '--users', '3', '--checkpoint-interval', '300'];
    const r = await flink(['upgrade', jobId, path.resolve('fixtures/jobs/counter-fixed.ts'), ...args]);
    expect(r.exitCode).toBe(0);
    const newJob = /-> job ([0-9a-f]{32})/.exec(r.stdout)![1];
    expect(await state_(jobId)).toBe('FINISHED');
    const before = counterOutput(out).records;
    await until('more output', async () => (counterOutput(out).records > before + 30 ? true : undefined));
    await flink(['stop', newJob]);
    expect(counterOutput(out).exact).toBe(true);
  });

  it('a new version that cannot start is refused before anything is stopped: exit 1, the old job runs on untouched', async () => {
    // One job with a snapshot (the pre-flight compares state), one without (only the plan is checked).
    const withSnapshot = await startCounter(path.join(work, 'out-refused-1'));
    await until('a checkpoint', async () => {
      const stats = JSON.parse((await flink(['checkpoints', withSnapshot, '--json'])).stdout) as { counts: { completed: number } };
      return stats.counts.completed > 0 ? true : undefined;
    });
    const withoutSnapshot = await startCounter(path.join(work, 'out-refused-2'), 'counter.ts', ['--checkpoint-interval', '3600000']);
    for (const jobId of [withSnapshot, withoutSnapshot]) {
      const before = savepointDirs(jobId).length;
      const r = await flink(['upgrade', jobId, path.resolve('fixtures/jobs/counter-v2-broken.ts'), '--timeout', '20s']);
      expect([r.exitCode, r.stderr]).toEqual([1, expect.stringContaining('version 2 cannot start: required setting --region is missing')]);
      expect(r.stderr).toContain(`Job ${jobId} keeps running; nothing was stopped.`);
      expect(r.stderr).not.toMatch(/Stopping job|Rolling back|pre-flight skipped/);
      expect(await state_(jobId)).toBe('RUNNING');
      expect(savepointDirs(jobId)).toHaveLength(before);
      await flink(['cancel', jobId]);
    }
  }, 120_000);

  it('a new version that starts and then fails is rolled back with its cause: the old version runs again from the same savepoint', async () => {
    const out = path.join(work, 'out-rollback');
    const jobId = await startCounter(out);
    await until('output', async () => (existsSync(out) && counterOutput(out).records > 50 ? true : undefined));
    const args = ['--out', out, '--sequence', '1000000', '--rate', '300', '--users', '3', '--checkpoint-interval', '300'];
    const r = await flink(['upgrade', jobId, '--timeout', '30s', path.resolve('fixtures/jobs/counter-v2-crashes.ts'), ...args]);
    expect(r.exitCode).toBe(1);
    // The cause `list -a` knows, not only the state.
    expect(r.stderr).toMatch(/the new version ended FAILED: .*version 2 cannot parse/);
    const rolledBack = /Rolled back: the previous version runs as job ([0-9a-f]{32})/.exec(r.stderr)![1];
    await until('RUNNING', async () => ((await state_(rolledBack)) === 'RUNNING' ? true : undefined));
    const before = counterOutput(out).records;
    await until('more output', async () => (counterOutput(out).records > before + 30 ? true : undefined));
    await flink(['stop', rolledBack]);
    expect(counterOutput(out).exact).toBe(true);
  }, 90_000);

  it('without a record of the old artifact, upgrade refuses before stopping anything', async () => {
    const r = await flink(['upgrade', '0123456789abcdef0123456789abcdef', 'x.ts']);
    expect(r.exitCode).toBe(5);
  });
});

describe('the audit log and dry runs', () => {
  it('keeps the quoting of arguments and the job id of a run that failed to start; gc --dry-run of a running job shows its plan', async () => {
    const checkpoints = path.join(work, 'ckpt-audit');
    const jobId = await startCounter(path.join(work, 'out-audit'), 'counter.ts', ['--persistent-checkpoints', checkpoints]);
    const [made] = await takeSavepoints(jobId, 1);
    expect((await flink(['savepoints', 'pin', made, '--reason', "before v2, Ann's"])).exitCode).toBe(0);
    // Restored into another output directory: the cluster creates the job, and its sink refuses to start.
    const failed = await flink(['run', '-d', '-s', made, path.resolve('fixtures/jobs/counter.ts'), '--out', path.join(work, 'out-elsewhere')]);
    expect(failed.exitCode).toBe(1);
    const failedJob = /Job ([0-9a-f]{32}) failed to start/.exec(failed.stderr)![1];
    const entries = JSON.parse((await flink(['audit', '--json'])).stdout).entries as Array<{ command: string; argv: string[]; job?: string; result: string }>;
    expect(entries.filter((e) => e.command === 'run' && e.result === 'failed').at(-1)?.job).toBe(failedJob);
    const table = (await flink(['audit'])).stdout;
    expect(table).toContain(`savepoints pin ${made} --reason 'before v2, Ann'\\''s'`);
    // A dry run changes nothing: the plan of a running job, with a warning instead of a refusal.
    await until('a checkpoint on disk', () =>
      existsSync(path.join(checkpoints, jobId)) && readdirSync(path.join(checkpoints, jobId)).some((d) => d.startsWith('chk-')) ? true : undefined,
    );
    const dry = await flink(['savepoints', 'gc', '--job', jobId, '--dir', checkpoints, '--dry-run', '--json']);
    expect([dry.exitCode, dry.stderr]).toEqual([0, expect.stringContaining(`Job ${jobId} is RUNNING`)]);
    expect(JSON.parse(dry.stdout)).toMatchObject({ files: expect.any(Array), bytes: expect.any(Number) });
    const real = await flink(['savepoints', 'gc', '--job', jobId, '--dir', checkpoints]);
    expect(real.exitCode).toBe(1);
    expect(real.stderr).toContain('Refusing to collect garbage');
    await flink(['savepoints', 'unpin', made]);
    await flink(['cancel', jobId]);
  }, 120_000);
});

describe('--require-savepoint and the audit log', () => {
  it('refuses to start a job from no state when it has a restorable snapshot', async () => {
    const r = await flink([
      'run',
      '-d',
      '--require-savepoint',
      path.resolve('fixtures/jobs/counter.ts'),
      '--out',
      path.join(work, 'out-x'),
      '--sequence',
      '10',
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Refusing to start 'Event counter' from no state");
  });

  it('records every state-changing command', async () => {
    const r = await flink(['audit', '--json']);
    const entries = JSON.parse(r.stdout).entries as Array<{ command: string; result: string; user: string; host: string; durationMs: number }>;
    const commands = new Set(entries.map((e) => e.command));
    for (const c of ['run', 'savepoint', 'cancel', 'savepoints', 'upgrade', 'stop']) expect(commands).toContain(c);
    expect(entries.some((e) => e.result === 'failed')).toBe(true);
    expect(entries.every((e) => e.user && e.host && e.durationMs >= 0)).toBe(true);
  });
});
