// The exactly-once file sink.

import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanOperator } from './plan.js';
import type { OperatorRestore } from './protocol.js';
import { Subtask, type SubtaskSnapshot, type TaskServices } from './subtask.js';

/**
 * Exactly-once file sink (two-phase commit). Records are appended to a hidden in-progress part file.
 * On a barrier the file is closed and fsynced (pre-commit) and listed as pending in the snapshot; when
 * the snapshot completes (notifyComplete) pending files are renamed to their visible name. On restore,
 * the pending files listed in the restored (completed) snapshot are committed; anything written after
 * that snapshot stays hidden and is never committed, because its records are replayed from the sources.
 */
export class FileSinkSubtask extends Subtask {
  private readonly directory: string;
  private readonly format: (value: unknown) => string;
  private readonly prefix: string;
  private sequence = 0;
  private buffer = '';
  private current: { name: string; handle: Promise<FileHandle> } | undefined;
  private readonly pending: Array<{ id: number; name: string }> = [];
  private io: Promise<void> = Promise.resolve();

  constructor(op: PlanOperator, index: number, services: TaskServices, channels: number, format: ((value: unknown) => string) | undefined) {
    super(op, index, services, channels);
    this.directory = String(op.config.directory);
    this.format = format ?? ((value) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))));
    this.prefix = `part-${services.attemptToken}-${index}-`;
  }

  static committedName(pendingName: string): string {
    const match = /^\.(part-.+)\.inprogress$/.exec(pendingName);
    if (!match) throw new Error(`not a pending part file name: ${pendingName}`);
    return match[1];
  }

  /** Serialises file I/O. The returned promise rejects if `work` fails; the failure also fails the job. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.io.then(work);
    this.io = next.catch((error: unknown) => this.services.fail(error));
    return next;
  }

  override async open(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  override async restoreState(restore: OperatorRestore): Promise<void> {
    if (restore.kind !== 'file-sink') throw new Error(`${this.label}: cannot restore ${restore.kind} state into a file sink`);
    await mkdir(this.directory, { recursive: true });
    for (const name of restore.perSubtask[this.index] ?? []) await this.commit(name);
  }

  protected process(value: unknown): void {
    this.buffer += this.format(value) + '\n';
    if (this.buffer.length >= 64 * 1024) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    if (!this.current) {
      const name = `.${this.prefix}${this.sequence++}.inprogress`;
      const handle = open(join(this.directory, name), 'wx');
      handle.catch(() => undefined); // reported through the I/O queue
      this.current = { name, handle };
    }
    const data = this.buffer;
    const handle = this.current.handle;
    this.buffer = '';
    this.services.queued(data.length);
    this.enqueue(async () => {
      await (await handle).write(data);
      this.services.queued(-data.length);
    }).catch(() => undefined);
  }

  /** Closes the in-progress file (fsync) and makes it pending for snapshot `id`; resolves when durable. */
  private preCommit(id: number): Promise<void> {
    this.flush();
    const closing = this.current;
    if (!closing) return Promise.resolve();
    this.current = undefined;
    this.pending.push({ id, name: closing.name });
    return this.enqueue(async () => {
      const handle = await closing.handle;
      await handle.sync();
      await handle.close();
    });
  }

  private async commit(pendingName: string): Promise<void> {
    const from = join(this.directory, pendingName);
    const to = join(this.directory, FileSinkSubtask.committedName(pendingName));
    try {
      await rename(from, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const committed = await stat(to).then(
        () => true,
        () => false,
      );
      if (!committed) throw new Error(`pending part file ${pendingName} of a completed snapshot is missing from ${this.directory}: its records would be lost`);
    }
  }

  override snapshotState(id: number): SubtaskSnapshot {
    const durable = this.preCommit(id);
    durable.catch(() => undefined);
    return {
      state: { index: this.index, kind: 'file-sink', pending: this.pending.map((p) => p.name) },
      // The pre-commit must be durable before the subtask acknowledges.
      write: async () => {
        await durable;
        return [];
      },
    };
  }

  override notifyComplete(id: number): Promise<void> | undefined {
    const ready = this.pending.filter((p) => p.id <= id);
    if (ready.length === 0) return undefined;
    this.pending.splice(0, this.pending.length, ...this.pending.filter((p) => p.id > id));
    return this.enqueue(async () => {
      for (const p of ready) await this.commit(p.name);
    });
  }

  protected override async finish(): Promise<void> {
    await this.preCommit(Number.MAX_SAFE_INTEGER);
    await this.notifyComplete(Number.MAX_SAFE_INTEGER);
  }
}
