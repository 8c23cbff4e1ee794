// `--json` promises a script one JSON document on stdout, whatever happens: every command is run with it on
// success, on nothing-to-do and on failure against a real local coordinator, and stdout must parse as exactly
// one document (JSON.parse of the whole text) whose "error" is there exactly when the exit code is not 0.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pointerToPath } from '../../src/domain/pointers.js';
import { emptyDir, fixture, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';

const work = emptyDir('json-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
const savepoints = path.join(work, 'sp');
const checkpoints = path.join(work, 'ckpt');
const UNKNOWN_JOB = '0123456789abcdef0123456789abcdef';
let address = '';

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, '-m', address, '--json', ...args], { cwd: work });
}

/** stdout is exactly one JSON document; its "error" matches the exit code. */
function oneDocument(r: RunResult): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not exactly one JSON document (exit ${r.exitCode}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  expect(doc.version).toBe(1);
  if (r.exitCode === 0) expect(doc.error).toBeUndefined();
  else expect(doc.error).toMatchObject({ exitCode: r.exitCode, kind: expect.any(String), message: expect.any(String) });
  return doc;
}

async function expectDocument(args: string[], exitCode: number): Promise<Record<string, unknown>> {
  const r = await flink(args);
  const doc = oneDocument(r);
  expect([args.join(' '), r.exitCode, r.exitCode === exitCode ? '' : r.stderr]).toEqual([args.join(' '), exitCode, '']);
  return doc;
}

function counterArgs(out: string): string[] {
  return ['--out', out, '--sequence', '100000000', '--rate', '100', '--users', '3', '--checkpoint-interval', '300'];
}

async function startCounter(name: string, extra: string[] = []): Promise<string> {
  const doc = await expectDocument(['run', '-d', fixture('jobs', 'counter.ts'), ...counterArgs(path.join(work, `out-${name}`)), ...extra], 0);
  const jobId = doc.jobId as string;
  await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
  return jobId;
}

beforeAll(async () => {
  mkdirSync(savepoints, { recursive: true });
  address = await startLocalCoordinator(conf, work, [
    `coordinator.dir: ${state}`,
    `state.savepoints.dir: ${savepoints}`,
    `execution.checkpointing.dir: ${checkpoints}`,
    'restart-strategy.fixed-delay.delay: 200 ms',
  ]);
}, 60_000);

afterAll(async () => {
  await runFlink(['--config-dir', conf, '-m', address, 'cluster', 'stop'], { cwd: work });
}, 60_000);

describe('every command with --json prints exactly one document', () => {
  let jobId = '';
  let savepoint = '';

  it('run, list, savepoint, checkpoint, checkpoints, savepoints and their actions', async () => {
    jobId = await startCounter('a', ['--persistent-checkpoints', checkpoints]);
    expect((await expectDocument(['list'], 0)).jobs).toEqual(expect.arrayContaining([expect.objectContaining({ id: jobId })]));
    // Flink's progress lines ("Waiting for response...") are for a person: none with --json.
    for (const args of [['list'], ['savepoint', jobId], ['checkpoint', jobId]]) expect([args[0], (await flink(args)).stderr]).toEqual([args[0], '']);
    await expectDocument(['list', '-a'], 0);
    savepoint = pointerToPath((await expectDocument(['savepoint', jobId], 0)).location as string)!;
    const detached = await expectDocument(['savepoint', jobId, '-detached'], 0);
    await expectDocument(['savepoint', 'status', jobId, detached.triggerId as string], 0);
    await expectDocument(['checkpoint', jobId], 0);
    await expectDocument(['checkpoints', jobId], 0);
    await expectDocument(['savepoints', jobId], 0);
    await expectDocument(['savepoints', '--latest', jobId], 0);
    await expectDocument(['savepoints', 'inspect', savepoint], 0);
    await expectDocument(['savepoints', 'pin', savepoint, '--reason', 'kept'], 0);
    await expectDocument(['savepoints', 'unpin', savepoint], 0);
    expect(await expectDocument(['savepoints', 'unpin', savepoint], 8)).toMatchObject({ error: { kind: 'nothing-to-do' } });
    await expectDocument(['savepoints', 'gc', '--job', jobId, '--dry-run'], 0);
    // A fourth savepoint, so that --keep 2 prunes the two oldest; then nothing is left to prune.
    savepoint = pointerToPath((await expectDocument(['savepoint', jobId], 0)).location as string)!;
    const pruned = await expectDocument(['savepoints', 'prune', '--job', jobId, '--keep', '2'], 0);
    expect(pruned.disposed).toHaveLength(2);
    const nothing = await expectDocument(['savepoints', 'prune', '--job', jobId, '--keep', '2'], 8);
    expect(nothing).toMatchObject({ decisions: expect.any(Array), error: { kind: 'nothing-to-do' } });
    await expectDocument(['dispose', '--dry-run', savepoint], 0);
  }, 120_000);

  it('restore, stop, cancel and dispose', async () => {
    await expectDocument(['cancel', jobId], 0);
    // The sink's output directory goes with the savepoint (its pending files are part of the state).
    const restored = await expectDocument(['restore', savepoint, '-d', fixture('jobs', 'counter.ts'), ...counterArgs(path.join(work, 'out-a'))], 0);
    const restoredJob = restored.jobId as string;
    await until('RUNNING', async () => ((await listedJobState(flink, restoredJob)) === 'RUNNING' ? true : undefined));
    await expectDocument(['stop', restoredJob], 0);
    const disposed = await expectDocument(['dispose', savepoint], 0);
    expect(disposed.disposed).toHaveLength(1);
  }, 120_000);

  it('upgrade: taken over, and rolled back (the result and the error in one document)', async () => {
    const old = await startCounter('c');
    const upgraded = await expectDocument(['upgrade', old, fixture('jobs', 'counter-fixed.ts'), ...counterArgs(path.join(work, 'out-c'))], 0);
    const next = upgraded.jobId as string;
    const failed = await expectDocument(
      ['upgrade', next, '--timeout', '30s', fixture('jobs', 'counter-v2-crashes.ts'), ...counterArgs(path.join(work, 'out-c'))],
      1,
    );
    expect(failed).toMatchObject({ upgraded: false, rolledBack: true, error: { kind: 'operation-failed' } });
    await expectDocument(['cancel', failed.jobId as string], 0);
  }, 180_000);

  it('configuration, audit, doctor, cluster, version, help and completion', async () => {
    await expectDocument(['config'], 0);
    await expectDocument(['config', 'state.savepoints.dir'], 0);
    await expectDocument(['config', '--explain', 'state.savepoints.dir'], 0);
    await expectDocument(['config', '--check'], 0);
    await expectDocument(['config', '--check', '-D', 'state.savepoint.dir=/x'], 3);
    expect((await expectDocument(['audit'], 0)).entries).toEqual(expect.any(Array));
    const doctor = await flink(['doctor']);
    oneDocument(doctor);
    await expectDocument(['cluster', 'status'], 0);
    await expectDocument(['cluster', 'start'], 0);
    await expectDocument(['version'], 0);
    await expectDocument(['help', 'exit-codes'], 0);
    await expectDocument(['help', 'savepoints'], 0);
    await expectDocument(['completion', 'zsh'], 0);
  }, 120_000);

  it('failures: usage, not found, refused, unreachable', async () => {
    await expectDocument([], 2);
    await expectDocument(['bogus'], 2);
    await expectDocument(['list', '--bogus'], 2);
    await expectDocument(['run', '-d', path.join(work, 'missing.ts')], 5);
    await expectDocument(['run', '-d', fixture('jobs', 'counter-v2-broken.ts')], 1);
    await expectDocument(['savepoint', UNKNOWN_JOB], 5);
    await expectDocument(['savepoint', 'status', UNKNOWN_JOB, UNKNOWN_JOB], 5);
    await expectDocument(['savepoint', '-d', path.join(work, 'nowhere')], 5);
    await expectDocument(['savepoints', '--latest', UNKNOWN_JOB], 5);
    await expectDocument(['savepoints', 'inspect', path.join(work, 'nowhere')], 5);
    await expectDocument(['savepoints', 'pin', path.join(work, 'nowhere')], 5);
    await expectDocument(['savepoints', 'prune'], 2);
    await expectDocument(['savepoints', 'gc'], 2);
    await expectDocument(['restore', 'latest', '--from-job', UNKNOWN_JOB, '-d', fixture('jobs', 'counter.ts')], 5);
    await expectDocument(['stop', UNKNOWN_JOB], 5);
    await expectDocument(['cancel', UNKNOWN_JOB], 5);
    await expectDocument(['checkpoint', UNKNOWN_JOB], 5);
    await expectDocument(['checkpoints', UNKNOWN_JOB], 5);
    await expectDocument(['upgrade', UNKNOWN_JOB, fixture('jobs', 'counter.ts')], 5);
    await expectDocument(['dispose', conf], 2);
    await expectDocument(['cluster', 'bogus'], 2);
    await expectDocument(['config', '--config-dir', path.join(work, 'no-such-dir')], 3);
    await expectDocument(['audit', '--since', 'never'], 2);
    await expectDocument(['help', 'bogus'], 2);
    await expectDocument(['completion', 'tcsh'], 2);
    const unreachable = await runFlink(['--config-dir', conf, '-m', '127.0.0.1:1', 'list', '--json'], { cwd: work });
    expect(unreachable.exitCode).toBe(4);
    oneDocument(unreachable);
  }, 120_000);
});
