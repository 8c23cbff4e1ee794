// One attempt of a job as the host sees it: its TaskManager process, its status, and what a checkpoint
// coordinator needs to drive it (trigger, collect acknowledgements, notify completion, abort, stop, cancel).
//
// Process model: ONE TASKMANAGER PROCESS PER JOB ATTEMPT (task-manager.ts), running all of that job's
// subtasks. The coordinator never evaluates job code (the build phase runs in such a process too), so an
// endless loop, a throw, process.exit(), a signal, a native crash or an out-of-memory in job code ends only
// that job's process; the host notices through the process's exit, missing heartbeats or its resident
// memory passing `taskmanager.memory.process.size`, and reports a task failure. Inside a job, a failing
// subtask fails the whole job anyway (the restart strategy restarts all of it, as Flink's full failover
// does), so more processes per job would buy no isolation, only serialisation between subtasks and harder
// barrier alignment. Parallelism inside a job is logical: subtasks are separate state and key-group
// owners, interleaved on one thread, which is what restore-with-a-different-parallelism needs.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isGloballyTerminal } from '../domain/job-status.js';
import { storageSettingsWire, type OpenedSnapshot, type OperatorSnapshotInfo, type SnapshotStorage, type StateFileInfo } from '../storage/index.js';
import { subtaskCount, type JobPlan } from './plan.js';
import type { HeapFigures, HostToWorker, OperatorState, RestoreAssignment, SubtaskState, WorkerToHost } from './protocol.js';
import { SnapshotFailedError, type SnapshotProgress, type SnapshotRequest, type SnapshotResult } from './snapshot-types.js';
import { taskManagerFailure, TaskManagerProcess } from './task-manager.js';

export type RuntimeJobStatus = 'CREATED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';

export interface RestoreOptions {
  /** A snapshot directory or its `_metadata` file, or a snapshot already opened. */
  snapshot: string | OpenedSnapshot;
  /** Skip snapshot state whose operator uid is not in the job (else that is an error). */
  allowNonRestoredState?: boolean;
}

export interface StartJobOptions {
  /** The job module: .ts, .mts, .js or .mjs; relative imports are bundled. */
  artifactPath: string;
  args?: string[];
  /** Default parallelism (`flink run -p`); the job's own setParallelism calls win. */
  parallelism?: number;
  jobId?: string;
  restoreFrom?: RestoreOptions;
  /** Where print() output and the job's console.log output go; default process.stdout. */
  stdout?: NodeJS.WritableStream;
  /** Where the job's console.error output goes; default process.stderr. */
  stderr?: NodeJS.WritableStream;
  /** How often the TaskManager process reports it is alive (default 500 ms). */
  heartbeatIntervalMs?: number;
  /** Silence after which the job is failed as unresponsive and its process killed (default 30 s). */
  heartbeatTimeoutMs?: number;
  /** V8 heap limit of the job's process in MB (default: the memory limit). */
  maxHeapMb?: number;
  /** `taskmanager.memory.process.size`: resident memory of the job's process; over it the task fails. Unset: no limit. */
  memoryLimitBytes?: number;
  /** How often the process's resident memory is sampled (default 100 ms). */
  memoryCheckIntervalMs?: number;
  /** Where bundled job modules are cached. */
  cacheDir?: string;
  /** Snapshot storage (with the coordinator's settings): restores read through it, and its settings go to the TaskManager process. */
  storage?: SnapshotStorage;
}

export interface JobOutcome {
  status: 'FINISHED' | 'FAILED' | 'CANCELED';
  error?: Error;
}

interface PendingSnapshot {
  request: SnapshotRequest;
  triggeredAt: number;
  acks: Array<{ operator: number; state: SubtaskState; files: StateFileInfo[]; at: number }>;
  resolve: (result: SnapshotResult) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

function errorFrom(serialized: { name: string; message: string; stack?: string }): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

/** How long a TaskManager process may take to start (to send its first message). */
const STARTUP_TIMEOUT_MS = 30_000;

/** What the host knows about a job's TaskManager process. */
export interface TaskManagerFacts {
  pid: number | undefined;
  rss: number;
  peakRss: number;
  heap: HeapFigures | undefined;
  startedAt: number;
  lastHeartbeatAt: number;
}

export class RunningJob extends EventEmitter {
  readonly jobId: string;
  private statusValue: RuntimeJobStatus = 'CREATED';
  private failure: Error | undefined;
  private planValue: JobPlan | undefined;
  private readonly process: TaskManagerProcess;
  private readonly pending = new Map<number, PendingSnapshot>();
  private readonly replies = new Map<string, Array<() => void>>();
  private phaseWaiter: { expect: 'plan' | 'running'; resolve: () => void; reject: (e: Error) => void } | undefined;
  private lastSeen = performance.now();
  private heard = false;
  private readonly monitor: NodeJS.Timeout;
  private endResolve!: (outcome: JobOutcome) => void;
  /** Resolves when the job reaches FINISHED, FAILED or CANCELED. */
  readonly done: Promise<JobOutcome>;
  /** uids restored from the snapshot, and uids of skipped state (allowNonRestoredState). */
  restored: { directory: string; restored: string[]; notRestored: string[] } | undefined;

  /** @internal use startJob() */
  constructor(
    entry: string,
    private readonly options: StartJobOptions,
  ) {
    super();
    this.jobId = options.jobId ?? randomBytes(16).toString('hex');
    this.done = new Promise((resolve) => (this.endResolve = resolve));
    this.process = new TaskManagerProcess(
      {
        entry,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 500,
        ...(options.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: options.memoryLimitBytes }),
        ...(options.maxHeapMb === undefined ? {} : { maxHeapMb: options.maxHeapMb }),
        ...(options.memoryCheckIntervalMs === undefined ? {} : { memoryCheckIntervalMs: options.memoryCheckIntervalMs }),
        ...(options.storage ? { storageSettings: storageSettingsWire(options.storage.settings) } : {}),
      },
      {
        message: (message) => this.onMessage(message),
        died: (cause) => this.end('FAILED', cause),
        overLimit: (cause) => void this.fail(cause),
      },
    );
    const stdout = options.stdout ?? process.stdout;
    this.process.child.stdout!.on('data', (chunk: Buffer) => stdout.write(chunk));
    const stderr = options.stderr ?? process.stderr;
    this.process.child.stderr!.on('data', (chunk: Buffer) => stderr.write(chunk));
    const timeout = options.heartbeatTimeoutMs ?? 30_000;
    const every = Math.min(options.heartbeatIntervalMs ?? 500, timeout / 2);
    this.monitor = setInterval(() => {
      const silent = performance.now() - this.lastSeen;
      // A process start on a loaded machine can take longer than a heartbeat timeout: until the process has
      // said hello (its first message, sent before it looks at job code), it gets the startup allowance.
      if (silent > (this.heard ? timeout : Math.max(timeout, STARTUP_TIMEOUT_MS)))
        void this.fail(taskManagerFailure(`the job's TaskManager process did not respond for ${Math.round(silent)} ms (stuck in a loop?) and was killed`));
    }, every);
    this.monitor.unref();
  }

  get status(): RuntimeJobStatus {
    return this.statusValue;
  }
  /** Why the job failed (FAILED only). */
  get failureCause(): Error | undefined {
    return this.failure;
  }
  /** The job's TaskManager process: pid, resident memory (last sample and peak, bytes), V8 heap, start and last heartbeat. */
  get taskManager(): TaskManagerFacts {
    const p = this.process;
    return { pid: p.pid, rss: p.rss, peakRss: p.peakRss, heap: p.heap, startedAt: p.startedAt, lastHeartbeatAt: p.lastHeartbeatAt };
  }
  get plan(): JobPlan {
    if (!this.planValue) throw new Error('the job has not been built yet');
    return this.planValue;
  }

  private isEnded(): boolean {
    return isGloballyTerminal(this.statusValue);
  }

  private send(message: HostToWorker): void {
    this.process.send(message);
  }

  private waitFor(expect: 'plan' | 'running'): Promise<void> {
    if (this.isEnded()) return Promise.reject(this.failure ?? new Error(`the job is ${this.statusValue}`));
    return new Promise((resolve, reject) => (this.phaseWaiter = { expect, resolve, reject }));
  }

  /** @internal */
  async build(bundlePath: string): Promise<JobPlan> {
    const planned = this.waitFor('plan');
    this.send({ type: 'build', bundlePath, args: this.options.args ?? [], parallelism: this.options.parallelism });
    await planned;
    return this.plan;
  }

  /** @internal */
  async run(restore: RestoreAssignment | undefined): Promise<void> {
    const running = this.waitFor('running');
    this.send({ type: 'run', jobId: this.jobId, attemptToken: randomBytes(4).toString('hex'), restore });
    await running;
  }

  private onMessage(message: WorkerToHost): void {
    this.lastSeen = performance.now();
    this.heard = true;
    switch (message.type) {
      case 'heartbeat':
        return;
      case 'plan':
        this.planValue = message.plan;
        this.resolvePhase('plan');
        return;
      case 'running':
        this.setStatus('RUNNING');
        this.resolvePhase('running');
        return;
      case 'output':
        (this.options.stdout ?? process.stdout).write(message.text);
        return;
      case 'ack':
        this.onAck(message);
        return;
      case 'decline': {
        const pending = this.pending.get(message.id);
        const reason = message.finished ? 'NOT_ALL_REQUIRED_TASKS_RUNNING' : 'CHECKPOINT_DECLINED';
        if (pending) this.failSnapshot(message.id, new SnapshotFailedError(reason, message.reason), true);
        return;
      }
      case 'aborted':
      case 'notified':
        for (const reply of this.replies.get(`${message.type}:${message.id}`) ?? []) reply();
        this.replies.delete(`${message.type}:${message.id}`);
        return;
      case 'finished':
        this.end('FINISHED');
        return;
      case 'failed':
        this.end('FAILED', errorFrom(message.error));
        return;
    }
  }

  private resolvePhase(phase: 'plan' | 'running'): void {
    const waiter = this.phaseWaiter;
    if (waiter?.expect !== phase) return;
    this.phaseWaiter = undefined;
    waiter.resolve();
  }

  private setStatus(status: RuntimeJobStatus, error?: Error): void {
    this.statusValue = status;
    this.emit('status', status, error);
  }

  private end(status: JobOutcome['status'], error?: Error): void {
    if (this.isEnded()) return;
    clearInterval(this.monitor);
    this.failure = status === 'FAILED' ? error : undefined;
    this.setStatus(status, error);
    const reason = status === 'FAILED' ? 'JOB_FAILURE' : 'NOT_ALL_REQUIRED_TASKS_RUNNING';
    for (const id of [...this.pending.keys()])
      this.failSnapshot(
        id,
        new SnapshotFailedError(reason, `the job ${status === 'FAILED' ? 'failed' : `is ${status}`}${error ? `: ${error.message}` : ''}`),
        false,
      );
    for (const replies of this.replies.values()) for (const reply of replies) reply();
    this.replies.clear();
    const waiter = this.phaseWaiter;
    this.phaseWaiter = undefined;
    waiter?.reject(error ?? new Error(`the job ended (${status}) before it was running`));
    // `done` resolves once the process is gone: nothing of this run writes files after that.
    const outcome: JobOutcome = { status, ...(error ? { error } : {}) };
    void this.process.kill().then(() => this.endResolve(outcome));
  }

  // ------------------------------------------------------------------------------------------ snapshots

  /**
   * Injects barriers for snapshot `request.id` at the sources and resolves when every subtask has
   * written its state into `request.directory` and acknowledged. Publishing `_metadata` (storage's
   * publishSnapshot) and then calling notifyComplete(id) is the caller's part. Rejects with a
   * SnapshotFailedError on decline, timeout, abort or job failure.
   */
  triggerSnapshot(request: SnapshotRequest): Promise<SnapshotResult> {
    if (this.statusValue !== 'RUNNING') return Promise.reject(new SnapshotFailedError('NOT_ALL_REQUIRED_TASKS_RUNNING', `the job is ${this.statusValue}`));
    if (this.pending.has(request.id))
      return Promise.reject(new SnapshotFailedError('DUPLICATE_CHECKPOINT_ID', `snapshot ${request.id} is already in progress`));
    return new Promise<SnapshotResult>((resolve, reject) => {
      const pending: PendingSnapshot = { request, triggeredAt: Date.now(), acks: [], resolve, reject };
      if (request.timeoutMs !== undefined)
        pending.timer = setTimeout(
          () => this.failSnapshot(request.id, new SnapshotFailedError('CHECKPOINT_EXPIRED', `not complete after ${request.timeoutMs} ms`), true),
          request.timeoutMs,
        );
      this.pending.set(request.id, pending);
      this.send({ type: 'trigger', id: request.id, directory: request.directory, terminate: request.terminate ?? false });
    });
  }

  /** Stop with savepoint: a terminating snapshot; the job finishes once the caller notifies completion. */
  stop(request: Omit<SnapshotRequest, 'terminate'> & { drain?: boolean }): Promise<SnapshotResult> {
    return this.triggerSnapshot({ ...request, terminate: true });
  }

  /** Snapshots in flight with their acknowledgement counts (for the REST history). */
  snapshotsInProgress(): SnapshotProgress[] {
    const total = this.planValue ? subtaskCount(this.planValue) : 0;
    return [...this.pending.entries()].map(([id, p]) => ({ id, acknowledged: p.acks.length, total }));
  }

  private onAck(message: Extract<WorkerToHost, { type: 'ack' }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    pending.acks.push({ operator: message.operator, state: message.state, files: message.files, at: Date.now() });
    const total = subtaskCount(this.plan);
    this.emit('snapshot-progress', {
      id: message.id,
      acknowledged: pending.acks.length,
      total,
      last: { uid: this.plan.operators[message.operator].uid, subtask: message.state.index },
    } satisfies SnapshotProgress);
    if (pending.acks.length < total) return;
    this.pending.delete(message.id);
    if (pending.timer) clearTimeout(pending.timer);
    pending.resolve({
      id: message.id,
      ...(pending.request.kind ? { kind: pending.request.kind } : {}),
      operators: this.plan.operators.map((op) => {
        const states = pending.acks
          .filter((a) => a.operator === op.index)
          .map((a) => a.state)
          .sort((a, b) => a.index - b.index);
        const info: OperatorSnapshotInfo = { uid: op.uid, name: op.name, parallelism: op.parallelism, maxParallelism: this.plan.maxParallelism };
        if (op.stateKind) info.state = { format: 'flink-ts-operator-state', version: 1, kind: op.stateKind, subtasks: states } satisfies OperatorState;
        return info;
      }),
      files: pending.acks.flatMap((a) => a.files),
      subtasks: pending.acks.map((a) => ({
        uid: this.plan.operators[a.operator].uid,
        subtask: a.state.index,
        acknowledgedAt: a.at,
        bytes: a.files.reduce((n, f) => n + f.size, 0),
      })),
      triggeredAt: pending.triggeredAt,
      completedAt: Date.now(),
    });
  }

  private failSnapshot(id: number, error: SnapshotFailedError, tellWorker: boolean): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    if (tellWorker && !this.isEnded()) this.send({ type: 'abort', id });
    pending.reject(error);
  }

  private request(type: 'aborted' | 'notified', id: number, message: HostToWorker): Promise<void> {
    if (this.isEnded()) return Promise.resolve();
    return new Promise((resolve) => {
      const key = `${type}:${id}`;
      this.replies.set(key, [...(this.replies.get(key) ?? []), resolve]);
      this.send(message);
    });
  }

  /**
   * The snapshot was published (its `_metadata` is durable): sinks commit what they pre-committed for
   * snapshots up to `id`. Resolves once committed. Record the snapshot as the latest completed one
   * BEFORE calling this, or a crash in between could commit output that a restore replays again.
   */
  notifyComplete(id: number): Promise<void> {
    return this.request('notified', id, { type: 'notify-complete', id });
  }

  /**
   * Abandons snapshot `id` (the caller then deletes its directory). Resolves once no subtask writes into
   * that directory any more. A stop-with-savepoint that is aborted lets the job go on running.
   */
  abortSnapshot(id: number): Promise<void> {
    this.failSnapshot(id, new SnapshotFailedError('CHECKPOINT_ABORTED', `snapshot ${id} was aborted`), false);
    return this.request('aborted', id, { type: 'abort', id });
  }

  /** Cancels the job: its process is killed (state lives in snapshots; nothing to save). */
  cancel(): Promise<JobOutcome> {
    this.end('CANCELED');
    return this.done;
  }

  /** Fails the job as a crash would (its process is killed); used for unresponsive jobs and in tests. */
  kill(reason: string): Promise<JobOutcome> {
    return this.fail(new Error(reason));
  }

  private fail(cause: Error): Promise<JobOutcome> {
    this.end('FAILED', cause);
    return this.done;
  }
}
