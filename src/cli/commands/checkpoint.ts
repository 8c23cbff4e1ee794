// `flink checkpoint [--full] <jobId>`: trigger a checkpoint now (Flink 1.19+; REST since 1.17).
import type { Command } from 'commander';
import { parseJobId } from '../../domain/ids.js';
import type { CommandContext } from '../context.js';
import { parseTimeout } from '../options.js';
import { emit } from '../output/export.js';
import type { CommandModule } from '../program.js';
import { failureError, requireJob } from '../services/snapshot-ops.js';

export interface CheckpointOptions {
  jobId: string;
  full: boolean;
  timeoutMs?: number;
}

export function parseCheckpointArgs(jobId: string | undefined, opts: { full?: boolean; timeout?: string }): CheckpointOptions {
  return {
    jobId: parseJobId(jobId, 'Missing JobID. Specify a Job ID to manipulate a checkpoint.'),
    full: Boolean(opts.full),
    timeoutMs: parseTimeout(opts.timeout),
  };
}

export const checkpointCommand: CommandModule = {
  name: 'checkpoint',
  register(program, deps) {
    return program
      .command('checkpoint')
      .argument('[jobId]', 'the job')
      .option('--full', 'a full checkpoint, even when incremental checkpoints are configured (also -full)')
      .option('--timeout <duration>', 'how long to wait (default: client.timeout, 60 s)')
      .addHelpText('after', '\nExamples:\n  flink checkpoint fd72014d4c864993a2e5a9287b4a9c5d\n  flink checkpoint -full fd72014d4c864993a2e5a9287b4a9c5d\n')
      .action(async (jobId: string | undefined, opts: { full?: boolean; timeout?: string }, command: Command) => {
        await runCheckpoint(parseCheckpointArgs(jobId, opts), await deps.contextFor(command));
      });
  },
};

export async function runCheckpoint(options: CheckpointOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  ctx.audit.job = options.jobId;
  const timeoutMs = await ctx.waitTimeoutMs(options.timeoutMs);
  const client = await ctx.client();
  await requireJob(client, options.jobId);
  const { pollUntilComplete } = await import('../../client/async-operation.js');
  io.progress(`Triggering checkpoint for job ${options.jobId}.`);
  const triggerId = await client.triggerCheckpoint(options.jobId, { checkpointType: options.full ? 'FULL' : 'CONFIGURED' });
  io.progress('Waiting for response...');
  const spinner = await io.spinner('Checkpoint: triggered');
  const operation = await pollUntilComplete(() => client.checkpointStatus(options.jobId, triggerId), { timeoutMs, what: 'Checkpoint', triggerId }).finally(() =>
    spinner.stop(),
  );
  if (operation.failureCause || operation.checkpointId === undefined)
    throw failureError(`Failed to trigger a checkpoint for the job ${options.jobId}`, operation.failureCause);
  await emit(io, {
    data: { jobId: options.jobId, checkpointId: operation.checkpointId, type: options.full ? 'FULL' : 'CONFIGURED' },
    human: () => {
      io.print(`Checkpoint${options.full ? '(FULL)' : ''} ${operation.checkpointId} for job ${options.jobId} completed.`);
      io.note('You can resume your program from this checkpoint with the run command.');
    },
  });
}
