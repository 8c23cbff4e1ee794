import { describe, expect, test } from '@jest/globals';
import { hashKeyText, keyGroupOf, keyGroupRangeOf, keyText, subtaskOfKeyGroup } from '../../../src/runtime/key-groups.js';

describe('key groups', () => {
  test('the hash of a key is fixed (state written today is found tomorrow)', () => {
    expect(hashKeyText(keyText('user-1'))).toBe(hashKeyText('"user-1"'));
    expect([keyGroupOf(keyText('a'), 128), keyGroupOf(keyText(42), 128), keyGroupOf(keyText(['x', 1]), 128)]).toEqual([
      hashKeyText('"a"') % 128,
      hashKeyText('42') % 128,
      hashKeyText('["x",1]') % 128,
    ]);
    // Pinned values (checked against an independent Python implementation): changing the hash function would silently orphan keyed state in existing snapshots.
    expect(hashKeyText('"a"')).toBe(921681762);
    expect(hashKeyText('42')).toBe(686566589);
  });

  test('keys spread over all key groups', () => {
    const groups = new Set<number>();
    for (let i = 0; i < 5000; i++) groups.add(keyGroupOf(keyText(`k${i}`), 128));
    expect(groups.size).toBe(128);
  });

  test.each([
    [1, 128],
    [3, 128],
    [7, 128],
    [128, 128],
    [5, 11],
  ])('parallelism %i of max %i: ranges partition the key groups and agree with subtaskOfKeyGroup', (p, m) => {
    let next = 0;
    for (let i = 0; i < p; i++) {
      const range = keyGroupRangeOf(i, p, m);
      expect(range.start).toBe(next);
      for (let g = range.start; g <= range.end; g++) expect(subtaskOfKeyGroup(g, p, m)).toBe(i);
      next = range.end + 1;
    }
    expect(next).toBe(m);
  });

  test('parallelism above the max parallelism is refused', () => {
    expect(() => keyGroupRangeOf(0, 129, 128)).toThrow(/parallelism must be/);
  });
});
