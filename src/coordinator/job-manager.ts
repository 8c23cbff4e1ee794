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
  CheckpointConfigInfo, CheckpointStatistics, CheckpointingStatistics, ClusterOverview, JarRunRequest, JobDetails, JobDetailsInfo,
  RestorableSnapshot,
} from '../client/dto.js';
import { ConflictError, NotFoundError, OperationError } from '../domain/errors.js';
import { SnapshotFailure } from '../domain/failure-reason.js';
import { isTerminal, type JobStatus } from '../domain/job-status.js';
import {
  forCancelWithSavepoint, forCheckpoint, forManualSavepoint, forRestoredSnapshot, forStopWithSavepoint, type EndStatus,
  type SnapshotProperties,
} from '../domain/snapshot-properties.js';
import { buildPlan } from '../runtime/host.js';
import { JobMaster, type RestartStrategy } from '../runtime/job-master.js';
import type { JobPlan } from '../runtime/plan.js';
import type { ArtifactInfo, Dispatcher, SavepointRequest, StopRequest } from '../server/dispatcher.js';
import type { JobFacts } from '../domain/disposal-guard.js';
import { guardLocal, removeSnapshotFiles } from '../storage/disposal.js';
import { readSnapshot } from '../storage/index.js';
import { TOOL_VERSION } from '../version.js';
import { CheckpointCoordinator, type CoordinatorSettings, type SnapshotEntry } from './checkpoint-coordinator.js';
import { NoUsableSnapshotError, usableSnapshot } from './recovery.js';

export interface JobManagerOptions {
  stateDir: string;
  settings: Omit<CoordinatorSettings, 'toolVersion'>;
  restartStrategy: RestartStrategy;
  log: (line: string) => void;
}

interface JobRecord {
  version: 1;
  jobId: string;
  name: string;
  artifactName: string;
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
  writing: Promise<void>;
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
      if (isTerminal(record.status)) continue;
      record.status = 'INITIALIZING';
      resuming.push(job);
    }
    // Every job is listed (INITIALIZING) while the snapshots to resume from are verified, all at once.
    await Promise.all(resuming.map((job) => this.resume(job)));
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

  /** Suspends running jobs (their snapshots stay; the next start resumes them). */
  async close(): Promise<void> {
    this.closing = true;
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
        await job.writing.catch(() => {});
        job.stdout.end();
      }),
    );
  }

  private track(record: JobRecord): Job {
    const dir = path.join(this.jobsDir, record.jobId);
    const job: Job = {
      record,
      dir,
      stdout: createWriteStream(path.join(dir, 'stdout.log'), { flags: 'a' }),
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
      },
      { snapshots: record.snapshots, nextId: record.nextSnapshotId },
    );
    this.registry.set(record.jobId, job);
    return job;
  }

  private persist(job: Job): Promise<void> {
    job.record.nextSnapshotId = job.coordinator.counter;
    job.record.snapshots = job.coordinator.snapshots;
    // Serialised: one write at a time per job, each atomic (temp file + rename).
    job.writing = job.writing.then(async () => {
      const file = path.join(job.dir, 'job.json');
      const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(JSON.stringify(job.record, null, 1));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    });
    return job.writing;
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
    });
    job.master = master;
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
    const out = createWriteStream(file);
    try {
      for await (const chunk of data) if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    } catch (error) {
      out.destroy();
      await rm(file, { force: true });
      throw error;
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

  // ------------------------------------------------------------------------------------ jobs

  async runArtifact(id: string, request: JarRunRequest): Promise<string> {
    const artifact = await this.artifactInfo(id);
    if (/\.jar$/i.test(artifact.name)) throw new OperationError('The local coordinator runs JavaScript/TypeScript job modules; submit jars to an Apache Flink cluster (-m host:port).');
    const jobId = request.jobId ?? randomBytes(16).toString('hex');
    const existing = this.registry.get(jobId);
    if (existing && !isTerminal(existing.record.status)) throw new ConflictError(`Job ${jobId} is already running.`);
    const args = request.programArgsList ?? [];
    const plan = await buildPlan({ artifactPath: artifact.path, args, parallelism: request.parallelism, cacheDir: path.join(this.options.stateDir, 'cache') });
    const claimMode = request.claimMode === 'CLAIM' ? 'CLAIM' : 'NO_CLAIM';
    let restoredEntry: SnapshotEntry | undefined;
    if (request.savepointPath) restoredEntry = await this.checkRestore(request.savepointPath, plan, claimMode);

    const dir = path.join(this.jobsDir, jobId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await copyFile(artifact.path, path.join(dir, 'artifact.mjs'));
    const now = Date.now();
    const record: JobRecord = {
      version: 1, jobId, name: plan.jobName, artifactName: artifact.name, args, parallelism: request.parallelism,
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
      throw new OperationError(`Job ${jobId} failed to start: ${(error as Error).message}`);
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
      };
    });
  }

  async job(jobId: string): Promise<JobDetailsInfo> {
    const { record } = this.find(jobId);
    const end = isTerminal(record.status) ? record.endTime : -1;
    const now = Date.now();
    const vertexState = record.status === 'RUNNING' ? 'RUNNING' : isTerminal(record.status) ? record.status : 'CREATED';
    return {
      jid: record.jobId, name: record.name, isStoppable: false, state: record.status, 'start-time': record.startTime, 'end-time': end,
      duration: (end > 0 ? end : now) - record.startTime, maxParallelism: record.plan.maxParallelism, now,
      timestamps: record.timestamps as Record<string, number>,
      vertices: record.plan.operators.map((op) => ({ id: vertexId(record.jobId, op.uid), name: op.name, parallelism: op.parallelism, maxParallelism: record.plan.maxParallelism, status: vertexState })),
      ...({ 'failure-cause': record.failureCause ?? null } as object),
    };
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
      ...({ unaligned_checkpoints: false, tolerable_failed_checkpoints: 0, checkpoints_after_tasks_finish: false, state_changelog_enabled: false } as object),
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

