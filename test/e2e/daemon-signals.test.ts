// The local coordinator daemon (dist/coordinator.mjs) handles SIGTERM at every point of its start, also
// while it is still recovering jobs: it stops cleanly (exit 0, "Stopped" in its log) and leaves no pid file
// that would announce a coordinator that is not there.
import { afterEach, expect, it } from '@jest/globals';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { until } from '../support/until.js';
import { emptyDir, ROOT } from './helpers.js';

let daemon: ChildProcess | undefined;
afterEach(() => {
  if (daemon?.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
});

function startDaemon(prepare: (state: string) => void = () => {}) {
  const dir = emptyDir('daemon-');
  const state = path.join(dir, 'state');
  const conf = path.join(dir, 'conf');
  mkdirSync(conf);
  writeFileSync(path.join(conf, 'config.yaml'), `coordinator.dir: ${state}\nrest.port: 0\n`);
  prepare(state);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'coordinator.mjs'), '--config-dir', conf], {
    cwd: dir,
    stdio: 'ignore',
    env: { PATH: process.env.PATH, HOME: dir },
  });
  daemon = child;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const log = path.join(state, 'coordinator.log');
  const logged = (text: string) => (existsSync(log) && readFileSync(log, 'utf8').includes(text) ? true : undefined);
  return { child, exited, logged, pidFile: path.join(state, 'coordinator.pid') };
}

it('SIGTERM while a job record is still being recovered: a clean exit and no pid file', async () => {
  let fifo = '';
  const { child, exited, logged, pidFile } = startDaemon((state) => {
    // A job record whose read does not complete until this test lets it (a FIFO): a very slow disk.
    fifo = path.join(state, 'jobs', 'a'.repeat(32), 'job.json');
    mkdirSync(path.dirname(fifo), { recursive: true });
    execFileSync('mkfifo', [fifo]);
  });
  await until('the REST endpoint (recovery runs next)', () => logged('REST endpoint listening'));
  child.kill('SIGTERM');
  await until('the daemon stopping', () => logged('Stopped'));
  // The slow read completes (Node exits only once its file-system threads are done).
  closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(existsSync(pidFile)).toBe(false);
});

it('SIGTERM as soon as the pid file appears: a clean exit, the pid file removed', async () => {
  const { child, exited, logged, pidFile } = startDaemon();
  await until('the pid file', () => (existsSync(pidFile) ? true : undefined), 30_000, 20);
  child.kill('SIGTERM');
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(logged('Stopped')).toBe(true);
  expect(existsSync(pidFile)).toBe(false);
});
