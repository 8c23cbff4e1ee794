// diff --keys on two state files with many keys, read as `savepoints diff` reads them (two readers side by side,
// key group by key group): exact counts and first keys of each change, each side's key groups handed over one
// at a time in order holding only that key group's keys, and key tables reused from key group to key group.
import { describe, expect, it } from '@jest/globals';
import { KeyDiffer } from '../../../src/storage/keyed-state/diff.js';
import { KeyTable } from '../../../src/storage/keyed-state/key-table.js';
import { summarizeOperator } from '../../../src/storage/keyed-state/reader.js';
import { StoreCache } from '../../../src/storage/keyed-state/source.js';
import { DataWriter, header, inlineKeyedOperator, keyedFile, simple, SIMPLE, type TestEntry } from '../../support/keyed-state-writer.js';

const MAX_PARALLELISM = 128;
const KEYS_PER_GROUP = 400;
const states = [
  { name: 'count', kind: 'VALUE', serializers: { NAMESPACE_SERIALIZER: simple(SIMPLE.void), VALUE_SERIALIZER: simple(SIMPLE.long) } },
  { name: 'last', kind: 'VALUE', serializers: { NAMESPACE_SERIALIZER: simple(SIMPLE.void), VALUE_SERIALIZER: simple(SIMPLE.string) } },
];
const keyBytes = (s: string) => Buffer.concat([new DataWriter().str(s).done(), Buffer.from([0])]);

/** A state file of keys `k-<group>-<i>`; `value` gives a key's count (undefined: the key is absent). */
function stateFile(value: (group: number, i: number) => number | undefined): { bytes: Buffer; offsets: number[] } {
  const groups: Array<{ group: number; entries: TestEntry[] }> = [];
  for (let group = 0; group < MAX_PARALLELISM; group++) {
    const keys: Array<[string, number]> = [];
    for (let i = 0; i < KEYS_PER_GROUP + 5; i++) {
      const v = value(group, i);
      if (v !== undefined) keys.push([`k-${group}-${i}`, v]);
    }
    if (keys.length === 0) continue;
    const entries = [
      ...keys.map(([k, v]) => ({ stateId: 0, key: keyBytes(k), value: new DataWriter().i64(v).done() })),
      ...keys.map(([k]) => ({ stateId: 1, key: keyBytes(k), value: new DataWriter().str(`last of ${k}`).done() })),
    ];
    groups.push({ group, entries });
  }
  return keyedFile(header(simple(SIMPLE.string), states), groups, { maxParallelism: MAX_PARALLELISM });
}

describe('diff --keys', () => {
  const stores = new StoreCache({ s3: { pathStyle: false }, azure: { accountKey: () => undefined } });

  it('counts added, removed and changed keys over many key groups, one key group of each side at a time', async () => {
    // a: keys 0..399 of every key group but 100..127, which only b has (b has none of 0..9).
    // b: drops i % 50 === 7, changes i % 40 === 3, adds 400..404 in even key groups.
    const inA = (g: number, i: number) => (i < KEYS_PER_GROUP && (g < 100 || g > 127) ? i : undefined);
    const inB = (g: number, i: number) => {
      if (g < 10) return undefined;
      if (i >= KEYS_PER_GROUP) return g % 2 === 0 ? i : undefined;
      if (i % 50 === 7) return undefined;
      return i % 40 === 3 ? i + 1000 : i;
    };
    const a = stateFile(inA);
    const b = stateFile(inB);
    expect(a.bytes.length).toBeGreaterThan(1024 * 1024); // more than one read chunk per side

    const expected = { added: 0, removed: 0, changed: 0, unchanged: 0 };
    const first: Record<'added' | 'removed' | 'changed', string[]> = { added: [], removed: [], changed: [] };
    const note = (what: 'added' | 'removed' | 'changed', key: string) => {
      expected[what]++;
      if (first[what].length < 20) first[what].push(key);
    };
    for (let g = 0; g < MAX_PARALLELISM; g++) {
      for (let i = 0; i < KEYS_PER_GROUP + 5; i++) {
        const va = inA(g, i);
        const vb = inB(g, i);
        if (va !== undefined && vb === undefined) note('removed', `k-${g}-${i}`);
        else if (va !== undefined && vb !== undefined) {
          if (va === vb) expected.unchanged++;
          else note('changed', `k-${g}-${i}`);
        }
      }
      for (let i = 0; i < KEYS_PER_GROUP + 5; i++) if (inA(g, i) === undefined && inB(g, i) !== undefined) note('added', `k-${g}-${i}`);
    }

    const differ = new KeyDiffer();
    const seen = { a: [] as Array<[number, number]>, b: [] as Array<[number, number]> };
    const tables = { a: new Set<KeyTable>(), b: new Set<KeyTable>() };
    const side = (name: 'a' | 'b', file: { bytes: Buffer; offsets: number[] }) =>
      summarizeOperator(inlineKeyedOperator(file, MAX_PARALLELISM), stores, {
        digestsFor: () => (group, keys, decode, release) => {
          seen[name].push([group, keys.size]);
          tables[name].add(keys);
          differ.push(name, group, keys, decode, release);
        },
        afterChunk: () => differ.paced(name),
      }).finally(() => differ.finish(name));
    const [ra, rb] = await Promise.all([side('a', a), side('b', b)]);
    expect([...ra.problems, ...rb.problems]).toEqual([]);

    expect(differ.changes).toEqual({ ...expected, samples: first });
    expect(expected).toEqual({ added: 11271, removed: 4720, changed: 900, unchanged: 34380 });
    // Each key group is handed over once, in order, with its own keys only (two states, one key each).
    const groupsOf = (value: (g: number, i: number) => number | undefined) =>
      Array.from({ length: MAX_PARALLELISM }, (_, g) => [
        g,
        Array.from({ length: KEYS_PER_GROUP + 5 }, (_, i) => value(g, i)).filter((v) => v !== undefined).length,
      ]).filter(([, n]) => n > 0);
    expect(seen.a).toEqual(groupsOf(inA));
    expect(seen.b).toEqual(groupsOf(inB));
    // Tables are released after comparison and reused: fewer of them than key groups.
    expect(tables.a.size).toBeLessThan(seen.a.length);
    expect(tables.b.size).toBeLessThan(seen.b.length);
  });
});
