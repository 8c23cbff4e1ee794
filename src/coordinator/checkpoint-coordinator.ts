// FLIP-10's checkpoint coordinator, one per job, always created (so a job without checkpointing can still
// be savepointed). Every snapshot (checkpoint, persistent checkpoint, periodic/manual savepoint,
// stop/cancel-with-savepoint) goes through the same path, parameterised by SnapshotProperties:
//   queue -> id -> storage location -> barriers (runtime) -> acks -> _metadata published (storage)
//   -> recorded durably -> sinks notified -> subsumption / retention plans -> files discarded later.
// Decisions are the pure functions of policies.ts; this class does the I/O around them.
import path from 'node:path';
import { SnapshotFailure } from '../domain/failure-reason.js';
import { describeIoError } from '../domain/io-errors.js';
import type { EndStatus, SnapshotProperties } from '../domain/snapshot-properties.js';
import { forCheckpoint, forPeriodicSavepoint } from '../domain/snapshot-properties.js';
import type { RunningJob } from '../runtime/host.js';
import type { JobPlan } from '../runtime/plan.js';
import { checkpointPath, createSnapshotDirectory, newSavepointPath, publishSnapshot, abortSnapshot } from '../storage/index.js';
import type { JobFacts } from '../domain/disposal-guard.js';
import { guardAndRemove } from '../storage/disposal.js';
import {
  addAndSubsume, discardOnJobEnd, enqueue, nextRequest, retainPeriodicSavepoints, type SnapshotRecord, type TriggerRequest,
} from './policies.js';

/** A snapshot as the coordinator remembers it (persisted with the job). */
export interface SnapshotEntry extends SnapshotRecord {
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  triggeredAt: number;
  stateSize: number;
  numSubtasks: number;
  numAcknowledged: number;
  /** Files deleted (subsumed, retention, job end). The record stays until the files are gone. */
  discarded: boolean;
  /** A discard that failed; retried on the next retention pass. */
  discardPending?: boolean;
  failureMessage?: string;
  /** A snapshot this job was restored from (not taken by it). */
  restoredFrom?: boolean;
}

export interface CoordinatorSettings {
  /** Where checkpoints go: <dir>/<jobId>/chk-<n>. */
  checkpointDir: string;
  /** The default savepoint directory (chain step 2/3), if any. */
  savepointDir?: string;
  numRetained: number;
  timeoutMs: number;
  minPauseMs: number;
  /** Cluster-wide FLIP-10 settings; the job's own checkpoint config wins. */
  persistentCheckpoints: boolean;
  periodicSavepoints?: { intervalMs: number; dir?: string; maxRetained: number };
  toolVersion: string;
}

export interface CoordinatorDeps {
  jobId: string;
  jobName: string;
  plan: JobPlan;
  settings: CoordinatorSettings;
  /** The attempt running now, if any. */
  currentAttempt(): RunningJob | undefined;
  /** Persist the job's record (called before sinks commit, so a crash never replays committed output). */
  persist(): Promise<void>;
  log(line: string): void;
  /** Every job the coordinator knows, for the disposal guard (another job may have restored from ours). */
  jobFacts?: () => JobFacts[];
  now?: () => number;
  /** Creates a snapshot directory (default: storage's createSnapshotDirectory); a test gives one that hangs. */
  createDirectory?: (dir: string) => Promise<void>;
}


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
  private lastCompletedAt?: number;
  private timers: NodeJS.Timeout[] = [];
  private requestSeq = 0;
  private shutdown = false;
  /** Set once the job ended: a snapshot still being published then gets the end-of-job rule as well. */
  private endedWith: EndStatus | undefined;
  private readonly now: () => number;
  /** Snapshots whose files are being deleted right now. */
  private readonly discarding = new Set<SnapshotEntry>();

  constructor(
    private readonly deps: CoordinatorDeps,
    restored: { snapshots: SnapshotEntry[]; nextId: number } = { snapshots: [], nextId: 1 },
  ) {
    this.snapshots = restored.snapshots;
    this.nextId = restored.nextId;
    this.now = deps.now ?? Date.now;
  }

  get counter(): number {
    return this.nextId;
  }

  /** Checkpointing is configured for this job (interval), as Flink reports it. */
  get checkpointingEnabled(): boolean {
    return this.deps.plan.checkpointConfig.checkpointIntervalMs !== undefined;
  }

  get persistentCheckpoints(): { enabled: boolean; dir: string } {
    const job = this.deps.plan.checkpointConfig.persistentCheckpoints;
    if (job.enabled) return { enabled: true, dir: job.path ?? this.deps.settings.checkpointDir };
    return { enabled: this.deps.settings.persistentCheckpoints, dir: this.deps.settings.checkpointDir };
  }

  get periodicSavepoints(): { enabled: boolean; intervalMs?: number; dir?: string; maxRetained: number } {
    const job = this.deps.plan.checkpointConfig.periodicSavepoints;
    const cluster = this.deps.settings.periodicSavepoints;
    if (job.enabled) return { enabled: true, intervalMs: job.intervalMs, dir: job.path ?? cluster?.dir ?? this.deps.settings.savepointDir, maxRetained: job.maxRetained ?? cluster?.maxRetained ?? 3 };
    if (cluster) return { enabled: true, intervalMs: cluster.intervalMs, dir: cluster.dir ?? this.deps.settings.savepointDir, maxRetained: cluster.maxRetained };
    return { enabled: false, maxRetained: job.maxRetained ?? 3 };
  }

  /** Starts the periodic triggers (only those that are enabled). Called when an attempt runs. */
  startPeriodic(): void {
    this.stopPeriodic();
    const interval = this.deps.plan.checkpointConfig.checkpointIntervalMs;
    if (interval !== undefined && interval > 0) {
      this.timers.push(setInterval(() => void this.trigger(forCheckpoint({ persistent: this.persistentCheckpoints.enabled })).catch(() => {}), interval));
    }
    const periodic = this.periodicSavepoints;
    if (periodic.enabled && periodic.intervalMs && periodic.intervalMs > 0) {
      this.timers.push(setInterval(() => void this.trigger(forPeriodicSavepoint(), periodic.dir).catch(() => {}), periodic.intervalMs));
    }
    for (const t of this.timers) t.unref();
  }

  stopPeriodic(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /**
   * Requests a snapshot with these properties; resolves when it completed and was recorded. Savepoints
   * need a target directory (ad-hoc, else the configured default); checkpoints go to the checkpoint dir.
   */
  trigger(properties: SnapshotProperties, targetDirectory?: string): Promise<SnapshotEntry> {
    if (this.shutdown) return Promise.reject(new SnapshotFailure('COORDINATOR_SHUTDOWN'));
    if (properties.kind === 'savepoint' && (targetDirectory ?? this.deps.settings.savepointDir) === undefined) {
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
    const decision = nextRequest(this.queue, { inFlight: this.inFlight, lastCompletedAt: this.lastCompletedAt, minPauseMs: this.deps.settings.minPauseMs, now: this.now() });
    this.queue = decision.queue;
    if (!decision.start) {
      // A held-back checkpoint (minimum pause): look again when the pause is over.
      if (!this.inFlight && this.queue.length > 0) setTimeout(() => this.pump(), this.deps.settings.minPauseMs).unref();
      return;
    }
    const waiter = this.waiters.get(decision.start.key);
    if (!waiter) return this.pump(); // already answered (the coordinator shut down): nothing to run
    this.waiters.delete(decision.start.key);
    this.inFlight = true;
    this.run(waiter.request.properties, waiter.targetDirectory).then(
      (entry) => {
        this.inFlight = false;
        this.lastCompletedAt = this.now();
        waiter.resolve(entry);
        this.pump();
      },
      (error: Error) => {
        this.inFlight = false;
        waiter.reject(error);
        this.pump();
      },
    );
  }

  private async run(properties: SnapshotProperties, targetDirectory: string | undefined): Promise<SnapshotEntry> {
    const attempt = this.deps.currentAttempt();
    if (!attempt || attempt.status !== 'RUNNING') throw new SnapshotFailure('JOB_NOT_RUNNING');
    const id = this.nextId++;
    const triggeredAt = this.now();
    const entry: SnapshotEntry = {
      id, pointer: '', properties, completedAt: 0, status: 'IN_PROGRESS', triggeredAt, stateSize: 0,
      numSubtasks: attempt.plan.operators.reduce((n, op) => n + op.parallelism, 0), numAcknowledged: 0, discarded: false,
    };
    this.snapshots.push(entry);
    const onProgress = (p: { id: number; acknowledged: number }) => {
      if (p.id === id) entry.numAcknowledged = p.acknowledged;
    };
    attempt.on('snapshot-progress', onProgress);
    let created = false;
    let triggered = false;
    const deadline = triggeredAt + this.deps.settings.timeoutMs;
    const directory = properties.kind === 'savepoint'
      ? newSavepointPath(targetDirectory ?? this.deps.settings.savepointDir!, this.deps.jobId)
      : checkpointPath(properties.kind === 'persistent-checkpoint' ? this.persistentCheckpoints.dir : this.deps.settings.checkpointDir, this.deps.jobId, id);
    try {
      // Recorded durably before the directory exists: after a crash, recovery knows every directory it made.
      entry.pointer = directory;
      await this.deps.persist();
      // The job may have ended meanwhile: then no directory is made for it.
      if (attempt.status !== 'RUNNING') throw new SnapshotFailure('JOB_NOT_RUNNING');
      await this.createDirectory(directory, deadline);
      created = true;
      const terminate = properties.afterCompletion === 'suspend' || properties.afterCompletion === 'terminate';
      triggered = true;
      const result = await attempt.triggerSnapshot({ id, directory, terminate, drain: properties.afterCompletion === 'terminate', timeoutMs: Math.max(1, deadline - this.now()) });
      await publishSnapshot(directory, {
        id, kind: properties.kind, trigger: properties.trigger, format: properties.format,
        jobId: this.deps.jobId, jobName: this.deps.jobName, jobFingerprint: attempt.plan.fingerprint,
        operators: result.operators, toolVersion: this.deps.settings.toolVersion,
        triggeredAt, completedAt: result.completedAt, files: result.files,
      });
      entry.status = 'COMPLETED';
      entry.completedAt = result.completedAt;
      entry.numAcknowledged = entry.numSubtasks;
      entry.stateSize = result.files.reduce((n, f) => n + f.size, 0);
      const discards = this.applyRetention(entry);
      // The job ended while this snapshot was being published (onJobEnd did not see it completed): what the
      // end of the job discards, it discards too (a plain checkpoint of a cancelled job), else it stayed forever.
      if (this.endedWith) for (const e of discardOnJobEnd([entry], this.endedWith)) if (!discards.includes(e)) discards.push(e);
      // Durable before the sinks commit: a crash after this restores from this snapshot, never an older one.
      await this.deps.persist();
      await attempt.notifyComplete(id);
      this.logCreated(entry);
      void this.discardAll(discards);
      return entry;
    } catch (error) {
      entry.status = 'FAILED';
      entry.completedAt = this.now();
      const detail = describeIoError(error) ?? (error as Error).message;
      entry.failureMessage = error instanceof SnapshotFailure ? error.message : detail;
      if (triggered && attempt.status === 'RUNNING') await attempt.abortSnapshot(id).catch(() => {});
      if (created) {
        // A job that ended may still write into the directory until its thread is gone: remove it after that.
        if (attempt.status !== 'RUNNING') await settledWithin(attempt.done, 10_000);
        await abortSnapshot(directory).catch(() => {});
      }
      this.trimHistory();
      await this.deps.persist().catch(() => {});
      if (properties.kind === 'savepoint') this.deps.log(`Savepoint ${id} of job ${this.deps.jobId} failed: ${entry.failureMessage}`);
      throw error instanceof SnapshotFailure ? error : new SnapshotFailure(mapReason(error), detail);
    } finally {
      attempt.off('snapshot-progress', onProgress);
    }
  }

  /**
   * Creates the snapshot directory within the snapshot's timeout: a creation that hangs (a dead mount)
   * expires the snapshot instead of holding every later one back; if it ever finishes, its directory goes.
   */
  private async createDirectory(directory: string, deadline: number): Promise<void> {
    const creating = (this.deps.createDirectory ?? createSnapshotDirectory)(directory);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new SnapshotFailure('CHECKPOINT_EXPIRED', `Creating ${directory} did not finish within ${this.deps.settings.timeoutMs} ms.`)),
        Math.max(0, deadline - this.now()),
      );
    });
    try {
      await Promise.race([creating, expired]);
    } catch (error) {
      if (error instanceof SnapshotFailure) creating.then(() => abortSnapshot(directory)).catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private logCreated(entry: SnapshotEntry): void {
    const p = entry.properties;
    if (p.kind === 'savepoint') this.deps.log(`Savepoint ${entry.id} (${p.trigger}) of job ${this.deps.jobId} completed at ${entry.pointer}`);
    else if (p.kind === 'persistent-checkpoint') this.deps.log(`Persistent checkpoint ${entry.id} of job ${this.deps.jobId} completed at ${entry.pointer}`);
  }

  /** Pure plans applied to the records; returns what to delete. */
  private applyRetention(added: SnapshotEntry): SnapshotEntry[] {
    const live = (e: SnapshotEntry) => e.status === 'COMPLETED' && !e.discarded;
    const discards: SnapshotEntry[] = [];
    if (added.properties.kind !== 'savepoint') {
      const store = this.snapshots.filter((e) => live(e) && e !== added && (e.properties.kind !== 'savepoint' || e.properties.discard.subsumed));
      const plan = addAndSubsume(store, added, this.deps.settings.numRetained);
      discards.push(...plan.discard);
    }
    if (added.properties.boundedPeriodic) {
      const periodic = this.snapshots.filter((e) => live(e) && e !== added && e.properties.boundedPeriodic);
      discards.push(...retainPeriodicSavepoints(periodic, added, this.periodicSavepoints.maxRetained).discard);
    }
    // Failed discards of earlier passes are retried.
    discards.push(...this.snapshots.filter((e) => e.discardPending && !discards.includes(e)));
    return discards;
  }

  /** Deletes the files of these snapshots; a record is marked discarded only once its files are gone. */
  async discardAll(entries: SnapshotEntry[]): Promise<void> {
    let changed = false;
    for (const entry of entries) {
      // Still live until its files are gone, so a later plan names it again: one disposal at a time (on an
      // object store a disposal outlasts a checkpoint interval, and two of one prefix trip over each other).
      if (this.discarding.has(entry)) continue;
      this.discarding.add(entry);
      try {
        await removeSnapshotDirectory(entry.pointer, { jobs: this.deps.jobFacts?.() ?? [], roots: this.roots() });
        entry.discarded = true;
        entry.discardPending = false;
        if (entry.properties.kind !== 'checkpoint') this.deps.log(`Disposed ${describe(entry)} ${entry.id} of job ${this.deps.jobId} at ${entry.pointer}`);
      } catch (error) {
        entry.discardPending = true;
        this.deps.log(`Could not dispose ${describe(entry)} ${entry.id} at ${entry.pointer} (will retry): ${(error as Error).message}`);
      } finally {
        this.discarding.delete(entry);
      }
      changed = true;
    }
    this.trimHistory();
    if (changed) await this.deps.persist().catch(() => {});
  }

  /** The job ended: discard what its properties say, stop triggering, fail what waits. */
  async onJobEnd(status: EndStatus): Promise<void> {
    this.endedWith = status;
    this.stopPeriodic();
    for (const waiter of this.waiters.values()) waiter.reject(new SnapshotFailure('JOB_NOT_RUNNING'));
    this.waiters.clear();
    this.queue = [];
    const live = this.snapshots.filter((e) => e.status === 'COMPLETED' && !e.discarded && !e.restoredFrom);
    const discards = discardOnJobEnd(live, status);
    for (const entry of live) if (!discards.includes(entry)) this.logKept(entry);
    await this.discardAll(discards);
  }

  private logKept(entry: SnapshotEntry): void {
    if (entry.properties.kind !== 'checkpoint') this.deps.log(`Keeping ${describe(entry)} ${entry.id} of job ${this.deps.jobId} at ${entry.pointer}`);
  }

  /** The coordinator process shuts down: nothing is discarded (the job resumes on the next start). */
  close(): void {
    this.shutdown = true;
    this.stopPeriodic();
    for (const waiter of this.waiters.values()) waiter.reject(new SnapshotFailure('COORDINATOR_SHUTDOWN'));
    this.waiters.clear();
    // Their waiters are gone: a run still in flight must not start them when it settles.
    this.queue = [];
  }

  /** The newest completed snapshot whose files still exist: what a restart restores from. */
  latestCompleted(): SnapshotEntry | undefined {
    return this.snapshots
      .filter((e) => e.status === 'COMPLETED' && !e.discarded)
      .sort((a, b) => a.completedAt - b.completedAt || a.id - b.id)
      .at(-1);
  }

  /** FLIP-10's list: savepoints and persistent checkpoints this job took that still exist, newest first. */
  restorable(): SnapshotEntry[] {
    return this.snapshots
      .filter((e) => e.status === 'COMPLETED' && !e.discarded && !e.restoredFrom && e.properties.kind !== 'checkpoint')
      .sort((a, b) => b.completedAt - a.completedAt);
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
    return [s.checkpointDir, s.savepointDir, this.persistentCheckpoints.dir, this.periodicSavepoints.dir, childOf(s.checkpointDir, this.deps.jobId)]
      .filter((d): d is string => d !== undefined);
  }

  inProgress(): SnapshotEntry[] {
    return this.snapshots.filter((e) => e.status === 'IN_PROGRESS');
  }

  // Plain checkpoints that are gone and failed attempts are only history; keep the list bounded.
  private trimHistory(): void {
    const forgettable = this.snapshots.filter((e) => e.status === 'FAILED' || (e.discarded && e.properties.kind === 'checkpoint'));
    const excess = forgettable.length - 20;
    for (let i = 0; i < excess; i++) this.snapshots.splice(this.snapshots.indexOf(forgettable[i]), 1);
  }
}

function describe(entry: SnapshotEntry): string {
  const p = entry.properties;
  if (p.kind === 'savepoint') return p.trigger === 'periodic' ? 'periodic savepoint' : 'savepoint';
  return p.kind === 'persistent-checkpoint' ? 'persistent checkpoint' : 'checkpoint';
}

/** A directory below a local path or an object-store URI (path.join would fold s3:// into s3:/). */
function childOf(dir: string, name: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(dir) ? `${dir.replace(/\/+$/, '')}/${name}` : path.join(dir, name);
}

/** Waits for `promise` to settle, at most `ms`. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

function mapReason(error: unknown): SnapshotFailure['reason'] {
  const reason = (error as { reason?: string }).reason;
  if (reason === 'CHECKPOINT_EXPIRED') return 'CHECKPOINT_EXPIRED';
  if (reason === 'CHECKPOINT_DECLINED') return 'CHECKPOINT_DECLINED';
  if (reason === 'JOB_FAILURE') return 'TASK_FAILURE';
  if (reason === 'NOT_ALL_REQUIRED_TASKS_RUNNING') return 'JOB_NOT_RUNNING';
  return 'IO_ERROR';
}

/**
 * Deletes one snapshot directory through the disposal guard: a corrupted record, a symbolic link or a
 * directory that is not a snapshot by content can never make the coordinator delete unrelated files.
 */
export async function removeSnapshotDirectory(pointer: string, context: { jobs: readonly JobFacts[]; roots: readonly string[]; force?: boolean }): Promise<void> {
  await guardAndRemove(pointer, { ...context, cwd: '/' });
}
