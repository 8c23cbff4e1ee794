// The local coordinator's job manager: the Dispatcher behind the REST server. It keeps uploaded job
// modules, runs jobs through the runtime's JobMaster (restart strategy), gives each job a
// CheckpointCoordinator, and persists every job record in the state directory so that after a crash
// (even kill -9) running jobs resume from their latest completed snapshot and ended jobs stay listed.
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type {
  CheckpointConfigInfo, CheckpointStatistics, CheckpointingStatistics, ClusterOverview, JarPlanRequest, JarRunRequest, JobDetails, JobDetailsInfo,
  JobExceptionsInfoWithHistory, JobPlanInfo, RestorableSnapshot,
} from '../client/dto.js';
import { ConflictError, NotFoundError, OperationError } from '../domain/errors.js';
import { SnapshotFailure } from '../domain/failure-reason.js';
import { ioOperationError } from '../domain/io-errors.js';
import { isTerminal, type JobStatus } from '../domain/job-status.js';
import {
  forCancelWithSavepoint, forCheckpoint, forManualSavepoint, forRestoredSnapshot, forStopWithSavepoint, type EndStatus,
  type SnapshotProperties,
} from '../domain/snapshot-properties.js';
import { buildPlan } from '../runtime/host.js';
import { JobMaster, type RestartStrategy, type TaskFailure } from '../runtime/job-master.js';
import type { JobPlan } from '../runtime/plan.js';
import type { ArtifactInfo, Dispatcher, SavepointRequest, StopRequest } from '../server/dispatcher.js';
import { snapshotKey, type JobFacts } from '../domain/disposal-guard.js';
import { guardAndRemove } from '../storage/disposal.js';
import { readSnapshot } from '../storage/index.js';
import { TOOL_VERSION } from '../version.js';
import { ArtifactStore } from './artifact-store.js';
import { operatorIdForUid } from '../domain/operator-id.js';
import { CheckpointCoordinator, type CoordinatorSettings, type SnapshotEntry } from './checkpoint-coordinator.js';
import type { JobRecord } from './job-record.js';
import { checkpointConfigView, checkpointStatisticsView, jobsView, jobView, overviewView, restorableView, statistics } from './job-views.js';
import { exceptionEntry, exceptionsView, withException } from './job-exceptions.js';
import { NoUsableSnapshotError, usableSnapshot } from './recovery.js';
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
}


interface Job {
  record: JobRecord;
  dir: string;
  master?: JobMaster;
  coordinator: CheckpointCoordinator;
  stdout: WriteStream;
  /** The queue of record writes; never rejects (each caller gets its own write's outcome). */
  writing: Promise<void>;
  /** The last write failed: the record on disk is behind the one in memory. */
  unsaved?: boolean;
  retry?: NodeJS.Timeout;
  /** Settles once a terminal status was handled (snapshots discarded as their properties say, record persisted). */
  ended?: Promise<void>;
}

const TERMINAL_END: Record<string, EndStatus> = { FINISHED: 'FINISHED', CANCELED: 'CANCELED', FAILED: 'FAILED', SUSPENDED: 'SUSPENDED' };

export class JobManager implements Dispatcher {
  readonly version = TOOL_VERSION;
  private readonly registry = new Map<string, Job>();
  private readonly uploads: ArtifactStore;
  private readonly jobsDir: string;
  private closing = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: JobManagerOptions) {
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
      const job = this.track(record);
      await this.cleanCrashLeftovers(job);
      if (isTerminal(record.status)) continue;
      record.status = 'INITIALIZING';
      resuming.push(job);
    }
    // Every job is listed (INITIALIZING) while the snapshots to resume from are verified, all at once.
    await Promise.all(resuming.map((job) => this.resume(job)));
    await this.removeUnusedArtifacts();
    this.sweeper = setInterval(() => void this.removeUnusedArtifacts(), 10 * 60_000);
    this.sweeper.unref();
  }

  private async resume(job: Job): Promise<void> {
    const { jobId, name } = job.record;
    try {
      const from = await this.usable(job);
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
    if (await settleInterrupted(job.coordinator.snapshots, job.record.jobId, this.options.log)) await this.persist(job).catch(() => {});
  }

  /** Suspends running jobs (their snapshots stay; the next start resumes them). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all(
      [...this.registry.values()].map(async (job) => {
        job.coordinator.close();
        if (job.master && !isTerminal(job.master.status)) {
          const status = job.record.status;
          await job.master.suspend();
          // Persist the status the job had, so the next start resumes it.
          job.record.status = status === 'SUSPENDED' ? 'RUNNING' : status;
          await this.persist(job);
        }
        await job.ended;
        await job.writing;
        clearTimeout(job.retry);
        job.stdout.end();
      }),
    );
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
        currentAttempt: () => job.master?.current,
        persist: () => this.persist(job),
        log: this.options.log,
        jobFacts: () => this.jobFacts(),
        createDirectory: this.options.createSnapshotDirectory,
      },
      { snapshots: record.snapshots, nextId: record.nextSnapshotId },
    );
    this.registry.set(record.jobId, job);
    return job;
  }

  /**
   * Writes the job record atomically (temp file, fsync, rename), one write at a time per job. Each write
   * is independent of the previous one's outcome: a write the disk refused (ENOSPC) fails only its caller,
   * leaves no temp file, and is retried until one succeeds, so a record is never left behind for good.
   */
  private persist(job: Job): Promise<void> {
    job.record.nextSnapshotId = job.coordinator.counter;
    job.record.snapshots = job.coordinator.snapshots;
    const write = job.writing.then(() => this.writeRecord(job));
    job.writing = write.then(
      () => {
        job.unsaved = false;
      },
      (error: Error) => {
        if (!job.unsaved) this.options.log(`Could not write the record of job ${job.record.jobId} (will retry): ${error.message}`);
        job.unsaved = true;
        this.retryPersist(job);
      },
    );
    return write;
  }

  private async writeRecord(job: Job): Promise<void> {
    const file = path.join(job.dir, 'job.json');
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(JSON.stringify(job.record, null, 1));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => {});
      throw ioOperationError(error, `Cannot write the record of job ${job.record.jobId}`, job.dir) ?? error;
    }
  }

  /** A record the disk refused is written again a little later (space may be back by then). */
  private retryPersist(job: Job): void {
    if (job.retry || this.closing) return;
    job.retry = setTimeout(() => {
      job.retry = undefined;
      if (job.unsaved) this.persist(job).catch(() => {});
    }, 1000);
    job.retry.unref();
  }

  /** The newest snapshot of the job that passes full verification (see recovery.ts). */
  private usable(job: Job): Promise<string | undefined> {
    return usableSnapshot({ jobId: job.record.jobId, snapshots: job.coordinator.snapshots, restorePointer: job.record.restore?.pointer, log: this.options.log });
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
    await this.persist(job);
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
        job.ended = discard.finally(() => this.persist(job)).catch(() => {});
      } else {
        void this.persist(job).catch(() => {});
      }
    });
    master.on('attempt', (attempt: { restored?: { directory: string } }) => {
      if (attempt.restored) {
        record.lastRestore = { pointer: attempt.restored.directory, at: Date.now() };
        void this.persist(job).catch(() => {});
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

  // ------------------------------------------------------------------------------------ artifacts

  uploadArtifact(fileName: string, data: AsyncIterable<Uint8Array>): Promise<ArtifactInfo> {
    return this.uploads.upload(fileName, data);
  }

  private artifactInfo(id: string): Promise<ArtifactInfo> {
    return this.uploads.info(id);
  }

  artifacts(): Promise<ArtifactInfo[]> {
    return this.uploads.list();
  }

  deleteArtifact(id: string): Promise<void> {
    return this.uploads.delete(id);
  }

  /**
   * Flink's /jars/:jarid/plan for a job module: one node per operator (this runtime chains nothing), its id
   * Flink's operator id of the uid, so a snapshot's operator ids compare directly (the restore pre-flight).
   */
  async planArtifact(id: string, request: JarPlanRequest): Promise<JobPlanInfo> {
    const artifact = await this.artifactInfo(id);
    if (/\.jar$/i.test(artifact.name)) throw new OperationError('The local coordinator plans JavaScript/TypeScript job modules; jars are planned by an Apache Flink cluster (-m host:port).');
    const plan = await buildPlan({ artifactPath: artifact.path, args: request.programArgsList ?? [], parallelism: request.parallelism, cacheDir: path.join(this.options.stateDir, 'cache') });
    const ids = plan.operators.map((op) => operatorIdForUid(op.uid));
    return {
      plan: {
        jid: request.jobId ?? randomBytes(16).toString('hex'), name: plan.jobName, type: 'STREAMING',
        nodes: plan.operators.map((op, i) => ({
          id: ids[i], parallelism: op.parallelism, operator: op.kind, operator_strategy: 'none', description: op.name,
          ...(op.inputs.length > 0 ? { inputs: op.inputs.map((e, num) => ({ num, id: ids[e.from], ship_strategy: e.partitioning === 'hash' ? 'HASH' : 'FORWARD', exchange: 'pipelined_bounded' })) } : {}),
          optimizer_properties: {},
        })),
      },
    };
  }

  // ------------------------------------------------------------------------------------ jobs

  async runArtifact(id: string, request: JarRunRequest): Promise<string> {
    const artifact = await this.artifactInfo(id);
    try {
      return await this.runUploaded(artifact, request);
    } catch (error) {
      // A failed submission leaves no upload behind (unless a running job uses the same one).
      if (!(error instanceof ConflictError)) await this.removeUnusedArtifacts(id);
      throw error;
    }
  }

  private async runUploaded(artifact: ArtifactInfo, request: JarRunRequest): Promise<string> {
    const id = artifact.id;
    if (/\.jar$/i.test(artifact.name)) throw new OperationError('The local coordinator runs JavaScript/TypeScript job modules; submit jars to an Apache Flink cluster (-m host:port).');
    const jobId = request.jobId ?? randomBytes(16).toString('hex');
    const existing = this.registry.get(jobId);
    if (existing && !isTerminal(existing.record.status)) throw new ConflictError(`Job ${jobId} is already running.`);
    const args = request.programArgsList ?? [];
    const plan = await buildPlan({
      artifactPath: artifact.path, args, parallelism: request.parallelism, cacheDir: path.join(this.options.stateDir, 'cache'),
      memoryLimitBytes: this.options.taskManagerMemoryBytes,
    });
    const claimMode = request.claimMode === 'CLAIM' ? 'CLAIM' : 'NO_CLAIM';
    let restoredEntry: SnapshotEntry | undefined;
    if (request.savepointPath) restoredEntry = await this.checkRestore(request.savepointPath, plan, claimMode);

    const dir = path.join(this.jobsDir, jobId);
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await copyFile(artifact.path, path.join(dir, 'artifact.mjs'));
    } catch (error) {
      throw ioOperationError(error, `Cannot store job ${jobId}`, dir) ?? error;
    }
    const now = Date.now();
    const record: JobRecord = {
      version: 1, jobId, name: plan.jobName, artifactName: artifact.name, artifactId: id, args, parallelism: request.parallelism,
      restore: request.savepointPath ? { pointer: restoredEntry!.pointer, claimMode, allowNonRestoredState: request.allowNonRestoredState ?? false } : undefined,
      status: 'INITIALIZING', timestamps: { INITIALIZING: now }, startTime: now, endTime: -1, plan, nextSnapshotId: 1,
      snapshots: restoredEntry ? [restoredEntry] : [],
    };
    const job = this.track(record);
    await this.persist(job);
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

  /**
   * FLIP-10: a savepoint restores into a changed job; a persistent checkpoint only into the same job
   * (operator graph fingerprint) and the same version of this tool. Checked before anything starts.
   */
  private async checkRestore(pointer: string, plan: JobPlan, claimMode: 'CLAIM' | 'NO_CLAIM'): Promise<SnapshotEntry> {
    let snapshot;
    try {
      snapshot = await readSnapshot(pointer);
      await snapshot.verify(); // full verification: refuse a damaged snapshot before anything starts
    } catch (error) {
      // A snapshot that is not there stays "not found" (exit 5), whatever else is wrong with it is a failure.
      const Kind = error instanceof NotFoundError ? NotFoundError : OperationError;
      throw new Kind(`Cannot restore from ${pointer}: ${(error as Error).message}`);
    }
    const meta = snapshot.metadata;
    if (meta.kind !== 'savepoint') {
      if (meta.jobFingerprint !== plan.fingerprint || meta.toolVersion !== TOOL_VERSION) {
        const why = meta.jobFingerprint !== plan.fingerprint ? 'the job changed (its operator graph differs)' : `it was written by version ${meta.toolVersion}, this is ${TOOL_VERSION}`;
        throw new OperationError(
          `Cannot restore from ${snapshot.directory}: it is a ${meta.kind === 'persistent-checkpoint' ? 'persistent ' : ''}checkpoint of job '${meta.jobName}', and ${why}. ` +
            'Persistent checkpoints restore only the same job and version (FLIP-10); take a savepoint (flink savepoint / flink stop) to change the job or upgrade.',
        );
      }
    }
    const base: SnapshotProperties =
      meta.kind === 'savepoint' ? (meta.trigger === 'periodic' ? { ...forManualSavepoint(meta.format), trigger: 'periodic' } : { ...forManualSavepoint(meta.format), trigger: meta.trigger })
        : forCheckpoint({ persistent: meta.kind === 'persistent-checkpoint' });
    return {
      id: meta.id, pointer: snapshot.directory, properties: forRestoredSnapshot(base, claimMode), completedAt: meta.completedAt,
      status: 'COMPLETED', triggeredAt: meta.triggeredAt, stateSize: meta.files.reduce((n, f) => n + f.size, 0),
      numSubtasks: 0, numAcknowledged: 0, discarded: false, restoredFrom: true,
    };
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
    const format = request.format === 'NATIVE' ? 'native' : 'canonical';
    const entry = await job.coordinator.trigger(request.cancelJob ? forCancelWithSavepoint(format) : forManualSavepoint(format), request.targetDirectory);
    if (request.cancelJob) await job.master?.cancel();
    return entry.pointer;
  }

  async stopWithSavepoint(jobId: string, request: StopRequest): Promise<string> {
    const job = this.running(jobId);
    const format = request.format === 'NATIVE' ? 'native' : 'canonical';
    const entry = await job.coordinator.trigger(forStopWithSavepoint({ drain: request.drain, format }), request.targetDirectory);
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
    const roots = [s.checkpointDir, s.savepointDir, s.periodicSavepoints?.dir, ...[...this.registry.values()].flatMap((j) => j.coordinator.roots())].filter((d): d is string => d !== undefined);
    const dir = await guardAndRemove(pointer, { jobs: this.jobFacts(), roots, cwd: '/', force: options.force });
    for (const job of this.registry.values()) {
      const entry = job.coordinator.snapshots.find((e) => e.pointer !== '' && snapshotKey(e.pointer) === snapshotKey(dir));
      if (entry) {
        entry.discarded = true;
        await this.persist(job);
      }
    }
    this.options.log(`Disposed savepoint at ${dir} (${options.force ? 'forced' : 'requested'})`);
  }

  // ------------------------------------------------------------------------------------ read side (views in job-views.ts)

  async overview(): Promise<ClusterOverview> {
    return overviewView(this.records());
  }

  async jobs(): Promise<JobDetails[]> {
    return jobsView(this.records());
  }

  async job(jobId: string): Promise<JobDetailsInfo> {
    return jobView(this.find(jobId).record);
  }

  async exceptions(jobId: string, maxExceptions?: number): Promise<JobExceptionsInfoWithHistory> {
    return exceptionsView(this.find(jobId).record.exceptions, maxExceptions);
  }

  async checkpointStatistics(jobId: string): Promise<CheckpointingStatistics> {
    const job = this.find(jobId);
    return checkpointStatisticsView(job.record, job.coordinator.snapshots);
  }

  async checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointStatistics> {
    const entry = this.find(jobId).coordinator.snapshots.find((e) => e.id === checkpointId && !e.restoredFrom);
    if (!entry) throw new NotFoundError(`Could not find checkpointing statistics for checkpoint ${checkpointId}.`);
    return statistics(entry);
  }

  async checkpointConfig(jobId: string): Promise<CheckpointConfigInfo> {
    const job = this.find(jobId);
    return checkpointConfigView(job.record, job.coordinator, this.options.settings);
  }

  async restorableSnapshots(jobId: string): Promise<RestorableSnapshot[]> {
    const job = this.find(jobId);
    return restorableView(job.record, job.coordinator);
  }

  private records(): JobRecord[] {
    return [...this.registry.values()].map((j) => j.record);
  }
}

/** The job's printed output; a file the disk refuses loses output, never the coordinator (an unhandled stream error would). */
function jobStdout(file: string, log: (line: string) => void): WriteStream {
  const stream = createWriteStream(file, { flags: 'a' });
  let told = false;
  stream.on('error', (error) => {
    if (!told) log(`Output of the job is no longer written to ${file} (until the coordinator restarts): ${error.message}`);
    told = true;
  });
  return stream;
}
