import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/app.js';
import { EXIT_CODES, exitCodeFor } from '../../../src/cli/exit-codes.js';
import { createTestIO } from '../../../src/cli/io.js';
import { normalizeFlinkArgv } from '../../../src/cli/program.js';

describe("Flink's single-dash long options", () => {
  it('are rewritten to double-dash before parsing', () => {
    expect(normalizeFlinkArgv(['savepoint', 'abc', '-type', 'native', '-detached'])).toEqual(['savepoint', 'abc', '--type', 'native', '--detached']);
    expect(normalizeFlinkArgv(['run', '-cm', 'claim', '-rm', 'no_claim', '-sae', 'job.ts'])).toEqual([
      'run',
      '--claimMode',
      'claim',
      '--restoreMode',
      'no_claim',
      '--shutdownOnAttachedExit',
      '--',
      'job.ts',
    ]);
    expect(normalizeFlinkArgv(['checkpoint', '-full', 'abc'])).toEqual(['checkpoint', '--full', 'abc']);
  });

  it('program arguments after the job file are left alone (a -- marks where they start)', () => {
    expect(normalizeFlinkArgv(['run', '-p', '2', '-s', '/sp', 'job.ts', '-type', '-cm'])).toEqual([
      'run',
      '-p',
      '2',
      '-s',
      '/sp',
      '--',
      'job.ts',
      '-type',
      '-cm',
    ]);
    expect(normalizeFlinkArgv(['restore', 'latest', '-n', '-cm', 'claim', 'job.ts', '--out', 'x'])).toEqual([
      'restore',
      'latest',
      '-n',
      '--claimMode',
      'claim',
      '--',
      'job.ts',
      '--out',
      'x',
    ]);
    expect(normalizeFlinkArgv(['list', '--', '-type'])).toEqual(['list', '--', '-type']);
  });

  it('an option value that looks like a flag is not rewritten', () => {
    expect(normalizeFlinkArgv(['config', '-D', 'a=b', '-type'])).toEqual(['config', '-D', 'a=b', '--type']);
  });
});

describe('exit codes', () => {
  it('every error kind has a distinct code', () => {
    const codes = EXIT_CODES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([exitCodeFor('usage'), exitCodeFor('config'), exitCodeFor('unreachable'), exitCodeFor('not-found'), exitCodeFor('timeout')]).toEqual([
      2, 3, 4, 5, 6,
    ]);
  });
});

describe('runCli with a test IO', () => {
  it('data on stdout, warnings on stderr, never on process.stdout', async () => {
    const io = createTestIO();
    const code = await runCli(['config', 'state.savepoints.dir', '-D', 'state.savepoints.dir=/x', '-D', 'web.port=1'], { io, env: {}, cwd: '/' });
    expect(code).toBe(0);
    expect(io.stdoutText()).toBe('/x\n');
    expect(io.stderrText()).toBe("Warning: Config key 'web.port' (-D) is deprecated; use 'rest.port' instead.\n");
  });

  it('on a terminal: an aligned table with a header and colour', async () => {
    const io = createTestIO({ tty: true });
    await runCli(['config', 'rest.port', 'rest.address', '-m', 'h:1'], { io, env: {}, cwd: '/' });
    const lines = io.stdoutText().split('\n');
    const plain = lines.map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''));
    expect(plain[0]).toMatch(/^KEY\s+VALUE\s+ORIGIN$/);
    expect(plain[1]).toMatch(/^rest\.port\s+1\s+-m$/);
    expect(plain[1].indexOf('1')).toBe(plain[0].indexOf('VALUE'));
    expect(io.stdoutText()).toMatch(/\u001b\[1m/); // bold header
  });

  it('an unexpected error is an internal error with a hint; the stack only with --debug', async () => {
    const broken = (debug: boolean) => {
      const io = createTestIO();
      Object.defineProperty(io, 'stdout', {
        value: {
          write: () => {
            throw new TypeError('stdout is gone');
          },
        },
      });
      return runCli(['config', 'rest.port', ...(debug ? ['--debug'] : [])], { io, env: {}, cwd: '/' }).then((code) => ({ code, err: io.stderrText() }));
    };
    const plain = await broken(false);
    expect(plain.code).toBe(70);
    expect(plain.err).toBe('Error: Internal error: stdout is gone\nRerun with --debug for a stack trace, and please report it.\n');
    const debug = await broken(true);
    expect(debug.code).toBe(70);
    expect(debug.err).toMatch(/^TypeError: stdout is gone\n\s+at /);
  });
});

describe('spinners', () => {
  it('are animated only on a terminal, outside CI, without --json or --quiet', async () => {
    const tty = createTestIO({ tty: true });
    (await tty.spinner('working')).succeed('done');
    expect(tty.spinnerEvents).toEqual(['start:working', 'succeed:done']);
    for (const io of [createTestIO({ tty: false }), createTestIO({ tty: true, ci: true })]) {
      (await io.spinner('working')).succeed('done');
      expect(io.spinnerEvents).toEqual([]);
    }
    const json = createTestIO({ tty: true });
    json.setMode({ json: true });
    (await json.spinner('x')).stop();
    expect(json.spinnerEvents).toEqual([]);
  });
});

describe('startup stays light', () => {
  // `flink --help` must not load execa, yaml, cosmiconfig, cli-table3, esbuild, the storage SDKs or node:http:
  // the CLI bundle (one CommonJS file) requires them only inside the code that needs them. A require hook
  // records what a real `flink --help` loads.
  const hook = (log: string) =>
    `const Module = require('node:module');\nconst { appendFileSync } = require('node:fs');\nconst load = Module._load;\n` +
    `Module._load = function (request, ...rest) { appendFileSync(${JSON.stringify(log)}, request + '\\n'); return load.call(this, request, ...rest); };\n`;
  const loadedBy = (args: string[], env: Record<string, string> = {}): string[] => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flink-startup-'));
    try {
      const log = path.join(dir, 'loaded.txt');
      writeFileSync(path.join(dir, 'hook.cjs'), hook(log));
      const options = { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', ...env }, encoding: 'utf8' as const };
      spawnSync(process.execPath, args, options); // a first call writes the code cache the recorded one uses
      writeFileSync(log, '');
      const r = spawnSync(process.execPath, ['--require', path.join(dir, 'hook.cjs'), ...args], options);
      if (r.status !== 0 || (args.includes('--help') && !r.stdout.startsWith('Usage: flink')))
        throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      return readFileSync(log, 'utf8').split('\n').filter(Boolean);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const HEAVY = ['execa', 'yaml', 'cosmiconfig', 'cli-table3', 'esbuild', '@aws-sdk/client-s3', '@azure/storage-blob', 'node:http', 'node:crypto'];

  it('the hook sees what is loaded (control: a script requiring yaml and node:http)', () => {
    expect(loadedBy(['-e', "require('node:http'); try { require('yaml'); } catch {}"])).toEqual(expect.arrayContaining(['yaml', 'node:http']));
  });

  it.each([
    ['with the code cache', {}],
    ['without it', { NODE_DISABLE_COMPILE_CACHE: '1' }],
  ])('flink --help loads none of the heavy modules (%s)', (_name, env) => {
    const loaded = loadedBy([path.resolve('bin', 'flink'), '--help'], env);
    expect(loaded).toContain('node:url'); // the bundle's own requires are seen
    expect(loaded.filter((m) => HEAVY.includes(m))).toEqual([]);
  });
});

describe('the usage hint names the command, not an option value', () => {
  it('global options with values before the command are skipped', async () => {
    const io = createTestIO();
    const code = await runCli(['--config-dir', '/tmp/x/conf', 'config', '--bogus'], { io, env: {}, cwd: '/' });
    expect([code, io.stderrText()]).toEqual([2, "Error: Unknown option '--bogus'\nRun 'flink config --help' for usage.\n"]);
    const m = createTestIO();
    expect(await runCli(['-m', 'h:1', '-D', 'a=b', 'config', '--bogus'], { io: m, env: {}, cwd: '/' })).toBe(2);
    expect(m.stderrText()).toBe("Error: Unknown option '--bogus'\nRun 'flink config --help' for usage.\n");
  });
});
