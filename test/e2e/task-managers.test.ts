// Issue 14, end to end: jobs that SIGKILL their own process, exit, allocate without bound or throw each end
// FAILED with the cause visible through /jobs/:id/exceptions and the CLI, while the coordinator keeps its
// pid and a well-behaved job beside them commits exactly once; a kill -9 of the coordinator afterwards
// brings the good job back and leaves the failed ones failed (and `cluster start` says which is which).
// Then `cluster start|stop` with coordinator.rest.token.
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { counterOutput } from '../support/counter-output.js';
import { until } from '../support/until.js';
import { emptyDir, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';

const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const MISBEHAVING = path.resolve('fixtures/jobs/misbehaving.ts');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const pidIn = (state: string) => JSON.parse(readFileSync(path.join(state, 'coordinator.pid'), 'utf8')).pid as number;

describe('misbehaving jobs hurt only themselves, and say why they failed', () => {
  const work = emptyDir('tm-');
  const conf = path.join(work, 'conf');
  const state = path.join(work, 'state');
  let address = '';
  const flink = (args: string[]): Promise<RunResult> => runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
  afterAll(() => flink(['cluster', 'stop']), 60_000);

  const CAUSES: Record<string, RegExp> = {
    kill: /TaskManagerException: the job's TaskManager process \(pid \d+\) was killed by signal SIGKILL/,
    exit: /TaskManagerException: the job's TaskManager process \(pid \d+\) exited unexpectedly \(exit code 3\)/,
    hog: /TaskManagerException: the job's TaskManager process used [\d.]+ MB of resident memory, [\d.]+ (MB|KB) over taskmanager\.memory\.process\.size \(256 MB\), and was killed/,
    throw: /Error: bad record 20/,
  };

  it('each bad job ends FAILED with its cause; the coordinator keeps its pid; the good job commits exactly once; kill -9 keeps both', async () => {
    address = await startLocalCoordinator(conf, work, [
      `coordinator.dir: ${state}`,
      `execution.checkpointing.dir: ${path.join(work, 'checkpoints')}`,
      'restart-strategy.fixed-delay.attempts: 1',
      'restart-strategy.fixed-delay.delay: 100 ms',
      'taskmanager.memory.process.size: 256m',
    ]);
    const coordinatorPid = pidIn(state);
    const out = path.join(work, 'out');
    const good = JOB_RE.exec(
      (
        await flink([
          'run',
          '-d',
          path.resolve('fixtures/jobs/counter.ts'),
          '--out',
          out,
          '--sequence',
          '100000000',
          '--rate',
          '1000',
          '--users',
          '5',
          '--checkpoint-interval',
          '200',
        ])
      ).stdout,
    )![1];

    // Attached: the failing run prints the root cause and exits 1.
    const thrown = await flink(['run', MISBEHAVING, 'throw', '20']);
    expect(thrown.exitCode).toBe(1);
    expect(thrown.stderr).toMatch(/Job [0-9a-f]{32} ended FAILED: Error: bad record 20/);
    const bad: Record<string, string> = { throw: JOB_RE.exec(thrown.stdout)![1] };
    for (const mode of ['kill', 'exit', 'hog']) bad[mode] = JOB_RE.exec((await flink(['run', '-d', MISBEHAVING, mode, '20'])).stdout)![1];

    const listed = async () => JSON.parse((await flink(['list', '-a', '--json'])).stdout).jobs as Array<{ id: string; state: string; rootCause?: string }>;
    await until(
      'every bad job FAILED',
      async () => ((await listed()).filter((j) => Object.values(bad).includes(j.id) && j.state === 'FAILED').length === 4 ? true : undefined),
      60_000,
    );
    const jobs = await listed();
    for (const [mode, id] of Object.entries(bad)) {
      expect(jobs.find((j) => j.id === id)?.rootCause).toMatch(CAUSES[mode]);
      const exceptions = (await (await fetch(`http://${address}/v1/jobs/${id}/exceptions`)).json()) as {
        'root-exception': string;
        exceptionHistory: { entries: unknown[] };
      };
      expect(exceptions['root-exception']).toMatch(CAUSES[mode]);
      expect(exceptions.exceptionHistory.entries).toHaveLength(2); // one restart, then FAILED
    }
    const human = await flink(['list', '-a']);
    expect(human.stdout).toMatch(new RegExp(`^\\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d:\\d\\d : ${bad.kill} : misbehaving \\(kill\\) \\(FAILED\\)$`, 'm'));
    expect(human.stderr).toMatch(new RegExp(`Job ${bad.hog} \\(misbehaving \\(hog\\)\\) FAILED: ${CAUSES.hog.source}`));

    expect(pidIn(state)).toBe(coordinatorPid);
    expect(alive(coordinatorPid)).toBe(true);
    expect(jobs.find((j) => j.id === good)?.state).toBe('RUNNING');
    await until('the good job commits', async () => (existsSync(out) && counterOutput(out).records > 300 ? true : undefined), 60_000);
    expect(counterOutput(out).exact).toBe(true);

    // kill -9 of the coordinator: its TaskManager processes go with it; the next start resumes the good job only.
    process.kill(coordinatorPid, 'SIGKILL');
    await until('the coordinator to die', async () => (alive(coordinatorPid) ? undefined : true));
    const before = counterOutput(out).records;
    const restarted = await runFlink(['--config-dir', conf, 'cluster', 'start'], { cwd: work });
    expect(restarted.exitCode).toBe(0);
    address = restarted.stdout.trim().replace(/^http:\/\//, '');
    // What the crash did: the jobs that ran then; the four that had failed minutes before are not its doing.
    expect(restarted.stderr).toContain('did not stop cleanly: 1 job(s) resumed, 0 failed to resume.');
    expect(restarted.stderr).toMatch(new RegExp(`resumed: ${good} Event counter \\(RUNNING\\)`));
    for (const id of Object.values(bad)) expect(restarted.stderr).not.toContain(id);
    await until('more output', async () => (counterOutput(out).records > before + 100 ? true : undefined), 60_000);
    for (const id of Object.values(bad)) expect((await listed()).find((j) => j.id === id)?.state).toBe('FAILED');
    expect((await flink(['cancel', good])).exitCode).toBe(0);
    expect(counterOutput(out).exact).toBe(true);
  }, 180_000);
});

describe('cluster start|stop with coordinator.rest.token', () => {
  const work = emptyDir('token-');
  const conf = path.join(work, 'conf');
  const state = path.join(work, 'state');
  const cluster = (args: string[], extra: string[] = []) => runFlink(['--config-dir', conf, ...extra, 'cluster', ...args], { cwd: work });
  afterAll(() => cluster(['stop']), 60_000);

  it('start answers ready, a second start keeps the live pid file, stop authenticates and checks the pid', async () => {
    const address = await startLocalCoordinator(conf, work, [`coordinator.dir: ${state}`, 'coordinator.rest.token: s3cret-token']);
    const pid = pidIn(state);
    expect((await fetch(`http://${address}/v1/overview`)).status).toBe(401);

    const again = await cluster(['start']);
    expect([again.exitCode, again.stdout.trim()]).toEqual([0, `http://${address}`]);
    expect(again.stderr).toContain(`already running (pid ${pid})`);
    const wrong = await cluster(['start'], ['-D', 'coordinator.rest.token=wrong']);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain('rejects this token');
    expect(pidIn(state)).toBe(pid);

    const stopWrong = await cluster(['stop'], ['-D', 'coordinator.rest.token=wrong']);
    expect(stopWrong.exitCode).toBe(1);
    expect(stopWrong.stderr).toContain('rejects this token; not stopping it');
    expect(alive(pid)).toBe(true);
    expect(JSON.parse((await cluster(['status', '--json'])).stdout)).toMatchObject({ running: true, pid });

    const stopped = await cluster(['stop']);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.stdout).toContain(`Stopped the local coordinator (pid ${pid})`);
    await until('gone', async () => (alive(pid) ? undefined : true));

    // A pid file left behind whose pid now belongs to another program (here: this test process) is stale.
    writeFileSync(
      path.join(state, 'coordinator.pid'),
      JSON.stringify({ pid: process.pid, host: '127.0.0.1', port: 1, url: 'http://127.0.0.1:1', version: 'x', startedAt: 0 }),
    );
    const stale = await cluster(['stop']);
    expect(stale.exitCode).toBe(0);
    expect(stale.stderr).toContain('No local coordinator is running');
    expect(existsSync(path.join(state, 'coordinator.pid'))).toBe(false);
  }, 120_000);
});
