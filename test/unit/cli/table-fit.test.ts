import { describe, expect, it } from '@jest/globals';
import { fitColumns, shorten, type Column } from '../../../src/cli/output/table.js';

type Row = string[];
const col = (header: string, i: number, extra: Partial<Column<Row>> = {}): Column<Row> => ({ header, value: (r) => r[i], ...extra });
const COLUMNS = [
  col('KIND', 0, { priority: 8 }),
  col('TRIGGER', 1, { priority: 2 }),
  col('SIZE', 2, { priority: 6 }),
  col('LOCATION', 3, { minWidth: 20 }),
  col('STATUS', 4, { minWidth: 10, keep: 'start' }),
];
const ROWS = [['savepoint', 'manual', '2.4 KB', '/data/flink/savepoints/savepoint-fd7201-0123456789ab', 'complete, verified, pinned (before v2)']];
const width = (fit: Array<{ index: number; width?: number }>) =>
  fit.reduce((n, f) => n + (f.width ?? Math.max(COLUMNS[f.index].header.length, ROWS[0][f.index].length)), 0) + 2 * (fit.length - 1);

describe('a table on a terminal', () => {
  it('at full width when it fits', () => {
    expect(fitColumns(COLUMNS, ROWS, 200)).toEqual([0, 1, 2, 3, 4].map((index) => ({ index })));
  });

  it('drops nice-to-have columns first, then shortens, then drops by priority; never wider than the terminal when it can be helped', () => {
    const at100 = fitColumns(COLUMNS, ROWS, 100);
    expect(at100.map((f) => f.index)).toEqual([0, 2, 3, 4]);
    expect(width(at100)).toBeLessThanOrEqual(100);
    const at60 = fitColumns(COLUMNS, ROWS, 60);
    expect(at60.map((f) => f.index)).toEqual([0, 2, 3, 4]);
    expect(width(at60)).toBeLessThanOrEqual(60);
    const at40 = fitColumns(COLUMNS, ROWS, 40);
    expect(at40).toEqual([
      { index: 3, width: 28 },
      { index: 4, width: 10 },
    ]);
    expect(width(at40)).toBe(40); // what dropping freed went back to the location
  });

  it('shortens a path at its start and a status at its end', () => {
    expect(shorten('/data/flink/savepoints/savepoint-fd7201-0123456789ab', 32, 'end')).toBe('…s/savepoint-fd7201-0123456789ab');
    expect(shorten('complete, verified', 10, 'start')).toBe('complete,…');
    expect(shorten('short', 10, 'end')).toBe('short');
  });
});
