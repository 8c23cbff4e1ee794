// Heap keyed state of one keyed subtask, organised by key group so that a snapshot can be split and
// redistributed when the parallelism changes. Values must be JSON-serialisable.
//
// Snapshot file format (JSON lines, sorted by key group):
//   {"format":"flink-ts-keyed-state","version":1,"keyGroups":[start,end]}
//   [keyGroup,"stateName","v",<key>,<value>]              value state
//   [keyGroup,"stateName","m",<key>,[[<uk>,<uv>],...]]    map state

import type { Key, MapState, ValueState } from './api.js';
import { keyGroupOf, keyText, type KeyGroupRange } from './key-groups.js';

export const KEYED_STATE_FORMAT = 'flink-ts-keyed-state';
const CHUNK_CHARS = 1024 * 1024;

type ValueTable = Map<number, Map<string, unknown>>;
type MapTable = Map<number, Map<string, Map<string, [unknown, unknown]>>>;

export class KeyedStateBackend {
  private readonly valueTables = new Map<string, ValueTable>();
  private readonly mapTables = new Map<string, MapTable>();
  private keyGroup = -1;
  private keyTextValue = '';
  private key: unknown = undefined;
  /** JSON types of the restored values of each value state ("map" for map state): checked against what the job declares. */
  private readonly restoredTypes = new Map<string, Set<string>>();
  private readonly declared = new Set<string>();

  /** `operator` names the owner in errors (its uid). */
  constructor(
    readonly range: KeyGroupRange,
    readonly maxParallelism: number,
    private readonly operator = '?',
  ) {}

  /**
   * A state restored from a snapshot must be declared as what it was: a value state as a value state whose
   * default has the type of the restored values, a map state as a map state. Otherwise restored values
   * would flow into code that expects another type (a number state read as a string prints "dog,NaN").
   */
  private checkDeclaration(name: string, kind: 'value' | 'map', defaultValue?: unknown): void {
    this.declared.add(name);
    const restored = this.restoredTypes.get(name);
    if (!restored) return;
    const was = restored.has('map') ? 'map' : 'value';
    const where = `keyed state "${name}" of operator "${this.operator}"`;
    const fix = 'keep its type, or give the changed state a new name (or the operator a new uid and restore with --allowNonRestoredState / -n)';
    if (was !== kind) throw new Error(`${where} is ${was} state in the snapshot, but the job now declares it as ${kind} state: ${fix}`);
    if (kind === 'value' && defaultValue !== undefined && defaultValue !== null && !restored.has(jsonType(defaultValue)))
      throw new Error(
        `${where} holds ${[...restored].join('/')} values in the snapshot, but the job now declares it with a ${jsonType(defaultValue)} default (${JSON.stringify(defaultValue)?.slice(0, 40)}): ${fix}`,
      );
  }

  /** Called by the runtime before each record; `text` and `group` were computed by the partitioner. */
  setCurrentKey(key: unknown, text: string, group: number): void {
    if (group < this.range.start || group > this.range.end)
      throw new Error(`key ${text} (key group ${group}) routed to a subtask owning key groups ${this.range.start}..${this.range.end}`);
    this.key = key;
    this.keyTextValue = text;
    this.keyGroup = group;
  }

  get currentKey(): unknown {
    this.requireKey();
    return this.key;
  }

  private requireKey(): void {
    if (this.keyGroup < 0) throw new Error('keyed state is only accessible while processing a record (no current key)');
  }

  valueState<V>(name: string, defaultValue?: V): ValueState<V> {
    if (!this.declared.has(name)) this.checkDeclaration(name, 'value', defaultValue);
    if (this.mapTables.has(name)) throw new Error(`state "${name}" is already registered as map state`);
    let table = this.valueTables.get(name);
    if (!table) this.valueTables.set(name, (table = new Map()));
    const t = table;
    const fallback = (): V | undefined => (defaultValue !== null && typeof defaultValue === 'object' ? structuredClone(defaultValue) : defaultValue);
    return {
      value: () => {
        this.requireKey();
        const value = t.get(this.keyGroup)?.get(this.keyTextValue);
        return value === undefined ? fallback() : (value as V);
      },
      update: (value: V) => {
        this.requireKey();
        if (value === undefined) {
          t.get(this.keyGroup)?.delete(this.keyTextValue);
          return;
        }
        let group = t.get(this.keyGroup);
        if (!group) t.set(this.keyGroup, (group = new Map()));
        group.set(this.keyTextValue, value);
      },
      clear: () => {
        this.requireKey();
        t.get(this.keyGroup)?.delete(this.keyTextValue);
      },
    };
  }

  mapState<UK extends Key, UV>(name: string): MapState<UK, UV> {
    if (!this.declared.has(name)) this.checkDeclaration(name, 'map');
    if (this.valueTables.has(name)) throw new Error(`state "${name}" is already registered as value state`);
    let table = this.mapTables.get(name);
    if (!table) this.mapTables.set(name, (table = new Map()));
    const t = table;
    const current = (create: boolean): Map<string, [unknown, unknown]> | undefined => {
      this.requireKey();
      let group = t.get(this.keyGroup);
      if (!group) {
        if (!create) return undefined;
        t.set(this.keyGroup, (group = new Map()));
      }
      let map = group.get(this.keyTextValue);
      if (!map && create) group.set(this.keyTextValue, (map = new Map()));
      return map;
    };
    return {
      get: (key) => current(false)?.get(keyText(key))?.[1] as UV | undefined,
      put: (key, value) => {
        if (value === undefined) throw new TypeError('map state values cannot be undefined');
        current(true)!.set(keyText(key), [key, value]);
      },
      contains: (key) => current(false)?.has(keyText(key)) ?? false,
      remove: (key) => {
        const map = current(false);
        if (!map) return;
        map.delete(keyText(key));
        if (map.size === 0) t.get(this.keyGroup)!.delete(this.keyTextValue);
      },
      entries: () => [...(current(false)?.values() ?? [])].map(([k, v]) => [k as UK, v as UV]),
      keys: () => [...(current(false)?.values() ?? [])].map(([k]) => k as UK),
      values: () => [...(current(false)?.values() ?? [])].map(([, v]) => v as UV),
      isEmpty: () => (current(false)?.size ?? 0) === 0,
      clear: () => {
        this.requireKey();
        t.get(this.keyGroup)?.delete(this.keyTextValue);
      },
    };
  }

  /** Number of (state, key) entries held. */
  get size(): number {
    let n = 0;
    for (const table of [...this.valueTables.values(), ...this.mapTables.values()]) for (const group of table.values()) n += group.size;
    return n;
  }

  /**
   * A consistent copy of the state as snapshot-file chunks, taken synchronously (the subtask processes
   * nothing in between), so the asynchronous write afterwards cannot see later updates.
   */
  snapshotChunks(): { chunks: string[]; entries: number } {
    const chunks: string[] = [];
    let parts: string[] = [JSON.stringify({ format: KEYED_STATE_FORMAT, version: 1, keyGroups: [this.range.start, this.range.end] }) + '\n'];
    let chars = 0;
    let entries = 0;
    const push = (line: string) => {
      parts.push(line);
      chars += line.length;
      entries++;
      if (chars >= CHUNK_CHARS) {
        chunks.push(parts.join(''));
        parts = [];
        chars = 0;
      }
    };
    const valueNames = [...this.valueTables.keys()].sort();
    const mapNames = [...this.mapTables.keys()].sort();
    for (let group = this.range.start; group <= this.range.end; group++) {
      for (const name of valueNames) {
        const keys = this.valueTables.get(name)!.get(group);
        if (!keys) continue;
        const prefix = `[${group},${JSON.stringify(name)},"v",`;
        for (const [k, v] of keys) push(`${prefix}${k},${JSON.stringify(v)}]\n`);
      }
      for (const name of mapNames) {
        const keys = this.mapTables.get(name)!.get(group);
        if (!keys) continue;
        const prefix = `[${group},${JSON.stringify(name)},"m",`;
        for (const [k, map] of keys) push(`${prefix}${k},${JSON.stringify([...map.values()])}]\n`);
      }
    }
    if (parts.length > 0) chunks.push(parts.join(''));
    return { chunks, entries };
  }

  private restoredType(name: string): Set<string> {
    let types = this.restoredTypes.get(name);
    if (!types) this.restoredTypes.set(name, (types = new Set()));
    return types;
  }

  /** Loads one line of a snapshot file; lines of key groups outside this subtask's range are skipped. */
  restoreLine(line: string): boolean {
    if (line.length === 0) return false;
    const parsed = JSON.parse(line) as unknown;
    if (!Array.isArray(parsed)) {
      const header = parsed as { format?: string; version?: number };
      if (header.format !== KEYED_STATE_FORMAT || header.version !== 1) throw new Error(`not a keyed state file of a supported version: ${line.slice(0, 120)}`);
      return false;
    }
    const [group, name, type, key, value] = parsed as [number, string, 'v' | 'm', unknown, unknown];
    if (group < this.range.start || group > this.range.end) return false;
    const text = keyText(key);
    if (keyGroupOf(text, this.maxParallelism) !== group)
      throw new Error(
        `key ${text} is stored in key group ${group} but hashes to ${keyGroupOf(text, this.maxParallelism)}: the max parallelism or key hashing changed`,
      );
    if (type === 'v') {
      if (this.mapTables.has(name)) throw new Error(`state "${name}" is both value and map state in the snapshot`);
      let table = this.valueTables.get(name);
      if (!table) this.valueTables.set(name, (table = new Map()));
      let keys = table.get(group);
      if (!keys) table.set(group, (keys = new Map()));
      keys.set(text, value);
      if (value !== null) this.restoredType(name).add(jsonType(value));
    } else if (type === 'm') {
      if (this.valueTables.has(name)) throw new Error(`state "${name}" is both value and map state in the snapshot`);
      let table = this.mapTables.get(name);
      if (!table) this.mapTables.set(name, (table = new Map()));
      let keys = table.get(group);
      if (!keys) table.set(group, (keys = new Map()));
      const map = new Map<string, [unknown, unknown]>();
      for (const [uk, uv] of value as Array<[unknown, unknown]>) map.set(keyText(uk), [uk, uv]);
      keys.set(text, map);
      this.restoredType(name).add('map');
    } else {
      throw new Error(`unknown state entry type ${String(type)}`);
    }
    return true;
  }
}

function jsonType(value: unknown): string {
  return Array.isArray(value) ? 'array' : typeof value;
}
