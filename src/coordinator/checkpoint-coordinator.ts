// FLIP-10's checkpoint coordinator, one per job, always created (so a job without checkpointing can still
// be savepointed). Every snapshot (checkpoint, persistent checkpoint, periodic/manual savepoint,
// stop/cancel-with-savepoint) goes through the same path, parameterised by SnapshotProperties:
//   queue -> id -> storage location -> barriers (runtime) -> acks -> _metadata published (storage)
//   -> recorded durably -> sinks notified -> subsumption / retention plans -> files discarded later.
// Decisions are the pure functions of policies.ts and the snapshot properties; this class does the I/O
// around them. Time goes through an injected Scheduler, deletions through a tracked SnapshotCleaner.
import { SnapshotFailure } from '../domain/failure-reason.js';
import { describeIoError } from '../domain/io-errors.js';
import { byCompletion, byNewestCompletion } from '../domain/ordering.js';
import type { EndStatus, SnapshotProperties } from '../domain/snapshot-properties.js';
import {
  forCheckpoint,
  forPeriodicSavepoint,
  isListedRestorable,
  joinsCheckpointStore,
  labelOf,
  locationOf,
  logsFailure,
  needsTargetDirectory,
} from '../domain/snapshot-properties.js';
import { snapshotLabel } from '../domain/snapshot-vocabulary.js';
import type { JobFacts } from '../domain/disposal-guard.js';
import { childOf } from '../storage/index.js';
import type { CoordinatorDeps, RemoveDirectory, SnapshotEntry } from './coordinator-types.js';
import type { SnapshotProgress } from '../runtime/host.js';
import { stateFilesBytes } from '../domain/catalog.js';
import { addAndSubsume, discardOnJobEnd, enqueue, nextRequest, retainPeriodicSavepoints, type TriggerRequest } from './policies.js';
import { systemScheduler, type Cancel, type Scheduler } from './scheduler.js';
import { SnapshotCleaner } from './snapshot-cleaner.js';
import { periodicSavepointSettings, persistentCheckpointSettings } from './snapshot-settings.js';
import { capitalized, mapReason, removeSnapshotDirectory, settledWithin } from './snapshot-io.js';

// The coordinator's record, settings and dependencies live in coordinator-types.ts; callers import them from here as before.
export type { CoordinatorDeps, CoordinatorSettings, SnapshotAttempt, SnapshotEntry } from './coordinator-types.js';
export { removeSnapshotDirectory } from './snapshot-io.js';

interface Waiter {
  request: TriggerRequest;
  targetDirectory?: string;
  resolve(entry: SnapshotEntry): void;
  reject(error: Error): void;
}

export class CheckpointCoordinator {
  /** Every snapshot of this job that is still remembered (history and restorable list). */
  readonly snapshots: SnapshotEntry[];
  private nextId: number;
  private queue: TriggerRequest[] = [];
  private waiters = new Map<string, Waiter>();
  private inFlight = false;
  /** The run in flight (settles, never rejects) and how to make it give up when the coordinator closes. */
  private current: { settled: Promise<void>; stop: () => void } | undefined;
  private lastCompletedAt?: number;
  private timers: Cancel[] = [];
  /** The look again after the minimum pause, if one is scheduled. */
  private pauseTimer: Cancel | undefined;
  private requestSeq = 0;
  private shutdown = false;
  /** Set once the job ended: a snapshot still being published then gets the end-of-job rule as well. */
  private endedWith: EndStatus | undefined;
  private readonly now: () => number;
  private readonly scheduler: Scheduler;
  private readonly cleaner = new SnapshotCleaner<SnapshotEntry>();

  constructor(
    private readonly deps: CoordinatorDeps,
    restored: { snapshots: SnapshotEntry[]; nextId: number } = { snapshots: [], nextId: 1 },
  ) {
    this.snapshots = restored.snapshots;
    this.nextId = restored.nextId;
    this.scheduler = deps.scheduler ?? systemScheduler;
    this.now = deps.now ?? (() => this.scheduler.now());
  }

  get counter(): number {
    return this.nextId;
  }

  /** Checkpointing is configured for this job (interval), as Flink reports it. */
  get checkpointingEnabled(): boolean {
    return this.deps.plan.checkpointConfig.checkpointIntervalMs !== undefined;
  }

  get persistentCheckpoints(): { enabled: boolean; dir: string } {
    return persistentCheckpointSettings(this.deps.plan, this.deps.settings);
  }

  get periodicSavepoints(): { enabled: boolean; intervalMs?: number; dir?: string; maxRetained: number } {
    return periodicSavepointSettings(this.deps.plan, this.deps.settings);
  }

  /** Starts the periodic triggers (only those that are enabled). Called when an attempt runs. */
  startPeriodic(): void {
    this.stopPeriodic();
    const interval = this.deps.plan.checkpointConfig.checkpointIntervalMs;
    if (interval !== undefined && interval > 0) {
      this.timers.push(
        this.scheduler.every(interval, () => void this.trigger(forCheckpoint({ persistent: this.persistentCheckpoints.enabled })).catch(() => {})),
      );
    }
    const periodic = this.periodicSavepoints;
    if (periodic.enabled && periodic.intervalMs && periodic.intervalMs > 0) {
      this.timers.push(this.scheduler.every(periodic.intervalMs, () => void this.trigger(forPeriodicSavepoint(), periodic.dir).catch(() => {})));
    }
  }

  stopPeriodic(): void {
    for (const cancel of this.timers) cancel();
    this.timers = [];
  }

  /**
   * Requests a snapshot with these properties; resolves when it completed and was recorded. Savepoints
   * need a target directory (ad-hoc, else the configured default); checkpoints go to the checkpoint dir.
   */
  trigger(properties: SnapshotProperties, targetDirectory?: string): Promise<SnapshotEntry> {
    if (this.shutdown) return Promise.reject(new SnapshotFailure('COORDINATOR_SHUTDOWN'));
    if (needsTargetDirectory(properties) && (targetDirectory ?? this.deps.settings.savepointDir) === undefined) {
      return Promise.reject(new SnapshotFailure('NO_TARGET_DIRECTORY'));
    }
    const request: TriggerRequest = { key: `r${++this.requestSeq}`, properties, requestedAt: this.now() };
    const decision = enqueue(this.queue, request);
    if (decision.dropped.length > 0) return Promise.reject(new SnapshotFailure('SUPERSEDED'));
    this.queue = decision.queue;
    const done = new Promise<SnapshotEntry>((resolve, reject) => this.waiters.set(request.key, { request, targetDirectory, resolve, reject }));
    this.pump();
    return done;
  }

  private pump(): void {
    if (this.shutdown) return;
    const decision = nextRequest(this.queue, {
      inFlight: this.inFlight,
      lastCompletedAt: this.lastCompletedAt,
      minPauseMs: this.deps.settings.minPauseMs,
      now: this.now(),
    });
    this.queue = decision.queue;
    if (!decision.start) {
      // A held-back checkpoint (minimum pause): look again when the pause is over.
      if (!this.inFlight && this.queue.length > 0 && !this.pauseTimer) {
        this.pauseTimer = this.scheduler.after(this.deps.settings.minPauseMs, () => {
          this.pauseTimer = undefined;
          this.pump();
        });
      }
      return;
    }
    const waiter = this.waiters.get(decision.start.key);
    if (!waiter) return this.pump(); // already answered (the job ended): nothing to run
    this.waiters.delete(decision.start.key);
    this.inFlight = true;
    let stop!: () => void;
    const stopped = new Promise<never>((_resolve, reject) => (stop = () => reject(new SnapshotFailure('COORDINATOR_SHUTDOWN'))));
    stopped.catch(() => {});
    const settled = this.run(waiter.request.properties, waiter.targetDirectory, stopped).then(
      (entry) => {
        this.inFlight = false;
        this.current = undefined;
        this.lastCompletedAt = this.now();
        waiter.resolve(entry);
        this.pump();
      },
      (error: Error) => {
        this.inFlight = false;
        this.current = undefined;
        waiter.reject(error);
        this.pump();
      },
    );
    this.current = { settled, stop };
  }

  /** One snapshot, start to end. `stopped` rejects when the coordinator closes: the snapshot then gives up. */
  private async run(properties: SnapshotProperties, targetDirectory: string | undefined, stopped: Promise<never>): Promise<SnapshotEntry> {
    const attempt = this.deps.currentAttempt();
    if (!attempt || attempt.status !== 'RUNNING') throw new SnapshotFailure('JOB_NOT_RUNNING');
    const id = this.nextId++;
    const triggeredAt = this.now();
    const entry: SnapshotEntry = {
      id,
      pointer: '',
      properties,
      completedAt: 0,
      status: 'IN_PROGRESS',
      triggeredAt,
      stateSize: 0,
      numSubtasks: attempt.plan.operators.reduce((n, op) => n + op.parallelism, 0),
      numAcknowledged: 0,
      discarded: false,
    };
    this.snapshots.push(entry);
    const onProgress = (p: SnapshotProgress) => {
      if (p.id !== id) return;
      entry.numAcknowledged = p.acknowledged;
      if (p.last) (entry.subtasks ??= []).push({ uid: p.last.uid, subtask: p.last.subtask, acknowledgedAt: this.now(), bytes: 0 });
    };
    attempt.on('snapshot-progress', onProgress);
    let created = false;
    let triggered = false;
    const deadline = triggeredAt + this.deps.settings.timeoutMs;
    const location = locationOf(properties);
    const { writer } = this.deps.storage;
    const directory =
      location === 'target-directory'
        ? writer.newSavepointPath(targetDirectory ?? this.deps.settings.savepointDir!, this.deps.jobId)
        : writer.checkpointPath(
            location === 'persistent-checkpoint-directory' ? this.persistentCheckpoints.dir : this.deps.settings.checkpointDir,
            this.deps.jobId,
            id,
          );
    try {
      // Recorded durably before the directory exists: after a crash, recovery knows every directory it made.
      entry.pointer = directory;
      await this.deps.persist();
      // The job may have ended meanwhile: then no directory is made for it.
      if (attempt.status !== 'RUNNING') throw new SnapshotFailure('JOB_NOT_RUNNING');
      await this.createDirectory(directory, deadline, stopped);
      created = true;
      const terminate = properties.afterCompletion === 'suspend' || properties.afterCompletion === 'terminate';
      triggered = true;
      const snapshotting = attempt.triggerSnapshot({
        id,
        directory,
        terminate,
        drain: properties.afterCompletion === 'terminate',
        timeoutMs: Math.max(1, deadline - this.now()),
      });
      snapshotting.catch(() => {}); // when `stopped` wins, the abort below rejects it
      // Once the barriers are out, closing the coordinator aborts the snapshot (as Flink's shutdown does).
      const result = await Promise.race([snapshotting, stopped]);
      const published = await writer.publish(directory, {
        id,
        kind: properties.kind,
        trigger: properties.trigger,
        format: properties.format,
        jobId: this.deps.jobId,
        jobName: this.deps.jobName,
        jobFingerprint: attempt.plan.fingerprint,
        operators: result.operators,
        toolVersion: this.deps.settings.toolVersion,
        triggeredAt,
        completedAt: result.completedAt,
        files: result.files,
      });
      entry.status = 'COMPLETED';
      entry.completedAt = result.completedAt;
      entry.numAcknowledged = entry.numSubtasks;
      entry.stateSize = stateFilesBytes(published.files);
      if (result.subtasks) entry.subtasks = result.subtasks;
      const discards = this.applyRetention(entry);
      // The job ended while this snapshot was being published (onJobEnd did not see it completed): what the
      // end of the job discards, it discards too (a plain checkpoint of a cancelled job), else it stayed forever.
      if (this.endedWith) for (const e of discardOnJobEnd([entry], this.endedWith)) if (!discards.includes(e)) discards.push(e);
      // Durable before the sinks commit: a crash after this restores from this snapshot, never an older one.
      await this.deps.persist();
      await attempt.notifyComplete(id);
      this.logCreated(entry);
      void this.discardAll(discards); // tracked by the cleaner: close() awaits it
      return entry;
    } catch (error) {
      entry.status = 'FAILED';
      entry.completedAt = this.now();
      const detail = describeIoError(error) ?? (error as Error).message;
      entry.failureMessage = error instanceof SnapshotFailure ? error.message : detail;
      if (triggered && attempt.status === 'RUNNING') await attempt.abortSnapshot(id).catch(() => {});
      if (created) {
        // A job that ended may still write into the directory until its thread is gone: remove it after that.
        if (attempt.status !== 'RUNNING') await settledWithin(attempt.done, 10_000, this.scheduler);
        await writer.abort(directory).catch(() => {});
      }
      this.trimHistory();
      await this.deps.persist().catch(() => {});
      if (logsFailure(properties))
        this.deps.log(`${capitalized(snapshotLabel(properties.kind))} ${id} of job ${this.deps.jobId} failed: ${entry.failureMessage}`);
      throw error instanceof SnapshotFailure ? error : new SnapshotFailure(mapReason(error), detail);
    } finally {
      attempt.off('snapshot-progress', onProgress);
    }
  }

  /**
   * Creates the snapshot directory within the snapshot's timeout: a creation that hangs (a dead mount)
   * expires the snapshot instead of holding every later one back; if it ever finishes, its directory goes.
   */
  private async createDirectory(directory: string, deadline: number, stopped: Promise<never>): Promise<void> {
    const creating = this.deps.createDirectory ? this.deps.createDirectory(directory) : this.deps.storage.writer.create(directory);
    let cancel: Cancel | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      cancel = this.scheduler.after(Math.max(0, deadline - this.now()), () =>
        reject(new SnapshotFailure('CHECKPOINT_EXPIRED', `Creating ${directory} did not finish within ${this.deps.settings.timeoutMs} ms.`)),
      );
    });
    try {
      await Promise.race([creating, expired, stopped]);
    } catch (error) {
      if (error instanceof SnapshotFailure) creating.then(() => this.deps.storage.writer.abort(directory)).catch(() => {});
      throw error;
    } finally {
      cancel?.();
    }
  }

  private logCreated(entry: SnapshotEntry): void {
    const p = entry.properties;
    if (!isListedRestorable(p)) return;
    const trigger = needsTargetDirectory(p) ? ` (${p.trigger})` : '';
    this.deps.log(`${capitalized(snapshotLabel(p.kind))} ${entry.id}${trigger} of job ${this.deps.jobId} completed at ${entry.pointer}`);
  }

  /** A completed snapshot whose files are there and not being deleted. */
  private isLive(e: SnapshotEntry): boolean {
    return e.status === 'COMPLETED' && !e.discarded && !this.cleaner.isDisposing(e);
  }

  /** Pure plans applied to the records; returns what to delete (never an entry already being disposed). */
  private applyRetention(added: SnapshotEntry): SnapshotEntry[] {
    const live = (e: SnapshotEntry) => this.isLive(e);
    const discards: SnapshotEntry[] = [];
    if (joinsCheckpointStore(added.properties)) {
      const store = this.snapshots.filter((e) => live(e) && e !== added && joinsCheckpointStore(e.properties));
      const plan = addAndSubsume(store, added, this.deps.settings.numRetained);
      discards.push(...plan.discard);
    }
    if (added.properties.boundedPeriodic) {
      const periodic = this.snapshots.filter((e) => live(e) && e !== added && e.properties.boundedPeriodic);
      discards.push(...retainPeriodicSavepoints(periodic, added, this.periodicSavepoints.maxRetained).discard);
    }
    // Failed discards of earlier passes are retried.
    discards.push(...this.snapshots.filter((e) => e.discardPending && !discards.includes(e) && !this.cleaner.isDisposing(e)));
    return discards;
  }

  /**
   * Deletes the files of these snapshots through the cleaner (an entry already being disposed is skipped);
   * a record is marked discarded only once its files are gone. close() awaits every such deletion.
   */
  discardAll(entries: SnapshotEntry[]): Promise<void> {
    const remove: RemoveDirectory = this.deps.removeDirectory ?? ((pointer, context) => removeSnapshotDirectory(this.deps.storage, pointer, context));
    const { taken, done } = this.cleaner.dispose(
      entries.filter((e) => !e.discarded),
      async (entry) => {
        try {
          await remove(entry.pointer, { jobs: this.deps.jobFacts?.() ?? [], roots: this.roots() });
          entry.discarded = true;
          entry.discardPending = false;
          if (isListedRestorable(entry.properties))
            this.deps.log(`Disposed ${labelOf(entry.properties)} ${entry.id} of job ${this.deps.jobId} at ${entry.pointer}`);
        } catch (error) {
          entry.discardPending = true;
          this.deps.log(`Could not dispose ${labelOf(entry.properties)} ${entry.id} at ${entry.pointer} (will retry): ${(error as Error).message}`);
        }
      },
    );
    return this.cleaner.track(
      done.then(async () => {
        this.trimHistory();
        if (taken.length > 0) await this.deps.persist().catch(() => {});
      }),
    );
  }

  /** The job ended: discard what its properties say, stop triggering, fail what waits. */
  async onJobEnd(status: EndStatus): Promise<void> {
    this.endedWith = status;
    this.stopPeriodic();
    for (const waiter of this.waiters.values()) waiter.reject(new SnapshotFailure('JOB_NOT_RUNNING'));
    this.waiters.clear();
    this.queue = [];
    const live = this.snapshots.filter((e) => this.isLive(e) && !e.restoredFrom);
    const discards = discardOnJobEnd(live, status);
    for (const entry of live) if (!discards.includes(entry)) this.logKept(entry);
    await this.discardAll(discards);
  }

  private logKept(entry: SnapshotEntry): void {
    if (isListedRestorable(entry.properties)) this.deps.log(`Keeping ${labelOf(entry.properties)} ${entry.id} of job ${this.deps.jobId} at ${entry.pointer}`);
  }

  /**
   * The coordinator process shuts down: nothing more is triggered or discarded (the job resumes on the next
   * start). Queued requests fail with COORDINATOR_SHUTDOWN, the snapshot in flight is aborted (or, when it is
   * already being published, finishes), and this resolves once it has settled and every deletion under way
   * is done, so nothing of this coordinator writes after it. Never rejects.
   */
  async close(): Promise<void> {
    if (!this.shutdown) {
      this.shutdown = true;
      this.stopPeriodic();
      this.pauseTimer?.();
      this.pauseTimer = undefined;
      for (const waiter of this.waiters.values()) waiter.reject(new SnapshotFailure('COORDINATOR_SHUTDOWN'));
      this.waiters.clear();
      this.queue = [];
      this.current?.stop();
    }
    await this.current?.settled;
    await this.cleaner.idle();
  }

  /** The newest completed snapshot whose files are there and not being deleted: what a restart restores from. */
  latestCompleted(): SnapshotEntry | undefined {
    return this.snapshots
      .filter((e) => this.isLive(e))
      .sort(byCompletion)
      .at(-1);
  }

  /** FLIP-10's list: savepoints and persistent checkpoints this job took whose files are there and not being deleted, newest first. */
  restorable(): SnapshotEntry[] {
    return this.snapshots.filter((e) => this.isLive(e) && !e.restoredFrom && isListedRestorable(e.properties)).sort(byNewestCompletion);
  }

  /** What the disposal guard needs to know about this job, given its status. */
  guardFacts(status: string): JobFacts {
    const restored = this.snapshots.find((e) => e.restoredFrom && e.status === 'COMPLETED' && !e.discarded);
    return {
      jobId: this.deps.jobId,
      status,
      restoredFrom: restored?.pointer,
      completedSinceRestore: this.snapshots.filter((e) => e.status === 'COMPLETED' && !e.restoredFrom).length,
      newest: this.latestCompleted()?.pointer,
      inProgress: this.inProgress().map((e) => e.pointer || '*'),
    };
  }

  /** The directories snapshots of this job go to: never disposed themselves. */
  roots(): string[] {
    const s = this.deps.settings;
    return [s.checkpointDir, s.savepointDir, this.persistentCheckpoints.dir, this.periodicSavepoints.dir, childOf(s.checkpointDir, this.deps.jobId)].filter(
      (d): d is string => d !== undefined,
    );
  }

  inProgress(): SnapshotEntry[] {
    return this.snapshots.filter((e) => e.status === 'IN_PROGRESS');
  }

  // Plain checkpoints that are gone and failed attempts are only history; keep the list bounded.
  private trimHistory(): void {
    const forgettable = this.snapshots.filter((e) => e.status === 'FAILED' || (e.discarded && !isListedRestorable(e.properties)));
    const excess = forgettable.length - 20;
    for (let i = 0; i < excess; i++) this.snapshots.splice(this.snapshots.indexOf(forgettable[i]), 1);
  }
}
