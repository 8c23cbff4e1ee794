// `flink cluster start|stop|status`: the local coordinator daemon (the embedded default).
import type { Command } from 'commander';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coordinatorStateDir } from '../../config/state-dir.js';
import { OperationError, UnreachableError, UsageError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import type { CommandModule } from '../program.js';
import { isProcessAlive as alive } from '../pid.js';

interface PidFile {
  pid: number;
  host: string;
  port: number;
  url: string;
  version: string;
  startedAt: number;
}

export const clusterCommand: CommandModule = {
  name: 'cluster',
  register(program, deps) {
    return program
      .command('cluster')
      .argument('<action>', 'start | stop | status')
      .option('--timeout <duration>', 'how long start and stop wait (default 30 s)')
      .addHelpText(
        'after',
        [
          '',
          'The coordinator binds 127.0.0.1 on rest.port (8081) and keeps its state in coordinator.dir',
          '(default ~/.local/state/flink-cli): jobs, uploaded modules, coordinator.pid, coordinator.log.',
          '',
          'Examples:',
          '  flink cluster start',
          '  flink cluster start -D rest.port=18081 -D state.savepoints.dir=/data/savepoints',
          '  flink cluster status --json',
          '  flink cluster stop',
          '',
        ].join('\n'),
      )
      .action(async (action: string, opts: { timeout?: string }, command: Command) => {
        const ctx = await deps.contextFor(command);
        if (action === 'start') return printStart(ctx, await startCluster(ctx, opts.timeout));
        if (action === 'stop') return stopCluster(ctx, opts.timeout);
        if (action === 'status') return clusterStatus(ctx);
        throw new UsageError(`Unknown cluster action '${action}': expected start, stop or status.`);
      });
  },
};

async function stateDir(ctx: CommandContext): Promise<string> {
  return coordinatorStateDir(await ctx.config(), ctx.env, ctx.cwd);
}

function readPidFile(dir: string): PidFile | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'coordinator.pid'), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
}


async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/config`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as Record<string, unknown>;
    return response.ok && body['flink-cli-coordinator'] !== undefined;
  } catch {
    return false;
  }
}

function coordinatorEntry(): string {
  for (const candidate of ['./coordinator.mjs', '../../../dist/coordinator.mjs']) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new OperationError('The local coordinator is not built (dist/coordinator.mjs missing): run npm run build.');
}

export interface StartResult {
  url: string;
  pid: number;
  stateDir: string;
  log: string;
  alreadyRunning: boolean;
}

/** Starts the daemon unless one answers already; waits until its REST endpoint answers. */
export async function startCluster(ctx: CommandContext, timeout?: string): Promise<StartResult> {
  const dir = await stateDir(ctx);
  const log = path.join(dir, 'coordinator.log');
  const existing = readPidFile(dir);
  if (existing && alive(existing.pid) && (await answers(existing.url))) {
    return { url: existing.url, pid: existing.pid, stateDir: dir, log, alreadyRunning: true };
  }
  if (existing) {
    rmSync(path.join(dir, 'coordinator.pid'), { force: true });
    ctx.io.note(`Removed a stale pid file (pid ${existing.pid} is ${alive(existing.pid) ? 'not a coordinator' : 'gone'}).`);
  }
  await mkdir(dir, { recursive: true });
  const args: string[] = [];
  if (ctx.globals.configDir) args.push('--config-dir', path.resolve(ctx.cwd, ctx.globals.configDir));
  for (const property of ctx.globals.D) args.push('-D', property);
  if (ctx.globals.jobmanager) {
    const { parseJobManagerAddress } = await import('../../config/resolve.js');
    const jm = parseJobManagerAddress(ctx.globals.jobmanager);
    args.push('-D', `rest.bind-address=${jm.address}`, '-D', `rest.port=${jm.port}`);
  }
  // The daemon writes to its own file descriptor (inherited), so this process can exit right away.
  const out: number = openSync(path.join(dir, 'coordinator.out'), 'a');
  // A detached daemon that inherits only its log file descriptor: node's spawn is exactly that (execa
  // would keep piping, and this process could not exit before the daemon).
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [coordinatorEntry(), ...args], { detached: true, stdio: ['ignore', out, out], cwd: ctx.cwd, env: ctx.env });
  closeSync(out);
  child.unref();
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', () => (exited = true));
  const spinner = await ctx.io.spinner('Starting the local coordinator');
  const deadline = Date.now() + (await ctx.waitTimeoutMs(timeout ?? '30 s'));
  try {
    while (Date.now() < deadline) {
      const pid = readPidFile(dir);
      if (pid && pid.pid === child.pid && (await answers(pid.url))) return { url: pid.url, pid: pid.pid, stateDir: dir, log, alreadyRunning: false };
      if (exited) {
        const tail = existsSync(path.join(dir, 'coordinator.out')) ? readFileSync(path.join(dir, 'coordinator.out'), 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
        throw new OperationError(`The local coordinator exited during start: ${tail || 'no output'} (log: ${log})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    spinner.stop();
  }
  // A daemon that did not come up in time is not left behind half-started.
  if (child.pid !== undefined && alive(child.pid)) await stopDaemon(dir, child.pid, 5000).catch(() => {});
  throw new OperationError(`The local coordinator did not answer within the timeout and was stopped; see ${log}.`);
}

function printStart(ctx: CommandContext, result: StartResult): void {
  const { io } = ctx;
  if (io.mode.json) {
    io.print(JSON.stringify({ version: 1, ...result }));
    return;
  }
  io.note(result.alreadyRunning ? `The local coordinator is already running (pid ${result.pid}).` : `Started the local coordinator (pid ${result.pid}); state in ${result.stateDir}, log ${result.log}.`);
  io.print(result.url);
}

async function stopCluster(ctx: CommandContext, timeout?: string): Promise<void> {
  const dir = await stateDir(ctx);
  const pidFile = readPidFile(dir);
  const { io } = ctx;
  if (!pidFile || !alive(pidFile.pid)) {
    if (pidFile) rmSync(path.join(dir, 'coordinator.pid'), { force: true });
    if (io.mode.json) io.print(JSON.stringify({ version: 1, stopped: false, running: false }));
    else io.note(`No local coordinator is running (state dir ${dir}).`);
    return;
  }
  const { killed } = await stopDaemon(dir, pidFile.pid, await ctx.waitTimeoutMs(timeout ?? '30 s'));
  if (io.mode.json) io.print(JSON.stringify({ version: 1, stopped: true, pid: pidFile.pid, killed }));
  else io.print(`Stopped the local coordinator (pid ${pidFile.pid})${killed ? ' with SIGKILL after the timeout' : ''}.`);
}

/** SIGTERM, then SIGKILL after `timeoutMs`; the pid file goes either way (the daemon removes it on SIGTERM). */
export async function stopDaemon(dir: string, pid: number, timeoutMs: number): Promise<{ killed: boolean }> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  let killed = false;
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
    killed = true;
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (readPidFile(dir)?.pid === pid) rmSync(path.join(dir, 'coordinator.pid'), { force: true });
  return { killed };
}

async function clusterStatus(ctx: CommandContext): Promise<void> {
  const dir = await stateDir(ctx);
  const pidFile = readPidFile(dir);
  const { io } = ctx;
  if (!pidFile || !alive(pidFile.pid) || !(await answers(pidFile.url))) {
    throw new UnreachableError(`The local coordinator is not running (state dir ${dir}).`, { hint: "Start it with 'flink cluster start'." });
  }
  const overview = (await (await fetch(`${pidFile.url}/v1/overview`)).json()) as Record<string, number>;
  if (io.mode.json) {
    io.print(JSON.stringify({ version: 1, running: true, url: pidFile.url, pid: pidFile.pid, stateDir: dir, startedAt: pidFile.startedAt, jobsRunning: overview['jobs-running'], jobsFinished: overview['jobs-finished'], jobsCancelled: overview['jobs-cancelled'], jobsFailed: overview['jobs-failed'] }));
    return;
  }
  io.print(`running\t${pidFile.url}\tpid ${pidFile.pid}\tjobs: ${overview['jobs-running']} running, ${overview['jobs-finished']} finished, ${overview['jobs-cancelled']} cancelled, ${overview['jobs-failed']} failed`);
}
