// The local coordinator's lifecycle, shared by `flink cluster` and by the commands that start it on demand
// (run, restore): its pid file, whether it answers, starting the daemon and stopping it again.
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlinkApi } from '../../client/rest-client.js';
import { coordinatorStateDir } from '../../config/state-dir.js';
import { NotFoundError, OperationError, UnreachableError } from '../../domain/errors.js';
import { GLOBALLY_TERMINAL_STATUSES } from '../../domain/job-status.js';
import { localStartRefusal } from '../../domain/net.js';
import { pointerToPath } from '../../domain/pointers.js';
import type { CommandContext } from '../context.js';
import { isProcessAlive as alive } from './pid.js';
import { pollUntil } from './poll.js';

export interface PidFile {
  pid: number;
  host: string;
  port: number;
  url: string;
  version: string;
  startedAt: number;
}

export async function stateDir(ctx: CommandContext): Promise<string> {
  return coordinatorStateDir(await ctx.config(), ctx.env, ctx.cwd);
}

export function readPidFile(dir: string): PidFile | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'coordinator.pid'), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
}

export type Probe = { answer: 'coordinator'; pid?: number } | { answer: 'unauthorized' } | { answer: 'none' };

/** Asks `url` whether it is a local coordinator, with the configured bearer token (the daemon may require it). */
export async function probe(url: string, token: string | undefined): Promise<Probe> {
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

export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The token for the local coordinator at `url`: the configured one, else the one it wrote for its owner (if any). */
export async function tokenOf(ctx: CommandContext, url?: string): Promise<string | undefined> {
  const config = await ctx.config();
  const configured = config.string('coordinator.rest.token');
  if (configured !== undefined || url === undefined) return configured;
  const { ownerToken } = await import('../endpoint.js');
  return ownerToken(config, ctx.env, url);
}

/**
 * Whether `pid` is (still) a local coordinator daemon: alive, and running coordinator.mjs. A recycled pid
 * (the daemon died, another program got its number) is not one. Without /proc, alive is all we can know.
 */
export function isCoordinatorProcess(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .some((arg) => path.basename(arg) === 'coordinator.mjs');
  } catch {
    return true;
  }
}

export const TOKEN_HINT = 'Set the same coordinator.rest.token the coordinator was started with (-D coordinator.rest.token=<token> or in your configuration).';

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
export async function startCluster(ctx: CommandContext, timeoutMs = 30_000): Promise<StartResult> {
  const dir = await stateDir(ctx);
  const log = path.join(dir, 'coordinator.log');
  const existing = readPidFile(dir);
  if (existing && isCoordinatorProcess(existing.pid)) {
    // A live daemon keeps its pid file, whatever it answers: deleting it would orphan the daemon.
    const answer = await probe(existing.url, await tokenOf(ctx, existing.url));
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
  // A value the daemon would refuse (a duration of '10 parsecs') is a configuration error here, before it starts.
  (await ctx.config()).requireValidValues();
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
  const spawnedAt = Date.now(); // a job that ended from now on ended on resume
  const child = spawn(process.execPath, [coordinatorEntry(), ...args], { detached: true, stdio: ['ignore', out, out], cwd: ctx.cwd, env: ctx.env });
  closeSync(out);
  child.unref();
  let exited = false;
  child.on('exit', () => (exited = true));
  child.on('error', () => (exited = true));
  const spinner = await ctx.io.spinner('Starting the local coordinator');
  const deadline = Date.now() + timeoutMs;
  try {
    const answering = await pollUntil(
      async () => {
        const pid = readPidFile(dir);
        if (pid && pid.pid === child.pid && (await probe(pid.url, await tokenOf(ctx, pid.url))).answer === 'coordinator') return pid;
        if (exited) {
          const tail = existsSync(path.join(dir, 'coordinator.out'))
            ? readFileSync(path.join(dir, 'coordinator.out'), 'utf8').trim().split('\n').slice(-3).join(' | ')
            : '';
          throw new OperationError(`The local coordinator exited during start: ${tail || 'no output'} (log: ${log})`);
        }
        return undefined;
      },
      { deadline, intervalMs: 100 },
    );
    if (answering) {
      const result: StartResult = { url: answering.url, pid: answering.pid, stateDir: dir, log, alreadyRunning: false };
      if (existing) result.recovery = await recoveryAfterCrash(answering.url, await tokenOf(ctx, answering.url), existing, spawnedAt, deadline);
      return result;
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
 * new one. Waits (bounded) until each resumed job runs or ends, and lists the jobs the crash concerned: those
 * resumed, and those that failed to resume (on resume, so after this daemon started), with their root causes.
 * Jobs that had ended before the crash are not its doing and are not counted.
 */
async function recoveryAfterCrash(url: string, token: string | undefined, previous: PidFile, spawnedAt: number, deadline: number): Promise<Recovery> {
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
    let jobs: Overview['jobs'] = [];
    await pollUntil(
      async () => {
        jobs = (await get<Overview>('/jobs/overview')).jobs;
        return jobs.some((j) => resumedIds.has(j.jid) && settling.has(j.state)) ? undefined : true;
      },
      { deadline, timeoutMs: 20_000, intervalMs: 200 },
    );
    const failedJobs = jobs.filter((j) => j.state === 'FAILED' && (resumedIds.has(j.jid) || j['end-time'] >= spawnedAt));
    const failed = await Promise.all(
      failedJobs.map(async (j) => {
        const exceptions = await get<{ exceptionHistory?: { entries?: Array<{ stacktrace: string }> } }>(`/jobs/${j.jid}/exceptions?maxExceptions=1`).catch(
          () => undefined,
        );
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

/** SIGTERM, then SIGKILL after `timeoutMs`; the pid file goes either way (the daemon removes it on SIGTERM). */
export async function stopDaemon(dir: string, pid: number, timeoutMs: number): Promise<{ killed: boolean }> {
  process.kill(pid, 'SIGTERM');
  const gone = () => (alive(pid) ? undefined : true);
  await pollUntil(gone, { timeoutMs, intervalMs: 100 });
  let killed = false;
  // Only a process that is still the coordinator gets SIGKILL (its pid may have been reused meanwhile).
  if (isCoordinatorProcess(pid)) {
    process.kill(pid, 'SIGKILL');
    killed = true;
    await pollUntil(gone, { timeoutMs: 2000, intervalMs: 20 });
  }
  if (readPidFile(dir)?.pid === pid) rmSync(path.join(dir, 'coordinator.pid'), { force: true });
  return { killed };
}

/**
 * A job module runs on the local coordinator: when nothing answers where the local coordinator of this
 * configuration would listen (and no -m named an address), start it (as `flink cluster start` would) and
 * say so on stderr. Returns what was started, so that a command that then fails can stop it again.
 */
export async function ensureLocalCoordinator(ctx: CommandContext, client: FlinkApi, savepointPath: string | undefined): Promise<StartResult | undefined> {
  try {
    await client.config();
    return undefined;
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    const config = await ctx.config();
    const refusal = localStartRefusal({
      clientUrl: client.baseUrl,
      explicitAddress: ctx.globals.jobmanager !== undefined,
      bindHost: config.string('rest.bind-address') ?? '127.0.0.1',
      port: config.int('rest.port') ?? 8081,
    });
    if (refusal) throw error;
  }
  // The coordinator would run here, on this file system: a snapshot it cannot find fails before anything starts.
  const local = savepointPath === undefined ? undefined : pointerToPath(savepointPath);
  if (local !== undefined && !existsSync(local)) throw new NotFoundError(`Cannot restore from ${savepointPath}: it does not exist (nothing was started).`);
  ctx.io.note(`Nothing answers at ${client.baseUrl}; starting the local coordinator (flink cluster start).`);
  const started = await startCluster(ctx);
  if (!sameAddress(started.url, client.baseUrl)) {
    if (!started.alreadyRunning) await stopStarted(ctx, started);
    throw new UnreachableError(`The local coordinator of ${started.stateDir} runs at ${started.url}, not at ${client.baseUrl}.`, {
      hint: `Use -m ${started.url.replace(/^http:\/\//, '')}, or set rest.port to its port.`,
    });
  }
  ctx.io.note(`Local coordinator started at ${started.url} (log: ${started.log}).`);
  return started.alreadyRunning ? undefined : started;
}

function sameAddress(a: string, b: string): boolean {
  const norm = (u: string) => {
    const url = new URL(u);
    return `${url.protocol}//${url.hostname === 'localhost' ? '127.0.0.1' : url.hostname}:${url.port}${url.pathname.replace(/\/$/, '')}`;
  };
  return norm(a) === norm(b);
}

/** A command that started the local coordinator and then failed stops it again: it leaves nothing behind. */
export async function stopStarted(ctx: CommandContext, started: StartResult): Promise<void> {
  await stopDaemon(started.stateDir, started.pid, 30_000)
    .then(() => ctx.io.note(`Stopped the local coordinator this command started (pid ${started.pid}): no job was submitted.`))
    .catch((error: Error) => ctx.io.warn(`Could not stop the local coordinator this command started (pid ${started.pid}): ${error.message}`));
}
