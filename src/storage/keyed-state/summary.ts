// Counts of one operator's keyed state, built entry by entry as the framer reports them (an EntrySink per state
// file; states are matched by name, as several subtasks' files may number them differently). Per state: entries,
// bytes, distinct keys, and the same per key group. Memory is bounded by one key group: distinct keys that are
// not counted on the fly (windows, timers), the largest keys (--top) and key digests (diff --keys) are kept per
// key group and folded when it ends.
import type { EntrySink } from './framing.js';
import { keyGroupOf } from './framing.js';
import { describeSerializers, type KeyedStateHeader } from './header.js';
import { KeyTable } from './key-table.js';
import { keyEnd, layoutOf, type StateLayout } from './layout.js';
import type { KeyGroupStat, StateReport, TopKey } from './model.js';
import { serializerName } from './serializer-snapshots.js';
import { decodeWhole, type AvroDecoderFactory, type StateValue } from './values.js';

/** How distinct keys of a state are counted. */
type KeyCounting = 'per-entry' | 'runs' | 'set' | 'unknown';

interface StateStats {
  report: Omit<StateReport, 'keyGroups' | 'skew' | 'keyGroupsUsed'>;
  entries: Float64Array;
  bytes: Float64Array;
  keys: Float64Array;
  layout?: StateLayout;
  counting: KeyCounting;
  /** Seeds key digests by state name (two files may number the same state differently). */
  seed: number;
}

/**
 * One key group's keys with their digests; `decodeKey` turns a key's bytes into its value, for display. The table
 * is the receiver's until it calls `release` (then the reader reuses it for a later key group).
 */
export type KeyGroupDigests = (keyGroup: number, keys: KeyTable, decodeKey: (key: Buffer) => StateValue, release: () => void) => void;

export class OperatorAccumulator {
  readonly states = new Map<string, StateStats>();
  private readonly heap: Array<{ key: Buffer; keyGroup: number; bytes: number; entries: number }> = [];
  private topLayout: StateLayout | undefined;
  /** Key tables released after their key group, for the next ones. */
  private readonly spareTables: KeyTable[] = [];

  constructor(
    readonly keyGroupCount: number,
    private readonly topN = 0,
    private readonly onDigests?: KeyGroupDigests,
  ) {}

  /** The sink for one state file with this header. */
  sinkFor(header: KeyedStateHeader, prefixBytes: number, avro?: AvroDecoderFactory): EntrySink {
    const byId = header.states.map((meta) => {
      let stats = this.states.get(meta.name);
      if (!stats) {
        const layout = meta.kind === 'UNKNOWN' ? undefined : layoutOf(header, meta, prefixBytes, avro);
        const value = meta.serializers.VALUE_SERIALIZER;
        const report: StateStats['report'] = {
          name: meta.name,
          kind: meta.kind,
          serializers:
            meta.kind === 'UNKNOWN'
              ? { key: serializerName(header.keySerializer), namespace: null, value: null, userKey: null }
              : describeSerializers(meta, header.keySerializer),
          keys: 0,
          entries: 0,
          bytes: 0,
        };
        const element = layout?.element;
        if (element?.kind === 'pojo') report.pojoFields = element.fields!.map((name, i) => ({ name, serializer: serializerName(element.nested[i]) }));
        if (element?.kind === 'avro' || value?.kind === 'avro') report.avroSchema = (element?.kind === 'avro' ? element : value)!.schema;
        stats = {
          report,
          entries: new Float64Array(this.keyGroupCount),
          bytes: new Float64Array(this.keyGroupCount),
          keys: new Float64Array(this.keyGroupCount),
          layout,
          counting: countingOf(layout),
          seed: hashBytes(Buffer.from(meta.name), 0, Buffer.byteLength(meta.name), 0),
        };
        this.states.set(meta.name, stats);
      }
      if (!this.topLayout && stats.layout && stats.counting !== 'unknown') this.topLayout = stats.layout;
      return stats;
    });
    return new FileSink(this, byId, prefixBytes);
  }

  /** Folds one key group's per-key bytes into the top N (kept sorted, smallest first). */
  foldTop(keyGroup: number, perKey: KeyTable): void {
    for (let i = 0; i < perKey.size; i++) {
      const bytes = perKey.bytes[i];
      if (this.heap.length === this.topN && bytes <= this.heap[0].bytes) continue;
      const entry = { key: Buffer.from(perKey.key(i)), keyGroup, bytes, entries: perKey.entries[i] };
      if (this.heap.length < this.topN) this.heap.push(entry);
      else this.heap[0] = entry;
      this.heap.sort((a, b) => a.bytes - b.bytes);
    }
  }

  /** A key table for a key group starting (an empty one released earlier, when there is one). */
  keyTable(): KeyTable {
    const spare = this.spareTables.pop();
    spare?.clear();
    return spare ?? new KeyTable();
  }

  /** Ends a key group's key table: handed to diff --keys, or released at once. */
  endKeyTable(keyGroup: number, keys: KeyTable): void {
    const release = () => void this.spareTables.push(keys);
    if (this.onDigests) this.onDigests(keyGroup, keys, (key) => this.decodeKey(key), release);
    else release();
  }

  private decodeKey(key: Buffer): StateValue {
    const layout = this.topLayout;
    return layout ? decodeWhole(layout.key, layout.keyDecoder, key) : key.toString('hex');
  }

  get wantsTop(): boolean {
    return this.topN > 0;
  }
  get wantsDigests(): boolean {
    return this.onDigests !== undefined;
  }

  top(): TopKey[] {
    return [...this.heap]
      .sort((a, b) => b.bytes - a.bytes || a.keyGroup - b.keyGroup)
      .map((t) => ({ key: this.decodeKey(t.key), keyGroup: t.keyGroup, bytes: t.bytes, entries: t.entries }));
  }

  reports(): StateReport[] {
    return [...this.states.values()].map((s) => {
      const keyGroups: KeyGroupStat[] = [];
      let max = 0;
      for (let g = 0; g < this.keyGroupCount; g++) {
        if (s.entries[g] === 0) continue;
        keyGroups.push({ keyGroup: g, entries: s.entries[g], bytes: s.bytes[g], keys: s.counting === 'unknown' ? null : s.keys[g] });
        max = Math.max(max, s.bytes[g]);
      }
      const mean = s.report.bytes / this.keyGroupCount;
      return {
        ...s.report,
        keys: s.counting === 'unknown' && s.report.entries > 0 ? null : s.report.keys,
        keyGroupsUsed: keyGroups.length,
        skew: s.report.entries > 0 ? Math.round((max / mean) * 100) / 100 : null,
        keyGroups,
      };
    });
  }
}

function countingOf(layout: StateLayout | undefined): KeyCounting {
  if (!layout) return 'unknown';
  const canSplit = layout.keyDecoder !== undefined || (layout.state.kind !== 'MAP' && !layout.ambiguous && layout.namespaceBytes >= 0);
  if (!canSplit) return 'unknown';
  if (layout.state.kind === 'TIMERS' || !layout.singleNamespace) return 'set';
  return layout.state.kind === 'MAP' ? 'runs' : 'per-entry';
}

/** Entries of one file into the operator's counts. */
class FileSink implements EntrySink {
  private keyGroup = -1;
  private readonly sets = new Map<StateStats, Set<string>>();
  /** MAP states: the last key seen (bytes reused, so counting allocates nothing per key). */
  private readonly lastKey = new Map<StateStats, { bytes: Buffer; length: number }>();
  /** Per key of the key group over all states (--top, diff --keys). */
  private perKey: KeyTable | undefined;

  constructor(
    private readonly op: OperatorAccumulator,
    private readonly byId: StateStats[],
    private readonly prefixBytes: number,
  ) {}

  entry(stateId: number, buf: Buffer, keyStart: number, keyLength: number, valueStart: number, valueLength: number): void {
    const s = this.byId[stateId];
    const bytes = keyLength + valueLength + 8;
    const g = keyGroupOf(buf, keyStart, this.prefixBytes);
    if (g !== this.keyGroup) this.startKeyGroup(g);
    s.report.entries++;
    s.report.bytes += bytes;
    if (g < s.entries.length) {
      s.entries[g]++;
      s.bytes[g] += bytes;
    }
    if (s.counting === 'per-entry') {
      s.report.keys!++;
      if (g < s.keys.length) s.keys[g]++;
      if (!this.perKey) return;
    }
    if (s.counting === 'unknown') return;
    const from = keyStart + s.layout!.keyOffset;
    const end = keyEnd(s.layout!, buf, keyStart, keyLength);
    if (end < 0) return;
    if (s.counting === 'runs') {
      // A MAP state's entries of one key follow each other: a key is new when it differs from the last one.
      let last = this.lastKey.get(s);
      const length = end - from;
      if (!last || !sameBytes(last.bytes, 0, last.length, buf, from, end)) {
        if (!last || last.bytes.length < length) this.lastKey.set(s, (last = { bytes: Buffer.alloc(Math.max(64, length * 2)), length }));
        buf.copy(last.bytes, 0, from, end);
        last.length = length;
        s.report.keys!++;
        if (g < s.keys.length) s.keys[g]++;
      }
      if (!this.perKey) return;
    }
    if (s.counting === 'set') {
      let set = this.sets.get(s);
      if (!set) this.sets.set(s, (set = new Set()));
      set.add(buf.toString('latin1', from, end));
    }
    if (this.perKey) {
      // The digest is order-independent: states may be numbered differently in two files.
      const entryHash = this.op.wantsDigests
        ? hashBytes(buf, keyStart, keyStart + keyLength, hashBytes(buf, valueStart, valueStart + valueLength, s.seed))
        : undefined;
      this.perKey.count(this.perKey.slot(buf, from, end), bytes, entryHash);
    }
  }

  private startKeyGroup(g: number): void {
    if (this.keyGroup >= 0) this.finishKeyGroup();
    this.keyGroup = g;
    if (this.op.wantsTop || this.op.wantsDigests) this.perKey = this.op.keyTable();
  }

  endKeyGroup(): void {
    this.finishKeyGroup();
    this.keyGroup = -1;
  }

  private finishKeyGroup(): void {
    const g = this.keyGroup;
    if (g < 0) return;
    for (const [s, set] of this.sets) {
      s.report.keys! += set.size;
      if (g < s.keys.length) s.keys[g] += set.size;
    }
    this.sets.clear();
    this.lastKey.clear();
    if (this.perKey && this.op.wantsTop) this.op.foldTop(g, this.perKey);
    if (this.perKey) this.op.endKeyTable(g, this.perKey);
    this.perKey = undefined;
  }
}

/** a[aFrom, aEnd) equals b[from, end) (a loop: cheaper than a native call for keys this short). */
function sameBytes(a: Buffer, aFrom: number, aEnd: number, b: Buffer, from: number, end: number): boolean {
  if (aEnd - aFrom !== end - from) return false;
  for (let i = aFrom, j = from; i < aEnd; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

/** FNV-1a over bytes, seeded: a cheap digest for telling changed keys apart (diff --keys). */
function hashBytes(buf: Buffer, start: number, end: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h;
}
