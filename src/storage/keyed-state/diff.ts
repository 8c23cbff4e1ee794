// What changed between the keyed state of two snapshots (pure): operators added and removed (by operator id,
// Flink's hash of the uid), per state added or removed states, changed kind or serializers, and key, entry and
// byte deltas. KeyDiffer compares the keys themselves, key group by key group, as two readers report them in
// key-group order: memory stays bounded by a few key groups, whatever the size of the snapshots.
import type { OperatorReport, SnapshotStateReport, StateReport } from './model.js';
import type { KeyTable } from './key-table.js';
import type { StateValue } from './values.js';

export interface Delta {
  a: number | null;
  b: number | null;
  delta: number | null;
}

export interface StateDiff {
  name: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  kind: { a: string | null; b: string | null };
  /** Serializers whose name differs, by role. */
  serializers: Array<{ role: string; a: string | null; b: string | null }>;
  keys: Delta;
  entries: Delta;
  bytes: Delta;
}

export interface KeyChanges {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** The first keys of each kind of change (bounded). */
  samples: { added: StateValue[]; removed: StateValue[]; changed: StateValue[] };
}

export interface OperatorDiff {
  id: string;
  uid: string | null;
  change: 'added' | 'removed' | 'present';
  states: StateDiff[];
  keys?: KeyChanges;
}

const delta = (a: number | null | undefined, b: number | null | undefined): Delta => ({
  a: a ?? null,
  b: b ?? null,
  delta: a === null || b === null || a === undefined || b === undefined ? null : b - a,
});

export function diffStates(a: StateReport | undefined, b: StateReport | undefined): StateDiff {
  const name = (a ?? b)!.name;
  const roles = ['key', 'namespace', 'userKey', 'value'] as const;
  const serializers: StateDiff['serializers'] =
    a && b ? roles.filter((r) => a.serializers[r] !== b.serializers[r]).map((role) => ({ role, a: a.serializers[role], b: b.serializers[role] })) : [];
  // A POJO's name stays when its fields or their serializers change (Flink 2.x's collection serializers, say).
  const fields = (r: StateReport) => (r.pojoFields ? r.pojoFields.map((f) => `${f.name}: ${f.serializer}`).join(', ') : null);
  if (a && b && fields(a) !== fields(b)) serializers.push({ role: 'value fields', a: fields(a), b: fields(b) });
  if (a && b && (a.avroSchema ?? null) !== (b.avroSchema ?? null)) serializers.push({ role: 'avro schema', a: a.avroSchema ?? null, b: b.avroSchema ?? null });
  const keys = delta(a ? a.keys : 0, b ? b.keys : 0);
  const entries = delta(a?.entries ?? 0, b?.entries ?? 0);
  const bytes = delta(a?.bytes ?? 0, b?.bytes ?? 0);
  const change = !a
    ? 'added'
    : !b
      ? 'removed'
      : serializers.length > 0 || a.kind !== b.kind || entries.delta !== 0 || bytes.delta !== 0 || keys.delta !== 0
        ? 'changed'
        : 'unchanged';
  return { name, change, kind: { a: a?.kind ?? null, b: b?.kind ?? null }, serializers, keys, entries, bytes };
}

export function diffOperators(a: OperatorReport | undefined, b: OperatorReport | undefined): OperatorDiff {
  const op = (a ?? b)!;
  const names = [...new Set([...(a?.states ?? []).map((s) => s.name), ...(b?.states ?? []).map((s) => s.name)])];
  const find = (r: OperatorReport | undefined, n: string) => r?.states.find((s) => s.name === n);
  return {
    id: op.id,
    uid: a?.uid ?? b?.uid ?? null,
    change: !a ? 'added' : !b ? 'removed' : 'present',
    states: names.map((n) => diffStates(find(a, n), find(b, n))),
  };
}

export function diffSnapshots(a: SnapshotStateReport, b: SnapshotStateReport): OperatorDiff[] {
  const ids = [...new Set([...a.operators.map((o) => o.id), ...b.operators.map((o) => o.id)])];
  return ids.map((id) =>
    diffOperators(
      a.operators.find((o) => o.id === id),
      b.operators.find((o) => o.id === id),
    ),
  );
}

type Side = 'a' | 'b';
interface Pending {
  keyGroup: number;
  keys: KeyTable;
  decodeKey: (key: Buffer) => StateValue;
  release: () => void;
}

/** Merges two key-group-ordered streams of key tables into key changes. */
export class KeyDiffer {
  readonly changes: KeyChanges = { added: 0, removed: 0, changed: 0, unchanged: 0, samples: { added: [], removed: [], changed: [] } };
  private readonly queues: Record<Side, Pending[]> = { a: [], b: [] };
  private readonly done: Record<Side, boolean> = { a: false, b: false };
  private waiting: Array<() => void> = [];

  constructor(private readonly sampleLimit = 20) {}

  push(side: Side, keyGroup: number, keys: KeyTable, decodeKey: (key: Buffer) => StateValue, release: () => void = () => {}): void {
    this.queues[side].push({ keyGroup, keys, decodeKey, release });
    this.drain();
  }

  finish(side: Side): void {
    this.done[side] = true;
    this.drain();
  }

  /** Resolves once the other side has caught up with this side's finished key groups (called between chunks). */
  async paced(side: Side): Promise<void> {
    while (this.queues[side].length > 0 && !this.done[side === 'a' ? 'b' : 'a']) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private drain(): void {
    const { a, b } = this.queues;
    for (;;) {
      const ha = a[0];
      const hb = b[0];
      if (ha && hb && ha.keyGroup === hb.keyGroup) {
        this.compare(ha, hb);
        a.shift()!.release();
        b.shift()!.release();
      } else if (ha && (hb ? ha.keyGroup < hb.keyGroup : this.done.b)) {
        for (let i = 0; i < ha.keys.size; i++) this.count('removed', ha, i);
        a.shift()!.release();
      } else if (hb && (ha ? hb.keyGroup < ha.keyGroup : this.done.a)) {
        for (let j = 0; j < hb.keys.size; j++) this.count('added', hb, j);
        b.shift()!.release();
      } else break;
    }
    const wake = this.waiting;
    this.waiting = [];
    for (const resolve of wake) resolve();
  }

  private compare(a: Pending, b: Pending): void {
    const matched = new Uint8Array(b.keys.size);
    for (let i = 0; i < a.keys.size; i++) {
      const key = a.keys.key(i);
      const j = b.keys.find(key, 0, key.length);
      if (j < 0) {
        this.count('removed', a, i);
        continue;
      }
      matched[j] = 1;
      if (a.keys.sameEntries(i, b.keys, j)) this.changes.unchanged++;
      else this.count('changed', b, j);
    }
    for (let j = 0; j < b.keys.size; j++) if (!matched[j]) this.count('added', b, j);
  }

  private count(what: 'added' | 'removed' | 'changed', side: Pending, i: number): void {
    this.changes[what]++;
    const samples = this.changes.samples[what];
    if (samples.length < this.sampleLimit) samples.push(side.decodeKey(side.keys.key(i)));
  }
}
