// A per-job lock so that overlapping cron or CI runs never trigger two savepoints (proper-lockfile, with a
// stale-lock rule), and the record of an in-flight trigger id so that a retry reattaches to it.
import fs, { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { coordinatorStateDir } from '../../config/state-dir.js';
import { LockedError } from '../../domain/errors.js';
import { pointerToPath } from '../../domain/pointers.js';
import { ioOperationError } from '../../domain/io-errors.js';
import type { CommandContext } from '../context.js';
import { isProcessAlive as alive } from './pid.js';

interface Holder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export async function lockDir(ctx: CommandContext): Promise<string> {
  const dir = path.join(coordinatorStateDir(await ctx.config(), ctx.env, ctx.cwd), 'locks');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Runs `fn` holding the lock `key` (e.g. a job id); another holder means LockedError (exit code 7). `label`
 * names it in messages (default: the savepoint lock of `key`; the fallback of a store lease names its root).
 */
export async function withJobLock<T>(
  ctx: CommandContext,
  key: string,
  fn: () => Promise<T>,
  label: { what: string; refused: string } = { what: `the savepoint lock of ${key}`, refused: 'nothing was triggered' },
): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  const dir = await lockDir(ctx);
  const file = path.join(dir, `${key}.savepoint`);
  const holderFile = path.join(`${file}.lock`, HOLDER);
  if (!existsSync(file)) stateWrite(dir, `Cannot write ${label.what}`, () => writeFileSync(file, ''));
  const staleMs = (await ctx.config()).duration('savepoints.lock-stale-after') ?? 600_000;
  const holder: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), command: process.argv.slice(2).join(' ') };
  const options = {
    stale: Math.max(2000, staleMs),
    update: Math.max(1000, Math.floor(Math.max(2000, staleMs) / 3)),
    realpath: false,
    fs: holderInsideLock(holder),
    onCompromised: (error: Error) => ctx.io.warn(`${label.what} was compromised: ${error.message}`),
  };
  const lock = async () => {
    try {
      return await lockfile.lock(file, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw error;
      throw ioOperationError(error, `Cannot write ${label.what}`, dir) ?? error;
    }
  };
  let release: () => Promise<void>;
  try {
    release = await lock();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    // The holder record lives inside the lock, so it always names who holds this very lock (or nobody yet).
    const current = readHolder(holderFile);
    // A holder on this machine that no longer exists left a stale lock: take it over now.
    if (current && current.host === os.hostname() && !alive(current.pid)) {
      ctx.io.note(`Taking over ${label.what} left by pid ${current.pid} (no longer running).`);
      rmSync(`${file}.lock`, { recursive: true, force: true });
      release = await lock();
    } else {
      throw new LockedError(
        `Another run holds ${label.what}${current ? ` (pid ${current.pid} on ${current.host} since ${current.since}: ${current.command})` : ''}; ${label.refused}.`,
        { hint: `If that run died, the lock is taken over after savepoints.lock-stale-after (${Math.round(options.stale / 1000)} s).` },
      );
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}

const HOLDER = 'holder.json';

/**
 * proper-lockfile's lock is a directory made with mkdir (atomic). Writing the holder record into it as part of
 * taking the lock, and removing both together, means no run can read a dead holder's record for a live lock.
 */
function holderInsideLock(holder: Holder): typeof fs {
  return {
    ...fs,
    mkdir: ((dir: string, callback: (error: NodeJS.ErrnoException | null) => void) => {
      fs.mkdir(dir, (error) => {
        if (error) return callback(error);
        fs.writeFile(path.join(dir, HOLDER), JSON.stringify(holder), (written) => {
          if (!written) return callback(null);
          fs.rm(dir, { recursive: true, force: true }, () => callback(written));
        });
      });
    }) as typeof fs.mkdir,
    rmdir: ((dir: string, callback: (error: NodeJS.ErrnoException | null) => void) => fs.rm(dir, { recursive: true }, callback)) as typeof fs.rmdir,
    rmdirSync: ((dir: string) => fs.rmSync(dir, { recursive: true, force: true })) as typeof fs.rmdirSync,
  };
}

/** A write in the state directory; a full or read-only disk is an operation error naming the directory. */
function stateWrite(dir: string, what: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    throw ioOperationError(error, what, dir) ?? error;
  }
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

export interface PendingTrigger {
  jobId: string;
  triggerId: string;
  startedAt: string;
  /** What was requested: a later run reattaches only to the same request (issue 12, case 9). */
  request: TriggerRequestRecord;
}

export interface TriggerRequestRecord {
  kind: 'savepoint';
  /** The target directory as resolved and sent for that run; null: the cluster's own default. */
  targetDirectory: string | null;
  formatType: 'CANONICAL' | 'NATIVE';
}

/** Why a pending trigger is not the one this request asks for (undefined: it is). Records without a request never match. */
export function pendingMismatch(pending: PendingTrigger, jobId: string, request: TriggerRequestRecord): string | undefined {
  const was = pending.request as TriggerRequestRecord | undefined;
  if (pending.jobId !== jobId) return `it was for job ${pending.jobId}`;
  if (!was) return 'it does not record what it was for';
  if (was.kind !== request.kind) return `it was a ${was.kind}`;
  if (!sameTarget(was.targetDirectory, request.targetDirectory))
    return `it was for another target (${was.targetDirectory ?? "the cluster's default directory"})`;
  if (was.formatType !== request.formatType) return `it was for the ${was.formatType.toLowerCase()} format`;
  return undefined;
}

function sameTarget(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const norm = (p: string) => {
    const local = pointerToPath(p);
    return local === undefined ? p.replace(/\/+$/, '') : path.resolve(local);
  };
  return norm(a) === norm(b);
}

/** The savepoint this job's last run triggered and did not see finish (timeout, kill). */
export async function readPendingTrigger(ctx: CommandContext, jobId: string): Promise<PendingTrigger | undefined> {
  try {
    return JSON.parse(readFileSync(path.join(await lockDir(ctx), `${jobId}.trigger.json`), 'utf8')) as PendingTrigger;
  } catch {
    return undefined;
  }
}

export async function writePendingTrigger(ctx: CommandContext, pending: PendingTrigger): Promise<void> {
  const dir = await lockDir(ctx);
  stateWrite(dir, `Cannot record the savepoint trigger of ${pending.jobId}`, () =>
    writeFileSync(path.join(dir, `${pending.jobId}.trigger.json`), JSON.stringify(pending)),
  );
}

export async function clearPendingTrigger(ctx: CommandContext, jobId: string): Promise<void> {
  rmSync(path.join(await lockDir(ctx), `${jobId}.trigger.json`), { force: true });
}
