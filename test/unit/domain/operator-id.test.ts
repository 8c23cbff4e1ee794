import { describe, expect, it } from '@jest/globals';
import { operatorIdForUid } from '../../../src/domain/operator-id.js';

describe('operatorIdForUid (Flink StreamGraphHasherV2 for a user-specified uid)', () => {
  // Vectors printed by Flink 2.3.0's own StreamGraphHasherV2.generateUserSpecifiedHash (and OperatorID.toString).
  it.each([
    ['', '00000000000000000000000000000000'],
    ['counter', '0da08f51eaa85fc298e176a139b3649a'],
    ['exactly-16-bytes', 'ab167aa51acea90f1d89af28029d8076'],
    ['a uid that is longer than sixteen bytes, with 33+ chars', '2a52c52884aace8d234c88a6f04e8022'],
    ['ünïcødé-ユーザー', 'b4e9423ae77327f6534ad82885af0e5f'],
  ])('%j -> %s', (uid, id) => {
    expect(operatorIdForUid(uid)).toBe(id);
  });

  it('gives the ids a real 1.20 savepoint of the test job stores its operators under', () => {
    // The test job's uids and the operator ids in fixtures/flink-metadata/1.20.5/*/_metadata (metadata v4, no uids stored).
    expect(['numbers', 'extra', 'extra-map', 'counter', 'sink'].map(operatorIdForUid)).toEqual([
      'ca88eee0095684d687a1b6495617f957',
      '12768d937fdeee0d13c3317f2bafabe8',
      '20033268d9fc8c96fb29e5f9ce1bc81c',
      '0da08f51eaa85fc298e176a139b3649a',
      '2e588ce1c86a9d46e2e85186773ce4fd',
    ]);
  });
});
