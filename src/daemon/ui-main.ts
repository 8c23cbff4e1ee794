// `flink ui`'s server process (bundled to dist/ui.mjs, started by the `ui` command): the dashboard on loopback
// for any cluster. Flink's REST reads are passed on to the cluster with the CLI's endpoint settings; the catalog
// and the actions are the CLI's commands, run here with the same configuration (so they read the snapshot
// storage themselves and take the same locks). Arguments: --port <n> [--config-dir <dir>] [-m <address>] [-D k=v]...
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterProxy, dashboardCommands, globalsArgv, type DashboardGlobals } from '../cli/dashboard-commands.js';
import { startDashboardServer } from '../server/rest-server.js';
import { TOOL_VERSION } from '../version.js';

function parseArgs(argv: string[]): { port: number; globals: DashboardGlobals } {
  const globals: DashboardGlobals = { D: [] };
  let port = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') port = Number(argv[++i]);
    else if (a === '--config-dir') globals.configDir = argv[++i];
    else if (a === '-m') globals.jobmanager = argv[++i];
    else if (a === '-D') globals.D.push(argv[++i]);
  }
  return { port, globals };
}

async function main(): Promise<void> {
  const { port, globals } = parseArgs(process.argv.slice(2));
  const env = process.env;
  const cwd = process.cwd();
  const proxy = clusterProxy({ env, cwd, globals });
  const target = await proxy.target();
  const server = await startDashboardServer({
    port,
    dashboard: {
      assetsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard'),
      commands: dashboardCommands({ env, cwd, globals: () => globalsArgv(globals) }),
      info: () => ({ mode: 'proxy', target, toolVersion: TOOL_VERSION }),
    },
    proxy: proxy.get,
  });
  process.stdout.write(`Dashboard for ${target} at ${server.url}/ (Ctrl-C to stop)\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started by `flink ui` with an IPC channel: when that process is gone, so is this server.
  process.on('disconnect', stop);
}

main().catch((error) => {
  process.stderr.write(`Error: ${(error as Error).message}\n`);
  process.exit(1);
});
