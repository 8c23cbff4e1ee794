// `flink cluster start|stop|status`: the local coordinator daemon (the embedded default).
import type { Command } from 'commander';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coordinatorStateDir } from '../../config/state-dir.js';
import { OperationError, UnreachableError, UsageError } from '../../domain/errors.js';
import { GLOBALLY_TERMINAL_STATUSES } from '../../domain/job-status.js';
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


type Probe = { answer: 'coordinator'; pid?: number } | { answer: 'unauthorized' } | { answer: 'none' };

/** Asks `url` whether it is a local coordinator, with the configured bearer token (the daemon may require it). */
async function probe(url: string, token: string | undefined): Promise<Probe> {
  try {
    const response = await fetch(`${url}/v1/config`, { signal: AbortSignal.timeout(2000), headers: authHeaders(token) });
    if (response.status === 401 || response.status === 403) return { answer: 'unauthorized' };
    const body = (await response.json()) as { 'flink-cli-coordinator'?: { pid?: number } };
    const local = body['flink-cli-coordinator'];
    return response.ok && local !== undefined ? { answer: 'coordinator', ...(local.pid === undefined ? {} : { pid: local.pid }) } : { answer: 'none' };
  } catch {
    return { answer: 'none' };
  }
}

function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function tokenOf(ctx: CommandContext): Promise<string | undefined> {
  return (await ctx.config()).string('coordinator.rest.token');
}

/**
 * Whether `pid` is (still) a local coordinator daemon: alive, and running coordinator.mjs. A recycled pid
 * (the daemon died, another program got its number) is not one. Without /proc, alive is all we can know.
 */
function isCoordinatorProcess(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => path.basename(arg) === 'coordinator.mjs');
  } catch {
    return true;
  }
}

const TOKEN_HINT = 'Set the same coordinator.rest.token the coordinator was started with (-D coordinator.rest.token=<token> or in your configuration).';

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
  /** Set when the previous coordinator ended without stopping (a crash, kill -9): what became of its jobs. */
  recovery?: Recovery;
}

export interface Recovery {
  previousPid: number;
  resumed: Array<{ id: string; name: string; state: string }>;
  failed: Array<{ id: string; name: string; rootCause?: string }>;
}

/** Starts the daemon unless one answers already; waits until its REST endpoint answers. */
export async function startCluster(ctx: CommandContext, timeout?: string): Promise<StartResult> {
  const dir = await stateDir(ctx);
  const log = path.join(dir, 'coordinator.log');
  const token = await tokenOf(ctx);
  const existing = readPidFile(dir);
  if (existing && isCoordinatorProcess(existing.pid)) {
    // A live daemon keeps its pid file, whatever it answers: deleting it would orphan the daemon.
    const answer = await probe(existing.url, token);
    if (answer.answer === 'coordinator') return { url: existing.url, pid: existing.pid, stateDir: dir, log, alreadyRunning: true };
    if (answer.answer === 'unauthorized')
      throw new OperationError(`The local coordinator (pid ${existing.pid}) is running at ${existing.url} but rejects this token.`, { hint: TOKEN_HINT });
    throw new OperationError(`The local coordinator (pid ${existing.pid}) is running but does not answer at ${existing.url}; see ${log}.`, {
      hint: "Wait for it, or stop it with 'flink cluster stop'.",
    });
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
      if (pid && pid.pid === child.pid && (await probe(pid.url, token)).answer === 'coordinator') {
        const result: StartResult = { url: pid.url, pid: pid.pid, stateDir: dir, log, alreadyRunning: false };
        if (existing) result.recovery = await recoveryAfterCrash(pid.url, token, existing, deadline);
        return result;
      }
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

/**
 * The previous daemon died without stopping (its pid file was left): its running jobs are resumed by the
 * new one. Waits (bounded) until each resumed job runs or ends, and lists the jobs that failed since the
 * previous daemon started (before the crash, or on resume), with their root causes.
 */
async function recoveryAfterCrash(url: string, token: string | undefined, previous: PidFile, deadline: number): Promise<Recovery> {
  const get = async <T>(pathname: string): Promise<T> => {
    const response = await fetch(`${url}/v1${pathname}`, { signal: AbortSignal.timeout(5000), headers: authHeaders(token) });
    if (!response.ok) throw new OperationError(`GET ${pathname}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  type Overview = { jobs: Array<{ jid: string; name: string; state: string; 'end-time': number }> };
  const ended = new Set<string>(GLOBALLY_TERMINAL_STATUSES);
  const settling = new Set(['INITIALIZING', 'CREATED', 'RESTARTING']);
  try {
    const resumedIds = new Set((await get<Overview>('/jobs/overview')).jobs.filter((j) => !ended.has(j.state)).map((j) => j.jid));
    let jobs = (await get<Overview>('/jobs/overview')).jobs;
    const waitUntil = Math.min(deadline, Date.now() + 20_000);
    while (jobs.some((j) => resumedIds.has(j.jid) && settling.has(j.state)) && Date.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      jobs = (await get<Overview>('/jobs/overview')).jobs;
    }
    const failedJobs = jobs.filter((j) => j.state === 'FAILED' && (resumedIds.has(j.jid) || j['end-time'] >= (previous.startedAt ?? 0)));
    const failed = await Promise.all(
      failedJobs.map(async (j) => {
        const exceptions = await get<{ exceptionHistory?: { entries?: Array<{ stacktrace: string }> } }>(`/jobs/${j.jid}/exceptions?maxExceptions=1`).catch(() => undefined);
        const rootCause = exceptions?.exceptionHistory?.entries?.[0]?.stacktrace.split('\n')[0];
        return { id: j.jid, name: j.name, ...(rootCause ? { rootCause } : {}) };
      }),
    );
    const resumed = jobs.filter((j) => resumedIds.has(j.jid) && j.state !== 'FAILED').map((j) => ({ id: j.jid, name: j.name, state: j.state }));
    return { previousPid: previous.pid, resumed, failed };
  } catch {
    return { previousPid: previous.pid, resumed: [], failed: [] };
  }
}

function printStart(ctx: CommandContext, result: StartResult): void {
  const { io } = ctx;
  if (io.mode.json) {
    io.print(JSON.stringify({ version: 1, ...result }));
    return;
  }
  io.note(result.alreadyRunning ? `The local coordinator is already running (pid ${result.pid}).` : `Started the local coordinator (pid ${result.pid}); state in ${result.stateDir}, log ${result.log}.`);
  const recovery = result.recovery;
  if (recovery && recovery.resumed.length + recovery.failed.length > 0) {
    io.note(`The previous coordinator (pid ${recovery.previousPid}) did not stop cleanly: ${recovery.resumed.length} job(s) resumed, ${recovery.failed.length} failed.`);
    for (const job of recovery.resumed) io.note(`  resumed: ${job.id} ${job.name} (${job.state})`);
    for (const job of recovery.failed) io.warn(`failed: ${job.id} ${job.name}${job.rootCause ? `: ${job.rootCause}` : ''}`);
  }
  io.print(result.url);
}

async function stopCluster(ctx: CommandContext, timeout?: string): Promise<void> {
  const dir = await stateDir(ctx);
  const pidFile = readPidFile(dir);
  const { io } = ctx;
  // A pid file whose process is gone, or whose pid now belongs to another program, is stale: never signal it.
  if (!pidFile || !isCoordinatorProcess(pidFile.pid)) {
    if (pidFile) rmSync(path.join(dir, 'coordinator.pid'), { force: true });
    if (io.mode.json) io.print(JSON.stringify({ version: 1, stopped: false, running: false }));
    else io.note(`No local coordinator is running (state dir ${dir}).`);
    return;
  }
  // The daemon that answers must be the process about to be signalled, and must accept our token.
  const answer = await probe(pidFile.url, await tokenOf(ctx));
  if (answer.answer === 'unauthorized') {
    throw new OperationError(`The local coordinator (pid ${pidFile.pid}) at ${pidFile.url} rejects this token; not stopping it.`, { hint: TOKEN_HINT });
  }
  if (answer.answer === 'coordinator' && answer.pid !== undefined && answer.pid !== pidFile.pid) {
    throw new OperationError(`The coordinator at ${pidFile.url} is pid ${answer.pid}, not pid ${pidFile.pid} of the pid file; not signalling either.`);
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
  // Only a process that is still the coordinator gets SIGKILL (its pid may have been reused meanwhile).
  if (isCoordinatorProcess(pid)) {
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
  const token = await tokenOf(ctx);
  const answer = pidFile && isCoordinatorProcess(pidFile.pid) ? await probe(pidFile.url, token) : { answer: 'none' as const };
  if (answer.answer === 'unauthorized') throw new OperationError(`The local coordinator (pid ${pidFile!.pid}) at ${pidFile!.url} rejects this token.`, { hint: TOKEN_HINT });
  if (!pidFile || answer.answer !== 'coordinator') {
    throw new UnreachableError(`The local coordinator is not running (state dir ${dir}).`, { hint: "Start it with 'flink cluster start'." });
  }
  const overview = (await (await fetch(`${pidFile.url}/v1/overview`, { headers: authHeaders(token) })).json()) as Record<string, number>;
  if (io.mode.json) {
    io.print(JSON.stringify({ version: 1, running: true, url: pidFile.url, pid: pidFile.pid, stateDir: dir, startedAt: pidFile.startedAt, jobsRunning: overview['jobs-running'], jobsFinished: overview['jobs-finished'], jobsCancelled: overview['jobs-cancelled'], jobsFailed: overview['jobs-failed'] }));
    return;
  }
  io.print(`running\t${pidFile.url}\tpid ${pidFile.pid}\tjobs: ${overview['jobs-running']} running, ${overview['jobs-finished']} finished, ${overview['jobs-cancelled']} cancelled, ${overview['jobs-failed']} failed`);
}
