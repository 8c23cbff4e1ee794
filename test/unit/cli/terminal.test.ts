// Issue 17: no spinner on a terminal of zero or unknown size; a signal runs the cleanups and names the trigger id.
import { describe, expect, it } from '@jest/globals';
import { interrupted, markWaiting, onInterrupt } from '../../../src/cli/interrupt.js';
import { createTestIO } from '../../../src/cli/io.js';

describe('terminal size', () => {
  it('animates only on a terminal with a size', () => {
    expect(createTestIO({ tty: true }).canAnimate).toBe(true);
    expect(createTestIO({ tty: true, size: { columns: 0, rows: 0 } }).canAnimate).toBe(false);
    expect(createTestIO({ tty: true, size: { columns: 80, rows: 0 } }).canAnimate).toBe(false);
    expect(createTestIO({ tty: false }).canAnimate).toBe(false);
  });
});

describe('signals', () => {
  it('SIGINT while waiting: 130, the cleanups ran, the trigger id and how to reattach', () => {
    const cleaned: string[] = [];
    onInterrupt(() => cleaned.push('spinner'));
    const unmark = markWaiting({ what: 'savepoint', triggerId: 'abc', reattach: 'flink savepoint status j abc' });
    const { lines, code } = interrupted('SIGINT');
    expect(code).toBe(130);
    expect(cleaned).toEqual(['spinner']);
    expect(lines).toEqual([
      'Interrupted: stopped waiting; the savepoint may still complete on the cluster (trigger id abc).',
      'Reattach with: flink savepoint status j abc',
    ]);
    unmark();
    expect(interrupted('SIGTERM')).toEqual({ lines: ['Terminated.'], code: 143 });
    // An attached run: the job keeps running, and how to stop it.
    const unwatch = markWaiting({ job: 'j1' });
    expect(interrupted('SIGINT').lines).toEqual([
      'Interrupted: stopped waiting; job j1 keeps running on the cluster (an attached run only watches it).',
      'Stop it with: flink stop j1 (or flink cancel j1)',
    ]);
    unwatch();
    expect(cleaned).toEqual(['spinner']); // each cleanup runs once
  });
});
