// The local coordinator daemon's composition root (bundled to dist/coordinator.mjs; started by `flink cluster start`).
// Arguments: [--config-dir <dir>] [-D key=value]... It writes <state dir>/coordinator.pid (pid, address)
// and appends to <state dir>/coordinator.log; SIGTERM suspends running jobs (they resume on next start).
import { appendFileSync, mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardCommands } from '../cli/dashboard-commands.js';
import { HIDDEN, isSecretKey } from '../config/keys.js';
import { loadConfig } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import { startRestServer, type RunningRestServer } from '../server/rest-server.js';
import { SnapshotStorage } from '../storage/index.js';
import { TOOL_VERSION } from '../version.js';
import { JobManager } from '../coordinator/job-manager.js';
import { restToken } from './owner-token.js';
import { daemonSettings } from './settings.js';

function parseArgs(argv: string[]): { configDir?: string; dynamic: string[] } {
  const result: { configDir?: string; dynamic: string[] } = { dynamic: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config-dir') result.configDir = argv[++i];
    else if (a === '-D') result.dynamic.push(argv[++i]);
    else if (a.startsWith('-D')) result.dynamic.push(a.slice(2));
  }
  return result;
}

/**
 * Appends to the coordinator's log and never throws: a line the disk refuses (full, read-only) goes to
 * stderr instead, and is dropped if that cannot be written either. A log must never take the process down.
 */
function safeLog(file: string): (line: string) => void {
  // stdout/stderr are a file on the same disk: a failed write there is an 'error' event, fatal unless handled.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  return (line) => {
    const text = `${new Date().toISOString()} ${line}\n`;
    try {
      appendFileSync(file, text);
    } catch {
      try {
        process.stderr.write(text);
      } catch {
        // dropped: nowhere left to write it
      }
    }
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loaded = await loadConfig({ configDir: args.configDir, env: process.env, cwd: process.cwd() });
  const config = resolveConfig({ loaded, dynamic: args.dynamic });
  const settings = daemonSettings(config, process.env, process.cwd());
  mkdirSync(settings.stateDir, { recursive: true });
  // Snapshots on S3/Azure (the coordinator's and, over IPC, its TaskManagers') use the cluster's own keys.
  const storage = new SnapshotStorage({ settings: settings.storage, cwd: process.cwd(), cacheDir: path.join(settings.stateDir, 'cache') });
  const logFile = path.join(settings.stateDir, 'coordinator.log');
  const log = safeLog(logFile);
  // Last resort: a bug in a callback is logged, and the coordinator (and the jobs it runs) stays up.
  process.on('unhandledRejection', (reason) => log(`Unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));
  log(`Local coordinator ${TOOL_VERSION} starting (pid ${process.pid}, state dir ${settings.stateDir})`);
  for (const warning of [...config.warnings, ...settings.warnings]) log(`WARN ${warning}`);
  log(
    `Savepoint directory: ${settings.coordinator.savepointDir ?? '(none configured: savepoints need a target directory)'}; checkpoints: ${settings.coordinator.checkpointDir}`,
  );

  const jobs = new JobManager({
    stateDir: settings.stateDir,
    settings: settings.coordinator,
    restartStrategy: settings.restartStrategy,
    taskManagerMemoryBytes: settings.taskManagerMemoryBytes,
    storage,
    log,
  });
  const pidFile = path.join(settings.stateDir, 'coordinator.pid');
  const started: { server?: RunningRestServer } = {}; // set once listening; a signal may come first
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`Stopping (${signal}): suspending running jobs`);
    await started.server?.close().catch(() => {});
    await jobs.close().catch((error) => log(`Error while suspending jobs: ${(error as Error).message}`));
    rmSync(pidFile, { force: true });
    log('Stopped');
    process.exit(0);
  };
  // Before anything that takes time: a signal during start or recovery stops the daemon cleanly too.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  // Its owner only (the kernel says who connects); where it cannot say, a token of the owner's (owner-token.ts).
  const token = await restToken({ stateDir: settings.stateDir, token: settings.token, allowOtherUsers: settings.allowOtherUsers }, log);
  // GET /jobmanager/config lists what the coordinator resolved, secrets hidden as Flink hides them.
  const configuration = config
    .all()
    .filter((v) => v.value !== undefined)
    .map((v) => ({ key: v.key, value: isSecretKey(v.key) ? HIDDEN : v.value! }));
  // The dashboard's actions are the CLI's commands, run here against this coordinator with its configuration.
  const address: { value?: string } = {};
  const commands = dashboardCommands({
    env: process.env,
    cwd: process.cwd(),
    globals: () => [
      ...(args.configDir ? ['--config-dir', args.configDir] : []),
      ...args.dynamic.flatMap((d) => ['-D', d]),
      ...(address.value ? ['-m', address.value] : []),
    ],
  });
  const assetsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard');
  const server = (started.server = await startRestServer({
    dispatcher: jobs,
    host: settings.host,
    port: settings.port,
    token,
    allowOtherUsers: settings.allowOtherUsers,
    log,
    jobManager: { logFile, configuration },
    dashboard: { assetsDir, commands },
  }));
  // Bound to every interface (with a token): the commands reach it on loopback.
  const reachable = server.host === '0.0.0.0' ? '127.0.0.1' : server.host === '::' ? '::1' : server.host;
  address.value = `${reachable.includes(':') ? `[${reachable}]` : reachable}:${server.port}`;
  log(`REST endpoint listening at ${server.url}`);
  // Jobs are known before the pid file says "ready": `cluster start` then reports which ones resumed.
  await jobs.recover();
  if (stopping) return; // never announce a coordinator that is on its way out
  const tmp = `${pidFile}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, host: server.host, port: server.port, url: server.url, version: TOOL_VERSION, startedAt: Date.now() }));
  renameSync(tmp, pidFile);
}

main().catch((error) => {
  process.stderr.write(`flink local coordinator failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
