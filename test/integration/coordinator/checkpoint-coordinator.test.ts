// The checkpoint coordinator on its own, driving a real job (runtime, TaskManager process, storage): what
// close() waits for, the tracked disposal of subsumed snapshots, and time through an injected scheduler.
// The directory-creating and -removing functions it takes are the real ones, wrapped to hold one call
// until the test lets it go (a hung mount cannot be made here).
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CheckpointCoordinator,
  removeSnapshotDirectory,
  type CoordinatorDeps,
  type CoordinatorSettings,
} from '../../../src/coordinator/checkpoint-coordinator.js';
import { forCheckpoint, forManualSavepoint } from '../../../src/domain/snapshot-properties.js';
import { startJob, type RunningJob } from '../../../src/runtime/host.js';
import { localStorage } from '../../support/storage.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';
import { until } from '../../support/until.js';
import { captureStream, JOBS, removeTempDirs, tempDir } from '../runtime/helpers.js';

const jobs: RunningJob[] = [];
afterEach(async () => {
  await Promise.all(jobs.splice(0).map((j) => j.cancel()));
});
afterAll(removeTempDirs);

async function setUp(extra: Partial<CoordinatorDeps> = {}, settings: Partial<CoordinatorSettings> = {}, checkpointIntervalMs?: number) {
  const work = await tempDir('flink-cc-');
  const job = await startJob({ artifactPath: join(JOBS, 'no-checkpointing.mjs'), args: ['100000000', '200'], stdout: captureStream().stream });
  jobs.push(job);
  const scheduler = new ManualScheduler();
  const log: string[] = [];
  let persists = 0;
  const coordinator = new CheckpointCoordinator({
    jobId: job.jobId,
    jobName: job.plan.jobName,
    plan: checkpointIntervalMs === undefined ? job.plan : { ...job.plan, checkpointConfig: { ...job.plan.checkpointConfig, checkpointIntervalMs } },
    storage: localStorage,
    settings: {
      checkpointDir: join(work, 'checkpoints'),
      savepointDir: join(work, 'savepoints'),
      numRetained: 1,
      timeoutMs: 120_000,
      minPauseMs: 0,
      persistentCheckpoints: false,
      toolVersion: 'test',
      ...settings,
    },
    currentAttempt: () => job,
    persist: async () => void persists++,
    log: (line) => log.push(line),
    scheduler,
    ...extra,
  });
  return { job, coordinator, scheduler, log, persists: () => persists };
}

/** Lets pending promise callbacks and I/O callbacks run (a few turns of the event loop). */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

const manualCheckpoint = () => forCheckpoint({ persistent: false, trigger: 'manual' });

describe('close()', () => {
  it('fails what is queued, makes the snapshot in flight give up, and resolves only once it has settled', async () => {
    let release!: () => void;
    let holding: string | undefined;
    let lateDirectory: string | undefined;
    const { coordinator, persists } = await setUp({
      createDirectory: async (dir) => {
        if (holding === undefined) {
          holding = dir;
          await new Promise<void>((resolve) => (release = resolve));
          await localStorage.writer.create(dir);
          lateDirectory = dir;
          return;
        }
        await localStorage.writer.create(dir);
      },
    });
    let inFlightSettled = false;
    const inFlight = coordinator
      .trigger(forManualSavepoint())
      .then(
        () => 'COMPLETED',
        (error: { reason: string }) => error.reason,
      )
      .finally(() => (inFlightSettled = true));
    await until('the savepoint directory is being created', () => holding);
    const queued = coordinator.trigger(forManualSavepoint()).catch((error: { reason: string }) => error.reason);

    await coordinator.close();
    expect(inFlightSettled).toBe(true);
    expect(await inFlight).toBe('COORDINATOR_SHUTDOWN');
    expect(await queued).toBe('COORDINATOR_SHUTDOWN');
    expect(coordinator.inProgress()).toEqual([]);
    expect(coordinator.snapshots.map((e) => e.status)).toEqual(['FAILED']);
    await expect(coordinator.trigger(manualCheckpoint())).rejects.toMatchObject({ reason: 'COORDINATOR_SHUTDOWN' });

    // Nothing of the closed coordinator records anything afterwards; the late directory is still removed.
    const recorded = persists();
    release();
    await until('the late directory is created and removed', () => (lateDirectory !== undefined && !existsSync(lateDirectory) ? true : undefined));
    expect(persists()).toBe(recorded);
  });
});

describe('disposal of subsumed snapshots', () => {
  it('never plans an entry being disposed again, and close() awaits the disposals under way', async () => {
    const removals: string[] = [];
    let release: (() => void) | undefined;
    const { coordinator } = await setUp({
      removeDirectory: async (pointer, context) => {
        removals.push(pointer);
        if (removals.length === 1) await new Promise<void>((resolve) => (release = resolve));
        await removeSnapshotDirectory(localStorage, pointer, context);
      },
    });
    const first = await coordinator.trigger(manualCheckpoint());
    const second = await coordinator.trigger(manualCheckpoint()); // subsumes the first: its removal hangs
    await until('the first removal started', () => release);
    const third = await coordinator.trigger(manualCheckpoint()); // subsumes the second only
    await until('the second is disposed', () => (second.discarded ? true : undefined));
    expect(removals).toEqual([first.pointer, second.pointer]);
    expect(first.discarded).toBe(false);
    expect(coordinator.latestCompleted()).toBe(third);

    let closed = false;
    const closing = coordinator.close().then(() => (closed = true));
    await turns();
    expect(closed).toBe(false);
    release!();
    await closing;
    expect(first.discarded).toBe(true);
    expect(existsSync(first.pointer)).toBe(false);
    expect(existsSync(join(third.pointer, '_metadata'))).toBe(true);
    expect(removals).toEqual([first.pointer, second.pointer]);
  });
});

describe('what is listed while a subsumed snapshot is being disposed', () => {
  it("FLIP-10's restorable list and the restart pick leave out a persistent checkpoint whose files are being deleted", async () => {
    let release: (() => void) | undefined;
    const { coordinator } = await setUp({
      removeDirectory: async (pointer, context) => {
        await new Promise<void>((resolve) => (release = resolve));
        await removeSnapshotDirectory(localStorage, pointer, context);
      },
    });
    const persistent = () => forCheckpoint({ persistent: true, trigger: 'manual' });
    const first = await coordinator.trigger(persistent());
    const second = await coordinator.trigger(persistent()); // subsumes the first: its removal hangs
    await until('the first removal started', () => release);
    expect(first.discarded).toBe(false);
    expect(coordinator.restorable()).toEqual([second]);
    expect(coordinator.latestCompleted()).toBe(second);
    release!();
    await coordinator.close();
    expect(existsSync(first.pointer)).toBe(false);
    expect(coordinator.restorable()).toEqual([second]);
  });
});

describe('time through the injected scheduler', () => {
  it('triggers periodic checkpoints when the clock says so, and close() cancels the timers', async () => {
    const { coordinator: withInterval, scheduler } = await setUp({}, {}, 60_000);
    withInterval.startPeriodic();
    expect(scheduler.pending).toBe(1);
    await turns();
    expect(withInterval.snapshots).toHaveLength(0);
    scheduler.advance(60_000);
    const completed = await until('the periodic checkpoint completed', () => withInterval.latestCompleted());
    expect(completed.properties).toMatchObject({ kind: 'checkpoint', trigger: 'periodic' });
    expect(withInterval.snapshots).toHaveLength(1);
    await withInterval.close();
    expect(scheduler.pending).toBe(0);
  });

  it('holds a checkpoint back for the minimum pause and starts it when the pause is over', async () => {
    const { coordinator, scheduler } = await setUp({}, { minPauseMs: 30_000, numRetained: 5 });
    await coordinator.trigger(manualCheckpoint());
    let second: unknown;
    const next = coordinator.trigger(manualCheckpoint()).then((entry) => (second = entry));
    await turns();
    expect(second).toBeUndefined();
    expect(coordinator.snapshots).toHaveLength(1);
    expect(scheduler.pending).toBe(1);
    // A savepoint is forced: it does not wait for the pause.
    const savepoint = await coordinator.trigger(forManualSavepoint());
    expect(savepoint.status).toBe('COMPLETED');
    expect(second).toBeUndefined();
    scheduler.advance(30_000);
    await next;
    expect(coordinator.snapshots.map((e) => e.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    await coordinator.close();
    expect(scheduler.pending).toBe(0);
  });
});
