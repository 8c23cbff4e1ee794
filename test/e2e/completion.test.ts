// The generated completion scripts run in the real shells: bash (complete -p, COMP_WORDS/COMP_CWORD, the
// completion function) and zsh (the function with compadd captured), against a real local coordinator.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { BIN, emptyDir, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { until } from '../support/until.js';

const work = emptyDir('completion-');
const conf = path.join(work, 'conf');
const state = path.join(work, 'state');
const savepoints = path.join(work, 'savepoints');
const binDir = path.join(work, 'bin');
const home = path.join(work, 'home');
let address = '';
let jobId = '';

const flink = (args: string[]): Promise<RunResult> => runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });

/** The script of `flink completion <shell>`, from the built CLI. */
async function script(shell: string): Promise<string> {
  const r = await runFlink(['completion', shell]);
  expect(r.exitCode).toBe(0);
  return r.stdout;
}

const shellEnv = () => ({ PATH: `${binDir}:${process.env.PATH}`, HOME: home, LANG: 'C.UTF-8' });

/** Sources the bash script, sets COMP_WORDS/COMP_CWORD for `line` (the last word is completed), runs the function. */
async function bashComplete(words: string[]): Promise<string[]> {
  const program = [
    'source /dev/stdin <<< "$FLINK_COMPLETION"',
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_flink_completion',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = await execa('bash', ['--norc', '--noprofile', '-c', program], {
    env: { ...shellEnv(), FLINK_COMPLETION: await script('bash') },
    extendEnv: false,
    cwd: work,
    reject: false,
  });
  expect([r.exitCode, r.stderr]).toEqual([0, '']);
  return String(r.stdout)
    .split('\n')
    .filter((l) => l !== '');
}

beforeAll(async () => {
  mkdirSync(binDir);
  mkdirSync(home);
  symlinkSync(BIN, path.join(binDir, 'flink')); // the scripts call `flink` as installed on PATH
  address = await startLocalCoordinator(conf, work, [`coordinator.dir: ${state}`, `state.savepoints.dir: ${savepoints}`]);
  const r = await flink([
    'run',
    '-d',
    path.resolve('fixtures/jobs/counter.ts'),
    '--out',
    path.join(work, 'out'),
    '--sequence',
    '100000',
    '--rate',
    '200',
    '--checkpoint-interval',
    '300',
  ]);
  expect(r.exitCode).toBe(0);
  jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1];
  await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
}, 120_000);

afterAll(async () => {
  if (address) await flink(['cluster', 'stop']);
}, 60_000);

describe('bash', () => {
  it('registers the function for flink (complete -p)', async () => {
    const r = await execa('bash', ['--norc', '--noprofile', '-c', 'source /dev/stdin <<< "$FLINK_COMPLETION"; complete -p flink'], {
      env: { ...shellEnv(), FLINK_COMPLETION: await script('bash') },
      extendEnv: false,
      reject: false,
    });
    expect(String(r.stdout).trim()).toBe('complete -F _flink_completion flink');
  });

  it('completes commands (hidden ones never), options, and fixed option values', async () => {
    expect(await bashComplete(['flink', 'sav'])).toEqual(['savepoint', 'savepoints']);
    const all = await bashComplete(['flink', '']);
    expect(all).toEqual(expect.arrayContaining(['run', 'list', 'doctor', 'completion']));
    expect(all).not.toContain('__complete');
    expect(await bashComplete(['flink', 'stop', '--t'])).toEqual(['--type', '--timeout']);
    expect(await bashComplete(['flink', 'stop', '--type', ''])).toEqual(['canonical', 'native']);
    expect(await bashComplete(['flink', 'savepoint', '-type', 'n'])).toEqual(['native']);
    expect(await bashComplete(['flink', 'run', '--claimMode', ''])).toEqual(['claim', 'no_claim']);
    expect(await bashComplete(['flink', 'cluster', ''])).toEqual(['start', 'stop', 'status']);
    expect(await bashComplete(['flink', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    expect(await bashComplete(['flink', 'config', '--explain', 'state.savepoints.d'])).toEqual(['state.savepoints.dir']);
  });

  it('completes job ids from the reachable cluster, with the -m the line names', async () => {
    expect(await bashComplete(['flink', '-m', address, 'stop', ''])).toEqual([jobId]);
    expect(await bashComplete(['flink', '--config-dir', conf, '-m', address, 'savepoint', jobId.slice(0, 4)])).toEqual([jobId]);
    expect(await bashComplete(['flink', 'savepoints', 'prune', '--job', '', '-m', address]).then((c) => c)).toEqual([]); // -m after the cursor is not known yet
    expect(await bashComplete(['flink', '-m', address, 'savepoints', ''])).toEqual(['list', 'prune', 'gc', 'pin', 'unpin', 'inspect', 'state', 'diff', jobId]);
    expect(await bashComplete(['flink', '-m', address, 'savepoints', 'prune', '--job', ''])).toEqual([jobId]);
    expect(await bashComplete(['flink', 'savepoints', 'prune', '--k'])).toEqual(['--keep']);
    expect(await bashComplete(['flink', 'savepoints', 'inspect', '--veri'])).toEqual(['--verify']);
  });

  it('offers only jobs that can take the command: no ended job for savepoint, stop, cancel, checkpoint, upgrade', async () => {
    const r = await flink([
      'run',
      '-d',
      path.resolve('fixtures/jobs/counter.ts'),
      '--out',
      path.join(work, 'out-ended'),
      '--sequence',
      '100000',
      '--rate',
      '50',
    ]);
    const ended = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1];
    await until('RUNNING', async () => ((await listedJobState(flink, ended)) === 'RUNNING' ? true : undefined));
    expect((await flink(['cancel', ended])).exitCode).toBe(0);
    await until('CANCELED', async () => ((await listedJobState(flink, ended)) === 'CANCELED' ? true : undefined));
    for (const command of ['savepoint', 'stop', 'cancel', 'checkpoint', 'upgrade'])
      expect([command, await bashComplete(['flink', '-m', address, command, ''])]).toEqual([command, command === 'savepoint' ? ['status', jobId] : [jobId]]);
    // The history of an ended job is still there to look at.
    expect((await bashComplete(['flink', '-m', address, 'checkpoints', ''])).sort()).toEqual([jobId, ended].sort());
  }, 60_000);

  it('completes snapshot paths from the catalog (the configured savepoint directory)', async () => {
    const taken = await flink(['savepoint', jobId]);
    expect(taken.exitCode).toBe(0);
    const location = taken.stdout.match(/Path: (?:file:)?(\S+)/)?.[1] ?? taken.stdout.trim().split('\n').pop()!;
    const dir = location.replace(/^file:/, '').replace(/\/_metadata$/, '');
    expect(await bashComplete(['flink', '--config-dir', conf, '-m', address, 'restore', ''])).toEqual(['latest', dir]);
    expect(await bashComplete(['flink', '--config-dir', conf, 'dispose', savepoints])).toEqual([dir]);
  });

  it('file arguments fall back to the shell’s file completion', async () => {
    expect(await bashComplete(['flink', 'run', path.join(binDir, 'fl')])).toEqual([path.join(binDir, 'flink')]);
  });

  it('never changes state: an unreachable cluster gives no candidates, starts nothing, writes no audit log', async () => {
    const fresh = emptyDir('completion-fresh-');
    const freshState = path.join(fresh, 'state');
    const r = await execa(
      'bash',
      [
        '--norc',
        '--noprofile',
        '-c',
        [
          'source /dev/stdin <<< "$FLINK_COMPLETION"',
          `COMP_WORDS=(flink -D 'coordinator.dir=${freshState}' -m 127.0.0.1:9 cancel '')`,
          'COMP_CWORD=6',
          '_flink_completion',
          'printf "%s\\n" "${COMPREPLY[@]}"',
        ].join('\n'),
      ],
      { env: { ...shellEnv(), XDG_STATE_HOME: fresh, FLINK_COMPLETION: await script('bash') }, extendEnv: false, cwd: fresh, reject: false },
    );
    expect([r.exitCode, String(r.stdout).trim(), String(r.stderr)]).toEqual([0, '', '']);
    expect(existsSync(freshState)).toBe(false);
    expect(existsSync(path.join(fresh, 'flink-cli'))).toBe(false);
  });
});

const zsh = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v zsh']).toString().trim();
  } catch {
    return '';
  }
})();

// zsh comes from Debian's packages (.ci/run installs it); without it this test is skipped, visibly.
(zsh ? describe : describe.skip)(zsh ? 'zsh' : 'zsh (SKIPPED: zsh is not installed; apt-get install -y zsh)', () => {
  async function zshComplete(words: string[]): Promise<string[]> {
    const program = [
      'compdef() { print -r -- "compdef $*" }',
      'compadd() { [[ $1 == -Q ]] && shift; [[ $1 == -- ]] && shift; print -rl -- "$@" }',
      '_files() { print -r -- ":files $*" }',
      'eval "$FLINK_COMPLETION"',
      `words=(${words.map((w) => `'${w}'`).join(' ')})`,
      `CURRENT=${words.length}`,
      '_flink',
    ].join('\n');
    const r = await execa(zsh, ['-f', '-c', program], {
      env: { ...shellEnv(), FLINK_COMPLETION: await script('zsh') },
      extendEnv: false,
      cwd: work,
      reject: false,
    });
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    return String(r.stdout)
      .split('\n')
      .filter((l) => l !== '');
  }

  it('registers with compdef when sourced, and completes commands, values and job ids', async () => {
    expect(await zshComplete(['flink', 'sav'])).toEqual(['compdef _flink flink', 'savepoint', 'savepoints']);
    expect(await zshComplete(['flink', 'stop', '--type', ''])).toEqual(['compdef _flink flink', 'canonical', 'native']);
    expect(await zshComplete(['flink', '-m', address, 'cancel', ''])).toEqual(['compdef _flink flink', jobId]);
    expect(await zshComplete(['flink', 'run', ''])).toEqual(['compdef _flink flink', ':files ']);
  });
});

describe('fish', () => {
  it('prints a script that registers completions for flink', async () => {
    const text = await script('fish');
    expect(text).toContain("complete -c flink -f -a '(__flink_complete)'");
    expect(text).toContain('flink __complete -- $tokens');
  });
});

it('an unknown shell is a usage error', async () => {
  const r = await runFlink(['completion', 'tcsh']);
  expect([r.exitCode, r.stderr.split('\n')[0]]).toEqual([2, "Error: Unknown shell 'tcsh': expected bash, zsh, fish."]);
});
