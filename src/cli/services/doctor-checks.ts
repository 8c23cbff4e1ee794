// The checks of `flink doctor`. Each check returns one checklist item with a fix when it fails; none
// changes anything an operator cares about (the writability probe writes one small object and removes it).
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SAVEPOINT_BACKEND_REMOVED } from '../../config/keys.js';
import type { ResolvedConfig } from '../../config/resolve.js';
import type { StorageSettings } from '../../config/storage.js';
import { isProcessAlive } from './pid.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

/** Clocks further apart than this break "latest" across machines and --max-age retention. */
export const MAX_CLOCK_SKEW_MS = 5_000;

/** Keys this tool does not read, by prefix, that are still legitimate (storage credentials, Flink's own). */
const KNOWN_PREFIXES = ['s3.', 'fs.azure.', 'azure.'];

/**
 * The configuration's keys and values: deprecated names (fail), likely typos of a known key (fail), values that
 * do not parse as their key's type (fail: the coordinator or a later command would refuse them), and keys this
 * tool does not read (a warning: fine when the Flink cluster reads them). `savepointWarnings`: the savepoint
 * target chain's warnings (it explains the savepoint directory's old names).
 */
export function configKeysCheck(config: ResolvedConfig, known: ReadonlySet<string>, savepointWarnings: readonly string[] = []): CheckResult[] {
  const backendRemoved = config.warnings.filter((w) => w.startsWith(`Config key '${SAVEPOINT_BACKEND_REMOVED}'`));
  const deprecated = [...new Set([...config.deprecationWarnings(), ...backendRemoved, ...savepointWarnings.filter((w) => /deprecated|is ignored/i.test(w))])];
  const typos = config.unknownKeys().filter((u) => u.suggestion !== undefined);
  const typoKeys = new Set(typos.map((t) => t.key));
  const unknown = [...new Set(config.loaded.entries.map((e) => e.key))].filter(
    (k) => !known.has(k) && !typoKeys.has(k) && !KNOWN_PREFIXES.some((p) => k.startsWith(p)),
  );
  const invalid = config.invalidValues();
  const results: CheckResult[] = [];
  results.push(
    deprecated.length === 0
      ? { id: 'config-deprecated', title: 'Deprecated configuration keys', status: 'pass', detail: 'none' }
      : {
          id: 'config-deprecated',
          title: 'Deprecated configuration keys',
          status: 'fail',
          detail: deprecated.join(' '),
          fix: 'Rename each deprecated key to the name given (the old names still work, with a warning on every run).',
        },
  );
  results.push(
    typos.length === 0
      ? { id: 'config-typos', title: 'Misspelled configuration keys', status: 'pass', detail: 'none' }
      : {
          id: 'config-typos',
          title: 'Misspelled configuration keys',
          status: 'fail',
          detail: `ignored, each a small edit away from a key this tool reads: ${typos.map((t) => t.key).join(', ')}`,
          fix: typos.map((t) => `Rename '${t.key}' to '${t.suggestion}'.`).join(' '),
        },
  );
  results.push(
    invalid.length === 0
      ? { id: 'config-values', title: 'Configuration values', status: 'pass', detail: 'every value set parses as its type' }
      : {
          id: 'config-values',
          title: 'Configuration values',
          status: 'fail',
          detail: invalid.map((i) => i.message).join('; '),
          fix: "Correct each value (durations like '10 s' or '5 min', integers, memory sizes like '1g'); 'flink config --check' lists them.",
        },
  );
  results.push(
    unknown.length === 0
      ? { id: 'config-unknown', title: 'Unknown configuration keys', status: 'pass', detail: 'none' }
      : {
          id: 'config-unknown',
          title: 'Unknown configuration keys',
          status: 'warn',
          detail: `not read by this tool: ${unknown.sort().join(', ')}`,
          fix: "Fine if your Flink cluster reads them; otherwise check the spelling ('flink config' lists every key this tool reads).",
        },
  );
  return results;
}

/** Skew of the server's clock against ours from an HTTP Date (whole seconds, so up to 1 s early). */
export function clockSkewCheck(serverDate: number | undefined, sentAt: number, receivedAt: number, limitMs = MAX_CLOCK_SKEW_MS): CheckResult {
  const title = 'Clock skew against the cluster';
  if (serverDate === undefined) return { id: 'clock-skew', title, status: 'skip', detail: 'the endpoint sent no Date header' };
  const estimate = serverDate + 500 - (sentAt + receivedAt) / 2;
  const uncertainty = 500 + (receivedAt - sentAt) / 2;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(estimate) - uncertainty <= limitMs)
    return { id: 'clock-skew', title, status: 'pass', detail: `${seconds(Math.abs(estimate))} (± ${seconds(uncertainty)})` };
  return {
    id: 'clock-skew',
    title,
    status: 'fail',
    detail: `the cluster's clock is ${seconds(Math.abs(estimate))} ${estimate > 0 ? 'ahead of' : 'behind'} this machine's (limit ${seconds(limitMs)})`,
    fix: "Synchronise both clocks (NTP, e.g. 'timedatectl set-ntp true'): snapshot times decide what 'latest' and --max-age mean.",
  };
}

/** Whether a savepoint or checkpoint directory resolves, lists and takes a write, through the storage interface. */
export async function directoryCheck(
  id: string,
  title: string,
  uri: string | undefined,
  origin: string,
  settings: StorageSettings,
  cwd: string,
): Promise<CheckResult> {
  if (uri === undefined || uri === '') {
    return id === 'savepoint-dir'
      ? {
          id,
          title,
          status: 'warn',
          detail: "not configured here: savepoints go to the cluster's default, if it has one",
          fix: 'Set execution.checkpointing.savepoint-dir (or state.savepoints.dir) so every savepoint lands where flink savepoints looks.',
        }
      : { id, title, status: 'skip', detail: 'not configured (execution.checkpointing.dir)' };
  }
  const { openStore, parseStorageUri } = await import('../../storage/object-store.js');
  let location;
  try {
    location = parseStorageUri(uri, cwd);
  } catch (error) {
    return {
      id,
      title,
      status: 'fail',
      detail: `${uri} (${origin}): ${(error as Error).message}`,
      fix: 'Use a file path or a file://, s3://, wasbs://, abfss:// or hdfs:// URI.',
    };
  }
  if (location.kind === 'local' && !existsSync(location.path)) {
    const parent = nearestExisting(location.path);
    if (parent !== undefined && writable(parent))
      return { id, title, status: 'pass', detail: `${location.path} (${origin}) does not exist yet; it will be created on first use` };
    return {
      id,
      title,
      status: 'fail',
      detail: `${location.path} (${origin}) does not exist and cannot be created here`,
      fix: `Create it: mkdir -p ${location.path} (as the user that runs the jobs), or configure another directory.`,
    };
  }
  let store;
  const step = { now: 'open' };
  try {
    store = await openStore(uri, settings, cwd);
    step.now = 'list';
    await store.list('', { delimiter: '/', pageSize: 1 });
    step.now = 'write';
    const probe = `.flink-doctor-${process.pid}-${randomBytes(4).toString('hex')}`;
    await store.write(probe, 'flink doctor write probe\n');
    try {
      step.now = 'read';
      await store.read(probe);
    } finally {
      await store.deleteMany([probe]);
    }
    return { id, title, status: 'pass', detail: `${store.base} (${origin}) is readable and writable` };
  } catch (error) {
    const verb = step.now === 'list' || step.now === 'read' ? 'cannot be read' : step.now === 'write' ? 'cannot be written' : 'cannot be opened';
    return {
      id,
      title,
      status: 'fail',
      detail: `${uri} (${origin}) ${verb}: ${(error as Error).message.split('\n')[0]}`,
      fix: fixForStorage(location.kind, step.now),
    };
  } finally {
    store?.close();
  }
}

function fixForStorage(kind: string, step: string): string {
  if (kind === 'local')
    return step === 'write'
      ? 'Give the user that runs flink write access to the directory (chown/chmod), or configure another one.'
      : 'Check that the path is a readable directory.';
  if (kind === 's3')
    return 'Check that the bucket exists, s3.endpoint / s3.path.style.access, and the credentials (s3.access-key / s3.secret-key or the AWS default chain).';
  if (kind === 'azure')
    return 'Check that the container exists, azure.blob.endpoint, and the account key (fs.azure.account.key.<account>.blob.core.windows.net).';
  if (kind === 'hdfs')
    return "Check HADOOP_CONF_DIR (fs.defaultFS, dfs.namenode.http-address, the name service's NameNodes), that WebHDFS is enabled, and the path's permissions for HADOOP_USER_NAME.";
  return 'Use a supported storage scheme (file, s3, wasbs, abfss, hdfs).';
}

function nearestExisting(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(d)) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Temp files a crash can leave in the state directory (atomic writes go through *.tmp files). */
const LEFTOVER = /\.tmp(?:-|$)|\.partial$/;

/** The local coordinator's state directory: writable, no stale pid file, no leftovers of a crash. */
export async function stateDirCheck(dir: string, answers: (url: string) => Promise<boolean>): Promise<CheckResult> {
  const id = 'state-dir';
  const title = "Local coordinator's state directory";
  if (!existsSync(dir)) {
    const parent = nearestExisting(dir);
    return parent !== undefined && writable(parent)
      ? { id, title, status: 'pass', detail: `${dir} does not exist yet (created by 'flink cluster start')` }
      : { id, title, status: 'fail', detail: `${dir} cannot be created`, fix: 'Set coordinator.dir to a directory this user can write.' };
  }
  if (!writable(dir))
    return { id, title, status: 'fail', detail: `${dir} is not writable`, fix: `Give this user write access to ${dir} (or set coordinator.dir).` };
  const pidFile = path.join(dir, 'coordinator.pid');
  if (existsSync(pidFile)) {
    let pid: { pid?: number; url?: string } = {};
    try {
      pid = JSON.parse(readFileSync(pidFile, 'utf8')) as typeof pid;
    } catch {
      return { id, title, status: 'fail', detail: `${pidFile} is not readable JSON`, fix: `Remove it: rm ${pidFile} (no coordinator can be using it).` };
    }
    const alive = typeof pid.pid === 'number' && isProcessAlive(pid.pid);
    if (!alive || !pid.url || !(await answers(pid.url))) {
      return {
        id,
        title,
        status: 'fail',
        detail: `stale pid file ${pidFile} (pid ${pid.pid} is ${alive ? 'alive but not a coordinator that answers' : 'gone'})`,
        fix: alive ? `Check what pid ${pid.pid} is; if it is not the coordinator, rm ${pidFile}.` : `'flink cluster start' removes it, or: rm ${pidFile}`,
      };
    }
  }
  // Older than a minute: a write in progress right now is not a leftover.
  const leftovers = listFiles(dir).filter((f) => LEFTOVER.test(path.basename(f)) && Date.now() - statSync(f).mtimeMs > 60_000);
  if (leftovers.length > 0) {
    return {
      id,
      title,
      status: 'fail',
      detail: `leftovers of an interrupted write: ${leftovers.slice(0, 5).join(', ')}${leftovers.length > 5 ? ` and ${leftovers.length - 5} more` : ''}`,
      fix: 'Stop the coordinator (flink cluster stop), then remove these files.',
    };
  }
  return { id, title, status: 'pass', detail: existsSync(pidFile) ? `${dir} (coordinator running)` : `${dir} (no coordinator running)` };
}

function listFiles(dir: string, depth = 3): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...listFiles(full, depth - 1));
    else if (e.isFile()) out.push(full);
  }
  return out;
}
