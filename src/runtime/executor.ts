// Runs one job's subtasks inside its worker thread: creates and wires them from the plan, restores their
// state, starts the sources, and handles the checkpoint coordinator's requests (trigger, notify, abort).

import type { SnapshotStorage } from '../storage/index.js';
import type { Collector, Key, KeyedProcessFunction } from './api.js';
import type { BuiltJob } from './environment.js';
import type { PlanOperator } from './plan.js';
import type { RestoreAssignment, SplitState, WorkerToHost } from './protocol.js';
import { serializeError } from './protocol.js';
import { describeIoError } from '../domain/io-errors.js';
import { ForwardEdge, HashEdge, RebalanceEdge } from './channels.js';
import { FilterSubtask, FlatMapSubtask, KeyedProcessSubtask, MapSubtask, PrintSubtask } from './operators.js';
import { FileSinkSubtask } from './sinks.js';
import { SequenceSourceSubtask, SourceSubtask, TextFileSourceSubtask } from './sources.js';
import type { Subtask, SubtaskSnapshot, TaskServices } from './subtask.js';

interface PendingSnapshot {
  id: number;
  directory: string;
  terminate: boolean;
  aborted: boolean;
  remaining: number;
  writes: Set<Promise<unknown>>;
}

/** Characters queued in sinks above which sources wait (bounds memory and the sinks' pre-commit time). */
const QUEUE_LIMIT = 2 * 1024 * 1024;

export interface ExecutorOptions {
  attemptToken: string;
  post: (message: WorkerToHost) => void;
  storage: SnapshotStorage;
}

export class JobExecutor implements TaskServices {
  readonly maxParallelism: number;
  readonly attemptToken: string;
  readonly storage: SnapshotStorage;
  readonly subtasks: Subtask[][] = [];
  private readonly sources: SourceSubtask[] = [];
  private readonly snapshots = new Map<number, PendingSnapshot>();
  private readonly finishing: Promise<void>[] = [];
  private endedCount = 0;
  private total = 0;
  private stoppingId: number | undefined;
  private failed = false;
  private queuedChars = 0;
  private writableWaiters: Array<() => void> = [];
  private outputBuffer = '';
  private outputScheduled = false;

  constructor(
    private readonly job: BuiltJob,
    private readonly options: ExecutorOptions,
  ) {
    this.maxParallelism = job.plan.maxParallelism;
    this.attemptToken = options.attemptToken;
    this.storage = options.storage;
  }

  private post(message: WorkerToHost): void {
    if (!this.failed) this.options.post(message);
  }

  /** Creates, wires, restores and opens every subtask, then starts the sources. */
  /** `beforeSources` runs once every subtask is open, before the first record (the host hears "running" first). */
  async start(restore?: RestoreAssignment, beforeSources?: () => Promise<void>): Promise<void> {
    const { plan, functions } = this.job;
    for (const op of plan.operators) {
      const restored = restore?.operators[op.index];
      const list: Subtask[] = [];
      for (let i = 0; i < op.parallelism; i++) list.push(this.createSubtask(op, i, restored?.kind === 'source' ? restored.perSubtask : undefined));
      this.subtasks.push(list);
      this.total += list.length;
      for (const edge of op.inputs) {
        const upstream = this.subtasks[edge.from];
        upstream.forEach((sender, channel) => {
          if (edge.partitioning === 'forward') sender.output.edges.push(new ForwardEdge(list[channel]));
          else if (edge.partitioning === 'rebalance') sender.output.edges.push(new RebalanceEdge(list, channel));
          else sender.output.edges.push(new HashEdge(list, channel, functions[op.index].keySelector!, this.maxParallelism));
        });
      }
    }
    if (restore) {
      for (const [index, state] of Object.entries(restore.operators)) {
        for (const subtask of this.subtasks[Number(index)]) await subtask.restoreState(state, restore.directory);
      }
    }
    for (const list of this.subtasks) for (const subtask of list) await subtask.open();
    await beforeSources?.();
    for (const source of this.sources) source.run();
  }

  private channelsOf(op: PlanOperator): number {
    const edge = op.inputs[0];
    if (!edge) return 0;
    return edge.partitioning === 'forward' ? 1 : this.job.plan.operators[edge.from].parallelism;
  }

  private createSubtask(op: PlanOperator, index: number, restoredSplits: SplitState[][] | undefined): Subtask {
    const fn = this.job.functions[op.index].fn;
    const channels = this.channelsOf(op);
    switch (op.kind) {
      case 'sequence-source': {
        const from = op.config.from as number;
        const to = op.config.to as number | undefined;
        const splits =
          restoredSplits ??
          Array.from({ length: op.parallelism }, (_, i): SplitState[] => [
            { type: 'sequence', next: from + i, step: op.parallelism, ...(to === undefined ? {} : { to }) },
          ]);
        const source = new SequenceSourceSubtask(op, index, this, splits.flat().length, structuredClone(splits[index] ?? []));
        this.sources.push(source);
        return source;
      }
      case 'text-file-source': {
        const splits = restoredSplits ?? [[{ type: 'text-file', path: op.config.path as string, offset: 0 } as SplitState]];
        const source = new TextFileSourceSubtask(op, index, this, splits.flat().length, structuredClone(splits[index] ?? []));
        this.sources.push(source);
        return source;
      }
      case 'map':
        return new MapSubtask(op, index, this, channels, fn as (value: unknown) => unknown);
      case 'filter':
        return new FilterSubtask(op, index, this, channels, fn as (value: unknown) => boolean);
      case 'flat-map':
        return new FlatMapSubtask(op, index, this, channels, fn as (value: unknown, out: Collector<unknown>) => void);
      case 'keyed-process':
        return new KeyedProcessSubtask(op, index, this, channels, fn as KeyedProcessFunction<Key, unknown, unknown>);
      case 'print-sink':
        return new PrintSubtask(op, index, this, channels);
      case 'file-sink':
        return new FileSinkSubtask(op, index, this, channels, fn as ((value: unknown) => string) | undefined);
    }
  }

  // ------------------------------------------------------------------------------ coordinator requests

  trigger(id: number, directory: string, terminate: boolean): void {
    if (this.snapshots.has(id)) {
      this.post({ type: 'decline', id, reason: `snapshot ${id} is already in progress` });
      return;
    }
    if (this.endedCount === this.total) {
      this.post({ type: 'decline', id, reason: 'all tasks have finished', finished: true });
      return;
    }
    if (terminate && this.stoppingId !== undefined) {
      this.post({ type: 'decline', id, reason: `the job is already stopping with savepoint ${this.stoppingId}` });
      return;
    }
    this.snapshots.set(id, { id, directory, terminate, aborted: false, remaining: this.total, writes: new Set() });
    if (terminate) this.stoppingId = id;
    // Finished subtasks will see no barrier: their final state is part of every later snapshot.
    for (const list of this.subtasks) for (const subtask of list) if (subtask.ended) this.acknowledge(id, subtask, subtask.snapshotState(id));
    for (const source of this.sources) if (!source.ended) source.requestBarrier({ id });
  }

  async notifyComplete(id: number): Promise<void> {
    const commits: Promise<void>[] = [];
    for (const list of this.subtasks)
      for (const subtask of list) {
        const commit = subtask.notifyComplete(id);
        if (commit) commits.push(commit);
      }
    await Promise.all(commits);
    if (this.stoppingId === id) for (const source of this.sources) source.stopAfterSavepoint();
  }

  async abort(id: number): Promise<void> {
    const pending = this.snapshots.get(id);
    if (this.stoppingId === id) {
      this.stoppingId = undefined;
      for (const source of this.sources) source.resume();
    }
    if (!pending) return;
    pending.aborted = true;
    await Promise.allSettled([...pending.writes]);
    this.snapshots.delete(id);
  }

  cancel(): void {
    for (const source of this.sources) source.cancel();
  }

  // ------------------------------------------------------------------------------------- TaskServices

  isTerminating(id: number): boolean {
    return this.stoppingId === id;
  }

  acknowledge(id: number, subtask: Subtask, snapshot: SubtaskSnapshot): void {
    const pending = this.snapshots.get(id);
    if (!pending || pending.aborted) return;
    const write = snapshot.write ? snapshot.write(pending.directory) : Promise.resolve([]);
    pending.writes.add(write);
    write.then(
      (files) => {
        pending.writes.delete(write);
        if (pending.aborted) return;
        if (--pending.remaining === 0) this.snapshots.delete(id);
        this.post({ type: 'ack', id, operator: subtask.op.index, state: snapshot.state, files });
      },
      (error: unknown) => {
        pending.writes.delete(write);
        if (pending.aborted) return;
        pending.aborted = true;
        this.post({
          type: 'decline',
          id,
          reason: `${subtask.label} could not write its state: ${describeIoError(error, pending.directory) ?? serializeError(error).message}`,
        });
      },
    );
  }

  finished(_subtask: Subtask, done: Promise<void>): void {
    this.finishing.push(done);
    if (++this.endedCount < this.total) return;
    Promise.all(this.finishing).then(
      () => {
        this.flushOutput();
        this.post({ type: 'finished' });
      },
      (error: unknown) => this.fail(error),
    );
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.flushOutput();
    this.post({ type: 'failed', error: serializeError(error) });
    this.failed = true;
    this.cancel();
  }

  output(text: string): void {
    this.outputBuffer += text;
    if (this.outputBuffer.length >= 64 * 1024) this.flushOutput();
    else if (!this.outputScheduled) {
      this.outputScheduled = true;
      setImmediate(() => this.flushOutput());
    }
  }

  private flushOutput(): void {
    this.outputScheduled = false;
    if (this.outputBuffer.length === 0) return;
    const text = this.outputBuffer;
    this.outputBuffer = '';
    this.post({ type: 'output', text });
  }

  queued(delta: number): void {
    this.queuedChars += delta;
    if (this.queuedChars < QUEUE_LIMIT && this.writableWaiters.length > 0) {
      const waiters = this.writableWaiters;
      this.writableWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  whenWritable(): Promise<void> | undefined {
    if (this.queuedChars < QUEUE_LIMIT) return undefined;
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }
}
