// Issue 17: the --help examples of the commands that take a job file work as written: no CLI option after the
// job file (everything after it goes to the job, as in Flink's run).
import { describe, expect, it } from '@jest/globals';
import { runFlink } from './helpers.js';

const CLI_OPTIONS = new Set([
  '-d',
  '--detached',
  '-p',
  '--parallelism',
  '-s',
  '--fromSavepoint',
  '-n',
  '--allowNonRestoredState',
  '-cm',
  '--claimMode',
  '-m',
  '--jobmanager',
  '--name',
  '--from-job',
  '--dir',
  '-c',
  '--class',
  '--json',
  '-q',
  '--savepointPath',
  '--timeout',
  '--previous',
]);

describe('help examples', () => {
  it.each(['run', 'restore', 'upgrade'])('flink %s --help: options come before the job file', async (command) => {
    const r = await runFlink([command, '--help']);
    expect(r.exitCode).toBe(0);
    const examples = r.stdout.split('\n').filter((l) => l.trimStart().startsWith(`flink ${command} `));
    expect(examples.length).toBeGreaterThan(0);
    for (const line of examples) {
      const words = line.trim().split(/\s+/);
      const job = words.findIndex((w) => /\.(ts|mts|js|mjs|jar)$/.test(w));
      if (job < 0) continue;
      expect({ line, late: words.slice(job + 1).filter((w) => CLI_OPTIONS.has(w)) }).toEqual({ line, late: [] });
    }
  });
});
