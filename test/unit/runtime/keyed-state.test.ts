import { describe, expect, test } from '@jest/globals';
import { KeyedStateBackend } from '../../../src/runtime/keyed-state.js';
import { keyGroupOf, keyGroupRangeOf, keyText } from '../../../src/runtime/key-groups.js';

const MAX = 16;

function backendFor(index: number, parallelism: number) {
  return new KeyedStateBackend(keyGroupRangeOf(index, parallelism, MAX), MAX);
}

function ownerOf(key: string, parallelism: number): number {
  const group = keyGroupOf(keyText(key), MAX);
  for (let i = 0; i < parallelism; i++) {
    const r = keyGroupRangeOf(i, parallelism, MAX);
    if (group >= r.start && group <= r.end) return i;
  }
  throw new Error('no owner');
}

function at(backend: KeyedStateBackend, key: string) {
  backend.setCurrentKey(key, keyText(key), keyGroupOf(keyText(key), MAX));
}

describe('KeyedStateBackend', () => {
  test('value and map state are per key', () => {
    const b = backendFor(0, 1);
    const count = b.valueState<number>('count', 0);
    const seen = b.mapState<string, number>('seen');
    at(b, 'x');
    count.update(count.value()! + 1);
    seen.put('a', 1);
    at(b, 'y');
    expect(count.value()).toBe(0);
    expect(seen.isEmpty()).toBe(true);
    at(b, 'x');
    expect(count.value()).toBe(1);
    expect(seen.entries()).toEqual([['a', 1]]);
    seen.remove('a');
    expect(seen.contains('a')).toBe(false);
    count.clear();
    expect(count.value()).toBe(0);
  });

  test('state is only reachable with a current key', () => {
    const b = backendFor(0, 1);
    expect(() => b.valueState('s').value()).toThrow(/no current key/);
  });

  test('a snapshot is a copy: later updates do not leak into it', () => {
    const b = backendFor(0, 1);
    const s = b.valueState<number>('s');
    at(b, 'k');
    s.update(1);
    const { chunks } = b.snapshotChunks();
    s.update(2);
    const restored = backendFor(0, 1);
    for (const line of chunks.join('').split('\n')) restored.restoreLine(line);
    at(restored, 'k');
    expect(restored.valueState<number>('s').value()).toBe(1);
  });

  test.each([
    [2, 3],
    [3, 1],
    [1, 4],
    [4, 2],
  ])('state of %i subtasks restores into %i subtasks, each key exactly once', (from, to) => {
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    const old = Array.from({ length: from }, (_, i) => backendFor(i, from));
    for (const [i, key] of keys.entries()) {
      const b = old[ownerOf(key, from)];
      at(b, key);
      b.valueState<number>('n').update(i);
      b.mapState<string, string>('m').put('k', `v${i}`);
    }
    const lines = old.flatMap((b) => b.snapshotChunks().chunks.join('').split('\n'));
    const fresh = Array.from({ length: to }, (_, i) => backendFor(i, to));
    for (const b of fresh) for (const line of lines) b.restoreLine(line);
    expect(fresh.reduce((sum, b) => sum + b.size, 0)).toBe(keys.length * 2);
    for (const [i, key] of keys.entries()) {
      const b = fresh[ownerOf(key, to)];
      at(b, key);
      expect(b.valueState<number>('n').value()).toBe(i);
      expect(b.mapState<string, string>('m').get('k')).toBe(`v${i}`);
    }
  });

  test('a key in the wrong key group is refused (max parallelism or hash changed)', () => {
    const b = backendFor(0, 1);
    const wrong = (keyGroupOf(keyText('k'), MAX) + 1) % MAX;
    expect(() => b.restoreLine(JSON.stringify([wrong, 's', 'v', 'k', 1]))).toThrow(/hashes to/);
  });
});
