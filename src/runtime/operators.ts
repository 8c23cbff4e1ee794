// The operators between sources and sinks: map, filter, flatMap, keyed process (with keyed state), print.

import { createInterface } from 'node:readline';
import type { Collector, Key, KeyedContext, KeyedProcessFunction } from './api.js';
import type { KeyedRecord } from './channels.js';
import { KeyedStateBackend } from './keyed-state.js';
import { keyGroupRangeOf } from './key-groups.js';
import type { PlanOperator } from './plan.js';
import type { OperatorRestore } from './protocol.js';
import { Subtask, type SubtaskSnapshot, type TaskServices } from './subtask.js';

export class MapSubtask extends Subtask {
  constructor(
    op: PlanOperator,
    index: number,
    services: TaskServices,
    channels: number,
    private readonly fn: (value: unknown) => unknown,
  ) {
    super(op, index, services, channels);
  }
  protected process(value: unknown): void {
    this.output.collect(this.fn(value));
  }
}

export class FilterSubtask extends Subtask {
  constructor(
    op: PlanOperator,
    index: number,
    services: TaskServices,
    channels: number,
    private readonly fn: (value: unknown) => boolean,
  ) {
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
    const snapshot = await this.services.storage.read(directory);
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
        await this.services.storage.writer.writeStateFile(
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
    this.services.output(`${this.prefix}${typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))}\n`);
  }
}
