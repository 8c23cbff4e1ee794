// One parser per kind of option value, the same in every command (issue 13: three --timeout parsers, one
// of which accepted 0).
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/app.js';
import { createTestIO } from '../../../src/cli/io.js';
import { parseDurationOption, parseMaxAge, parseTimeout } from '../../../src/cli/options.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const state = path.join(mkdtempSync(path.join(tmpdir(), 'flink-cli-options-')), 'state');
afterAll(() => rmSync(path.dirname(state), { recursive: true, force: true }));

describe('durations', () => {
  it('--timeout and --max-age are positive durations; 0 and words are usage errors naming the option', () => {
    expect([parseTimeout('90s'), parseTimeout('1500'), parseTimeout(undefined), parseMaxAge('2d')]).toEqual([90_000, 1500, undefined, 172_800_000]);
    expect(() => parseTimeout('0')).toThrow("Invalid --timeout '0': expected a duration such as 90s, 5min or 1h.");
    expect(() => parseTimeout('0s')).toThrow(/Invalid --timeout/);
    expect(() => parseTimeout('soon')).toThrow(/Invalid --timeout 'soon'/);
    expect(() => parseMaxAge('0')).toThrow(/Invalid --max-age '0'/);
    expect(parseDurationOption('--min-age', '0', '1h', { zero: true })).toBe(0);
  });

  it.each([
    [['upgrade', '--timeout', '0', JOB, 'job.ts']],
    [['savepoint', JOB, '--timeout', '0']],
    [['stop', JOB, '--timeout', '0']],
    [['cancel', '-s', '/sp', JOB, '--timeout', '0']],
    [['checkpoint', JOB, '--timeout', '0']],
    [['savepoint', '-d', '/sp/savepoint-x', '--timeout', '0']],
    [['cluster', 'start', '--timeout', '0']],
  ])('flink %j: a usage error before anything is contacted, started or written', async (argv) => {
    // Before the fix, cluster start spawned the daemon and savepoint -d sent the disposal before parsing --timeout.
    const io = createTestIO();
    const code = await runCli(['-m', '127.0.0.1:1', '-D', `coordinator.dir=${state}`, '-D', 'audit.log=/dev/null', ...argv], { io, env: {}, cwd: '/' });
    expect([code, io.stderrText()]).toEqual([2, "Error: Invalid --timeout '0': expected a duration such as 90s, 5min or 1h.\n"]);
    expect(existsSync(state) ? readdirSync(state) : []).toEqual([]);
  });
});
