// The pure restore pre-flight: state that would be dropped, operators starting empty, what Flink's plan cannot tell.
import { describe, expect, it } from '@jest/globals';
import { comparePreflight, describeOperator, describePlanned, type SnapshotOperator } from '../../../src/domain/preflight.js';

const op = (id: string, hasState: boolean, uid: string | null = null, bytes = hasState ? 10 : 0): SnapshotOperator => ({
  id: id.repeat(32).slice(0, 32),
  uid,
  name: null,
  bytes,
  hasState,
});
const planned = (id: string, name = id) => ({ id: id.repeat(32).slice(0, 32), name });

describe('comparePreflight', () => {
  const snapshot = [op('a', true, 'source'), op('b', false, 'map'), op('c', true, 'count'), op('d', true)];

  it('every operator planned (local coordinator): state of a missing operator is dropped; a new one starts empty', () => {
    const report = comparePreflight(snapshot, [planned('a'), planned('b'), planned('e', 'Tally')], { everyOperator: true });
    expect(report.dropped.map((o) => o.uid ?? o.id)).toEqual(['count', 'd'.repeat(32)]);
    expect(report.unchecked).toEqual([]);
    expect(report.startEmpty).toEqual([planned('e', 'Tally')]);
  });

  it('a stateless operator that is gone drops nothing', () => {
    expect(comparePreflight(snapshot, [planned('a'), planned('c'), planned('d')], { everyOperator: true })).toEqual({
      dropped: [],
      unchecked: [],
      startEmpty: [],
    });
  });

  it("Flink's plan (chain heads only): a missing stateful operator is unchecked, never called dropped", () => {
    const report = comparePreflight(snapshot, [planned('a')], { everyOperator: false });
    expect(report.dropped).toEqual([]);
    expect(report.unchecked.map((o) => o.uid ?? o.id)).toEqual(['count', 'd'.repeat(32)]);
  });

  it('describes operators by uid when known, else by id and name', () => {
    expect(describeOperator(op('c', true, 'count', 1156))).toBe(`uid 'count' (operator ${'c'.repeat(32)}, 1156 bytes)`);
    expect(describeOperator({ ...op('d', true, null, 7), name: 'Map' })).toBe(`operator ${'d'.repeat(32)} 'Map' (7 bytes)`);
    expect(describePlanned(planned('e', 'Tally'))).toBe(`'Tally' (operator ${'e'.repeat(32)})`);
  });
});
