// Subtasks: the parallel instances of operators, running inside a job's worker thread.
//
// Records are pushed synchronously from a source through the graph (a record emitted by a source is fully
// processed downstream before the source emits the next one); channels between subtasks are direct calls
// through a BarrierAligner, which blocks and buffers a channel between a barrier's arrival on it and the
// subtask's alignment. Snapshots are taken synchronously at alignment (the state cannot change while it
// is captured) and written asynchronously afterwards.

import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readSnapshot, writeStateFile, type StateFileInfo } from '../storage/index.js';
import type { Collector, Key, KeyedContext, KeyedProcessFunction } from './api.js';
import { BarrierAligner, type Barrier } from './alignment.js';
import { KeyedStateBackend } from './keyed-state.js';
import { keyGroupOf, keyGroupRangeOf, keyText, subtaskOfKeyGroup } from './key-groups.js';
import type { PlanOperator } from './plan.js';
import type { OperatorRestore, SplitState, SubtaskState } from './protocol.js';

/** A record on a hash-partitioned channel carries its key, computed once by the sender. */
export interface KeyedRecord {
  value: unknown;
  key: unknown;
  text: string;
  group: number;
}

export interface Receiver {
  record(channel: number, value: unknown): void;
  barrier(channel: number, barrier: Barrier): void;
  end(channel: number): void;
}

/** What a subtask captured for one snapshot; `write` persists it (called unless the snapshot was aborted). */
export interface SubtaskSnapshot {
  state: SubtaskState;
  write?: (directory: string) => Promise<StateFileInfo[]>;
}

/** The executor as the subtasks see it. */
export interface TaskServices {
  readonly maxParallelism: number;
  /** Unique per run of the job: names files a failed run may leave behind without clashing. */
  readonly attemptToken: string;
  acknowledge(id: number, subtask: Subtask, snapshot: SubtaskSnapshot): void;
  /** A stop-with-savepoint barrier: the sources pause after emitting it. */
  isTerminating(id: number): boolean;
  finished(subtask: Subtask, done: Promise<void>): void;
  fail(error: unknown): void;
  output(text: string): void;
  /** Sinks report bytes queued for writing; sources wait while too much is queued (backpressure). */
  queued(delta: number): void;
  whenWritable(): Promise<void> | undefined;
}

// ---------------------------------------------------------------------------------------------- edges

interface OutputEdge {
  emit(value: unknown): void;
  barrier(barrier: Barrier): void;
  end(): void;
}

export class ForwardEdge implements OutputEdge {
  constructor(private readonly target: Receiver) {}
  emit(value: unknown): void {
    this.target.record(0, value);
  }
  barrier(barrier: Barrier): void {
    this.target.barrier(0, barrier);
  }
  end(): void {
    this.target.end(0);
  }
}

export class RebalanceEdge implements OutputEdge {
  private next: number;
  constructor(private readonly targets: Receiver[], private readonly channel: number) {
    this.next = channel % targets.length;
  }
  emit(value: unknown): void {
    this.targets[this.next].record(this.channel, value);
    if (++this.next === this.targets.length) this.next = 0;
  }
  barrier(barrier: Barrier): void {
    for (const target of this.targets) target.barrier(this.channel, barrier);
  }
  end(): void {
    for (const target of this.targets) target.end(this.channel);
  }
}

export class HashEdge implements OutputEdge {
  constructor(
    private readonly targets: Receiver[],
    private readonly channel: number,
    private readonly keySelector: (value: unknown) => Key,
    private readonly maxParallelism: number,
  ) {}
  emit(value: unknown): void {
    const key = this.keySelector(value);
    const text = keyText(key);
    const group = keyGroupOf(text, this.maxParallelism);
    const record: KeyedRecord = { value, key, text, group };
    this.targets[subtaskOfKeyGroup(group, this.targets.length, this.maxParallelism)].record(this.channel, record);
  }
  barrier(barrier: Barrier): void {
    for (const target of this.targets) target.barrier(this.channel, barrier);
  }
  end(): void {
    for (const target of this.targets) target.end(this.channel);
  }
}

export class Output implements Collector<unknown> {
  readonly edges: OutputEdge[] = [];
  collect(value: unknown): void {
    const edges = this.edges;
    if (edges.length === 1) edges[0].emit(value);
    else for (let i = 0; i < edges.length; i++) edges[i].emit(value);
  }
  barrier(barrier: Barrier): void {
    for (const edge of this.edges) edge.barrier(barrier);
  }
  end(): void {
    for (const edge of this.edges) edge.end();
  }
}

// -------------------------------------------------------------------------------------------- subtasks

export abstract class Subtask implements Receiver {
  readonly output = new Output();
  ended = false;
  private readonly aligner: BarrierAligner<unknown> | undefined;

  constructor(readonly op: PlanOperator, readonly index: number, protected readonly services: TaskServices, channels: number) {
    this.aligner =
      channels === 0
        ? undefined
        : new BarrierAligner<unknown>(channels, {
            record: (_channel, value) => this.process(value),
            aligned: (barrier) => this.onBarrier(barrier),
            ended: () => this.onEnd(),
          });
  }

  get label(): string {
    return `${this.op.name} (${this.index + 1}/${this.op.parallelism})`;
  }

  record(channel: number, value: unknown): void {
    this.aligner!.record(channel, value);
  }
  barrier(channel: number, barrier: Barrier): void {
    this.aligner!.barrier(channel, barrier);
  }
  end(channel: number): void {
    this.aligner!.end(channel);
  }

  protected abstract process(value: unknown): void;

  /** Synchronous capture of this subtask's state for snapshot `id`. */
  snapshotState(_id: number): SubtaskSnapshot {
    return { state: { index: this.index, kind: null } };
  }
  /** Loads restored state; called before open(). */
  async restoreState(_restore: OperatorRestore, _directory: string): Promise<void> {}
  open(): void | Promise<void> {}
  /** End of input: flush and release. For sinks, commit what remains. */
  protected finish(): void | Promise<void> {}
  notifyComplete(_id: number): Promise<void> | undefined {
    return undefined;
  }

  /** Barrier aligned (or injected, for a source): snapshot, then pass the barrier on. */
  protected onBarrier(barrier: Barrier): void {
    const snapshot = this.snapshotState(barrier.id);
    this.output.barrier(barrier);
    this.services.acknowledge(barrier.id, this, snapshot);
  }

  protected onEnd(): void {
    if (this.ended) return;
    this.ended = true;
    let done: Promise<void>;
    try {
      done = Promise.resolve(this.finish());
    } catch (error) {
      done = Promise.reject(error);
    }
    this.output.end();
    this.services.finished(this, done);
  }
}

export class MapSubtask extends Subtask {
  constructor(op: PlanOperator, index: number, services: TaskServices, channels: number, private readonly fn: (value: unknown) => unknown) {
    super(op, index, services, channels);
  }
  protected process(value: unknown): void {
    this.output.collect(this.fn(value));
  }
}

export class FilterSubtask extends Subtask {
  constructor(op: PlanOperator, index: number, services: TaskServices, channels: number, private readonly fn: (value: unknown) => boolean) {
    super(op, index, services, channels);
  }
  protected process(value: unknown): void {
    if (this.fn(value)) this.output.collect(value);
  }
}

export class FlatMapSubtask extends Subtask {
  constructor(
    op: PlanOperator,
    index: number,
    services: TaskServices,
    channels: number,
    private readonly fn: (value: unknown, out: Collector<unknown>) => void,
  ) {
    super(op, index, services, channels);
  }
  protected process(value: unknown): void {
    this.fn(value, this.output);
  }
}

function stateFileName(op: PlanOperator, index: number, suffix: string): string {
  return `op${op.index}-${op.uid.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}-${index}.${suffix}`;
}

export class KeyedProcessSubtask extends Subtask {
  private readonly backend: KeyedStateBackend;
  private readonly fn: KeyedProcessFunction<Key, unknown, unknown>;
  private readonly ctx: KeyedContext<Key>;

  constructor(op: PlanOperator, index: number, services: TaskServices, channels: number, fn: KeyedProcessFunction<Key, unknown, unknown>) {
    super(op, index, services, channels);
    const maxParallelism = services.maxParallelism;
    this.backend = new KeyedStateBackend(keyGroupRangeOf(index, op.parallelism, maxParallelism), maxParallelism, op.uid);
    // One instance per subtask: `this.x = ...` in open() stays with this subtask.
    this.fn = Object.create(fn) as KeyedProcessFunction<Key, unknown, unknown>;
    const backend = this.backend;
    this.ctx = {
      subtaskIndex: index,
      parallelism: op.parallelism,
      maxParallelism,
      getState: (name, defaultValue) => backend.valueState(name, defaultValue),
      getMapState: (name) => backend.mapState(name),
      getCurrentKey: () => backend.currentKey as Key,
    };
  }

  override async restoreState(restore: OperatorRestore, directory: string): Promise<void> {
    if (restore.kind !== 'keyed') throw new Error(`${this.label}: cannot restore ${restore.kind} state into a keyed operator`);
    const files = restore.perSubtask[this.index] ?? [];
    if (files.length === 0) return;
    const snapshot = await readSnapshot(directory);
    for (const file of files) {
      const lines = createInterface({ input: snapshot.openStateFile(file), crlfDelay: Infinity });
      for await (const line of lines) this.backend.restoreLine(line);
    }
  }

  override open(): void {
    this.fn.open?.(this.ctx);
  }

  protected process(value: unknown): void {
    const record = value as KeyedRecord;
    this.backend.setCurrentKey(record.key, record.text, record.group);
    this.fn.processElement(record.value, this.ctx, this.output);
  }

  override snapshotState(id: number): SubtaskSnapshot {
    const { chunks, entries } = this.backend.snapshotChunks();
    const range = this.backend.range;
    if (entries === 0) return { state: { index: this.index, kind: 'keyed', keyGroups: [range.start, range.end], entries } };
    const file = stateFileName(this.op, this.index, `chk-${id}.keyed.jsonl`);
    return {
      state: { index: this.index, kind: 'keyed', keyGroups: [range.start, range.end], file, entries },
      write: async (directory) => [
        await writeStateFile(
          directory,
          file,
          (async function* () {
            yield* chunks;
          })(),
        ),
      ],
    };
  }

  protected override finish(): void {
    this.fn.close?.();
  }
}

export class PrintSubtask extends Subtask {
  private readonly prefix: string;
  constructor(op: PlanOperator, index: number, services: TaskServices, channels: number) {
    super(op, index, services, channels);
    const user = typeof op.config.prefix === 'string' ? op.config.prefix : '';
    const parallel = op.parallelism > 1 ? `${index + 1}> ` : '';
    this.prefix = user === '' ? parallel : `${user}:${parallel === '' ? ' ' : parallel}`;
  }
  protected process(value: unknown): void {
    this.services.output(`${this.prefix}${typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)}\n`);
  }
}

// ----------------------------------------------------------------------------------- exactly-once sink

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
    this.format = format ?? ((value) => (typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)));
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
      if (!committed)
        throw new Error(`pending part file ${pendingName} of a completed snapshot is missing from ${this.directory}: its records would be lost`);
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

// --------------------------------------------------------------------------------------------- sources

/** Most records a source emits between two looks at barriers and control messages. */
const BATCH = 1024;
/** A batch should take about this long; slow pipelines get smaller batches, so barriers are not held up. */
const BATCH_TARGET_MS = 10;

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export abstract class SourceSubtask extends Subtask {
  private readonly barriers: Barrier[] = [];
  private paused = false;
  private stopRequested = false;
  private cancelled = false;
  private wakeUp: (() => void) | undefined;
  private windowStart = 0;
  private emittedInWindow = 0;
  private batchSize = BATCH;
  protected splits: SplitState[] = [];

  constructor(op: PlanOperator, index: number, services: TaskServices, private readonly totalSplits: number, initialSplits: SplitState[]) {
    super(op, index, services, 0);
    this.splits = initialSplits;
  }

  /** Records per second of this subtask: the source's rate shared by split count. */
  private get rate(): number | undefined {
    const rate = this.op.config.ratePerSecond;
    if (typeof rate !== 'number') return undefined;
    return this.totalSplits === 0 ? rate : (rate * this.splits.length) / this.totalSplits;
  }

  override async restoreState(restore: OperatorRestore): Promise<void> {
    if (restore.kind !== 'source') throw new Error(`${this.label}: cannot restore ${restore.kind} state into a source`);
    this.splits = structuredClone(restore.perSubtask[this.index] ?? []);
  }

  protected process(): void {
    throw new Error('a source has no inputs');
  }

  override snapshotState(): SubtaskSnapshot {
    return { state: { index: this.index, kind: 'source', splits: structuredClone(this.splits) } };
  }

  requestBarrier(barrier: Barrier): void {
    this.barriers.push(barrier);
    this.wake();
  }
  /** After a stop-with-savepoint completed: end the input. */
  stopAfterSavepoint(): void {
    this.stopRequested = true;
    this.wake();
  }
  /** After a stop-with-savepoint failed: go on. */
  resume(): void {
    this.paused = false;
    this.wake();
  }
  cancel(): void {
    this.cancelled = true;
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.wake(), ms);
      this.wakeUp = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  protected abstract get exhausted(): boolean;
  /** Emits at most `max` records; returns how many it emitted. */
  protected abstract emitBatch(max: number): number | Promise<number>;

  run(): void {
    this.loop().catch((error: unknown) => this.services.fail(error));
  }

  private async loop(): Promise<void> {
    this.windowStart = performance.now();
    this.emittedInWindow = 0;
    while (!this.cancelled) {
      while (this.barriers.length > 0) {
        const barrier = this.barriers.shift()!;
        this.onBarrier(barrier);
        if (this.services.isTerminating(barrier.id)) this.paused = true;
      }
      if (this.stopRequested || this.exhausted) break;
      if (this.paused) {
        await this.sleep(undefined);
        this.windowStart = performance.now();
        this.emittedInWindow = 0;
        continue;
      }
      const writable = this.services.whenWritable();
      if (writable) {
        // Backpressure holds records, not barriers: a barrier request wakes the source up.
        await Promise.race([writable, this.sleep(undefined)]);
        continue;
      }
      let budget = this.batchSize;
      const rate = this.rate;
      if (rate !== undefined) {
        const elapsed = performance.now() - this.windowStart;
        const allowed = Math.floor((elapsed * rate) / 1000) - this.emittedInWindow;
        if (allowed <= 0) {
          await this.sleep(Math.max(1, Math.ceil(((this.emittedInWindow + 1) * 1000) / rate - elapsed)));
          continue;
        }
        budget = Math.min(budget, allowed);
      }
      const started = performance.now();
      const emitted = await this.emitBatch(budget);
      this.emittedInWindow += emitted;
      const took = performance.now() - started;
      if (took > BATCH_TARGET_MS) this.batchSize = Math.max(1, Math.floor((emitted * BATCH_TARGET_MS) / took));
      else if (emitted === budget && this.batchSize < BATCH) this.batchSize = Math.min(BATCH, this.batchSize * 2);
      await nextTick();
    }
    if (!this.cancelled) this.onEnd();
  }
}

export class SequenceSourceSubtask extends SourceSubtask {
  private cursor = 0;

  protected get exhausted(): boolean {
    return this.splits.every((s) => s.type === 'sequence' && s.to !== undefined && s.next > s.to);
  }

  protected emitBatch(max: number): number {
    const splits = this.splits as Array<Extract<SplitState, { type: 'sequence' }>>;
    let emitted = 0;
    let idle = 0;
    while (emitted < max && idle < splits.length) {
      if (this.cursor >= splits.length) this.cursor = 0;
      const split = splits[this.cursor++];
      if (split.to !== undefined && split.next > split.to) {
        idle++;
        continue;
      }
      idle = 0;
      const value = split.next;
      split.next += split.step;
      this.output.collect(value);
      emitted++;
    }
    return emitted;
  }
}

/** Reads lines of a file from a byte offset; `offset` is the position after the last line returned. */
class LineReader {
  private buffer = Buffer.alloc(0);
  private eof = false;
  private handle: FileHandle | undefined;

  constructor(private readonly path: string, public offset: number) {}

  async fill(): Promise<void> {
    this.handle ??= await open(this.path, 'r');
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.offset + this.buffer.length);
    if (bytesRead === 0) this.eof = true;
    else this.buffer = this.buffer.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([this.buffer, chunk.subarray(0, bytesRead)]);
  }

  /** The next line, `undefined` if more bytes must be read first, `null` at the end of the file. */
  next(): string | undefined | null {
    const newline = this.buffer.indexOf(10);
    let end: number;
    let consumed: number;
    if (newline >= 0) {
      end = newline;
      consumed = newline + 1;
    } else if (this.eof) {
      if (this.buffer.length === 0) return null;
      end = consumed = this.buffer.length;
    } else {
      return undefined;
    }
    if (end > 0 && this.buffer[end - 1] === 13) end--;
    const line = this.buffer.toString('utf8', 0, end);
    this.buffer = this.buffer.subarray(consumed);
    this.offset += consumed;
    return line;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

export class TextFileSourceSubtask extends SourceSubtask {
  private reader: LineReader | undefined;
  private done = false;

  protected get exhausted(): boolean {
    return this.done || this.splits.length === 0;
  }

  protected async emitBatch(max: number): Promise<number> {
    let emitted = 0;
    while (emitted < max && !this.done) {
      const split = this.splits.find((s) => s.type === 'text-file' && !s.finished) as Extract<SplitState, { type: 'text-file' }> | undefined;
      if (!split) {
        this.done = true;
        break;
      }
      this.reader ??= new LineReader(split.path, split.offset);
      const line = this.reader.next();
      if (line === undefined) {
        await this.reader.fill();
        continue;
      }
      if (line === null) {
        await this.reader.close();
        this.reader = undefined;
        split.finished = true;
        continue;
      }
      split.offset = this.reader.offset;
      this.output.collect(line);
      emitted++;
    }
    return emitted;
  }

  protected override finish(): Promise<void> | void {
    return this.reader?.close();
  }
}
