// Tables: aligned columns on a terminal (cli-table3, borderless), tab-separated lines when piped.
import type { IO } from '../io.js';

export interface Column<Row> {
  header: string;
  /** The column's name in piped output (--header) when the plain value has a unit, e.g. AGE_MS. */
  plainHeader?: string;
  value(row: Row): string;
  /** Optional colouring for the terminal form. */
  color?(text: string, row: Row, io: IO): string;
}

export async function printTable<Row>(io: IO, columns: Column<Row>[], rows: Row[]): Promise<void> {
  if (!io.humanOutput) {
    // Scripts depend on headerless tab-separated lines; --header names the columns.
    if (io.mode.header) io.print(columns.map((c) => c.plainHeader ?? c.header).join('\t'));
    for (const row of rows) io.print(columns.map((c) => c.value(row).replace(/[\t\n]/g, ' ')).join('\t'));
    return;
  }
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
    middle: '  ',
  };
  const table = new Table({
    head: columns.map((c) => io.out.bold(c.header)),
    chars: blank,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const row of rows) table.push(columns.map((c) => (c.color ? c.color(c.value(row), row, io) : c.value(row))));
  io.print(
    table
      .toString()
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n'),
  );
}
