// The local coordinator survives faults of its environment, spawned as a user runs it: a full disk (a real,
// small tmpfs filled up) and a kill -9 in the middle of a savepoint.
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { coordinatorPid, emptyDir, isAlive, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';
import { counterOutput } from '../support/counter-output.js';

const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;

/** Temp files of interrupted job-record writes, anywhere under the coordinator's jobs directory. */
function recordTempFiles(state: string): string[] {
  const jobs = path.join(state, 'jobs');
  if (!existsSync(jobs)) return [];
  return readdirSync(jobs).flatMap((id) => readdirSync(path.join(jobs, id)).filter((f) => /^job\.json\..*\.tmp$/.test(f)));
}

// A real full disk: two small tmpfs, one for coordinator.dir (job records, log, the CLI's locks), one for
// the savepoints and checkpoints, so that each can be full on its own. Mounting needs root; anywhere it is
// not permitted, only this case is skipped, and its name says why.
const work = emptyDir('faults-');
const stateDisk = path.join(work, 'state-disk');
const snapshotDisk = path.join(work, 'snapshot-disk');
const mounted: string[] = [];
let mountRefused: string | undefined;
for (const dir of [stateDisk, snapshotDisk]) {
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir], { stdio: 'pipe' });
    mounted.push(dir);
  } catch (error) {
    mountRefused ??= String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim() || 'mount failed';
  }
}

const describeDiskFull = mountRefused === undefined ? describe : describe.skip;
const diskFullTitle =
  mountRefused === undefined
    ? 'a full disk under coordinator.dir or the snapshot directories'
    : `a full disk (SKIPPED: cannot mount a tmpfs here: ${mountRefused})`;
if (mountRefused !== undefined) process.stderr.write(`faults.test.ts: skipping the disk-full case: cannot mount a tmpfs (${mountRefused})\n`);

/** Fills the file system holding `dir` to the last byte; returns a function that frees the space again. */
function fill(dir: string): () => void {
  const filler = path.join(dir, 'filler');
  for (const size of [1024 * 1024, 4096, 64]) {
    const fd = openSync(filler, 'a');
    try {
      for (;;) writeSync(fd, Buffer.alloc(size, 1));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
  }
  return () => rmSync(filler, { force: true });
}

afterAll(() => {
  for (const dir of mounted) {
    rmSync(path.join(dir, 'filler'), { force: true });
    execFileSync('umount', ['-l', dir]);
  }
});

describeDiskFull(diskFullTitle, () => {
  const conf = path.join(work, 'conf-disk');
  const state = path.join(stateDisk, 'state');
  const savepoints = path.join(snapshotDisk, 'savepoints');
  const out = path.join(work, 'out-disk');
  let address = '';
  const flink = (args: string[]): Promise<RunResult> => runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
  const errorLines = (r: RunResult) => r.stderr.split('\n').filter((l) => l.startsWith('Error:'));

  afterAll(async () => {
    if (address) await flink(['cluster', 'stop']);
  }, 60_000);

  /**
   * Fills the disk of `dir` while the job keeps checkpointing: a snapshot or record write that was already
   * under way may free some space as it completes (a subsumed checkpoint, the replaced job.json), so the
   * disk counts as full once a periodic checkpoint failed after the fill, and then it is topped up.
   */
  async function fillWhileRunning(dir: string, jobId: string): Promise<() => void> {
    const since = Date.now();
    await until(
      'a periodic checkpoint to fail on the full disk',
      async () => {
        // Topped up on every look: a completing snapshot may have freed space since the last fill.
        fill(dir);
        const history = JSON.parse((await flink(['checkpoints', '--json', jobId])).stdout).history as Array<{ status: string; trigger_timestamp: number }>;
        return history.some((h) => h.status === 'FAILED' && h.trigger_timestamp > since) ? true : undefined;
      },
      120_000,
    );
    return fill(dir);
  }

  it('snapshots fail with an I/O error while full; the next ones succeed once space is back; cancel while full leaves the coordinator alive', async () => {
    address = await startLocalCoordinator(conf, work, [
      `coordinator.dir: ${state}`,
      `state.savepoints.dir: ${savepoints}`,
      `execution.checkpointing.dir: ${path.join(snapshotDisk, 'checkpoints')}`,
    ]);
    const pid = coordinatorPid(state);
    const run = await flink([
      'run',
      '-d',
      path.resolve('fixtures/jobs/counter.ts'),
      '--out',
      out,
      '--sequence',
      '1000000',
      '--rate',
      '300',
      '--users',
      '4',
      '--checkpoint-interval',
      '300',
    ]);
    expect(run.exitCode).toBe(0);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('committed output', async () => (existsSync(out) && counterOutput(out).records > 50 ? true : undefined));

    // The snapshot disk is full: the coordinator fails the snapshot with the cause.
    let free = await fillWhileRunning(snapshotDisk, jobId);
    const savepoint = await flink(['savepoint', jobId]);
    expect(savepoint.exitCode).toBe(1);
    expect(errorLines(savepoint)).toEqual([expect.stringMatching(new RegExp(`no space left on device in ${savepoints}/savepoint-`, 'i'))]);
    expect(savepoint.stderr).not.toMatch(/Internal error|\n\s+at /);
    const checkpoint = await flink(['checkpoint', jobId]);
    expect(checkpoint.exitCode).toBe(1);
    expect(errorLines(checkpoint)).toEqual([expect.stringMatching(new RegExp(`no space left on device in ${snapshotDisk}/checkpoints/${jobId}/chk-`, 'i'))]);
    free();

    // coordinator.dir is full: the job record cannot be written, so no snapshot can be recorded.
    free = await fillWhileRunning(stateDisk, jobId);
    const checkpointNoRecord = await flink(['checkpoint', jobId]);
    expect(checkpointNoRecord.exitCode).toBe(1);
    expect(errorLines(checkpointNoRecord)).toEqual([expect.stringMatching(new RegExp(`no space left on device in ${state}`, 'i'))]);
    const savepointNoLock = await flink(['savepoint', jobId]);
    expect(savepointNoLock.exitCode).toBe(1);
    expect(errorLines(savepointNoLock)).toEqual([expect.stringMatching(new RegExp(`no space left on device in ${state}`, 'i'))]);
    expect(savepointNoLock.stderr).not.toMatch(/Internal error|\n\s+at /);
    // Submitting a job stores its module in coordinator.dir: refused with the cause, the coordinator stays up.
    const runFull = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), '--out', path.join(work, 'out-never'), '--sequence', '10']);
    expect(runFull.exitCode).toBe(1);
    expect(errorLines(runFull)).toEqual([expect.stringMatching(new RegExp(`no space left on device in ${state}/artifacts`, 'i'))]);
    expect(isAlive(pid)).toBe(true);
    free();

    // No restart: the very next checkpoint and savepoint succeed, periodic checkpoints commit output again.
    const again = await flink(['checkpoint', jobId]);
    expect([again.exitCode, errorLines(again)]).toEqual([0, []]);
    const sp = await flink(['savepoint', jobId]);
    expect([sp.exitCode, errorLines(sp)]).toEqual([0, []]);
    const location = /Savepoint completed\. Path: (\S+)/.exec(sp.stdout)![1].replace(/^file:/, '');
    expect(existsSync(path.join(location, '_metadata'))).toBe(true);
    const committedBefore = counterOutput(out).records;
    await until('output committed by periodic checkpoints', async () => (counterOutput(out).records > committedBefore + 30 ? true : undefined));
    expect(recordTempFiles(state)).toEqual([]);

    free = fill(stateDisk);
    const cancel = await flink(['cancel', jobId]);
    expect(cancel.stderr).not.toMatch(/Internal error|\n\s+at /);
    await until('the job to be CANCELED', async () => ((await listedJobState(flink, jobId)) === 'CANCELED' ? true : undefined));
    expect(isAlive(pid)).toBe(true);
    expect(coordinatorPid(state)).toBe(pid);

    free();
    // The record the full disk refused is written once space is back (a restart would not resume the job).
    await until('the CANCELED record on disk', () =>
      JSON.parse(readFileSync(path.join(state, 'jobs', jobId, 'job.json'), 'utf8')).status === 'CANCELED' ? true : undefined,
    );
    expect(recordTempFiles(state)).toEqual([]);
    expect(isAlive(pid)).toBe(true);
    expect(counterOutput(out).exact).toBe(true);
  }, 120_000);
});

describe('kill -9 of the coordinator in the middle of a savepoint', () => {
  const conf = path.join(work, 'conf-kill');
  const state = path.join(work, 'state-kill');
  const savepoints = path.join(work, 'savepoints-kill');
  let address = '';
  const flink = (args: string[]): Promise<RunResult> => runFlink(['--config-dir', conf, ...(address ? ['-m', address] : []), ...args], { cwd: work });

  afterAll(async () => {
    await flink(['cluster', 'stop']);
  }, 60_000);

  it('on restart the partial savepoint directory is gone, its history entry is FAILED, no job.json temp file is left', async () => {
    address = await startLocalCoordinator(conf, work, [
      `coordinator.dir: ${state}`,
      `state.savepoints.dir: ${savepoints}`,
      'execution.checkpointing.timeout: 10 min',
    ]);
    // Every record takes 2 s, so a savepoint's barrier waits behind the records already queued.
    const run = await flink(['run', '-d', path.resolve('fixtures/jobs/misbehaving.ts'), 'slow', '2000']);
    expect(run.exitCode).toBe(0);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
    const triggered = await flink(['savepoint', '--detached', jobId]);
    expect(triggered.exitCode).toBe(0);
    const partial = await until('the savepoint directory being written', () => {
      const dirs = existsSync(savepoints) ? readdirSync(savepoints).filter((d) => d.startsWith('savepoint-')) : [];
      return dirs.length === 1 ? path.join(savepoints, dirs[0]) : undefined;
    });
    expect(existsSync(path.join(partial, '_metadata'))).toBe(false);
    const pid = coordinatorPid(state);
    process.kill(pid, 'SIGKILL');
    await until('the coordinator to die', () => (isAlive(pid) ? undefined : true));
    // What a kill between writing a job record's temp file and renaming it leaves behind.
    writeFileSync(path.join(state, 'jobs', jobId, 'job.json.0badc0de.tmp'), '{"version":1,');

    const restarted = await flink(['cluster', 'start']);
    expect(restarted.exitCode).toBe(0);
    address = restarted.stdout.trim().replace(/^http:\/\//, '');
    await until('the partial savepoint directory removed', () => (existsSync(partial) ? undefined : true));
    const history = JSON.parse((await flink(['checkpoints', '--json', jobId])).stdout).history as Array<{
      status: string;
      is_savepoint: boolean;
      failure_message?: string;
    }>;
    const savepointEntries = history.filter((h) => h.is_savepoint);
    expect(savepointEntries).toHaveLength(1);
    expect(savepointEntries[0]).toMatchObject({ status: 'FAILED', failure_message: expect.stringMatching(/coordinator stopped before it completed/) });
    expect(history.filter((h) => h.status === 'IN_PROGRESS' && h.is_savepoint)).toEqual([]);
    expect(recordTempFiles(state)).toEqual([]);
    await flink(['cancel', jobId]);
  }, 120_000);
});

describe('a coordinator log that cannot be written', () => {
  const conf = path.join(work, 'conf-log');
  const state = path.join(work, 'state-log');
  let address = '';
  const flink = (args: string[]): Promise<RunResult> => runFlink(['--config-dir', conf, ...(address ? ['-m', address] : []), ...args], { cwd: work });

  afterAll(async () => {
    await flink(['cluster', 'stop']);
  }, 60_000);

  it('the coordinator starts, runs and cancels a job; its log lines go to stderr (coordinator.out) instead', async () => {
    // Every append to it fails (EISDIR), as every append to a log on a full disk can.
    mkdirSync(path.join(state, 'coordinator.log'), { recursive: true });
    address = await startLocalCoordinator(conf, work, [`coordinator.dir: ${state}`]);
    const pid = coordinatorPid(state);
    const run = await flink(['run', '-d', path.resolve('fixtures/jobs/no-checkpointing.mjs'), '100000000', '200']);
    expect(run.exitCode).toBe(0);
    const jobId = JOB_RE.exec(run.stdout)![1];
    await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
    expect((await flink(['cancel', jobId])).exitCode).toBe(0);
    await until('CANCELED', async () => ((await listedJobState(flink, jobId)) === 'CANCELED' ? true : undefined));
    expect(isAlive(pid)).toBe(true);
    expect(readFileSync(path.join(state, 'coordinator.out'), 'utf8')).toContain(`Job ${jobId} (`);
  }, 60_000);
});
