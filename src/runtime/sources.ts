// Sources: replayable inputs that record their position (splits) in every snapshot. A source runs its own
// loop: barriers first, then a batch of records (rate-limited, and held back by the sinks' backpressure).

import { open, type FileHandle } from 'node:fs/promises';
import type { Barrier } from './alignment.js';
import type { PlanOperator } from './plan.js';
import type { OperatorRestore, SplitState } from './protocol.js';
import { Subtask, type SubtaskSnapshot, type TaskServices } from './subtask.js';

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

  constructor(
    op: PlanOperator,
    index: number,
    services: TaskServices,
    private readonly totalSplits: number,
    initialSplits: SplitState[],
  ) {
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

  constructor(
    private readonly path: string,
    public offset: number,
  ) {}

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
