// A small job master: runs one job through Flink's status machine with a restart strategy. Each restart
// starts the same artifact again (same job id) from the latest completed snapshot, which the caller (the
// checkpoint coordinator) supplies. The checkpoint coordinator drives snapshots on `current`, the
// attempt running now, and listens to 'attempt' to follow restarts.

import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { parseDuration } from '../domain/duration.js';
import { ConfigError } from '../domain/errors.js';
import { isTerminal, transition, type JobStatus } from '../domain/job-status.js';
import { startJob, type RestoreOptions, type RunningJob, type StartJobOptions } from './host.js';

export type RestartStrategy = { type: 'none' } | { type: 'fixed-delay'; attempts: number; delayMs: number };

/** `restart-strategy.*` keys (Flink's names and defaults: fixed-delay, 3 attempts, 1 s). */
export function restartStrategyFromConfig(get: (key: string) => string | undefined): RestartStrategy {
  const type = get('restart-strategy.type') ?? get('restart-strategy') ?? 'fixed-delay';
  if (type === 'none' || type === 'off' || type === 'disable') return { type: 'none' };
  if (type !== 'fixed-delay' && type !== 'fixeddelay') throw new ConfigError(`restart-strategy.type: ${type} is not supported here (use none or fixed-delay)`);
  const attemptsText = get('restart-strategy.fixed-delay.attempts') ?? '3';
  const attempts = Number(attemptsText);
  if (!Number.isInteger(attempts) || attempts < 0)
    throw new ConfigError(`restart-strategy.fixed-delay.attempts: ${attemptsText} is not a non-negative integer`);
  const delayText = get('restart-strategy.fixed-delay.delay') ?? '1 s';
  const delayMs = parseDuration(delayText);
  if (delayMs === undefined) throw new ConfigError(`restart-strategy.fixed-delay.delay: ${delayText} is not a duration`);
  return { type: 'fixed-delay', attempts, delayMs };
}

export interface JobMasterOptions extends Omit<StartJobOptions, 'restoreFrom' | 'jobId'> {
  jobId?: string;
  restartStrategy: RestartStrategy;
  /** The snapshot of the first attempt (`flink run -s`), used until a snapshot of this job completes. */
  initialRestore?: RestoreOptions;
  /** The latest usable snapshot of this job (pointer), or undefined if there is none yet; rejects when it has none left. */
  latestSnapshot: () => Promise<string | undefined> | string | undefined;
  /** Restarts already used (by earlier runs of the coordinator): a job that keeps dying fails, it does not loop. */
  restarts?: number;
}

/** One task failure, as the job's exception history records it ('failure' event). */
export interface TaskFailure {
  cause: Error;
  at: number;
  /** The TaskManager process the failure happened in (undefined: before one ran). */
  taskManagerPid?: number;
  /** True when the restart strategy gives up: the job goes FAILED. */
  final: boolean;
}

export interface StatusChange {
  status: JobStatus;
  at: number;
  cause?: Error;
}

export interface JobMasterResult {
  status: 'FINISHED' | 'FAILED' | 'CANCELED' | 'SUSPENDED';
  cause?: Error;
}

export class JobMaster extends EventEmitter {
  readonly jobId: string;
  readonly history: StatusChange[] = [];
  /** The attempt running now (undefined while (re)starting or after the end). */
  current: RunningJob | undefined;
  restarts = 0;
  private statusValue: JobStatus = 'INITIALIZING';
  private resolveResult!: (result: JobMasterResult) => void;
  private wakeFromDelay: (() => void) | undefined;
  readonly result: Promise<JobMasterResult>;

  constructor(private readonly options: JobMasterOptions) {
    super();
    this.jobId = options.jobId ?? randomBytes(16).toString('hex');
    this.restarts = options.restarts ?? 0;
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
    this.history.push({ status: 'INITIALIZING', at: Date.now() });
  }

  get status(): JobStatus {
    return this.statusValue;
  }

  private setStatus(status: JobStatus, cause?: Error): void {
    this.statusValue = transition(this.statusValue, status);
    const change: StatusChange = { status, at: Date.now(), ...(cause ? { cause } : {}) };
    this.history.push(change);
    this.emit('status', change);
    if (isTerminal(status)) this.resolveResult({ status: status as JobMasterResult['status'], ...(cause ? { cause } : {}) });
  }

  /** Starts the first attempt; resolves when it runs (or rejects if it cannot start and no restart is left). */
  async start(): Promise<void> {
    this.setStatus('CREATED');
    await this.attempt(this.options.initialRestore);
  }

  private async restoreTarget(): Promise<RestoreOptions | undefined> {
    const latest = await this.options.latestSnapshot();
    return latest === undefined ? this.options.initialRestore : { snapshot: latest };
  }

  private async attempt(restore: RestoreOptions | undefined): Promise<void> {
    let job: RunningJob;
    try {
      job = await startJob({ ...this.options, jobId: this.jobId, restoreFrom: restore });
    } catch (error) {
      const { taskManagerPid, taskFailure } = error as { taskManagerPid?: number; taskFailure?: Error };
      await this.onFailure(error as Error, taskManagerPid, taskFailure);
      if (isTerminal(this.statusValue)) throw error;
      return;
    }
    if (this.statusValue === 'CANCELLING' || isTerminal(this.statusValue)) {
      await job.cancel();
      return;
    }
    this.current = job;
    this.setStatus('RUNNING');
    this.emit('attempt', job);
    void job.done.then(async (outcome) => {
      if (this.current !== job) return;
      this.current = undefined;
      if (outcome.status === 'FINISHED') this.setStatus('FINISHED');
      else if (outcome.status === 'FAILED') await this.onFailure(outcome.error ?? new Error('the job failed'), job.taskManager.pid);
    });
  }

  /** `taskFailure`: what failed inside the TaskManager when `cause` wraps it (a start that failed). */
  private async onFailure(cause: Error, taskManagerPid?: number, taskFailure?: Error): Promise<void> {
    if (this.statusValue === 'CANCELLING' || isTerminal(this.statusValue)) return;
    const strategy = this.options.restartStrategy;
    const final = strategy.type === 'none' || this.restarts >= strategy.attempts;
    const failure: TaskFailure = { cause: taskFailure ?? cause, at: Date.now(), ...(taskManagerPid === undefined ? {} : { taskManagerPid }), final };
    this.emit('failure', failure);
    if (final) {
      if (this.statusValue === 'RUNNING') this.setStatus('FAILING', cause);
      this.setStatus('FAILED', cause);
      return;
    }
    if (this.statusValue !== 'RESTARTING') this.setStatus('RESTARTING', cause);
    this.restarts++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, strategy.delayMs);
      this.wakeFromDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeFromDelay = undefined;
    if (this.statusValue !== 'RESTARTING') return; // cancelled or suspended meanwhile
    let restore: RestoreOptions | undefined;
    try {
      restore = await this.restoreTarget();
    } catch (error) {
      // Nothing usable to restart from (the caller says why): starting from empty state would lose or repeat output.
      this.setStatus('FAILED', error as Error);
      return;
    }
    await this.attempt(restore).catch(() => undefined);
  }

  /** Cancels the job (CANCELLING, then CANCELED once the attempt is gone). */
  async cancel(): Promise<JobMasterResult> {
    if (!isTerminal(this.statusValue) && this.statusValue !== 'CANCELLING') {
      this.setStatus('CANCELLING');
      const job = this.current;
      this.current = undefined;
      this.wakeFromDelay?.();
      await job?.cancel();
      this.setStatus('CANCELED');
    }
    return this.result;
  }

  /** The coordinator shuts down: the job ends here but is not finished (another run resumes it). */
  async suspend(): Promise<JobMasterResult> {
    if (!isTerminal(this.statusValue) && this.statusValue !== 'CANCELLING') {
      const job = this.current;
      this.current = undefined;
      this.setStatus('SUSPENDED');
      this.wakeFromDelay?.();
      await job?.cancel();
    }
    return this.result;
  }
}
