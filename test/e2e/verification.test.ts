// Full verification wherever a decision deletes or restores (issue 12, case 3): a savepoint with one byte
// flipped in a state file (same size, so the quick level sees nothing) is never kept in place of an
// intact one, never picked as --latest or by restore latest, and never resumed from after a kill -9.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emptyDir, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';

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
    made.push(/Path: (\S+)/.exec(r.stdout)![1]);
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

  it('prune --keep 1 keeps the newest intact one and the corrupt one; only the one beyond --keep goes', async () => {
    const dry = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '1', '--dry-run', '--json']);
    const plan = JSON.parse(dry.stdout).decisions as Array<{ path: string; action: string; reason: string }>;
    expect(plan.find((d) => d.path === made[2])).toMatchObject({ action: 'keep', reason: expect.stringContaining('corrupt') });
    expect(plan.find((d) => d.path === made[1])).toMatchObject({ action: 'keep', reason: 'newest complete savepoint' });
    expect(plan.find((d) => d.path === made[0])).toMatchObject({ action: 'dispose' });
    const real = await flink(['savepoints', 'prune', '--job', jobId, '--keep', '1', '--json']);
    expect(real.exitCode).toBe(0);
    expect(JSON.parse(real.stdout).disposed).toEqual([made[0]]);
    expect([existsSync(made[1]), existsSync(made[2])]).toEqual([true, true]);
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
