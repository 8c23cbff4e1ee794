// The README's exit-code table, `flink help exit-codes` and the code agree: the same codes, each once.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT_CODES, renderExitCodeTable } from '../../../src/cli/exit-codes.js';

describe('exit codes', () => {
  it('the README lists exactly the codes of the one table, and help prints every row', () => {
    const readme = readFileSync(path.resolve('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('| code | meaning |'));
    const rows = section.slice(0, section.indexOf('\n\n')).split('\n').slice(2);
    expect(rows.map((r) => Number(/^\| (\d+) \|/.exec(r)![1]))).toEqual(EXIT_CODES.map((r) => r.code));
    const help = renderExitCodeTable();
    for (const row of EXIT_CODES) expect(help).toContain(`${String(row.code).padStart(3)}  ${row.meaning}`);
  });
});
