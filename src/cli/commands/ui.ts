// `flink ui [--port <n>]`: the dashboard for the configured cluster. The local coordinator serves it at its own
// root URL (printed); for any other cluster (-m host:port, an Apache Flink JobManager) a server on loopback
// shows it, passing the page's REST reads on to the cluster and running the CLI's own commands for its catalog
// and actions (which read the snapshot storage from this machine). It runs until Ctrl-C.
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { OperationError, UsageError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import { emit } from '../output/export.js';
import type { CommandModule } from '../program.js';

export interface UiOptions {
  port: number;
}

export function parseUiArgs(opts: { port?: string }): UiOptions {
  if (opts.port === undefined) return { port: 0 };
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535) throw new UsageError(`--port must be a port number (0-65535), not '${opts.port}'.`);
  return { port };
}

export const uiCommand: CommandModule = {
  name: 'ui',
  register(program, deps) {
    return program
      .command('ui')
      .option('--port <n>', 'loopback port of the dashboard for another cluster (default: a free one)')
      .addHelpText(
        'after',
        [
          '',
          'The dashboard: jobs, checkpoint history as charts, exceptions, and the catalog of restorable snapshots',
          '(also of jobs that are gone) with pin/unpin, dispose (dry-run plan first), restore, savepoint and stop.',
          'Its actions run the same commands as this CLI, and are audited like them.',
          '',
          'Examples:',
          '  flink ui                          (the local coordinator: prints its URL)',
          '  flink ui -m flink-jm:8081         (an Apache Flink cluster: serves it on 127.0.0.1)',
          '  flink ui -m flink-jm:8081 --port 8090',
          '',
        ].join('\n'),
      )
      .action(async (opts: { port?: string }, command: Command) => {
        const options = parseUiArgs(opts);
        await runUi(options, await deps.contextFor(command));
      });
  },
};

function uiEntry(): string {
  return fileURLToPath(new URL('./ui.mjs', import.meta.url));
}

export async function runUi(options: UiOptions, ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const caps = await client.capabilities();
  if (caps.kind === 'local') {
    const { endpointFromConfig } = await import('../endpoint.js');
    const url = `${endpointFromConfig(await ctx.config(), ctx.env).baseUrl}/`;
    return emit(ctx.io, { data: { url, servedBy: 'coordinator' }, human: (io) => io.print(url) });
  }
  const [{ existsSync }, { spawn }, { globalsArgv }] = await Promise.all([import('node:fs'), import('node:child_process'), import('../dashboard-commands.js')]);
  const entry = uiEntry();
  if (!existsSync(entry)) throw new OperationError('The dashboard server is not built (dist/ui.mjs missing): run npm run build.');
  // The IPC channel ties the server to this process: it stops when this one ends, however it ends.
  const child = spawn(process.execPath, [entry, '--port', String(options.port), ...globalsArgv(ctx.globals)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: ctx.env,
    cwd: ctx.cwd,
  });
  const { onInterrupt } = await import('../interrupt.js');
  const forget = onInterrupt(() => child.kill('SIGTERM'));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  forget();
  if (code !== 0) throw new OperationError(`The dashboard server stopped (exit code ${code}).`);
}
