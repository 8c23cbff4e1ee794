// `flink stop [-p|--savepointPath [dir]] [-d|--drain] [--type] [--detached] <jobId>`: stop with a savepoint.
import type { Command } from 'commander';
import { parseJobId } from '../../domain/ids.js';
import type { CommandContext } from '../context.js';
import { parseTimeout } from '../options.js';
import type { CommandModule } from '../program.js';
import { emit } from '../output/export.js';
import { parseFormatType, requireJob, savepointTarget } from '../services/snapshot-ops.js';

export interface StopOptions {
  jobId: string;
  savepointPath?: string;
  drain: boolean;
  format: 'CANONICAL' | 'NATIVE';
  detached: boolean;
  timeoutMs?: number;
}

export function parseStopArgs(
  jobIdArg: string | undefined,
  opts: { savepointPath?: string | boolean; drain?: boolean; type?: string; detached?: boolean; timeout?: string },
): StopOptions {
  let savepointPath = typeof opts.savepointPath === 'string' ? opts.savepointPath : undefined;
  let jobIdText = jobIdArg;
  // Flink's quirk, kept: `stop -p <jobId>` takes the job id from the optional argument of -p.
  if (jobIdText === undefined && savepointPath !== undefined) {
    jobIdText = savepointPath;
    savepointPath = undefined;
  }
  return {
    jobId: parseJobId(jobIdText, 'Missing JobID. Specify a Job ID to stop a job.'),
    savepointPath,
    drain: Boolean(opts.drain),
    format: parseFormatType(opts.type),
    detached: Boolean(opts.detached),
    timeoutMs: parseTimeout(opts.timeout),
  };
}

export const stopCommand: CommandModule = {
  name: 'stop',
  register(program, deps) {
    return program
      .command('stop')
      .argument('[jobId]', 'the job')
      .option('-p, --savepointPath [dir]', "target directory of the savepoint (default: the configured or the cluster's)")
      .option('-d, --drain', 'emit MAX_WATERMARK before the savepoint and end the job (FINISHED) instead of suspending it')
      .option('--type <type>', 'savepoint format: canonical (default) or native (also -type)')
      .option('--detached', 'return right after triggering, print the trigger id (also -detached)')
      .option('--timeout <duration>', 'how long to wait (default: client.timeout, 60 s)')
      .addHelpText(
        'after',
        '\nExamples:\n  flink stop fd72014d4c864993a2e5a9287b4a9c5d\n  flink stop -p /data/savepoints --drain fd72014d4c864993a2e5a9287b4a9c5d\n  flink stop -detached fd72014d4c864993a2e5a9287b4a9c5d\n',
      )
      .action(async (jobId: string | undefined, opts: Parameters<typeof parseStopArgs>[1], command: Command) => {
        await runStop(parseStopArgs(jobId, opts), await deps.contextFor(command));
      });
  },
};

export async function runStop(options: StopOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  ctx.audit.job = options.jobId;
  const target = await savepointTarget(ctx, options.savepointPath, '--savepointPath');
  const timeoutMs = await ctx.waitTimeoutMs(options.timeoutMs);
  const client = await ctx.client();
  await requireJob(client, options.jobId);
  io.note(`${options.drain ? 'Draining' : 'Suspending'} job "${options.jobId}" with a ${options.format} savepoint.`);
  const { takeSavepoint } = await import('../services/take-savepoint.js');
  const { triggerId, location } = await takeSavepoint(ctx, client, {
    jobId: options.jobId,
    what: 'Stop-with-savepoint',
    failurePrefix: `Could not stop with a savepoint job "${options.jobId}"`,
    timeoutMs,
    send: () => client.stopWithSavepoint(options.jobId, { targetDirectory: target.send ?? null, drain: options.drain, formatType: options.format }),
    announce: options.detached
      ? `Triggering stop-with-savepoint in detached mode for job ${options.jobId}.`
      : `Triggering stop-with-savepoint for job ${options.jobId}.`,
    detached: options.detached,
    waitingNote: true,
  });
  if (location === undefined) {
    return emit(io, {
      data: { jobId: options.jobId, triggerId, status: 'IN_PROGRESS' },
      human: () => io.print(`Successfully trigger stop-with-savepoint in detached mode, triggerId: ${triggerId}`),
    });
  }
  await emit(io, {
    data: { jobId: options.jobId, triggerId, status: 'COMPLETED', location, drained: options.drain },
    human: () => io.print(`Savepoint completed. Path: ${location}`),
  });
}
