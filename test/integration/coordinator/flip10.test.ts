// FLIP-10's coordinator-side behaviour, on a real JobManager (runtime, storage, coordinator) in-process.
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleJobModule } from '../../../src/cli/services/submit.js';
import { JobManager } from '../../../src/coordinator/job-manager.js';
import { FlinkViews } from '../../../src/server/views/flink-views.js';
import type { CoordinatorSettings } from '../../../src/coordinator/checkpoint-coordinator.js';
import { until } from '../../support/until.js';

// Each case runs real jobs in TaskManager processes: minutes on a loaded machine, seconds on an idle one.
jest.setTimeout(90_000);

/** Flink's JSON views of the job manager's jobs, as the REST server renders them. */
const views = (jm: JobManager) => new FlinkViews(jm);

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-flip10-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let managers: JobManager[] = [];
afterEach(async () => {
  await Promise.all(managers.map((m) => m.close()));
  managers = [];
});

let seq = 0;
function manager(
  overrides: Partial<Omit<CoordinatorSettings, 'toolVersion'>> = {},
  restart = { type: 'fixed-delay' as const, attempts: 2, delayMs: 100 },
  stateDir?: string,
) {
  const dir = stateDir ?? path.join(root, `state-${++seq}`);
  const log: string[] = [];
  const jm = new JobManager({
    stateDir: dir,
    settings: {
      checkpointDir: path.join(dir, 'checkpoints'),
      savepointDir: path.join(dir, 'savepoints'),
      numRetained: 1,
      timeoutMs: 30_000,
      minPauseMs: 0,
      persistentCheckpoints: false,
      ...overrides,
    },
    restartStrategy: restart,
    log: (line) => log.push(line),
  });
  managers.push(jm);
  return { jm, dir, log };
}

/** As `flink run` does: bundle the module with its relative imports, upload, run. */
async function submit(jm: JobManager, fixture: string, args: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const { bundle, cleanup } = await bundleJobModule(path.resolve('fixtures/jobs', fixture));
  try {
    const artifact = await jm.uploadArtifact(path.basename(bundle), createReadStream(bundle));
    return await jm.runArtifact(artifact.id, { args, ...extra });
  } finally {
    await cleanup();
  }
}

const stateOf = async (jm: JobManager, id: string) => (await views(jm).job(id)).state;
const chkDirs = (dir: string, jobId: string) =>
  existsSync(path.join(dir, jobId)) ? readdirSync(path.join(dir, jobId)).filter((d) => d.startsWith('chk-')) : [];
// Published snapshots only: the next checkpoint may already be writing its state files beside them.
const publishedChkDirs = (dir: string, jobId: string) => chkDirs(dir, jobId).filter((d) => existsSync(path.join(dir, jobId, d, '_metadata')));
const publishedSavepoints = (dir: string) => readdirSync(dir).filter((d) => existsSync(path.join(dir, d, '_metadata')));
const seqArgs = (out: string, extra: string[] = []) => [
  '--out',
  out,
  '--sequence',
  '1000000',
  '--rate',
  '500',
  '--users',
  '3',
  '--checkpoint-interval',
  '150',
  ...extra,
];

function committed(out: string): string[] {
  return readdirSync(out)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean));
}

describe('always a coordinator', () => {
  it('a job with checkpointing disabled can be savepointed', async () => {
    const { jm, dir } = manager();
    const id = await submit(jm, 'no-checkpointing.mjs', ['100000000', '200']);
    await until('RUNNING', async () => ((await stateOf(jm, id)) === 'RUNNING' ? true : undefined));
    const location = await jm.savepoint(id, { cancelJob: false, format: 'canonical' });
    expect(location.startsWith(path.join(dir, 'savepoints', `savepoint-${id.slice(0, 6)}-`))).toBe(true);
    expect(existsSync(path.join(location, '_metadata'))).toBe(true);
    expect((await views(jm).checkpointConfig(id)).interval).toBe(0);
  });

  it('a savepoint with neither an ad-hoc nor a configured directory fails with the reason', async () => {
    const { jm } = manager({ savepointDir: undefined });
    const id = await submit(jm, 'counter.ts', seqArgs(path.join(root, `out-${seq}`)));
    await until('RUNNING', async () => ((await stateOf(jm, id)) === 'RUNNING' ? true : undefined));
    await expect(jm.savepoint(id, { cancelJob: false, format: 'canonical' })).rejects.toThrow(/No savepoint directory/);
    const adhoc = path.join(root, `adhoc-${seq}`);
    expect((await jm.savepoint(id, { targetDirectory: adhoc, cancelJob: false, format: 'canonical' })).startsWith(adhoc)).toBe(true);
  });
});

describe('completed checkpoint store and persistent checkpoints', () => {
  it.each([1, 3])('exactly num-retained=%d checkpoint directories remain while the job runs', async (retained) => {
    const { jm, dir } = manager({ numRetained: retained });
    const id = await submit(jm, 'counter.ts', seqArgs(path.join(root, `out-${seq}`)));
    await until('several checkpoints', async () => ((await views(jm).checkpointStatistics(id)).counts.completed >= retained + 3 ? true : undefined));
    await until('subsumption', () => (publishedChkDirs(path.join(dir, 'checkpoints'), id).length === retained ? true : undefined), 20_000, 25);
  });

  it('persistent checkpoints are kept when the job is cancelled; plain checkpoints are removed', async () => {
    const { jm, dir, log } = manager();
    const persistentDir = path.join(root, `persistent-${seq}`);
    const keep = await submit(jm, 'counter.ts', seqArgs(path.join(root, `out-a-${seq}`), ['--persistent-checkpoints', persistentDir]));
    const plain = await submit(jm, 'counter.ts', seqArgs(path.join(root, `out-b-${seq}`)));
    await until('checkpoints', async () =>
      (await views(jm).checkpointStatistics(keep)).counts.completed >= 3 && (await views(jm).checkpointStatistics(plain)).counts.completed >= 3
        ? true
        : undefined,
    );
    await jm.cancel(keep);
    await jm.cancel(plain);
    await until('cleanup', () => (chkDirs(path.join(dir, 'checkpoints'), plain).length === 0 ? true : undefined), 20_000);
    expect(chkDirs(persistentDir, keep)).toHaveLength(1);
    const restorable = await views(jm).restorableSnapshots(keep);
    expect(restorable.map((s) => s.kind)).toEqual(['persistent-checkpoint']);
    expect(log.some((l) => l.startsWith(`Keeping persistent checkpoint`) && l.includes(persistentDir))).toBe(true);
  });
});

describe('periodic and manual savepoints', () => {
  it('periodic savepoints are bounded by max retained; manual ones are never disposed automatically', async () => {
    const periodicDir = mkdtempSync(path.join(root, 'periodic-'));
    const { jm, log } = manager({ periodicSavepoints: { intervalMs: 300, maxRetained: 2, dir: periodicDir } });
    const id = await submit(jm, 'counter.ts', seqArgs(path.join(root, `out-${seq}`)));
    await until('RUNNING', async () => ((await stateOf(jm, id)) === 'RUNNING' ? true : undefined));
    const manual = await jm.savepoint(id, { cancelJob: false, format: 'canonical' });
    await until('5 periodic savepoints', () => (log.filter((l) => l.includes('(periodic)')).length >= 5 ? true : undefined), 20_000);
    await until('retention', () => (publishedSavepoints(periodicDir).length === 2 ? true : undefined), 20_000, 25);
    expect(existsSync(manual)).toBe(true);
    expect(log.some((l) => l.startsWith('Disposed periodic savepoint'))).toBe(true);
    await jm.cancel(id);
    // Never removed at job end (a savepoint that completed just before the cancel may still be retiring one).
    await until('periodic savepoints after the cancel', () => (publishedSavepoints(periodicDir).length === 2 ? true : undefined), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(publishedSavepoints(periodicDir)).toHaveLength(2);
    expect(existsSync(manual)).toBe(true);
  });
});

describe('stop and cancel with savepoint', () => {
  it('if the stop savepoint fails, the job keeps running and the error says why', async () => {
    const { jm } = manager();
    const id = await submit(jm, 'counter.ts', seqArgs(path.join(root, `out-${seq}`)));
    await until('RUNNING', async () => ((await stateOf(jm, id)) === 'RUNNING' ? true : undefined));
    const blocked = path.join(root, `not-a-directory-${seq}`);
    writeFileSync(blocked, 'a file, not a directory');
    await expect(jm.stopWithSavepoint(id, { targetDirectory: path.join(blocked, 'sp'), drain: false, format: 'canonical' })).rejects.toThrow();
    expect(await stateOf(jm, id)).toBe('RUNNING');
    const location = await jm.stopWithSavepoint(id, { targetDirectory: path.join(root, `stop-${seq}`), drain: true, format: 'canonical' });
    expect(existsSync(path.join(location, '_metadata'))).toBe(true);
    expect(await stateOf(jm, id)).toBe('FINISHED');
  });

  it('cancel with savepoint: the savepoint completes, then the job is CANCELED', async () => {
    const { jm } = manager();
    const id = await submit(jm, 'counter.ts', seqArgs(path.join(root, `out-${seq}`)));
    await until('RUNNING', async () => ((await stateOf(jm, id)) === 'RUNNING' ? true : undefined));
    const location = await jm.savepoint(id, { cancelJob: true, format: 'canonical' });
    expect(existsSync(path.join(location, '_metadata'))).toBe(true);
    await until('CANCELED', async () => ((await stateOf(jm, id)) === 'CANCELED' ? true : undefined));
  });
});

describe('restore rules', () => {
  it("a persistent checkpoint restores the same job; a changed job is refused with FLIP-10's explanation", async () => {
    const { jm } = manager();
    const persistentDir = path.join(root, `pc-${seq}`);
    const id = await submit(jm, 'counter.ts', seqArgs(path.join(root, `out-${seq}`), ['--persistent-checkpoints', persistentDir]));
    await until('checkpoints', async () => ((await views(jm).checkpointStatistics(id)).counts.completed >= 2 ? true : undefined));
    await jm.cancel(id);
    // A checkpoint in flight at the cancel may still complete and subsume the one listed before it: pick once none is.
    await until('no checkpoint in progress', async () => ((await views(jm).checkpointStatistics(id)).counts.in_progress === 0 ? true : undefined));
    const [checkpoint] = await views(jm).restorableSnapshots(id);
    // A different job (other operator graph): refused before anything starts.
    await expect(submit(jm, 'no-checkpointing.mjs', ['10'], { savepointPath: checkpoint.external_path })).rejects.toThrow(
      /Persistent checkpoints restore only the same job and version \(FLIP-10\)/,
    );
    // The same graph (the fixed job keeps the uids): accepted.
    const restored = await submit(jm, 'counter-fixed.ts', seqArgs(path.join(root, `out-${seq}`), ['--persistent-checkpoints', persistentDir]), {
      savepointPath: checkpoint.external_path,
    });
    await until('RUNNING', async () => ((await stateOf(jm, restored)) === 'RUNNING' ? true : undefined));
    expect((await views(jm).checkpointStatistics(restored)).latest.restored?.external_path).toBe(checkpoint.external_path);
  });

  it('NO_CLAIM never deletes the restored snapshot; CLAIM lets it be subsumed', async () => {
    const { jm } = manager();
    const out = path.join(root, `out-${seq}`);
    const id = await submit(jm, 'counter.ts', seqArgs(out));
    await until('RUNNING', async () => ((await stateOf(jm, id)) === 'RUNNING' ? true : undefined));
    const sp1 = await jm.stopWithSavepoint(id, { targetDirectory: path.join(root, `claim-${seq}`), drain: false, format: 'canonical' });
    const noClaim = await submit(jm, 'counter.ts', seqArgs(out), { savepointPath: sp1, claimMode: 'NO_CLAIM' });
    await until('checkpoints', async () => ((await views(jm).checkpointStatistics(noClaim)).counts.completed >= 3 ? true : undefined));
    expect(existsSync(sp1)).toBe(true);
    const sp2 = await jm.stopWithSavepoint(noClaim, { targetDirectory: path.join(root, `claim-${seq}`), drain: false, format: 'canonical' });
    const claim = await submit(jm, 'counter.ts', seqArgs(out), { savepointPath: sp2, claimMode: 'CLAIM' });
    await until('checkpoints', async () => ((await views(jm).checkpointStatistics(claim)).counts.completed >= 2 ? true : undefined));
    await until('the claimed savepoint subsumed', () => (!existsSync(sp2) ? true : undefined), 20_000);
    expect(existsSync(sp1)).toBe(true);
  });
});

describe('history survives the coordinator', () => {
  it('after close() and a new JobManager on the same state dir, ended jobs keep their restorable list and running jobs resume', async () => {
    const first = manager();
    const out = path.join(root, `out-${seq}`);
    const ended = await submit(first.jm, 'counter.ts', seqArgs(path.join(root, `out-ended-${seq}`)));
    await until('RUNNING', async () => ((await stateOf(first.jm, ended)) === 'RUNNING' ? true : undefined));
    const sp = await first.jm.stopWithSavepoint(ended, { drain: false, format: 'canonical' });
    const running = await submit(first.jm, 'counter.ts', seqArgs(out));
    await until('a checkpoint', async () => ((await views(first.jm).checkpointStatistics(running)).counts.completed >= 2 ? true : undefined));
    await first.jm.close();
    managers = managers.filter((m) => m !== first.jm);
    const before = committed(out).length;
    const second = manager({}, undefined, first.dir);
    await second.jm.recover();
    expect((await views(second.jm).restorableSnapshots(ended)).map((s) => s.external_path)).toEqual([sp]);
    expect(await stateOf(second.jm, ended)).toBe('FINISHED');
    await until('resumed', async () => ((await stateOf(second.jm, running)) === 'RUNNING' ? true : undefined));
    await until('more output', () => (committed(out).length > before + 30 ? true : undefined));
    await second.jm.stopWithSavepoint(running, { drain: false, format: 'canonical' });
    const byUser = new Map<string, number[]>();
    for (const line of committed(out)) {
      const [user, count] = line.split(',');
      byUser.set(user, [...(byUser.get(user) ?? []), Number(count)]);
    }
    for (const counts of byUser.values()) expect(counts.sort((a, b) => a - b)).toEqual(counts.map((_, i) => i + 1));
  });
});

describe("FLIP-10's motivating case", () => {
  it('a bad record fails the job permanently; its persistent checkpoint is still listed; the fixed job restores and the output is exact', async () => {
    const { jm } = manager({}, { type: 'fixed-delay', attempts: 2, delayMs: 50 });
    const input = path.join(root, `events-${seq}.txt`);
    const lines: string[] = [];
    for (let i = 0; i < 1500; i++) lines.push(i === 1100 ? 'bad-record' : `u${i % 4},t${i % 3}`);
    writeFileSync(input, lines.join('\n') + '\n');
    const out = path.join(root, `out-${seq}`);
    const persistentDir = path.join(root, `pc-${seq}`);
    const buggy = await submit(jm, 'counter-buggy.ts', [
      '--input',
      input,
      '--out',
      out,
      '--rate',
      '600',
      '--checkpoint-interval',
      '100',
      '--persistent-checkpoints',
      persistentDir,
    ]);
    await until('FAILED', async () => ((await stateOf(jm, buggy)) === 'FAILED' ? true : undefined), 30_000);
    const [checkpoint] = await views(jm).restorableSnapshots(buggy);
    expect(checkpoint.kind).toBe('persistent-checkpoint');
    const fixed = await submit(jm, 'counter-fixed.ts', ['--input', input, '--out', out, '--rate', '5000', '--checkpoint-interval', '100'], {
      savepointPath: checkpoint.external_path,
    });
    await until('FINISHED', async () => ((await stateOf(jm, fixed)) === 'FINISHED' ? true : undefined), 30_000);
    // Reference, computed independently: every valid event counted once, in order, per user.
    const expected = new Map<string, number>();
    for (const line of lines) if (line.includes(',')) expected.set(line.split(',')[0], (expected.get(line.split(',')[0]) ?? 0) + 1);
    const got = new Map<string, number[]>();
    for (const line of committed(out)) {
      const [user, count] = line.split(',');
      got.set(user, [...(got.get(user) ?? []), Number(count)]);
    }
    expect(committed(out)).toHaveLength(lines.length - 1);
    for (const [user, n] of expected) expect((got.get(user) ?? []).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  }, 60_000);
});
