// The pure completion rule over a spec read from real commander definitions.
import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { addGlobalOptions, SINGLE_DASH_LONG } from '../../../src/cli/program.js';
import { completionFor, specFromCommands } from '../../../src/cli/services/completion-spec.js';

const stop = addGlobalOptions(new Command('stop').argument('[jobId]').option('-p, --savepointPath [dir]').option('--type <type>').option('-d, --drain'));
const savepoint = addGlobalOptions(new Command('savepoint').argument('[args...]').option('--type <type>').option('-d, --dispose <path>'));
const savepoints = new Command('savepoints');
savepoints.command('list', { isDefault: true }).argument('[jobId]').option('--dir <root>').option('--latest');
savepoints.command('prune').option('--job <jobId>').option('--keep <N>');
savepoints.command('diff').argument('<a>').argument('<b>').option('--keys');
const spec = specFromCommands(addGlobalOptions(new Command('flink')), [
  { command: stop, summary: 'stop', hidden: false },
  { command: savepoint, summary: 'savepoint', hidden: false },
  { command: savepoints, summary: 'savepoints', hidden: false },
  { command: new Command('__complete'), summary: '', hidden: true },
]);
const complete = (...words: string[]) => completionFor(spec, words, SINGLE_DASH_LONG);

describe('completionFor', () => {
  it('offers visible commands, then positional values and lookups by position', () => {
    expect(complete('').candidates).toEqual(['stop', 'savepoint', 'savepoints']);
    expect(complete('stop', '')).toMatchObject({ candidates: [], lookups: ['active-job'] });
    expect(complete('savepoint', '')).toMatchObject({ candidates: ['status'], lookups: ['active-job'] });
    expect(complete('savepoint', 'a'.repeat(32), '')).toMatchObject({ candidates: [], lookups: ['dir'] });
  });

  it('skips option values (also --opt=value and -Dkey=value) when counting positionals', () => {
    expect(complete('stop', '--type', 'native', '')).toMatchObject({ lookups: ['active-job'] });
    expect(complete('savepoint', '--type=native', 'x', '')).toMatchObject({ lookups: ['dir'] });
    expect(complete('-Dk=v', 'stop', '')).toMatchObject({ lookups: ['active-job'], globals: { D: ['k=v'] } });
  });

  it('completes option values, Flink single-dash spellings included, and records -m / --config-dir / -D for lookups', () => {
    expect(complete('stop', '--type', '').candidates).toEqual(['canonical', 'native']);
    expect(complete('savepoint', '-type', 'c').candidates).toEqual(['canonical']);
    expect(complete('savepoint', '-d', '')).toMatchObject({ candidates: [], lookups: ['snapshot'] });
    expect(complete('-m', 'jm:8081', '--config-dir', 'conf', '-D', 'a=b', 'stop', '').globals).toEqual({
      jobmanager: 'jm:8081',
      configDir: 'conf',
      D: ['a=b'],
    });
  });

  it('an optional option value ([dir]) is not waited for: the next word is a positional', () => {
    expect(complete('stop', '-p', '')).toMatchObject({ lookups: ['active-job'] });
  });

  it('completes the options of the command and the global ones; nothing for an unknown command', () => {
    expect(complete('stop', '--d').candidates).toEqual(['--drain', '--debug']);
    expect(complete('--js').candidates).toEqual(['--json']);
    expect(complete('nope', '')).toMatchObject({ candidates: [], lookups: [] });
  });

  it("completes subcommands, then only the named subcommand's options and arguments; before one, the default's", () => {
    expect(complete('savepoints', '')).toMatchObject({ candidates: ['list', 'prune', 'diff'], lookups: ['job'] });
    expect(complete('savepoints', 'p')).toMatchObject({ candidates: ['prune'] });
    expect(complete('savepoints', 'prune', '--k').candidates).toEqual(['--keep']);
    expect(complete('savepoints', 'prune', '--').candidates).not.toContain('--dir');
    expect(complete('savepoints', 'prune', '--job', '')).toMatchObject({ candidates: [], lookups: ['job'] });
    expect(complete('savepoints', 'diff', 'a', '')).toMatchObject({ lookups: ['snapshot'] });
    expect(complete('savepoints', 'diff', 'a', 'b', '')).toMatchObject({ candidates: [], lookups: [] });
    // No subcommand named: the default (list) takes the job id and its options.
    expect(complete('savepoints', '--dir', '')).toMatchObject({ lookups: ['dir'] });
    expect(complete('savepoints', '--l').candidates).toEqual(['--latest']);
    expect(complete('savepoints', 'a'.repeat(32), '')).toMatchObject({ candidates: [], lookups: [] });
  });
});
