// Channels between subtasks: direct calls into the receiving subtask's BarrierAligner. Records are pushed
// synchronously (a record a source emits is fully processed downstream before the next one); a forward edge
// goes to one subtask, a rebalance edge round-robin, a hash edge by key group.

import type { Collector, Key } from './api.js';
import type { Barrier } from './alignment.js';
import { keyGroupOf, keyText, subtaskOfKeyGroup } from './key-groups.js';

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
  constructor(
    private readonly targets: Receiver[],
    private readonly channel: number,
  ) {
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
