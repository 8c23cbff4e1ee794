// `flink cancel [-s|--withSavepoint [dir]] <jobId>`. Cancel with savepoint is deprecated in Flink in favour
// of `stop`; it is kept (with Flink's deprecation note) so existing scripts keep working.
import type { Command } from 'commander';
import { parseJobId } from '../../domain/ids.js';
import type { CommandContext } from '../context.js';
import { parseTimeout } from '../options.js';
import type { CommandModule } from '../program.js';
import { emit } from '../output/export.js';
import { parseFormatType, requireJob, savepointTarget } from '../services/snapshot-ops.js';

export interface CancelOptions {
  jobId: string;
  withSavepoint: boolean;
  savepointDirectory?: string;
  format: 'CANONICAL' | 'NATIVE';
  timeoutMs?: number;
}

export function parseCancelArgs(jobIdArg: string | undefined, opts: { withSavepoint?: string | boolean; type?: string; timeout?: string }): CancelOptions {
  let dir = typeof opts.withSavepoint === 'string' ? opts.withSavepoint : undefined;
  let jobIdText = jobIdArg;
  // Flink's quirk, kept: `cancel -s <jobId>` takes the job id from the optional argument of -s.
  if (jobIdText === undefined && dir !== undefined) {
    jobIdText = dir;
    dir = undefined;
  }
  return {
    jobId: parseJobId(jobIdText, 'Missing JobID. Specify a JobID to cancel a job.'),
    withSavepoint: opts.withSavepoint !== undefined && opts.withSavepoint !== false,
    savepointDirectory: dir,
    format: parseFormatType(opts.type),
    timeoutMs: parseTimeout(opts.timeout),
  };
}

export const cancelCommand: CommandModule = {
  name: 'cancel',
  register(program, deps) {
    return program
      .command('cancel')
      .argument('[jobId]', 'the job')
      .option('-s, --withSavepoint [dir]', 'trigger a savepoint and cancel the job (deprecated: use stop)')
      .option('--type <type>', 'savepoint format with -s: canonical (default) or native')
      .option('--timeout <duration>', 'how long to wait for the savepoint (default: client.timeout, 60 s)')
      .addHelpText(
        'after',
        '\nExamples:\n  flink cancel fd72014d4c864993a2e5a9287b4a9c5d\n  flink cancel -s /data/savepoints fd72014d4c864993a2e5a9287b4a9c5d   (prefer: flink stop -p /data/savepoints <jobId>)\n',
      )
      .action(async (jobId: string | undefined, opts: Parameters<typeof parseCancelArgs>[1], command: Command) => {
        await runCancel(parseCancelArgs(jobId, opts), await deps.contextFor(command));
      });
  },
};

export async function runCancel(options: CancelOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  ctx.audit.job = options.jobId;
  if (!options.withSavepoint) {
    const client = await ctx.client();
    await requireJob(client, options.jobId);
    io.note(`Cancelling job ${options.jobId}.`);
    await client.cancel(options.jobId);
    return emit(io, { data: { jobId: options.jobId, cancelled: true }, human: () => io.print(`Cancelled job ${options.jobId}.`) });
  }
  io.warn('DEPRECATION WARNING: Cancelling a job with savepoint is deprecated. Use "stop" instead.');
  const target = await savepointTarget(ctx, options.savepointDirectory, '--withSavepoint');
  const timeoutMs = await ctx.waitTimeoutMs(options.timeoutMs);
  const client = await ctx.client();
  await requireJob(client, options.jobId);
  const { takeSavepoint } = await import('../services/take-savepoint.js');
  const { triggerId, location } = await takeSavepoint(ctx, client, {
    jobId: options.jobId,
    what: 'Cancel-with-savepoint',
    failurePrefix: `Could not cancel job ${options.jobId} with a savepoint`,
    timeoutMs,
    send: () => client.triggerSavepoint(options.jobId, { 'target-directory': target.send ?? null, 'cancel-job': true, formatType: options.format }),
    announce: `Cancelling job ${options.jobId} with ${options.format} savepoint to ${target.send === undefined ? 'default savepoint directory' : target.send}.`,
  });
  await emit(io, {
    data: { jobId: options.jobId, cancelled: true, triggerId, location },
    human: () => io.print(`Cancelled job ${options.jobId}. Savepoint stored in ${location}.`),
  });
}
