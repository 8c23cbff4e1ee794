// A subtask: one parallel instance of an operator, running inside a job's TaskManager process. Its inputs
// go through a BarrierAligner, which blocks and buffers a channel between a barrier's arrival on it and the
// subtask's alignment. Snapshots are taken synchronously at alignment (the state cannot change while it is
// captured) and written asynchronously afterwards.

import type { SnapshotStorage, StateFileInfo } from '../storage/index.js';
import { BarrierAligner, type Barrier } from './alignment.js';
import { Output, type Receiver } from './channels.js';
import type { PlanOperator } from './plan.js';
import type { OperatorRestore, SubtaskState } from './protocol.js';

/** What a subtask captured for one snapshot; `write` persists it (called unless the snapshot was aborted). */
export interface SubtaskSnapshot {
  state: SubtaskState;
  write?: (directory: string) => Promise<StateFileInfo[]>;
}

/** The executor as the subtasks see it. */
export interface TaskServices {
  readonly maxParallelism: number;
  /** Where state files are written and read (with the coordinator's storage settings). */
  readonly storage: SnapshotStorage;
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

export abstract class Subtask implements Receiver {
  readonly output = new Output();
  ended = false;
  private readonly aligner: BarrierAligner<unknown> | undefined;

  constructor(
    readonly op: PlanOperator,
    readonly index: number,
    protected readonly services: TaskServices,
    channels: number,
  ) {
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
