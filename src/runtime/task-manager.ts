// A job's TaskManager process: a child of the coordinator, forked with an IPC channel, that runs all of
// one job's code (the build phase and every subtask). The coordinator never evaluates job code, so a job
// that loops, throws, exits, kills its own process or allocates without bound hurts only itself.
//
// Here: starting the process, watching its resident memory against `taskmanager.memory.process.size`, and
// describing how it died. The host (host.ts) turns those into task failures.

import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { StorageSettingsWire } from '../storage/index.js';
import type { HeapFigures, HostToWorker, WorkerToHost } from './protocol.js';

/** Flink's default for `taskmanager.memory.process.size` in its shipped config is 1728m; one job per process here needs less. */
export const DEFAULT_PROCESS_MEMORY_BYTES = 1024 ** 3;

export interface TaskManagerOptions {
  entry: string;
  heartbeatIntervalMs: number;
  /** Resident memory the process may use (heap, Buffers, code: everything); over it the task fails. */
  memoryLimitBytes?: number;
  /** V8 old-space limit in MB; default: the memory limit (so the heap alone can never pass it unnoticed). */
  maxHeapMb?: number;
  /** How often resident memory is sampled (default 100 ms). */
  memoryCheckIntervalMs?: number;
  /** The coordinator's object-store settings, sent to the process over IPC (unset: none). */
  storageSettings?: StorageSettingsWire;
}

/** A failure of the process itself (not thrown by job code): its trace is the message, no coordinator frames. */
export function taskManagerFailure(message: string): Error {
  const error = new Error(message);
  error.name = 'TaskManagerException';
  error.stack = `${error.name}: ${message}`;
  return error;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** VmRSS of a process from /proc (Linux), in bytes; undefined where there is no /proc or the process is gone. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status?.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

export class TaskManagerProcess {
  readonly child: ChildProcess;
  /** Last sampled and highest resident memory, in bytes. */
  rss = 0;
  peakRss = 0;
  /** V8's heap as the process last reported it (heartbeats). */
  heap: HeapFigures | undefined;
  /** When the process was started and last heard from (epoch ms). */
  readonly startedAt = Date.now();
  lastHeartbeatAt = Date.now();
  /** The end of the process's stderr: V8 reports a heap out-of-memory there before it aborts. */
  private stderrTail = '';
  private killed = false;
  /** False once /proc could not be read for a live process: the heartbeat's own figure is used then. */
  private procReadable = true;
  private readonly memoryTimer: NodeJS.Timeout | undefined;
  private exitedValue: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves once the process is gone. */
  readonly exited: Promise<void>;

  constructor(
    private readonly options: TaskManagerOptions,
    handlers: {
      message: (message: WorkerToHost) => void;
      /** The process died or could not start (not called after kill()). */
      died: (cause: Error) => void;
      /** Resident memory went over the limit (the process is killed right after). */
      overLimit: (cause: Error) => void;
    },
  ) {
    const heapMb = options.maxHeapMb ?? (options.memoryLimitBytes ? Math.max(32, Math.floor(options.memoryLimitBytes / 1024 ** 2)) : undefined);
    this.child = fork(options.entry, [String(options.heartbeatIntervalMs)], {
      execArgv: heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // The process writes and reads state on S3/Azure with the coordinator's settings: sent first, over IPC.
    if (options.storageSettings) this.child.send({ type: 'storage', settings: options.storageSettings } satisfies HostToWorker, () => {});
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-16_384)));
    const stderrClosed = new Promise<void>((resolve) => this.child.stderr!.once('close', () => resolve()));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitedValue = { code, signal };
        if (this.memoryTimer) clearInterval(this.memoryTimer);
        // Read what it last wrote to stderr first (bounded: a grandchild may hold the pipe open).
        void Promise.race([stderrClosed, delay(500)]).then(() => {
          if (!this.killed) handlers.died(this.deathCause(code, signal));
          resolve();
        });
      });
      this.child.once('error', (error) => {
        // fork failed (no process at all) or a message could not be sent to a dying one.
        if (this.child.pid === undefined) {
          this.exitedValue = { code: null, signal: null };
          if (!this.killed) handlers.died(taskManagerFailure(`the job's TaskManager process could not be started: ${error.message}`));
          resolve();
        }
      });
    });
    this.child.on('message', (message: WorkerToHost) => {
      this.lastHeartbeatAt = Date.now();
      if (message.type === 'heartbeat' && message.heap) this.heap = message.heap;
      if (message.type === 'heartbeat' && message.rss !== undefined && !this.procReadable) this.sample(message.rss, handlers.overLimit);
      handlers.message(message);
    });
    // Sampled even without a limit: the REST metrics report it.
    this.memoryTimer = setInterval(() => void this.checkMemory(handlers.overLimit), options.memoryCheckIntervalMs ?? 100);
    this.memoryTimer.unref();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Ends the process at once (SIGKILL); resolves once it is gone. No `died` call follows. */
  kill(): Promise<void> {
    this.killed = true;
    if (!this.exitedValue) this.child.kill('SIGKILL');
    return this.exited;
  }

  send(message: HostToWorker): void {
    if (this.exitedValue || !this.child.connected) return;
    this.child.send(message, (error) => {
      // The process died between the check and the write; its exit reports that.
      void error;
    });
  }

  private async checkMemory(overLimit: (cause: Error) => void): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.exitedValue) return;
    const rss = await residentBytes(pid);
    if (rss === undefined) {
      if (!this.exitedValue) this.procReadable = false;
      return;
    }
    this.sample(rss, overLimit);
  }

  private sample(rss: number, overLimit: (cause: Error) => void): void {
    if (this.exitedValue) return;
    this.rss = rss;
    this.peakRss = Math.max(this.peakRss, rss);
    const limit = this.options.memoryLimitBytes;
    if (limit === undefined || rss <= limit) return;
    overLimit(
      taskManagerFailure(
        `the job's TaskManager process used ${formatBytes(rss)} of resident memory, ${formatBytes(rss - limit)} over ` +
          `taskmanager.memory.process.size (${formatBytes(limit)}), and was killed`,
      ),
    );
  }

  private deathCause(code: number | null, signal: NodeJS.Signals | null): Error {
    const tail = this.stderrTail;
    const pid = this.child.pid;
    if (/heap out of memory|Reached heap limit/i.test(tail)) {
      const limit = this.options.memoryLimitBytes;
      return taskManagerFailure(
        `the job's TaskManager process (pid ${pid}) ran out of memory (JavaScript heap out of memory${limit ? `; taskmanager.memory.process.size is ${formatBytes(limit)}` : ''})`,
      );
    }
    if (signal) return taskManagerFailure(`the job's TaskManager process (pid ${pid}) was killed by signal ${signal}`);
    return taskManagerFailure(`the job's TaskManager process (pid ${pid}) exited unexpectedly (exit code ${code})`);
  }
}
