// Every command against a real local coordinator on an ephemeral loopback port, spawned as a user would.
// stdout, stderr and exit codes are asserted separately.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pointerToPath } from '../../src/domain/pointers.js';
import { ANSI, emptyDir, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';
import { counterOutput } from '../support/counter-output.js';

const work = emptyDir('coordinator-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
const savepoints = path.join(work, 'savepoints');
let address = '';
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;

function flink(args: string[], env?: Record<string, string>): Promise<RunResult> {
  return runFlink(['--config-dir', conf, ...(address ? ['-m', address] : []), ...args], { cwd: work, env });
}

const jobState = (jobId: string) => listedJobState((args) => flink(args), jobId);

function counterArgs(out: string, extra: string[] = []): string[] {
  return ['--out', out, '--sequence', '200000', '--rate', '400', '--users', '4', '--checkpoint-interval', '300', ...extra];
}

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [
    `coordinator.dir: ${state}`,
    `state.savepoints.dir: ${savepoints}`,
    `execution.checkpointing.dir: ${path.join(work, 'checkpoints')}`,
    'restart-strategy.fixed-delay.delay: 200 ms',
  ]);
  expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
}, 60_000);

afterAll(async () => {
  await flink(['cluster', 'stop']);
}, 60_000);

describe('cluster', () => {
  it('start when already running says so and succeeds; status reports it', async () => {
    const again = await flink(['cluster', 'start']);
    expect([again.exitCode, again.stdout.trim()]).toEqual([0, `http://${address}`]);
    expect(again.stderr).toContain('already running');
    const status = await flink(['cluster', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, url: `http://${address}` });
  });
});

describe('a job from submission to restore', () => {
  const out = path.join(work, 'out-main');
  let jobId = '';

  it("run -d prints Flink's submission line", async () => {
    const r = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(out)]);
    expect(r.exitCode).toBe(0);
    jobId = JOB_RE.exec(r.stdout)![1];
    expect(r.stdout).toBe(`Job has been submitted with JobID ${jobId}\n`);
    await until('RUNNING', async () => ((await jobState(jobId)) === 'RUNNING' ? true : undefined));
  });

  it("list shows it in Flink's format", async () => {
    const r = await flink(['list']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^------------------ Running/Restarting Jobs -------------------\\n\\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d:\\d\\d : ${jobId} : Event counter \\(RUNNING\\)\\n-{62}\\nNo scheduled jobs\\.\\n$`,
      ),
    );
    expect(r.stderr).toBe('Waiting for response...\n');
  });

  it('savepoint to the configured directory prints "Savepoint completed. Path: ..." and writes _metadata', async () => {
    const r = await flink(['savepoint', jobId]);
    expect(r.exitCode).toBe(0);
    const printed = /^Savepoint completed\. Path: (\S+)$/m.exec(r.stdout)![1];
    expect(printed).toMatch(/^file:\/[^/]/); // as Flink's CLI prints what the JobManager reports
    const location = pointerToPath(printed)!;
    expect(location.startsWith(path.join(savepoints, `savepoint-${jobId.slice(0, 6)}-`))).toBe(true);
    expect(existsSync(path.join(location, '_metadata'))).toBe(true);
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('savepoint to an ad-hoc directory, with --json and -type native', async () => {
    const r = await flink(['savepoint', jobId, path.join(work, 'adhoc'), '-type', 'native', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      version: 1,
      jobId,
      status: 'COMPLETED',
      format: 'NATIVE',
      targetDirectory: path.join(work, 'adhoc'),
      targetStep: 1,
    });
  });

  it('-detached prints the trigger id; savepoint status reattaches', async () => {
    const r = await flink(['savepoint', jobId, '-detached']);
    const trigger = /^Successfully trigger manual savepoint, triggerId: ([0-9a-f]{32})$/m.exec(r.stdout)![1];
    const status = await flink(['savepoint', 'status', jobId, trigger]);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/^Savepoint completed\. Path: /);
  });

  it('a wait that times out exits 6, says the savepoint may still run and how to reattach', async () => {
    // A job with enough keyed state that its savepoint takes far longer than the 1 ms we wait.
    const run = await flink([
      'run',
      '-d',
      path.resolve('fixtures/jobs/counter.ts'),
      '--out',
      path.join(work, 'out-big'),
      '--sequence',
      '10000000',
      '--rate',
      '40000',
      '--users',
      '60000',
      '--checkpoint-interval',
      '60000',
    ]);
    const big = JOB_RE.exec(run.stdout)![1];
    await until('40k keys', async () => ((await jobState(big)) === 'RUNNING' ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const r = await flink(['savepoint', big, '--timeout', '1ms']);
    expect(r.exitCode).toBe(6);
    const trigger = /trigger id ([0-9a-f]{32})/.exec(r.stderr)![1];
    expect(r.stderr).toContain('it may still be running');
    expect(r.stderr).toContain(`Reattach with: flink savepoint status ${big} ${trigger}`);
    const reattached = await flink(['savepoint', 'status', big, trigger]);
    expect(reattached.exitCode).toBe(0);
    expect(reattached.stdout).toMatch(/^Savepoint completed\. Path: /);
    await flink(['cancel', big]);
  });

  it("checkpoint prints Flink's line; checkpoints shows the history with the savepoint flag", async () => {
    const r = await flink(['checkpoint', jobId]);
    expect(r.stdout).toMatch(new RegExp(`^Checkpoint \\d+ for job ${jobId} completed\\.\\n$`));
    const doc = JSON.parse((await flink(['checkpoints', jobId, '--json'])).stdout);
    // Flink's shape: the newest completed checkpoint and savepoint, each flagged; the history (newest 10) flags each entry.
    expect(doc.latest.savepoint).toMatchObject({ is_savepoint: true, status: 'COMPLETED', checkpoint_type: 'SAVEPOINT' });
    expect(doc.latest.completed).toMatchObject({ is_savepoint: false, status: 'COMPLETED', checkpoint_type: 'CHECKPOINT' });
    expect(doc.history.every((h: { is_savepoint: unknown }) => typeof h.is_savepoint === 'boolean')).toBe(true);
  });

  it('savepoints lists the restorable snapshots; --latest prints one path', async () => {
    const list = await flink(['savepoints', jobId, '--json']);
    const snapshots = JSON.parse(list.stdout).snapshots as Array<{ kind: string; path: string; state: string; trigger: string }>;
    expect(snapshots.filter((s) => s.kind === 'savepoint').length).toBe(3); // configured dir, ad-hoc, detached
    expect(snapshots.every((s) => s.state === 'complete')).toBe(true);
    const latest = await flink(['savepoints', '--latest', jobId]);
    expect(latest.stdout).toBe(`${snapshots[0].path}\n`);
  });

  it('stop --drain ends the job with a savepoint; the restored job continues the counts exactly', async () => {
    const stop = await flink(['stop', '-p', path.join(work, 'stops'), '--drain', jobId]);
    expect(stop.exitCode).toBe(0);
    expect(stop.stderr).toContain(`Draining job "${jobId}" with a CANONICAL savepoint.`);
    await until('FINISHED', async () => ((await jobState(jobId)) === 'FINISHED' ? true : undefined));
    const before = counterOutput(out);
    expect(before.exact).toBe(true);
    const restored = await flink(['restore', 'latest', '--from-job', jobId, '-d', path.resolve('fixtures/jobs/counter-fixed.ts'), ...counterArgs(out)]);
    expect(restored.exitCode).toBe(0);
    const newJob = JOB_RE.exec(restored.stdout)![1];
    expect(restored.stderr).toContain(`Restoring from the latest savepoint ${path.join(work, 'stops')}`);
    await until('more output', async () => (counterOutput(out).records > before.records + 50 ? true : undefined));
    await flink(['stop', newJob]);
    const after = counterOutput(out);
    expect(after.exact).toBe(true);
    expect(after.records).toBeGreaterThan(before.records);
  });
});

describe('cancel', () => {
  it('cancels a running job; cancelling again fails (already terminal)', async () => {
    const run = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(path.join(work, 'out-cancel'))]);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('RUNNING', async () => ((await jobState(jobId)) === 'RUNNING' ? true : undefined));
    const r = await flink(['cancel', jobId]);
    expect([r.exitCode, r.stdout]).toEqual([0, `Cancelled job ${jobId}.\n`]);
    const again = await flink(['cancel', jobId]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('already reached another terminal state (CANCELED)');
  });

  it("cancel -s takes a savepoint first (deprecated, with Flink's note)", async () => {
    const run = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(path.join(work, 'out-cancel-s'))]);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('RUNNING', async () => ((await jobState(jobId)) === 'RUNNING' ? true : undefined));
    const r = await flink(['cancel', '-s', path.join(work, 'cancel-sp'), jobId]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Cancelled job ${jobId}\\. Savepoint stored in file:${path.join(work, 'cancel-sp')}/savepoint-`));
    expect(r.stderr).toContain('DEPRECATION WARNING');
  });
});

describe('dispose', () => {
  it('--dry-run plans and removes nothing; dispose removes; a non-snapshot is refused', async () => {
    const target = readdirSync(path.join(work, 'adhoc')).map((d) => path.join(work, 'adhoc', d))[0];
    const dry = await flink(['dispose', '--dry-run', target]);
    expect(dry.stdout).toMatch(new RegExp(`^Would dispose ${target} \\(\\d+(\\.\\d)? (B|KB)\\): savepoint, requested\\n$`));
    expect(existsSync(target)).toBe(true);
    const real = await flink(['dispose', target]);
    expect(real.exitCode).toBe(0);
    expect(existsSync(target)).toBe(false);
    const refused = await flink(['dispose', conf]);
    expect(refused.exitCode).toBe(2); // a path dispose does not take is a bad argument (a protected snapshot exits 1)
    expect(refused.stderr).toContain('not a snapshot directory');
    expect(existsSync(conf)).toBe(true);
  });
});

describe('errors and exit codes', () => {
  it.each([
    [['savepoint', 'nope'], 2, 'Cannot parse JobID from "nope"'],
    [['savepoint', '0123456789abcdef0123456789abcdef'], 5, 'Job 0123456789abcdef0123456789abcdef not found'],
    [['savepoint', '0123456789abcdef0123456789abcdef', 'jobmanager://savepoint-0'], 2, 'removed JobManager heap savepoint backend'],
    [['savepoints', '--latest', '0123456789abcdef0123456789abcdef'], 5, 'No restorable savepoint'],
    [['run', '-d', 'missing-job.ts'], 5, 'Job file not found'],
  ])('%j exits %d', async (args, code, message) => {
    const r = await flink(args as string[]);
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toContain(message as string);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('an unreachable coordinator exits 4 with the address tried', async () => {
    const r = await runFlink(['list', '-m', '127.0.0.1:1']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('Could not reach the coordinator at http://127.0.0.1:1');
  });
});

describe('the coordinator survives kill -9', () => {
  it('a running job resumes from its latest checkpoint; committed output has no loss and no duplicates', async () => {
    const out = path.join(work, 'out-kill');
    const run = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(out)]);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('committed output', async () => (existsSync(out) && counterOutput(out).records > 100 ? true : undefined));
    const pid = JSON.parse(readFileSync(path.join(state, 'coordinator.pid'), 'utf8')).pid as number;
    process.kill(pid, 'SIGKILL');
    await until('the coordinator to die', async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    const before = counterOutput(out);
    const restarted = await flink(['cluster', 'start']);
    expect(restarted.exitCode).toBe(0);
    expect(restarted.stderr).toContain('Removed a stale pid file');
    address = restarted.stdout.trim().replace(/^http:\/\//, '');
    await until('RUNNING again', async () => ((await jobState(jobId)) === 'RUNNING' ? true : undefined));
    await until('more output', async () => (counterOutput(out).records > before.records + 50 ? true : undefined));
    await flink(['stop', jobId]);
    const after = counterOutput(out);
    expect(after.exact).toBe(true);
    expect(after.records).toBeGreaterThan(before.records);
  });
});

describe('run starts the local coordinator when nothing answers', () => {
  it('a job module with no coordinator running: started (note on stderr), job submitted', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const p = (server.address() as { port: number }).port;
        server.close(() => resolve(p));
      });
    });
    const own = path.join(work, 'autostart');
    const args = ['-D', `coordinator.dir=${own}`, '-D', `rest.port=${port}`];
    const r = await runFlink([...args, 'run', '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(path.join(work, 'out-auto'))], { cwd: work });
    try {
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain(`Nothing answers at http://127.0.0.1:${port}; starting the local coordinator`);
      expect(r.stdout).toMatch(JOB_RE);
    } finally {
      expect((await runFlink([...args, 'cluster', 'stop'], { cwd: work })).exitCode).toBe(0);
    }
  });
});
