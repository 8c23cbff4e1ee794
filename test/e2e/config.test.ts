// `flink config` and the CLI shell, end to end: stdout, stderr and exit code asserted separately.
import { describe, expect, it } from '@jest/globals';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ANSI, emptyDir, fixture, runFlink } from './helpers.js';

const conf = (name: string) => ['--config-dir', fixture('config', name)];

describe('flink config --explain (the savepoint directory chain)', () => {
  it('step 2 with both names set and different: Flink 2 name wins, warning on stderr', async () => {
    const r = await runFlink(['config', '--explain', 'state.savepoints.dir', ...conf('both-differ')]);
    expect(r.exitCode).toBe(0);
    const file = path.join(fixture('config', 'both-differ'), 'config.yaml');
    expect(r.stdout.split('\n')).toEqual([
      '1\tpath given for this operation\t-\t-\tnot set',
      `2\texecution.checkpointing.savepoint-dir\t/tmp/flink-cli-fixtures/sp-flink2\t${file}:4\tused`,
      `2\tstate.savepoints.dir\t/tmp/flink-cli-fixtures/sp-flip10\t${file}:1\tshadowed ('execution.checkpointing.savepoint-dir' is also set and wins)`,
      '3\tsavepoints.state.backend.fs.dir (deprecated)\t-\t-\tnot set',
      "4\tthe cluster's default\t-\t-\tnot needed",
      '',
    ]);
    expect(r.stderr).toBe(
      `Warning: Both 'execution.checkpointing.savepoint-dir' (/tmp/flink-cli-fixtures/sp-flink2, ${file}:4) and 'state.savepoints.dir' ` +
        `(/tmp/flink-cli-fixtures/sp-flip10, ${file}:1) are set and differ; 'execution.checkpointing.savepoint-dir' wins.\n`,
    );
  });

  it.each([
    ['flink2-nested', 2, '/tmp/flink-cli-fixtures/sp-flink2'],
    ['flink2-flat', 2, '/tmp/flink-cli-fixtures/sp-flat'],
    ['flip10-only', 2, '/tmp/flink-cli-fixtures/sp-flip10'],
    ['both-same', 2, '/tmp/flink-cli-fixtures/sp-same'],
    ['legacy', 2, '/tmp/flink-cli-fixtures/sp-legacy'],
    ['deprecated-only', 3, '/tmp/flink-cli-fixtures/sp-deprecated'],
    ['deprecated-and-flip10', 2, '/tmp/flink-cli-fixtures/sp-flip10'],
    ['deprecated-and-flink2', 2, '/tmp/flink-cli-fixtures/sp-flink2'],
    ['backend-jobmanager', 4, null],
  ])('--json with %s: step %d', async (name, step, directory) => {
    const r = await runFlink(['config', '--json', '--explain', 'savepoint-dir', ...conf(name)]);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ version: 1, key: 'execution.checkpointing.savepoint-dir', step, directory });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('deprecated key only: used, with a deprecation warning naming the key to use', async () => {
    const r = await runFlink(['config', '--explain', 'savepoint-dir', ...conf('deprecated-only')]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('3\tsavepoints.state.backend.fs.dir (deprecated)\t/tmp/flink-cli-fixtures/sp-deprecated');
    expect(r.stderr).toMatch(
      /^Warning: Config key 'savepoints\.state\.backend\.fs\.dir' \(.*flink-conf\.yaml:2\) is deprecated; use 'execution\.checkpointing\.savepoint-dir' \(or 'state\.savepoints\.dir'\) instead\. Using its value \/tmp\/flink-cli-fixtures\/sp-deprecated\.\n$/,
    );
  });

  it('deprecated key and a step-2 key: the warning says the deprecated key was ignored', async () => {
    const r = await runFlink(['config', '--explain', 'savepoint-dir', ...conf('deprecated-and-flip10')]);
    expect(r.stderr).toContain("is deprecated and was ignored because 'state.savepoints.dir' is set; remove it.");
  });

  it('an ad-hoc path (--path) wins: step 1', async () => {
    const r = await runFlink(['config', '--json', '--explain', 'savepoint-dir', '--path', '/adhoc', ...conf('flink2-flat')]);
    expect(JSON.parse(r.stdout)).toMatchObject({ step: 1, directory: '/adhoc', origin: { kind: 'ad-hoc', what: '--path' } });
  });

  it('-D given before the command and after it, in both spellings', async () => {
    const before = await runFlink(['-D', 'state.savepoints.dir=/from-d', 'config', '--json', '--explain', 'savepoint-dir']);
    expect(JSON.parse(before.stdout)).toMatchObject({ step: 2, directory: '/from-d', origin: { kind: 'dynamic' } });
    const after = await runFlink(['config', '--json', '--explain', 'savepoint-dir', '-Dexecution.checkpointing.savepoint-dir=/from-d2']);
    expect(JSON.parse(after.stdout)).toMatchObject({ step: 2, directory: '/from-d2' });
  });

  it('nothing configured: step 4, the cluster default', async () => {
    const r = await runFlink(['config', '--explain', 'savepoint-dir']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("4\tthe cluster's default\t-\t-\tused (no directory is sent; the cluster uses its own execution.checkpointing.savepoint-dir)");
    expect(r.stderr).toBe('');
  });

  it('savepoints.state.backend: jobmanager is ignored with an explanation', async () => {
    const r = await runFlink(['config', '--explain', 'savepoint-dir', ...conf('backend-jobmanager')]);
    expect(r.stderr).toContain("Config key 'savepoints.state.backend'");
    expect(r.stderr).toContain('savepoints always go to files now');
  });
});

describe('flink config values', () => {
  it('one key on a pipe prints only its value', async () => {
    const r = await runFlink(['config', 'rest.port', ...conf('flink2-nested')]);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, '18081\n', '']);
  });

  it('-m after the command sets rest.address and rest.port', async () => {
    const r = await runFlink(['config', 'rest.address', 'rest.port', '-m', 'jm.example:9091']);
    expect(r.stdout).toBe('rest.address\tjm.example\t-m\nrest.port\t9091\t-m\n');
  });

  it('found through FLINK_CONF_DIR and through the search from the working directory', async () => {
    const viaEnv = await runFlink(['config', 'state.savepoints.dir'], { env: { FLINK_CONF_DIR: fixture('config', 'flip10-only') } });
    expect(viaEnv.stdout).toBe('/tmp/flink-cli-fixtures/sp-flip10\n');
    const viaSearch = await runFlink(['config', 'state.savepoints.dir'], { cwd: fixture('config', 'search-package') });
    expect(viaSearch.stdout).toBe('/tmp/flink-cli-fixtures/sp-package\n');
  });

  it('--json: one document with values and origins', async () => {
    const r = await runFlink(['config', '--json', 'rest.port', ...conf('legacy')]);
    const doc = JSON.parse(r.stdout);
    expect(doc.values).toEqual([
      { key: 'rest.port', value: '18084', origin: { kind: 'file', file: path.join(fixture('config', 'legacy'), 'flink-conf.yaml'), line: 7 } },
    ]);
    expect(doc.warnings).toHaveLength(1);
    expect(r.stderr).toContain("line skipped, expected 'key: value'");
  });
});

describe('errors and exit codes', () => {
  it('malformed YAML: configuration exit code, one line naming file and line, no stack trace', async () => {
    const r = await runFlink(['config', ...conf('malformed')]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Error: Malformed YAML in .*malformed\/config\.yaml:3: .*\n$/);
  });

  it('--json errors are one JSON document on stdout', async () => {
    const r = await runFlink(['config', '--json', '--config-dir', '/does/not/exist']);
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({
      version: 1,
      error: { kind: 'config', message: "The configuration directory '/does/not/exist' (--config-dir) does not exist.", exitCode: 3 },
    });
  });

  it('unknown option: usage exit code, one line and a usage hint', async () => {
    const r = await runFlink(['config', '--bogus']);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([2, '', "Error: Unknown option '--bogus'\nRun 'flink config --help' for usage.\n"]);
  });

  it('unknown command', async () => {
    const r = await runFlink(['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("Error: Unknown command 'frobnicate'\nRun 'flink --help' for usage.\n");
  });

  it('no command: help on stderr, usage exit code', async () => {
    const r = await runFlink([]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: flink <command> [options]');
  });

  it('a malformed -m is a usage error', async () => {
    const r = await runFlink(['config', '-m', 'no-port-here']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("Couldn't parse the JobManager address 'no-port-here'");
  });

  it('help exit-codes prints the table; --version and --help exit 0', async () => {
    const table = await runFlink(['help', 'exit-codes']);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^Exit codes of flink:\n\n\s+0 {2}Success\./);
    expect(table.stdout).toContain('  6  Timed out waiting');
    expect((await runFlink(['--version'])).stdout).toMatch(/^Version: \d+\.\d+\.\d+/);
    const help = await runFlink(['config', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--jobmanager <address>');
  });
});

describe('values, typos and defaults are checked before anything uses them', () => {
  function badConf(): { dir: string; state: string } {
    const dir = emptyDir('bad-values-');
    writeFileSync(
      path.join(dir, 'config.yaml'),
      [
        'execution.checkpointing.interval: 10 parsecs',
        'restart-strategy.fixed-delay.attempts: three',
        `coordinator.dir: ${path.join(dir, 'state')}`,
        'rest.port: 0',
        '',
      ].join('\n'),
    );
    return { dir, state: path.join(dir, 'state') };
  }

  it('config --check names every invalid value and exits 3', async () => {
    const { dir } = badConf();
    const r = await runFlink(['--config-dir', dir, 'config', '--check']);
    expect(r.exitCode).toBe(3);
    const file = path.join(dir, 'config.yaml');
    expect(r.stdout.split('\n')).toEqual([
      `execution.checkpointing.interval\t${file}:1\tinvalid value: expected a duration such as '30 s', '5 min' or '1500' (ms)`,
      `restart-strategy.fixed-delay.attempts\t${file}:2\tinvalid value: expected an integer`,
      '',
    ]);
    expect(r.stderr).toContain("'execution.checkpointing.interval' has an invalid value, 'restart-strategy.fixed-delay.attempts' has an invalid value");
  });

  it('cluster start refuses them as a configuration error (exit 3) before a daemon starts', async () => {
    const { dir, state } = badConf();
    const r = await runFlink(['--config-dir', dir, 'cluster', 'start']);
    expect([r.exitCode, r.stdout]).toEqual([3, '']);
    expect(r.stderr).toContain(`Error: Invalid value '10 parsecs' for 'execution.checkpointing.interval' (${path.join(dir, 'config.yaml')}:1)`);
    expect(r.stderr).toContain("(and 1 more: 'restart-strategy.fixed-delay.attempts')");
    expect(existsSync(path.join(state, 'coordinator.pid'))).toBe(false);
  });

  it('--explain of a misspelled key says what it probably is', async () => {
    const r = await runFlink(['config', '--explain', 'state.savepoint.dir', '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("'state.savepoint.dir' is not a key this tool reads; did you mean 'state.savepoints.dir'?");
    expect(JSON.parse(r.stdout)).toMatchObject({ known: false, didYouMean: 'state.savepoints.dir' });
  });

  it('keys whose default depends on the environment show it: coordinator.dir and audit.log', async () => {
    const home = emptyDir('home-');
    const r = await runFlink(['config', 'coordinator.dir', 'audit.log'], { env: { HOME: home } });
    const dir = path.join(home, '.local', 'state', 'flink-cli');
    expect(r.stdout).toBe(`coordinator.dir\t${dir}\tdefault\naudit.log\t${path.join(dir, 'audit.log')}\tdefault\n`);
    const explained = JSON.parse((await runFlink(['config', '--explain', 'coordinator.dir', '--json'], { env: { HOME: home } })).stdout);
    expect(explained).toMatchObject({ value: dir, candidates: expect.arrayContaining([{ name: 'default', value: dir, origin: null, outcome: 'used' }]) });
  });
});

describe('not a terminal', () => {
  it('no colour and no animation on pipes, even when the terminal could do colour', async () => {
    const r = await runFlink(['config', '--explain', 'savepoint-dir', ...conf('both-differ')], { env: { TERM: 'xterm-256color' } });
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);
  });

  it('--no-color wins over FORCE_COLOR', async () => {
    const r = await runFlink(['config', '--no-color', '--explain', 'savepoint-dir', ...conf('both-differ')], { env: { FORCE_COLOR: '1' } });
    expect(r.stderr).not.toMatch(ANSI);
    const coloured = await runFlink(['config', '--explain', 'savepoint-dir', ...conf('both-differ')], { env: { FORCE_COLOR: '1' } });
    expect(coloured.stderr).toMatch(ANSI);
  });
});
