// The storage-layout scenarios of the real-Flink suite (layouts.test.ts on local disk, layouts-s3.test.ts on
// S3Mock): what an operator does with the files Flink's ownership modes and state backends leave, run against
// a real cluster with our CLI, then a restore from what survived. Each scenario returns what it saw and the
// problems it found (an empty list when the tool kept its promise); the tests assert on those, so one run
// shows every way a scenario fails, not just the first.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FlinkCluster } from './flink-cluster.js';

const BIN = path.resolve('bin/flink');
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What a scenario needs to see of the storage its cluster writes to (a local directory or an S3 bucket). */
export interface LayoutStorage {
  /** The checkpoint root, as Flink writes it into paths (file:/... or s3://bucket/prefix). */
  root: string;
  /** Object or file names (full URIs or paths as `root` is written) under a prefix, recursively. */
  list(prefix: string): Promise<string[]>;
  exists(pointer: string): Promise<boolean>;
  write(pointer: string, bytes: Buffer): Promise<void>;
}

export interface LayoutEnv {
  version: string;
  cluster: FlinkCluster;
  jar: string;
  /** Local scratch: our CLI's HOME and cwd, the counts files. */
  work: string;
  storage: LayoutStorage;
  /** Our CLI's extra global arguments (e.g. --config-dir with the S3 keys). */
  cliArgs: string[];
  /** Settings every job of this environment gets (e.g. its checkpoint directory). */
  jobSettings: string[];
  /** With RECORD_FIXTURES=1 on local disk: records a snapshot and the folders of files it references as a fixture. */
  record?: (kind: string, snapshot: string, folders: string[]) => void;
}

export interface Outcome {
  /** Each broken promise, one line each. */
  problems: string[];
  /** Facts for the tests' own assertions and the report. */
  facts: Record<string, unknown>;
}

const TRACE = process.env.LAYOUT_TRACE === '1';
const started = Date.now();
/** LAYOUT_TRACE=1: each step's duration on stderr (where the suite's time goes). */
function trace(what: string, since: number): void {
  if (TRACE) process.stderr.write(`[layout +${((Date.now() - started) / 1000).toFixed(1)}s] ${what}: ${Date.now() - since} ms\n`);
}

export async function ours(env: LayoutEnv, args: string[]): Promise<Run> {
  // The cases of one suite share a root and run at once. A deleting command refused because another case's command
  // holds the root's delete lease (exit 7, as documented) is run again a moment later, as an operator would.
  for (let attempt = 1; ; attempt++) {
    const run = await oursOnce(env, args);
    if (run.exitCode !== 7 || !/delete lease .* is held by/.test(run.stderr) || attempt >= 60) return run;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function oursOnce(env: LayoutEnv, args: string[]): Promise<Run> {
  const since = Date.now();
  const r = await execa(process.execPath, [BIN, ...env.cliArgs, ...args], {
    cwd: env.work,
    reject: false,
    env: { HOME: env.work, PATH: process.env.PATH },
    extendEnv: false,
    timeout: 120_000,
  });
  trace(
    `flink ${args
      .filter((a) => !a.includes('/'))
      .slice(0, 3)
      .join(' ')}`,
    since,
  );
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Generous: nothing waits this long when the machine is not overloaded, and a busy one must not fail the suite. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      if ((error as { fatal?: boolean }).fatal) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/**
 * After a restore from a snapshot older than the counts file's last line: every key goes on from restored state
 * (its first new count is above 1 and at most one past its last old one) and then counts on by one.
 */
export function continuedFromState(file: string, linesBefore: number): boolean {
  const all = lines(file).map((l) => l.split(','));
  const last = new Map<string, number>();
  for (const [key, n] of all.slice(0, linesBefore)) last.set(key, Number(n));
  const after = new Map<string, number[]>();
  for (const [key, n] of all.slice(linesBefore)) after.set(key, [...(after.get(key) ?? []), Number(n)]);
  return after.size > 0 && [...after].every(([key, c]) => c[0] > 1 && c[0] <= (last.get(key) ?? 0) + 1 && c.every((v, i) => i === 0 || v === c[i - 1] + 1));
}

/** A local path for a file: URI; other URIs unchanged. */
export const plain = (pointer: string) => (/^file:/.test(pointer) ? pointer.replace(/^file:(\/\/)?/, '/').replace(/^\/\/+/, '/') : pointer);

interface JobStart {
  name: string;
  countsFile: string;
  settings: string[];
  entryClass?: string;
  from?: string;
  /** e.g. ['-restoreMode', 'claim'] or ['-claimMode', 'claim']. */
  mode?: string[];
}

export async function startJob(env: LayoutEnv, job: JobStart): Promise<{ run: Run; jobId?: string }> {
  const run = await ours(env, [
    'run',
    '-d',
    '-m',
    env.cluster.address,
    ...(job.from ? ['-s', job.from, ...(job.mode ?? [])] : []),
    ...(job.entryClass ? ['-c', job.entryClass] : []),
    env.jar,
    job.name,
    job.countsFile,
    ...env.jobSettings,
    ...job.settings,
  ]);
  return { run, jobId: JOB_RE.exec(run.stdout)?.[1] };
}

interface CheckpointStats {
  counts: { completed: number; restored: number; [status: string]: number };
  history: Array<{ id: number; status: string; failure_message?: string }>;
  latest: { completed: { external_path: string; id: number } | null };
}

export async function checkpointsOf(env: LayoutEnv, jobId: string): Promise<CheckpointStats> {
  return env.cluster.rest<CheckpointStats>(`/jobs/${jobId}/checkpoints`);
}

/** Waits until the job completed `n` checkpoints of its own (a restore does not count). */
export async function waitForCheckpoints(env: LayoutEnv, jobId: string, n: number): Promise<void> {
  const since = Date.now();
  try {
    await until(`${n} completed checkpoints of ${jobId}`, async () => {
      const state = (await env.cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state;
      if (state === 'FAILED') throw Object.assign(new Error(`job ${jobId} FAILED`), { fatal: true });
      return (await checkpointsOf(env, jobId)).counts.completed >= n ? true : undefined;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${await diagnosis(env, jobId)}`);
  }
  trace(`${n} checkpoints of ${jobId.slice(0, 6)}`, since);
}

/** The last line naming an exception in the job's newest recorded failure (Flink's exception history). */
async function failureOf(env: LayoutEnv, jobId: string): Promise<string | undefined> {
  const ex = await env.cluster.rest<{ exceptionHistory?: { entries?: Array<{ stacktrace?: string }> }; 'root-exception'?: string }>(
    `/jobs/${jobId}/exceptions`,
  );
  const trace = ex.exceptionHistory?.entries?.[0]?.stacktrace ?? ex['root-exception'] ?? '';
  return trace
    .split('\n')
    .filter((l) => /Exception|Error/.test(l) && !/^\s+at /.test(l))
    .pop()
    ?.trim();
}

/** Why a job does not get on, as Flink's REST API says it: its state, checkpoints, last failures, and the cluster's slots. */
async function diagnosis(env: LayoutEnv, jobId: string): Promise<string> {
  try {
    const { state } = await env.cluster.rest<{ state: string }>(`/jobs/${jobId}`);
    const stats = await checkpointsOf(env, jobId);
    const failed = stats.history.find((h) => h.status === 'FAILED');
    const cluster = await env.cluster.rest<Record<string, number>>('/overview');
    return [
      `job ${state}`,
      `checkpoints ${JSON.stringify(stats.counts)}`,
      failed ? `checkpoint ${failed.id} failed: ${String(failed.failure_message ?? '').split('\n')[0]}` : 'no failed checkpoint',
      `job failure: ${(await failureOf(env, jobId)) ?? 'none recorded'}`,
      `cluster: ${cluster.taskmanagers} task manager(s), ${cluster['slots-available']} of ${cluster['slots-total']} slots free, ${cluster['jobs-running']} job(s) running`,
    ].join('; ');
  } catch (error) {
    return `(the cluster could not say why: ${(error as Error).message})`;
  }
}

/**
 * The job's newest restorable snapshot as our `savepoints --latest` picks it (fully verified: a checkpoint Flink
 * left referencing a file it never wrote is skipped), the newer retained checkpoints it skipped, and all retained.
 */
export async function latestRestorable(env: LayoutEnv, jobId: string): Promise<{ latest: string; skipped: string[]; retained: string[] }> {
  const retained = await retainedCheckpoints(env, jobId);
  if (retained.length === 0) throw new Error(`job ${jobId} retained no checkpoint`);
  const run = await ours(env, ['savepoints', '--latest', jobId, '--dir', env.storage.root, '-m', env.cluster.address]);
  const latest = run.stdout.trim();
  if (run.exitCode !== 0 || latest === '') throw new Error(`savepoints --latest ${jobId} exited ${run.exitCode}: ${run.stderr.trim().split('\n')[0] ?? ''}`);
  const picked = retained.find((c) => samePath(c, latest));
  if (!picked) throw new Error(`savepoints --latest ${jobId} picked ${latest}, which is none of its retained checkpoints (${retained.join(', ')})`);
  const skipped = retained.slice(retained.indexOf(picked) + 1);
  if (skipped.length > 0) process.stderr.write(`[layout] savepoints --latest ${jobId} skipped ${skipped.join(', ')} (does not verify) for ${picked}\n`);
  return { latest: picked, skipped, retained };
}

export async function cancel(env: LayoutEnv, jobId: string): Promise<void> {
  const since = Date.now();
  await env.cluster.rest(`/jobs/${jobId}`, { method: 'PATCH' }).catch(() => undefined);
  await until(`${jobId} to be cancelled`, async () => {
    const state = (await env.cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state;
    return ['CANCELED', 'FAILED', 'FINISHED'].includes(state) ? true : undefined;
  });
  trace(`cancel ${jobId.slice(0, 6)}`, since);
}

/** The retained chk-<n> directories of a job (with their _metadata), oldest first, as Flink writes paths. */
export async function retainedCheckpoints(env: LayoutEnv, jobId: string): Promise<string[]> {
  const jobDir = `${env.storage.root}/${jobId}`;
  const found = (await env.storage.list(`${jobDir}/`))
    .map((p) => /\/(chk-(\d+))\/_metadata$/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ dir: `${jobDir}/${m[1]}`, n: Number(m[2]) }));
  return found.sort((a, b) => a.n - b.n).map((c) => c.dir);
}

export interface InspectReport {
  path: string;
  metadataVersion: number;
  files: Array<{ path: string; bytes: number }>;
  verified: boolean | null;
  missing: string[];
}

export async function inspect(env: LayoutEnv, pointer: string, verify = false): Promise<{ run: Run; report?: InspectReport }> {
  const run = await ours(env, ['savepoints', 'inspect', pointer, '--json', ...(verify ? ['--verify'] : [])]);
  try {
    return { run, report: JSON.parse(run.stdout) as InspectReport };
  } catch {
    return { run };
  }
}

/** Flink writes file:/x (one slash) in metadata and paths; the storage lists file:/x too. Compare both ways. */
export const samePath = (a: string, b: string) => plain(a).replace(/\/+$/, '') === plain(b).replace(/\/+$/, '');

/**
 * Restores `from` into a new job and lets it run: it must reach RUNNING, complete a checkpoint and count on from
 * the restored state. Cancels it after. Returns a problem line, or undefined.
 */
export async function restoreRuns(env: LayoutEnv, from: string, job: Omit<JobStart, 'from'>): Promise<string | undefined> {
  const before = lines(job.countsFile).length;
  const since = Date.now();
  const { run, jobId } = await startJob(env, { ...job, from });
  if (!jobId) return `the restore from ${from} was not submitted (exit ${run.exitCode}): ${run.stderr.trim().split('\n')[0]}`;
  try {
    const outcome = await until(
      `the job restored from ${from} to run or fail`,
      async () => {
        const state = (await env.cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state;
        if (state === 'FAILED') return 'FAILED';
        const stats = await checkpointsOf(env, jobId);
        return stats.counts.completed >= 1 && lines(job.countsFile).length > before + 20 ? 'RUNNING' : undefined;
      },
      240_000,
    );
    if (outcome === 'FAILED') return `the job restored from ${from} FAILED: ${await diagnosis(env, jobId)}`;
    trace(`restore ${job.name} running`, since);
    if (!continuedFromState(job.countsFile, before)) return `the job restored from ${from} runs but its counts did not continue from the restored state`;
    return undefined;
  } finally {
    await cancel(env, jobId);
  }
}
