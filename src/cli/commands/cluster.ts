// `flink cluster start|stop|status`: the local coordinator daemon (the embedded default).
import type { Command } from 'commander';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { OperationError, UnreachableError, UsageError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import { parseTimeout } from '../options.js';
import { emit } from '../output/export.js';
import type { CommandModule } from '../program.js';
import {
  authHeaders,
  isCoordinatorProcess,
  probe,
  readPidFile,
  startCluster,
  stateDir,
  stopDaemon,
  tokenOf,
  TOKEN_HINT,
  type StartResult,
} from '../services/local-coordinator.js';

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
        const timeoutMs = parseTimeout(opts.timeout) ?? 30_000;
        const ctx = await deps.contextFor(command);
        if (action === 'start') return printStart(ctx, await startCluster(ctx, timeoutMs));
        if (action === 'stop') return stopCluster(ctx, timeoutMs);
        if (action === 'status') return clusterStatus(ctx);
        throw new UsageError(`Unknown cluster action '${action}': expected start, stop or status.`);
      });
  },
};

async function printStart(ctx: CommandContext, result: StartResult): Promise<void> {
  const { io } = ctx;
  await emit(io, {
    data: result,
    human: async () => {
      io.note(
        result.alreadyRunning
          ? `The local coordinator is already running (pid ${result.pid}).`
          : `Started the local coordinator (pid ${result.pid}); state in ${result.stateDir}, log ${result.log}.`,
      );
      const recovery = result.recovery;
      if (recovery && recovery.resumed.length + recovery.failed.length > 0) {
        io.note(
          `The previous coordinator (pid ${recovery.previousPid}) did not stop cleanly: ${recovery.resumed.length} job(s) resumed, ${recovery.failed.length} failed to resume.`,
        );
        for (const job of recovery.resumed) io.note(`  resumed: ${job.id} ${job.name} (${job.state})`);
        for (const job of recovery.failed) io.warn(`failed: ${job.id} ${job.name}${job.rootCause ? `: ${job.rootCause}` : ''}`);
      }
      io.print(result.url);
    },
  });
}

async function stopCluster(ctx: CommandContext, timeoutMs: number): Promise<void> {
  const dir = await stateDir(ctx);
  const pidFile = readPidFile(dir);
  const { io } = ctx;
  // A pid file whose process is gone, or whose pid now belongs to another program, is stale: never signal it.
  if (!pidFile || !isCoordinatorProcess(pidFile.pid)) {
    if (pidFile) rmSync(path.join(dir, 'coordinator.pid'), { force: true });
    return emit(io, { data: { stopped: false, running: false }, human: () => io.note(`No local coordinator is running (state dir ${dir}).`) });
  }
  // The daemon that answers must be the process about to be signalled, and must accept our token.
  const answer = await probe(pidFile.url, await tokenOf(ctx, pidFile.url));
  if (answer.answer === 'unauthorized') {
    throw new OperationError(`The local coordinator (pid ${pidFile.pid}) at ${pidFile.url} rejects this token; not stopping it.`, { hint: TOKEN_HINT });
  }
  if (answer.answer === 'coordinator' && answer.pid !== undefined && answer.pid !== pidFile.pid) {
    throw new OperationError(`The coordinator at ${pidFile.url} is pid ${answer.pid}, not pid ${pidFile.pid} of the pid file; not signalling either.`);
  }
  const { killed } = await stopDaemon(dir, pidFile.pid, timeoutMs);
  await emit(io, {
    data: { stopped: true, pid: pidFile.pid, killed },
    human: () => io.print(`Stopped the local coordinator (pid ${pidFile.pid})${killed ? ' with SIGKILL after the timeout' : ''}.`),
  });
}

async function clusterStatus(ctx: CommandContext): Promise<void> {
  const dir = await stateDir(ctx);
  const pidFile = readPidFile(dir);
  const { io } = ctx;
  const token = pidFile ? await tokenOf(ctx, pidFile.url) : undefined;
  const answer = pidFile && isCoordinatorProcess(pidFile.pid) ? await probe(pidFile.url, token) : { answer: 'none' as const };
  if (answer.answer === 'unauthorized')
    throw new OperationError(`The local coordinator (pid ${pidFile!.pid}) at ${pidFile!.url} rejects this token.`, { hint: TOKEN_HINT });
  if (!pidFile || answer.answer !== 'coordinator') {
    throw new UnreachableError(`The local coordinator is not running (state dir ${dir}).`, { hint: "Start it with 'flink cluster start'." });
  }
  const overview = (await (await fetch(`${pidFile.url}/v1/overview`, { headers: authHeaders(token) })).json()) as Record<string, number>;
  await emit(io, {
    data: {
      running: true,
      url: pidFile.url,
      pid: pidFile.pid,
      stateDir: dir,
      startedAt: pidFile.startedAt,
      jobsRunning: overview['jobs-running'],
      jobsFinished: overview['jobs-finished'],
      jobsCancelled: overview['jobs-cancelled'],
      jobsFailed: overview['jobs-failed'],
    },
    human: () =>
      io.print(
        `running\t${pidFile.url}\tpid ${pidFile.pid}\tjobs: ${overview['jobs-running']} running, ${overview['jobs-finished']} finished, ${overview['jobs-cancelled']} cancelled, ${overview['jobs-failed']} failed`,
      ),
  });
}
