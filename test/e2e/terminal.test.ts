// Issue 17: a waiting savepoint at a real terminal. Ctrl-C (a real pty under tmux) and SIGTERM stop it with
// exit 130 / 143, a note naming the trigger id, and the terminal restored; a pty of size 0x0 (`script` without
// a terminal above it) gets plain output and never loops. The savepoint is real (local coordinator); a
// loopback proxy holds back the status polls so the CLI waits for as long as the test needs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { BIN, emptyDir, fixture, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';
import { slowStatusProxy, type SlowProxy } from '../support/slow-status-proxy.js';
import { until } from '../support/until.js';

const work = emptyDir('terminal-');
const conf = path.join(work, 'conf');
let address = '';
let proxy: SlowProxy;
let jobId = '';
const SOCKET = `flink-cli-test-${process.pid}`;

function flink(args: string[]): Promise<RunResult> {
  return runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });
}

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

beforeAll(async () => {
  address = await startLocalCoordinator(conf, work, [`coordinator.dir: ${path.join(work, 'state')}`, `state.savepoints.dir: ${path.join(work, 'sp')}`]);
  proxy = await slowStatusProxy(address, 120_000);
  const run = await flink(['run', '-d', fixture('jobs', 'counter.ts'), '--out', path.join(work, 'out'), '--sequence', '100000000', '--rate', '20']);
  expect(run.exitCode).toBe(0);
  jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)![1];
  await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
}, 90_000);

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // no server left
  }
  await proxy?.close();
  await flink(['cluster', 'stop']);
}, 60_000);

/** The shell line that runs one waiting savepoint through the proxy and records how it ended. */
function savepointLine(dir: string): string {
  const cli = [process.execPath, BIN, '--config-dir', conf, '-m', proxy.address, 'savepoint', jobId].map(quote).join(' ');
  return `cd ${quote(dir)}; stty -g > before; ${cli}; echo $? > code; stty -g > after`;
}

describe('the savepoints table at a terminal', () => {
  it('fits the width of a real pty (columns dropped or shortened, a cell never wraps); piped --human keeps the full table', async () => {
    for (let i = 0; i < 2; i++) expect((await flink(['savepoint', jobId])).exitCode).toBe(0);
    const listed = JSON.parse((await flink(['savepoints', jobId, '--json'])).stdout).snapshots as Array<{ path: string }>;
    const names = listed.map((e) => path.basename(e.path));
    const cli = [process.execPath, BIN, '--config-dir', conf, '-m', address, 'savepoints', jobId].map(quote).join(' ');
    for (const width of [200, 100, 60]) {
      const dir = emptyDir(`table-${width}-`);
      tmux(
        'new-session',
        '-d',
        '-s',
        `t${width}`,
        '-x',
        String(width),
        '-y',
        '50',
        `env -u CI NO_COLOR=1 bash -c ${quote(`cd ${quote(dir)}; ${cli} 2>err; echo $? > code; sleep 600`)}`,
      );
      await until('the listing', () => read(path.join(dir, 'code')), 30_000);
      const lines = tmux('capture-pane', '-p', '-t', `t${width}`)
        .split('\n')
        .filter((l) => l.trim() !== '');
      tmux('kill-session', '-t', `t${width}`);
      // One line for the header and one per snapshot: nothing wrapped; every line within the width.
      expect([width, lines.length]).toEqual([width, listed.length + 1]);
      for (const line of lines) expect([width, line.length <= width]).toEqual([width, true]);
      expect(lines[0]).toMatch(/LOCATION\s+STATUS$/);
      // The location keeps its end (the snapshot's name), the status its start.
      for (const name of names) expect(lines.some((l) => new RegExp(`${name}\\s+complete`).test(l))).toBe(true);
      if (width === 200) expect(lines[0]).toMatch(/^KIND\s+TRIGGER\s+COMPLETED\s+AGE\s+SIZE\s+JOB\s+LOCATION\s+STATUS$/);
      if (width === 100) expect(lines[0]).not.toContain('TRIGGER');
    }
    const piped = await flink(['savepoints', jobId, '--human']);
    expect(piped.stdout.split('\n')[0]).toMatch(/^KIND\s+TRIGGER\s+COMPLETED\s+AGE\s+SIZE\s+JOB\s+LOCATION\s+STATUS$/);
    for (const e of listed) expect(piped.stdout).toContain(e.path);
  }, 120_000);
});

describe('an attached run', () => {
  it('Ctrl-C exits 130 and says that the job keeps running, with its id and how to stop it', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--config-dir',
        conf,
        '-m',
        address,
        'run',
        fixture('jobs', 'counter.ts'),
        '--out',
        path.join(work, 'out-attached'),
        '--sequence',
        '100000000',
        '--rate',
        '20',
      ],
      { cwd: work, env: { PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const attached = await until('the submission line', () => /JobID ([0-9a-f]{32})/.exec(stdout)?.[1], 60_000);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain(`Interrupted: stopped waiting; job ${attached} keeps running on the cluster`);
    expect(stderr).toContain(`Stop it with: flink stop ${attached}`);
    await until('RUNNING', async () => ((await listedJobState(flink, attached)) === 'RUNNING' ? true : undefined));
    expect((await flink(['cancel', attached])).exitCode).toBe(0);
  }, 90_000);
});

describe('a waiting savepoint at a terminal', () => {
  it('Ctrl-C in a real pty exits 130 with the trigger id, and the terminal is restored', async () => {
    const dir = emptyDir('tmux-');
    // The pane stays after the command ended (sleep), so its cursor state can be read. bash (not sh) goes on
    // after a child that handled Ctrl-C itself, so the exit code is recorded.
    tmux('new-session', '-d', '-s', 'sp', '-x', '200', '-y', '30', `env -u CI NO_COLOR=1 bash -c ${quote(savepointLine(dir) + '; sleep 600')}`);
    // The spinner is up: the savepoint was triggered and the CLI waits.
    await until('the spinner', () => (/Savepoint/.test(tmux('capture-pane', '-p', '-t', 'sp')) ? true : undefined), 60_000);
    expect(tmux('display-message', '-p', '-t', 'sp', '#{cursor_flag}').trim()).toBe('0'); // ora hid the cursor
    tmux('send-keys', '-t', 'sp', 'C-c');
    const code = await until('the exit code', () => read(path.join(dir, 'code')), 30_000);
    expect(code.trim()).toBe('130');
    const err = tmux('capture-pane', '-p', '-J', '-t', 'sp');
    const triggerId = /trigger id ([0-9a-f]{32})/.exec(err)?.[1];
    expect(triggerId).toBeDefined();
    expect(err).toContain('may still complete on the cluster');
    expect(err).toContain(`Reattach with: flink savepoint status ${jobId} ${triggerId}`);
    // Terminal restored: same line discipline as before, cursor visible again.
    await until('stty after', () => read(path.join(dir, 'after')));
    expect(read(path.join(dir, 'after'))).toBe(read(path.join(dir, 'before')));
    expect(tmux('display-message', '-p', '-t', 'sp', '#{cursor_flag}').trim()).toBe('1');
    tmux('kill-session', '-t', 'sp');
  }, 120_000);

  it('a 0x0 pty gets plain output, no loop, and SIGTERM exits 143 with the trigger id', async () => {
    const dir = emptyDir('script-');
    // The first test's interrupted trigger is still recorded; this run must not spend its time reattaching.
    rmSync(path.join(work, 'state', 'locks', `${jobId}.trigger.json`), { force: true });
    // `script` gives the command a pty; with no terminal above it, the pty's size is 0x0.
    const child = spawn(
      'script',
      [
        '-qec',
        `sh -c ${quote(`cd ${quote(dir)}; stty size > size; echo $$ > pid; exec ${[process.execPath, BIN, '--config-dir', conf, '-m', proxy.address, 'savepoint', jobId].map(quote).join(' ')}`)}`,
        path.join(dir, 'typescript'),
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8', TERM: 'xterm' },
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    await until('the trigger', () => (/Waiting for response/.test(output) ? true : undefined), 60_000);
    expect(read(path.join(dir, 'size'))?.trim()).toBe('0 0');
    // The savepoint completes on the coordinator while the CLI still waits (the proxy holds its polls back):
    // time enough for a spinner to loop; the output must stay small, without cursor movement.
    const spDir = path.join(work, 'sp');
    await until(
      'the savepoint on disk',
      () => (existsSync(spDir) && readdirSync(spDir).some((d) => existsSync(path.join(spDir, d, '_metadata'))) ? true : undefined),
      60_000,
    );
    expect(output.length).toBeLessThan(4096);
    expect(output).not.toMatch(/\u001b\[/);
    process.kill(Number(readFileSync(path.join(dir, 'pid'), 'utf8')), 'SIGTERM');
    expect(await exited).toBe(143);
    expect(output).toMatch(/Terminated: stopped waiting; the savepoint may still complete on the cluster \(trigger id [0-9a-f]{32}\)/);
    expect(statSync(path.join(dir, 'typescript')).size).toBeLessThan(8192);
  }, 120_000);
});
