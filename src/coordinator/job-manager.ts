// The local coordinator's job manager: the Dispatcher behind the REST server. It keeps uploaded job
// modules, runs jobs through the runtime's JobMaster (restart strategy), gives each job a
// CheckpointCoordinator, and persists every job record in the state directory so that after a crash
// (even kill -9) running jobs resume from their latest completed snapshot and ended jobs stay listed.
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  CheckpointConfigInfo, CheckpointStatistics, CheckpointingStatistics, ClusterOverview, JarPlanRequest, JarRunRequest, JobDetails, JobDetailsInfo,
  JobExceptionsInfoWithHistory, JobPlanInfo, RestorableSnapshot, RootExceptionInfo,
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
import type { JobFacts } from '../domain/disposal-guard.js';
import { guardLocal, removeSnapshotFiles } from '../storage/disposal.js';
import { readSnapshot } from '../storage/index.js';
import { TOOL_VERSION } from '../version.js';
import { operatorIdForUid } from '../domain/operator-id.js';
import { CheckpointCoordinator, type CoordinatorSettings, type SnapshotEntry } from './checkpoint-coordinator.js';
import { jobDetailsExtras, vertexDetails } from './job-details.js';
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

interface JobRecord {
  version: 1;
  jobId: string;
  name: string;
  artifactName: string;
  /** The upload it was started from (the job runs its own copy; this keeps the upload while the job runs). */
  artifactId?: string;
  args: string[];
  parallelism?: number;
  restore?: { pointer: string; claimMode: 'CLAIM' | 'NO_CLAIM'; allowNonRestoredState: boolean };
  /** What the latest attempt (first start, resume, restart) restored from; reported as Flink's latest.restored. */
  lastRestore?: { pointer: string; at: number };
  status: JobStatus;
  timestamps: Partial<Record<JobStatus, number>>;
  startTime: number;
  endTime: number;
  failureCause?: string;
  /** Flink's exception history: one root exception per task failure, newest first. */
  exceptions?: RootExceptionInfo[];
  /** Restarts the restart strategy already used (kept across coordinator restarts). */
  restarts?: number;
  plan: JobPlan;
  nextSnapshotId: number;
  snapshots: SnapshotEntry[];
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
  private readonly artifactDir: string;
  private readonly jobsDir: string;
  private closing = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: JobManagerOptions) {
    this.artifactDir = path.join(options.stateDir, 'artifacts');
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
    await mkdir(this.artifactDir, { recursive: true });
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
  private async removeUnusedArtifacts(only?: string): Promise<void> {
    const inUse = new Set([...this.registry.values()].filter((j) => !isTerminal(j.record.status)).map((j) => j.record.artifactId));
    const ttl = this.options.artifactTtlMs ?? 60 * 60_000;
    const ids = only ? [only] : existsSync(this.artifactDir) ? await readdir(this.artifactDir) : [];
    for (const id of ids) {
      if (inUse.has(id)) continue;
      const file = path.join(this.artifactDir, id);
      const s = await stat(file).catch(() => undefined);
      if (!s || (!only && Date.now() - s.mtimeMs < ttl)) continue;
      await rm(file, { force: true }).catch(() => {});
      this.options.log(`Removed uploaded artifact ${id} (${only ? 'its submission failed' : 'no running job uses it'})`);
    }
  }

  /**
   * What a crash (kill -9) can leave: temp files of record writes, and snapshots that were in progress
   * (settled as FAILED, their partial directories removed), for ended jobs' history as well.
   */
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

  async uploadArtifact(fileName: string, data: AsyncIterable<Uint8Array>): Promise<ArtifactInfo> {
    await mkdir(this.artifactDir, { recursive: true });
    const id = `${randomUUID()}_${path.basename(fileName)}`;
    const file = path.join(this.artifactDir, id);
    // A write the disk refuses destroys the stream with out.errored set; its 'error' event must be
    // handled (unhandled, it would end the process).
    const out = createWriteStream(file);
    out.on('error', () => {});
    try {
      for await (const chunk of data) {
        if (out.errored) continue; // read on, so that the request completes and gets its answer
        if (!out.write(chunk)) await new Promise<void>((resolve) => (out.once('drain', resolve), out.once('close', resolve)));
      }
      if (out.errored) throw out.errored;
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    } catch (error) {
      // The error that destroyed the stream is the cause (end() then only says "destroyed").
      const cause = out.errored ?? error;
      out.destroy();
      await rm(file, { force: true });
      throw ioOperationError(cause, 'Cannot store the uploaded job module', this.artifactDir) ?? cause;
    }
    return this.artifactInfo(id);
  }

  private async artifactInfo(id: string): Promise<ArtifactInfo> {
    const file = path.join(this.artifactDir, id);
    const s = await stat(file).catch(() => undefined);
    if (!s) throw new NotFoundError(`Jar file ${id} not found.`);
    return { id, name: id.replace(/^[0-9a-f-]{36}_/, ''), uploaded: s.mtimeMs, path: file, entry: ['default'] };
  }

  async artifacts(): Promise<ArtifactInfo[]> {
    const ids = existsSync(this.artifactDir) ? await readdir(this.artifactDir) : [];
    return Promise.all(ids.map((id) => this.artifactInfo(id)));
  }

  async deleteArtifact(id: string): Promise<void> {
    await this.artifactInfo(id);
    await rm(path.join(this.artifactDir, id), { force: true });
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
    const facts = guardLocal(pointer, { jobs: this.jobFacts(), roots, cwd: '/', force: options.force });
    const dir = facts.directory;
    await removeSnapshotFiles(dir);
    for (const job of this.registry.values()) {
      const entry = job.coordinator.snapshots.find((e) => e.pointer !== '' && path.resolve(e.pointer) === dir);
      if (entry) {
        entry.discarded = true;
        await this.persist(job);
      }
    }
    this.options.log(`Disposed savepoint at ${dir} (${options.force ? 'forced' : 'requested'})`);
  }

  // ------------------------------------------------------------------------------------ read side

  async overview(): Promise<ClusterOverview> {
    const states = [...this.registry.values()].map((j) => j.record.status);
    const slots = os.cpus().length;
    const running = states.filter((s) => !isTerminal(s)).length;
    return {
      taskmanagers: 1, 'slots-total': slots, 'slots-available': Math.max(0, slots - running), 'jobs-running': running,
      'jobs-finished': states.filter((s) => s === 'FINISHED').length, 'jobs-cancelled': states.filter((s) => s === 'CANCELED').length,
      'jobs-failed': states.filter((s) => s === 'FAILED').length, 'flink-version': TOOL_VERSION, 'flink-commit': 'local-coordinator',
    };
  }

  async jobs(): Promise<JobDetails[]> {
    return [...this.registry.values()].map(({ record }) => {
      const now = Date.now();
      const end = isTerminal(record.status) ? record.endTime : -1;
      return {
        jid: record.jobId, name: record.name, state: record.status, 'start-time': record.startTime, 'end-time': end,
        duration: (end > 0 ? end : now) - record.startTime, 'last-modification': Math.max(...Object.values(record.timestamps).map(Number)),
        tasks: taskCounts(record),
        // Flink 2's clients (CliFrontend's list) read these too.
        jobType: 'STREAMING', schedulerType: 'Default', 'pending-operators': 0,
      };
    });
  }

  async job(jobId: string): Promise<JobDetailsInfo> {
    const { record } = this.find(jobId);
    const end = isTerminal(record.status) ? record.endTime : -1;
    const now = Date.now();
    const facts = { jobId: record.jobId, name: record.name, status: record.status, plan: record.plan, timestamps: record.timestamps, endTime: record.endTime };
    const ids = record.plan.operators.map((op) => vertexId(record.jobId, op.uid));
    return {
      jid: record.jobId, name: record.name, isStoppable: false, state: record.status, 'start-time': record.startTime, 'end-time': end,
      duration: (end > 0 ? end : now) - record.startTime, maxParallelism: record.plan.maxParallelism, now,
      timestamps: record.timestamps as Record<string, number>,
      vertices: vertexDetails(facts, ids, now),
      ...jobDetailsExtras(facts, ids),
      ...({ 'failure-cause': record.failureCause ?? null } as object),
    };
  }

  async exceptions(jobId: string, maxExceptions?: number): Promise<JobExceptionsInfoWithHistory> {
    return exceptionsView(this.find(jobId).record.exceptions, maxExceptions);
  }

  async checkpointStatistics(jobId: string): Promise<CheckpointingStatistics> {
    const job = this.find(jobId);
    const entries = job.coordinator.snapshots.filter((e) => !e.restoredFrom);
    const stats = entries.map((e) => statistics(e));
    const completed = stats.filter((s) => s.status === 'COMPLETED');
    const newest = (list: CheckpointStatistics[]) => list.sort((a, b) => b.latest_ack_timestamp - a.latest_ack_timestamp)[0] ?? null;
    const last = job.record.lastRestore;
    const restored = (last && job.coordinator.snapshots.find((e) => e.status === 'COMPLETED' && e.pointer === last.pointer)) || job.coordinator.snapshots.find((e) => e.restoredFrom);
    return {
      counts: {
        restored: restored ? 1 : 0, total: stats.length, in_progress: stats.filter((s) => s.status === 'IN_PROGRESS').length,
        completed: completed.length, failed: stats.filter((s) => s.status === 'FAILED').length,
      },
      summary: {
        checkpointed_size: summary(completed.map((s) => s.checkpointed_size ?? 0)),
        state_size: summary(completed.map((s) => s.state_size)),
        end_to_end_duration: summary(completed.map((s) => s.end_to_end_duration)),
        alignment_buffered: summary([]), processed_data: summary([]), persisted_data: summary([]),
      },
      latest: {
        completed: newest(completed.filter((s) => !s.is_savepoint)),
        savepoint: newest(completed.filter((s) => s.is_savepoint)),
        failed: newest(stats.filter((s) => s.status === 'FAILED')),
        restored: restored ? { id: restored.id, restore_timestamp: last?.pointer === restored.pointer ? last.at : job.record.startTime, is_savepoint: restored.properties.kind === 'savepoint', external_path: restored.pointer } : null,
      },
      history: [...stats].sort((a, b) => b.trigger_timestamp - a.trigger_timestamp || b.id - a.id).slice(0, 10),
    };
  }

  async checkpointDetails(jobId: string, checkpointId: number): Promise<CheckpointStatistics> {
    const job = this.find(jobId);
    const entry = job.coordinator.snapshots.find((e) => e.id === checkpointId && !e.restoredFrom);
    if (!entry) throw new NotFoundError(`Could not find checkpointing statistics for checkpoint ${checkpointId}.`);
    return statistics(entry);
  }

  async checkpointConfig(jobId: string): Promise<CheckpointConfigInfo> {
    const job = this.find(jobId);
    const c = job.coordinator;
    const periodic = c.periodicSavepoints;
    const persistent = c.persistentCheckpoints;
    return {
      mode: 'exactly_once',
      interval: job.record.plan.checkpointConfig.checkpointIntervalMs ?? 0,
      timeout: this.options.settings.timeoutMs,
      min_pause: this.options.settings.minPauseMs,
      max_concurrent: 1,
      externalization: { enabled: persistent.enabled, delete_on_cancellation: !persistent.enabled },
      state_backend: 'flink-cli-keyed-state',
      checkpoint_storage: `file:${this.options.settings.checkpointDir}`,
      ...({
        unaligned_checkpoints: false, tolerable_failed_checkpoints: 0, aligned_checkpoint_timeout: 0, checkpoints_after_tasks_finish: false,
        state_changelog_enabled: false, changelog_periodic_materialization_interval: 600_000, changelog_storage: 'memory',
      } as object),
      periodic_savepoints: { enabled: periodic.enabled, interval: periodic.intervalMs ?? 0, target_directory: periodic.dir ?? null, max_retained: periodic.maxRetained },
      ...({ persistent_checkpoints: { enabled: persistent.enabled, directory: persistent.dir } } as object),
    };
  }

  async restorableSnapshots(jobId: string): Promise<RestorableSnapshot[]> {
    const job = this.find(jobId);
    return job.coordinator.restorable().map((e) => ({
      id: e.id,
      kind: e.properties.kind === 'savepoint' ? 'savepoint' : 'persistent-checkpoint',
      trigger: e.properties.trigger,
      format: e.properties.format,
      external_path: e.pointer,
      trigger_timestamp: e.triggeredAt,
      completed_timestamp: e.completedAt,
      state_size: e.stateSize,
      job_id: job.record.jobId,
      job_name: job.record.name,
    }));
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

function taskCounts(record: JobRecord): Record<string, number> {
  const total = record.plan.operators.reduce((n, op) => n + op.parallelism, 0);
  const counts: Record<string, number> = { total, created: 0, scheduled: 0, deploying: 0, running: 0, finished: 0, canceling: 0, canceled: 0, failed: 0, reconciling: 0, initializing: 0 };
  const key = record.status === 'RUNNING' ? 'running' : record.status === 'FINISHED' ? 'finished' : record.status === 'CANCELED' ? 'canceled' : record.status === 'FAILED' ? 'failed' : 'created';
  counts[key] = total;
  return counts;
}

function vertexId(jobId: string, uid: string): string {
  // A stable 32-hex id per operator, like Flink's JobVertexID.
  let h = 0x811c9dc5;
  const text = `${jobId}/${uid}`;
  const out: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of text + round) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out.push(h.toString(16).padStart(8, '0'));
  }
  return out.join('');
}

function statistics(e: SnapshotEntry): CheckpointStatistics {
  const isSavepoint = e.properties.kind === 'savepoint';
  const className = e.status === 'COMPLETED' ? 'completed' : e.status === 'FAILED' ? 'failed' : 'in_progress';
  const end = e.status === 'IN_PROGRESS' ? Date.now() : e.completedAt;
  const base: CheckpointStatistics = {
    className, id: e.id, status: e.status, is_savepoint: isSavepoint, savepointFormat: isSavepoint ? (e.properties.format === 'native' ? 'NATIVE' : 'CANONICAL') : null,
    trigger_timestamp: e.triggeredAt, latest_ack_timestamp: end, checkpointed_size: e.stateSize, state_size: e.stateSize,
    end_to_end_duration: Math.max(0, end - e.triggeredAt), num_subtasks: e.numSubtasks, num_acknowledged_subtasks: e.numAcknowledged,
    checkpoint_type: isSavepoint ? (e.properties.trigger === 'stop' ? 'SYNC_SAVEPOINT' : 'SAVEPOINT') : 'CHECKPOINT', tasks: {},
  };
  Object.assign(base, { alignment_buffered: 0, processed_data: 0, persisted_data: 0, snapshot_kind: e.properties.kind, snapshot_trigger: e.properties.trigger });
  if (e.status === 'COMPLETED') Object.assign(base, { external_path: e.pointer, discarded: e.discarded });
  if (e.status === 'FAILED') Object.assign(base, { failure_timestamp: e.completedAt, failure_message: e.failureMessage ?? null });
  return base;
}

function summary(values: number[]): Record<string, number> {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { min: sorted[0], max: sorted.at(-1)!, avg: Math.round(values.reduce((a, b) => a + b, 0) / values.length), p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), p999: q(0.999) };
}

