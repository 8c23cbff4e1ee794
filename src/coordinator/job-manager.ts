// The local coordinator's job manager: the Dispatcher behind the REST server. It keeps uploaded job
// modules, runs jobs through the runtime's JobMaster (restart strategy), gives each job a
// CheckpointCoordinator, and persists every job record in the state directory so that after a crash
// (even kill -9) running jobs resume from their latest completed snapshot and ended jobs stay listed.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, NotFoundError, OperationError } from '../domain/errors.js';
import { SnapshotFailure } from '../domain/failure-reason.js';
import { ioOperationError } from '../domain/io-errors.js';
import { isTerminal, type JobStatus } from '../domain/job-status.js';
import { forCancelWithSavepoint, forCheckpoint, forManualSavepoint, forStopWithSavepoint, type EndStatus } from '../domain/snapshot-properties.js';
import { buildPlan } from '../runtime/host.js';
import { JobMaster, type RestartStrategy, type TaskFailure } from '../runtime/job-master.js';
import { snapshotKey, type JobFacts } from '../domain/disposal-guard.js';
import { NO_STORAGE_SETTINGS, SnapshotStorage } from '../storage/index.js';
import { TOOL_VERSION } from '../version.js';
import { ArtifactStore, type ArtifactInfo } from './artifact-store.js';
import { CheckpointCoordinator, type CoordinatorSettings, type SnapshotEntry } from './checkpoint-coordinator.js';
import { newJobRecord, type JobPlan as RecordedPlan, type JobRecord } from './job-record.js';
import { exceptionEntry, withException } from './job-exceptions.js';
import { jobStdout, persistJob, type Job, type RecordWriter } from './job-persistence.js';
import type { JobSnapshotSettings, PlanRequest, RunRequest, SavepointRequest, StopRequest, TaskManagerInfo } from './requests.js';
import { taskManagerOf } from './task-manager-info.js';
import { NoUsableSnapshotError, usableSnapshot } from './recovery.js';
import { checkRestoreSource } from './restore-check.js';
import { removeRecordTempFiles, settleInterrupted } from './leftovers.js';

export interface JobManagerOptions {
  stateDir: string;
  settings: Omit<CoordinatorSettings, 'toolVersion'>;
  restartStrategy: RestartStrategy;
  /** `taskmanager.memory.process.size` of each job's TaskManager process (default: no limit). */
  taskManagerMemoryBytes?: number;
  /** An uploaded artifact no running job uses is removed once it is this old (default 1 h; checked on start and every 10 min). */
  artifactTtlMs?: number;
  log: (line: string) => void;
  /** How snapshot directories are created (default: the real mkdir); a test gives one that hangs. */
  createSnapshotDirectory?: (dir: string) => Promise<void>;
  /** Snapshot storage with the coordinator's settings (default: none for object stores, its cache in <state dir>/cache). */
  storage?: SnapshotStorage;
}

const TERMINAL_END: Record<string, EndStatus> = { FINISHED: 'FINISHED', CANCELED: 'CANCELED', FAILED: 'FAILED', SUSPENDED: 'SUSPENDED' };

/** The local coordinator's jobs; satisfies the REST server's Dispatcher (server/dispatcher.ts) structurally. */
export class JobManager {
  readonly version = TOOL_VERSION;
  private readonly registry = new Map<string, Job>();
  private readonly uploads: ArtifactStore;
  private readonly jobsDir: string;
  private closing = false;
  private readonly writer: RecordWriter = { log: (line) => this.options.log(line), closing: () => this.closing };
  private sweeper: NodeJS.Timeout | undefined;

  private readonly storage: SnapshotStorage;

  constructor(private readonly options: JobManagerOptions) {
    this.storage = options.storage ?? new SnapshotStorage({ settings: NO_STORAGE_SETTINGS, cacheDir: path.join(options.stateDir, 'cache') });
    this.uploads = new ArtifactStore(path.join(options.stateDir, 'artifacts'), options.log);
    this.jobsDir = path.join(options.stateDir, 'jobs');
  }

  private get settings(): CoordinatorSettings {
    return { ...this.options.settings, toolVersion: TOOL_VERSION };
  }

  defaultSavepointDirectory(): string | undefined {
    return this.options.settings.savepointDir;
  }

  // ------------------------------------------------------------------------------------ lifecycle

  /** Loads persisted jobs; resumes the ones that were running when the coordinator stopped. */
  async recover(): Promise<void> {
    await mkdir(this.uploads.dir, { recursive: true });
    await mkdir(this.jobsDir, { recursive: true });
    const resuming: Job[] = [];
    for (const jobId of await readdir(this.jobsDir)) {
      const file = path.join(this.jobsDir, jobId, 'job.json');
      let record: JobRecord;
      try {
        record = JSON.parse(await readFile(file, 'utf8')) as JobRecord;
      } catch {
        this.options.log(`Ignoring unreadable job record ${file}`);
        continue;
      }
      if (this.closing) return; // stopped while recovering: the records stay as they are for the next start
      const job = this.track(record);
      await this.cleanCrashLeftovers(job);
      if (isTerminal(record.status)) continue;
      record.status = 'INITIALIZING';
      resuming.push(job);
    }
    // Every job is listed (INITIALIZING) while the snapshots to resume from are verified, all at once.
    await Promise.all(resuming.map((job) => this.resume(job)));
    if (this.closing) return;
    await this.removeUnusedArtifacts();
    this.sweeper = setInterval(() => void this.removeUnusedArtifacts(), 10 * 60_000);
    this.sweeper.unref();
  }

  private async resume(job: Job): Promise<void> {
    const { jobId, name } = job.record;
    try {
      const from = await this.usable(job);
      if (this.closing) return; // close() ran meanwhile: launching now would leave a job nobody suspends
      this.options.log(`Resuming job ${jobId} (${name}) from ${from ?? 'no snapshot (it never completed one)'}`);
      this.launch(job, true, from).catch((error) => this.options.log(`Job ${jobId} could not be resumed: ${(error as Error).message}`));
    } catch (error) {
      if (error instanceof NoUsableSnapshotError) await this.failUnrecoverable(job, error).catch(() => {});
      else this.options.log(`Job ${jobId} could not be resumed: ${(error as Error).message}`);
    }
  }

  /** Uploads no running job uses, older than the TTL (or, with `only`, that one upload now: a failed submission). */
  private removeUnusedArtifacts(only?: string): Promise<void> {
    const inUse = new Set([...this.registry.values()].filter((j) => !isTerminal(j.record.status)).map((j) => j.record.artifactId));
    return this.uploads.removeUnused(inUse, this.options.artifactTtlMs ?? 60 * 60_000, only);
  }

  private async cleanCrashLeftovers(job: Job): Promise<void> {
    await removeRecordTempFiles(job.dir);
    if (await settleInterrupted(this.storage, job.coordinator.snapshots, job.record.jobId, this.options.log))
      await persistJob(job, this.writer).catch(() => {});
  }

  /** Suspends running jobs (their snapshots stay; the next start resumes them). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all(
      [...this.registry.values()].map(async (job) => {
        await job.coordinator.close();
        if (job.master && !isTerminal(job.master.status)) {
          const status = job.record.status;
          await job.master.suspend();
          // Persist the status the job had, so the next start resumes it.
          job.record.status = status === 'SUSPENDED' ? 'RUNNING' : status;
          await persistJob(job, this.writer);
        }
        await job.ended;
        await job.writing;
        clearTimeout(job.retry);
        job.stdout.end();
      }),
    );
    if (!this.options.storage) this.storage.close();
  }

  private track(record: JobRecord): Job {
    const dir = path.join(this.jobsDir, record.jobId);
    const job: Job = {
      record,
      dir,
      stdout: jobStdout(path.join(dir, 'stdout.log'), this.options.log),
      writing: Promise.resolve(),
      coordinator: undefined as unknown as CheckpointCoordinator,
    };
    job.coordinator = new CheckpointCoordinator(
      {
        jobId: record.jobId,
        jobName: record.name,
        plan: record.plan,
        settings: this.settings,
        storage: this.storage,
        currentAttempt: () => job.master?.current,
        persist: () => persistJob(job, this.writer),
        log: this.options.log,
        jobFacts: () => this.jobFacts(),
        createDirectory: this.options.createSnapshotDirectory,
      },
      { snapshots: record.snapshots, nextId: record.nextSnapshotId },
    );
    this.registry.set(record.jobId, job);
    return job;
  }

  /** The newest snapshot of the job that passes full verification (see recovery.ts). */
  private usable(job: Job): Promise<string | undefined> {
    return usableSnapshot({
      storage: this.storage,
      jobId: job.record.jobId,
      snapshots: job.coordinator.snapshots,
      restorePointer: job.record.restore?.pointer,
      log: this.options.log,
    });
  }

  /** A job that had state but has no usable snapshot left: FAILED with the reason, never RUNNING from empty state. */
  private async failUnrecoverable(job: Job, error: Error): Promise<void> {
    const { record } = job;
    const now = Date.now();
    record.status = 'FAILED';
    record.timestamps.FAILED = now;
    record.endTime = now;
    record.failureCause = error.message;
    this.options.log(`Job ${record.jobId} (${record.name}) FAILED: ${record.failureCause}`);
    await persistJob(job, this.writer);
  }

  private async launch(job: Job, resumed: boolean, resumeFrom?: string): Promise<void> {
    const { record } = job;
    const initial = record.restore ? { snapshot: record.restore.pointer, allowNonRestoredState: record.restore.allowNonRestoredState } : undefined;
    const allowNonRestoredState = record.restore?.allowNonRestoredState ?? false;
    const master = new JobMaster({
      jobId: record.jobId,
      artifactPath: path.join(job.dir, 'artifact.mjs'),
      args: record.args,
      parallelism: record.parallelism,
      restartStrategy: this.options.restartStrategy,
      initialRestore: resumed ? (resumeFrom ? { snapshot: resumeFrom, allowNonRestoredState } : undefined) : initial,
      // A restart verifies again: a snapshot may have been damaged or disposed since it completed.
      latestSnapshot: () => this.usable(job),
      stdout: job.stdout,
      cacheDir: path.join(this.options.stateDir, 'cache'),
      storage: this.storage,
      memoryLimitBytes: this.options.taskManagerMemoryBytes,
      restarts: record.restarts ?? 0,
    });
    job.master = master;
    master.on('failure', (failure: TaskFailure) => {
      record.exceptions = withException(record.exceptions, exceptionEntry(failure));
      if (!failure.final) record.restarts = master.restarts + 1;
      this.options.log(`Job ${record.jobId} (${record.name}) task failure${failure.final ? '' : ', restarting'}: ${failure.cause.message}`);
    });
    master.on('status', (change: { status: JobStatus; at: number; cause?: Error }) => {
      record.status = change.status;
      record.timestamps[change.status] = change.at;
      if (change.cause) record.failureCause = change.cause.message;
      if (change.status === 'RESTARTING' || change.status === 'FAILING') job.coordinator.stopPeriodic();
      if (isTerminal(change.status)) {
        record.endTime = change.at;
        if (this.closing && change.status === 'SUSPENDED') return;
        this.options.log(`Job ${record.jobId} (${record.name}) ${change.status}${change.cause ? `: ${change.cause.message}` : ''}`);
        // With no usable snapshot left, nothing is discarded: the damaged ones are kept for a human to inspect.
        const discard = change.cause instanceof NoUsableSnapshotError ? Promise.resolve() : job.coordinator.onJobEnd(TERMINAL_END[change.status]);
        job.ended = discard.finally(() => persistJob(job, this.writer)).catch(() => {});
      } else {
        void persistJob(job, this.writer).catch(() => {});
      }
    });
    master.on('attempt', (attempt: { restored?: { directory: string } }) => {
      if (attempt.restored) {
        record.lastRestore = { pointer: attempt.restored.directory, at: Date.now() };
        void persistJob(job, this.writer).catch(() => {});
      }
      job.coordinator.startPeriodic();
    });
    await master.start();
  }

  private find(jobId: string): Job {
    const job = this.registry.get(jobId);
    if (!job) throw new NotFoundError(`Job ${jobId} not found`);
    return job;
  }

  uploadArtifact(fileName: string, data: AsyncIterable<Uint8Array>): Promise<ArtifactInfo> {
    return this.uploads.upload(fileName, data);
  }

  artifacts(): Promise<ArtifactInfo[]> {
    return this.uploads.list();
  }

  deleteArtifact(id: string): Promise<void> {
    return this.uploads.delete(id);
  }

  /** The job module's operators, built in a task process (job code never runs in the coordinator). */
  async planArtifact(id: string, request: PlanRequest): Promise<RecordedPlan> {
    const artifact = await this.uploads.info(id);
    if (/\.jar$/i.test(artifact.name))
      throw new OperationError('The local coordinator plans JavaScript/TypeScript job modules; jars are planned by an Apache Flink cluster (-m host:port).');
    return buildPlan({
      artifactPath: artifact.path,
      args: request.args ?? [],
      parallelism: request.parallelism,
      cacheDir: path.join(this.options.stateDir, 'cache'),
    });
  }

  async runArtifact(id: string, request: RunRequest): Promise<string> {
    const artifact = await this.uploads.info(id);
    try {
      return await this.runUploaded(artifact, request);
    } catch (error) {
      // A failed submission leaves no upload behind (unless a running job uses the same one).
      if (!(error instanceof ConflictError)) await this.removeUnusedArtifacts(id);
      throw error;
    }
  }

  private async runUploaded(artifact: ArtifactInfo, request: RunRequest): Promise<string> {
    if (/\.jar$/i.test(artifact.name))
      throw new OperationError('The local coordinator runs JavaScript/TypeScript job modules; submit jars to an Apache Flink cluster (-m host:port).');
    const jobId = request.jobId ?? randomBytes(16).toString('hex');
    const existing = this.registry.get(jobId);
    if (existing && !isTerminal(existing.record.status)) throw new ConflictError(`Job ${jobId} is already running.`);
    const args = request.args ?? [];
    const plan = await buildPlan({
      artifactPath: artifact.path,
      args,
      parallelism: request.parallelism,
      cacheDir: path.join(this.options.stateDir, 'cache'),
      memoryLimitBytes: this.options.taskManagerMemoryBytes,
    });
    const claimMode = request.claimMode ?? 'NO_CLAIM';
    let restoredEntry: SnapshotEntry | undefined;
    if (request.savepointPath) restoredEntry = await checkRestoreSource(this.storage, request.savepointPath, plan, claimMode);

    const dir = path.join(this.jobsDir, jobId);
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await copyFile(artifact.path, path.join(dir, 'artifact.mjs'));
    } catch (error) {
      throw ioOperationError(error, `Cannot store job ${jobId}`, dir) ?? error;
    }
    const record = newJobRecord({ jobId, artifact, request, plan, restoredEntry, claimMode });
    const job = this.track(record);
    await persistJob(job, this.writer);
    this.options.log(`Job ${jobId} (${plan.jobName}) submitted${restoredEntry ? `, restoring from ${restoredEntry.pointer} (${claimMode})` : ''}`);
    try {
      await this.launch(job, false);
    } catch (error) {
      // The hint (e.g. "restore with -n") travels in the message: REST error bodies carry messages only.
      const hint = (error as { hint?: string }).hint;
      throw new OperationError(`Job ${jobId} failed to start: ${(error as Error).message}${hint ? `. ${hint}` : ''}`);
    }
    return jobId;
  }

  async cancel(jobId: string): Promise<void> {
    const job = this.find(jobId);
    if (isTerminal(job.record.status)) {
      throw new ConflictError(`Job cancellation failed because the job has already reached another terminal state (${job.record.status}).`);
    }
    await job.master?.cancel();
  }

  private running(jobId: string): Job {
    const job = this.find(jobId);
    if (isTerminal(job.record.status) || !job.master) throw new SnapshotFailure('JOB_NOT_RUNNING', `Job ${jobId} is ${job.record.status}.`);
    return job;
  }

  async savepoint(jobId: string, request: SavepointRequest): Promise<string> {
    const job = this.running(jobId);
    const entry = await job.coordinator.trigger(
      request.cancelJob ? forCancelWithSavepoint(request.format) : forManualSavepoint(request.format),
      request.targetDirectory,
    );
    if (request.cancelJob) await job.master?.cancel();
    return entry.pointer;
  }

  async stopWithSavepoint(jobId: string, request: StopRequest): Promise<string> {
    const job = this.running(jobId);
    const entry = await job.coordinator.trigger(forStopWithSavepoint({ drain: request.drain, format: request.format }), request.targetDirectory);
    await job.master?.result;
    await job.ended;
    return entry.pointer;
  }

  async checkpoint(jobId: string): Promise<number> {
    const job = this.running(jobId);
    const entry = await job.coordinator.trigger(forCheckpoint({ persistent: job.coordinator.persistentCheckpoints.enabled, trigger: 'manual' }));
    return entry.id;
  }

  /** The disposal guard's view of every job this coordinator knows (from its own registry, no HTTP). */
  private jobFacts(): JobFacts[] {
    return [...this.registry.values()].map((job) => job.coordinator.guardFacts(job.record.status));
  }

  /** REST /savepoint-disposal: refused by the disposal guard like every other deleting path. */
  async disposeSavepoint(pointer: string, options: { force?: boolean } = {}): Promise<void> {
    const s = this.options.settings;
    const roots = [s.checkpointDir, s.savepointDir, s.periodicSavepoints?.dir, ...[...this.registry.values()].flatMap((j) => j.coordinator.roots())].filter(
      (d): d is string => d !== undefined,
    );
    const dir = await this.storage.dispose(pointer, { jobs: this.jobFacts(), roots, force: options.force });
    for (const job of this.registry.values()) {
      const entry = job.coordinator.snapshots.find((e) => e.pointer !== '' && snapshotKey(e.pointer) === snapshotKey(dir));
      if (entry) {
        entry.discarded = true;
        await persistJob(job, this.writer);
      }
    }
    this.options.log(`Disposed savepoint at ${dir} (${options.force ? 'forced' : 'requested'})`);
  }

  // ------------------------------------------------------------------------------------ read side (Flink's views: server/views/)

  async jobs(): Promise<JobRecord[]> {
    return [...this.registry.values()].map((j) => j.record);
  }

  async job(jobId: string): Promise<JobRecord> {
    return this.find(jobId).record;
  }

  async jobProgram(jobId: string): Promise<{ artifactPath: string; args: string[] }> {
    const job = this.find(jobId);
    return { artifactPath: path.join(job.dir, 'artifact.mjs'), args: job.record.args };
  }

  restartStrategyDescription(): string {
    const s = this.options.restartStrategy;
    return s.type === 'none' ? 'Restart deactivated.' : `Restart with fixed delay (${s.delayMs} ms). #${s.attempts} restart attempts.`;
  }

  /** The TaskManager processes of the running jobs. */
  async taskManagers(): Promise<TaskManagerInfo[]> {
    return [...this.registry.values()].flatMap((job) => taskManagerOf(job, this.options.taskManagerMemoryBytes) ?? []);
  }

  async snapshots(jobId: string): Promise<SnapshotEntry[]> {
    return this.find(jobId).coordinator.snapshots;
  }

  async restorableSnapshots(jobId: string): Promise<SnapshotEntry[]> {
    return this.find(jobId).coordinator.restorable();
  }

  async snapshotSettings(jobId: string): Promise<JobSnapshotSettings> {
    const { record, coordinator } = this.find(jobId);
    const { timeoutMs, minPauseMs, checkpointDir } = this.options.settings;
    return {
      checkpointIntervalMs: record.plan.checkpointConfig.checkpointIntervalMs ?? 0,
      timeoutMs,
      minPauseMs,
      checkpointDir,
      persistentCheckpoints: coordinator.persistentCheckpoints,
      periodicSavepoints: coordinator.periodicSavepoints,
    };
  }
}
