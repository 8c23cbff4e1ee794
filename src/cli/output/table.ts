// Tables: aligned columns on a terminal (cli-table3, borderless), tab-separated lines when piped. On a
// terminal the table fits its width: columns that say how are shortened or dropped, a cell never wraps.
import type { IO } from '../io.js';

export interface Column<Row> {
  header: string;
  /** The column's name in piped output (--header) when the plain value has a unit, e.g. AGE_MS. */
  plainHeader?: string;
  value(row: Row): string;
  /** Optional colouring for the terminal form. */
  color?(text: string, row: Row, io: IO): string;
  /**
   * Fitting a terminal: columns with a lower priority are dropped first; a column without one is never dropped.
   * Columns below DROP_FIRST go before any column is shortened, the others after.
   */
  priority?: number;
  /** Fitting a terminal: how narrow the column may be shortened (not shortened when unset). */
  minWidth?: number;
  /** Where a shortened value keeps its text: 'end' (a path's last part, the default) or 'start'. */
  keep?: 'start' | 'end';
}

/** Priorities below this are dropped before anything is shortened (columns that are nice to have). */
export const DROP_FIRST = 5;
const GAP = 2;

export async function printTable<Row>(io: IO, columns: Column<Row>[], rows: Row[]): Promise<void> {
  if (!io.humanOutput) {
    // Scripts depend on headerless tab-separated lines; --header names the columns.
    if (io.mode.header) io.print(columns.map((c) => c.plainHeader ?? c.header).join('\t'));
    for (const row of rows) io.print(columns.map((c) => c.value(row).replace(/[\t\n]/g, ' ')).join('\t'));
    return;
  }
  const texts = rows.map((row) => columns.map((c) => c.value(row)));
  // Only a terminal has a width to fit; --human into a pipe gets the full table.
  const fitted: Array<{ index: number; width?: number }> =
    io.isStdoutTTY && io.stdoutColumns ? fitColumns(columns, texts, io.stdoutColumns) : columns.map((_, i) => ({ index: i }));
  const { default: Table } = await import('cli-table3');
  const blank = {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: ' '.repeat(GAP),
  };
  const table = new Table({
    head: fitted.map((f) => io.out.bold(columns[f.index].header)),
    chars: blank,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  rows.forEach((row, r) =>
    table.push(
      fitted.map((f) => {
        const column = columns[f.index];
        const text = f.width === undefined ? texts[r][f.index] : shorten(texts[r][f.index], f.width, column.keep ?? 'end');
        return column.color ? column.color(text, row, io) : text;
      }),
    ),
  );
  io.print(
    table
      .toString()
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n'),
  );
}

/**
 * Which columns to show, and how wide, for a terminal of `width` columns (pure): drop the nice-to-have
 * columns, then shorten what may be shortened (the widest first, down to its minWidth), then drop by priority.
 * A column shown at its full width has no `width`.
 */
export function fitColumns<Row>(columns: readonly Column<Row>[], texts: readonly string[][], width: number): Array<{ index: number; width?: number }> {
  const natural = columns.map((c, i) => Math.max(visibleLength(c.header), ...texts.map((t) => visibleLength(t[i]))));
  const shown = columns.map((_, i) => i);
  const widths = [...natural];
  const total = () => shown.reduce((n, i) => n + widths[i], 0) + GAP * (shown.length - 1);
  const dropLowest = (below: number) => {
    const candidates = shown.filter((i) => columns[i].priority !== undefined && columns[i].priority! < below);
    if (candidates.length === 0) return false;
    const lowest = candidates.reduce((a, b) => (columns[b].priority! < columns[a].priority! ? b : a));
    shown.splice(shown.indexOf(lowest), 1);
    return true;
  };
  while (total() > width && dropLowest(DROP_FIRST));
  // Shortening is shared: one character at a time off the column with the most to spare above its minimum.
  const floor = (i: number) => Math.max(columns[i].minWidth ?? Infinity, visibleLength(columns[i].header));
  while (total() > width) {
    const shrinkable = shown.filter((i) => widths[i] > floor(i));
    if (shrinkable.length === 0) break;
    widths[shrinkable.reduce((a, b) => (widths[b] - floor(b) > widths[a] - floor(a) ? b : a))]--;
  }
  while (total() > width && dropLowest(Infinity));
  // What dropping freed goes back to the shortened columns, in their order.
  for (const i of shown) widths[i] = Math.min(natural[i], widths[i] + Math.max(0, width - total()));
  return shown.map((i) => (widths[i] < natural[i] ? { index: i, width: widths[i] } : { index: i }));
}

/** The text in at most `width` columns, an ellipsis where it was cut ('…/savepoints/savepoint-fd7201-…' keeps the end). */
export function shorten(text: string, width: number, keep: 'start' | 'end'): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  return keep === 'end' ? `…${chars.slice(chars.length - width + 1).join('')}` : `${chars.slice(0, width - 1).join('')}…`;
}

function visibleLength(text: string): number {
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}
