// Full verification wherever a decision deletes or restores (issue 12, case 3): a savepoint with one byte
// flipped in a state file (same size, so the quick level sees nothing) is never kept in place of an
// intact one, never picked as --latest or by restore latest, and never resumed from after a kill -9.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pointerToPath } from '../../src/domain/pointers.js';
import { emptyDir, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';
import { counterOutput } from '../support/counter-output.js';

const work = emptyDir('verify-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
const savepoints = path.join(work, 'savepoints');
let address = '';
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
}
const jobState = (jobId: string) => listedJobState(flink, jobId);

function counterArgs(out: string, extra: string[] = []): string[] {
  return ['--out', out, '--sequence', '1000000', '--rate', '300', '--users', '3', '--checkpoint-interval', '600000', ...extra];
}

async function startCounter(out: string): Promise<string> {
  const r = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(out)]);
  expect(r.exitCode).toBe(0);
  const jobId = JOB_RE.exec(r.stdout)![1];
  await until('RUNNING', async () => ((await jobState(jobId)) === 'RUNNING' ? true : undefined));
  return jobId;
}

async function takeSavepoints(jobId: string, count: number): Promise<string[]> {
  const made: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await flink(['savepoint', jobId]);
    expect(r.exitCode).toBe(0);
    // The printed location is Flink's form (file:/...); the test works on the directory.
    made.push(pointerToPath(/Path: (\S+)/.exec(r.stdout)![1])!);
  }
  return made;
}

/** The snapshot's largest state file (every file but _metadata), with one byte flipped in place: same size. */
function flipOneByte(snapshotDir: string): string {
  const files = (readdirSync(snapshotDir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile() && d.name !== '_metadata')
    .map((d) => path.join(d.parentPath, d.name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  expect(files.length).toBeGreaterThan(0);
  const bytes = readFileSync(files[0]);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(files[0], bytes);
  return files[0];
}

/** A checkpoint of the job (its directory); the first ones until it holds keyed state and committed output. */
async function checkpointWithState(jobId: string, out: string): Promise<string> {
  return until('a checkpoint with state', async () => {
    const r = await flink(['checkpoint', jobId]);
    const id = /^Checkpoint (\d+) for job/.exec(r.stdout)?.[1];
    return id && existsSync(out) && counterOutput(out).records > 0 ? path.join(work, 'checkpoints', jobId, `chk-${id}`) : undefined;
  });
}

/** Committed output lines of the counter ("user,count,type,typeCount"). */
function lines(out: string): string[] {
  return readdirSync(out)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean));
}

async function killCoordinator(): Promise<void> {
  const pid = JSON.parse(readFileSync(path.join(state, 'coordinator.pid'), 'utf8')).pid as number;
  process.kill(pid, 'SIGKILL');
  await until('the coordinator to die', () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
}

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [
    `coordinator.dir: ${state}`,
    `state.savepoints.dir: ${savepoints}`,
    `execution.checkpointing.dir: ${path.join(work, 'checkpoints')}`,
    'restart-strategy.fixed-delay.delay: 200 ms',
  ]);
}, 60_000);

afterAll(async () => {
  await flink(['cluster', 'stop']);
}, 60_000);

describe('the newest savepoint is corrupt (one byte flipped, same size)', () => {
  let jobId = '';
  let made: string[] = [];

  beforeAll(async () => {
    jobId = await startCounter(path.join(work, 'out-corrupt'));
    made = await takeSavepoints(jobId, 3);
    flipOneByte(made[2]);
  }, 120_000);

  it('the listing shows it complete at the quick level, and the fully verified newest as corrupt with the reason', async () => {
    const all = await flink(['savepoints', jobId, '--all', '--json']);
    expect(all.exitCode).toBe(0);
    const listed = JSON.parse(all.stdout).snapshots as Array<{ path: string; state: string; problem: string | null; verified: string | null }>;
    expect(listed.find((s) => s.path === made[2])).toMatchObject({ state: 'corrupt', verified: 'full', problem: expect.stringContaining('checksum') });
    expect(listed.find((s) => s.path === made[1])).toMatchObject({ state: 'complete', verified: 'full' });
    expect(listed.find((s) => s.path === made[0])).toMatchObject({ state: 'complete', verified: 'quick' });
    const table = await flink(['savepoints', jobId, '--all']);
    expect(table.stdout).toMatch(new RegExp(`${made[1]}\\s+complete, verified`));
    expect(table.stdout).toMatch(new RegExp(`${made[2]}\\s+corrupt: .*checksum`));
  });

  it('savepoints --latest skips it, saying so on stderr, and prints the newest intact one', async () => {
    const r = await flink(['savepoints', '--latest', jobId]);
    expect([r.exitCode, r.stdout]).toEqual([0, `${made[1]}\n`]);
    expect(r.stderr).toContain(`skipping ${made[2]}: `);
    expect(r.stderr).toContain('checksum');
  });

  it('prune --keep 1 keeps the newest intact one and the corrupt one (flagged), and disposes nothing intact', async () => {
    const dry = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '1', '--dry-run', '--json']);
    expect(dry.exitCode).toBe(8); // nothing to prune; stdout also carries the error document after the plan
    const plan = JSON.parse(dry.stdout.split('\n')[0]).decisions as Array<{ path: string; action: string; reason: string }>;
    expect(plan.find((d) => d.path === made[2])).toMatchObject({
      action: 'keep',
      reason: expect.stringMatching(/^corrupt \(state file .* fails its checksum \(corrupt\)\): inspect it/),
    });
    expect(plan.find((d) => d.path === made[1])).toMatchObject({ action: 'keep', reason: 'newest complete savepoint' });
    expect(plan.find((d) => d.path === made[0])).toMatchObject({
      action: 'keep',
      reason: expect.stringContaining(`intact while ${made[2]} fails full verification`),
    });
    const real = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '1']);
    expect([real.exitCode, real.stdout]).toEqual([8, '']);
    expect(real.stderr).toContain(`${made[2]} fails full verification (`);
    expect(made.every((p) => existsSync(p))).toBe(true);
  });

  it('run -s with the corrupt one is refused before anything starts', async () => {
    const before = JSON.parse((await flink(['list', '-a', '--json'])).stdout).jobs.length as number;
    const r = await flink(['run', '-d', '-s', made[2], path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(path.join(work, 'out-refused'))]);
    expect([r.exitCode, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(new RegExp(`Cannot restore from ${made[2]}: State file .* fails its checksum \\(corrupt\\)`));
    expect(JSON.parse((await flink(['list', '-a', '--json'])).stdout).jobs).toHaveLength(before);
  });

  it('restore latest restores the newest intact one', async () => {
    await flink(['cancel', jobId]);
    const out = path.join(work, 'out-corrupt'); // the sink's pending files of the savepoint are there
    const r = await flink(['restore', 'latest', '--from-job', jobId, '-d', path.resolve('fixtures/jobs/counter.ts'), ...counterArgs(out)]);
    expect([r.exitCode, r.stderr]).toEqual([0, expect.any(String)]);
    expect(r.stderr).toContain(`skipping ${made[2]}: `);
    expect(r.stderr).toContain(`Restoring from the latest savepoint ${made[1]}`);
    const restored = JOB_RE.exec(r.stdout)![1];
    const stats = JSON.parse((await flink(['checkpoints', restored, '--json'])).stdout);
    expect(stats.latest.restored.external_path.replace(/^file:/, '')).toBe(made[1]);
    await flink(['cancel', restored]);
  });
});

describe('kill -9 of the coordinator, then the newest snapshots are damaged while it is down', () => {
  it('a job whose newest snapshot is corrupt comes back from the older intact one; with none intact it is FAILED with the reason', async () => {
    const outA = path.join(work, 'out-fallback');
    const outB = path.join(work, 'out-lost');
    const a = await startCounter(outA);
    const b = await startCounter(outB);
    // Each job: a savepoint, then a checkpoint (its newest snapshot).
    await checkpointWithState(a, outA);
    const [savepointA] = await takeSavepoints(a, 1);
    const atSavepoint = new Set(lines(outA));
    const checkpointA = await checkpointWithState(a, outA);
    await checkpointWithState(b, outB);
    const [savepointB] = await takeSavepoints(b, 1);
    const checkpointB = await checkpointWithState(b, outB);
    await killCoordinator();
    const atKill = lines(outA);
    flipOneByte(checkpointA);
    flipOneByte(checkpointB);
    flipOneByte(savepointB);

    const restarted = await flink(['cluster', 'start']);
    expect(restarted.exitCode).toBe(0);
    address = restarted.stdout.trim().replace(/^http:\/\//, '');
    await until('A RUNNING again', async () => ((await jobState(a)) === 'RUNNING' ? true : undefined));
    const log = readFileSync(path.join(state, 'coordinator.log'), 'utf8');
    expect(log).toMatch(
      new RegExp(`Job ${a}: snapshot ${checkpointA} fails full verification \\(state file .* fails its checksum \\(corrupt\\)\\); trying an older one`),
    );
    expect(log).toContain(`Job ${a} falls back to ${savepointA}, the newest snapshot that passes full verification`);
    expect(log).toContain(`Resuming job ${a} (Event counter) from ${savepointA}`);
    const stats = JSON.parse((await flink(['checkpoints', a, '--json'])).stdout);
    expect(stats.latest.restored.external_path.replace(/^file:/, '')).toBe(savepointA);

    expect(await jobState(b)).toBe('FAILED');
    const details = (await (await fetch(`http://${address}/jobs/${b}`)).json()) as { state: string; 'failure-cause': string };
    expect(details['failure-cause']).toMatch(
      new RegExp(`^Job ${b} has no usable snapshot to restore from: none of its \\d snapshot\\(s\\) passes full verification`),
    );
    expect(details['failure-cause']).toContain(savepointB);
    expect([existsSync(path.join(checkpointB, '_metadata')), existsSync(path.join(savepointB, '_metadata'))]).toEqual([true, true]); // kept for inspection

    // A's output continues from the savepoint's state: nothing lost. The records the corrupt checkpoint had
    // committed after the savepoint are the only ones written again (its sink committed them before the crash).
    await until(
      'more output',
      async () => {
        await flink(['checkpoint', a]); // no periodic checkpoints: each one commits what came since
        return lines(outA).length > atKill.length + 50 ? true : undefined;
      },
      60_000,
    );
    expect((await flink(['stop', a])).exitCode).toBe(0);
    const after = lines(outA);
    const byUser = new Map<string, Set<number>>();
    for (const line of after) {
      const [user, count] = line.split(',');
      byUser.set(user, (byUser.get(user) ?? new Set()).add(Number(count)));
    }
    for (const counts of byUser.values()) expect([...counts].sort((x, y) => x - y)).toEqual([...counts].map((_, i) => i + 1));
    const seen = new Set<string>();
    const repeated = after.filter((line) => (seen.has(line) ? true : (seen.add(line), false)));
    const committedByCorruptCheckpoint = new Set(atKill.filter((line) => !atSavepoint.has(line)));
    expect(repeated.filter((line) => !committedByCorruptCheckpoint.has(line))).toEqual([]);
    expect(counterOutput(outA).exact).toBe(repeated.length === 0);
  }, 120_000);
});
