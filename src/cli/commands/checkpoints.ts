// `flink checkpoints <jobId>`: the checkpoint/savepoint history of a job, with the checkpoint/savepoint
// flag FLIP-10 asked for; on a terminal, a sparkline of durations and sizes.
import type { Command } from 'commander';
import type { CheckpointStatistics } from '../../rest-api/types.js';
import { formatDuration } from '../../domain/duration.js';
import { parseJobId } from '../../domain/ids.js';
import type { CommandContext } from '../context.js';
import { printTable } from '../output/table.js';
import { emit } from '../output/export.js';
import type { CommandModule } from '../program.js';
import { formatBytes, formatTime, isoTime } from '../output/format.js';

export const checkpointsCommand: CommandModule = {
  name: 'checkpoints',
  register(program, deps) {
    return program
      .command('checkpoints')
      .argument('[jobId]', 'the job')
      .addHelpText(
        'after',
        "\nExamples:\n  flink checkpoints fd72014d4c864993a2e5a9287b4a9c5d\n  flink checkpoints --json fd72014d4c864993a2e5a9287b4a9c5d | jq '.history[] | select(.is_savepoint)'\n",
      )
      .action(async (jobId: string | undefined, _opts: unknown, command: Command) => {
        await runCheckpoints(parseJobId(jobId, 'Missing JobID. Specify a Job ID to list its checkpoints.'), await deps.contextFor(command));
      });
  },
};

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the values, oldest first (pure). */
export function sparkline(values: number[]): string {
  if (values.length === 0) return '';
  const max = Math.max(...values);
  const min = Math.min(...values);
  return values.map((v) => BARS[max === min ? 3 : Math.round(((v - min) / (max - min)) * (BARS.length - 1))]).join('');
}

function kindOf(c: CheckpointStatistics): string {
  const kind = (c as { snapshot_kind?: string }).snapshot_kind;
  if (kind) return kind;
  return c.is_savepoint ? 'savepoint' : 'checkpoint';
}

export async function runCheckpoints(jobId: string, ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  const stats = await client.checkpoints(jobId);
  const { io } = ctx;
  await emit(io, {
    data: { jobId, counts: stats.counts, latest: stats.latest, history: stats.history },
    human: async () => {
      const history = [...stats.history].sort((a, b) => a.id - b.id);
      await printTable(
        io,
        [
          { header: 'ID', value: (c: CheckpointStatistics) => String(c.id) },
          {
            header: 'TYPE',
            value: (c) =>
              kindOf(c) + ((c as { snapshot_trigger?: string }).snapshot_trigger ? ` (${(c as { snapshot_trigger?: string }).snapshot_trigger})` : ''),
          },
          { header: 'SAVEPOINT', value: (c) => (c.is_savepoint ? 'yes' : 'no') },
          {
            header: 'STATUS',
            value: (c) => c.status,
            color: (t, c, o) => (c.status === 'COMPLETED' ? o.out.green(t) : c.status === 'FAILED' ? o.out.red(t) : o.out.yellow(t)),
          },
          {
            header: 'TRIGGERED',
            value: (c) => (io.humanOutput ? formatTime(c.trigger_timestamp) : isoTime(c.trigger_timestamp)),
          },
          {
            header: 'DURATION',
            plainHeader: 'DURATION_MS',
            value: (c) => (io.humanOutput ? formatDuration(c.end_to_end_duration) : String(c.end_to_end_duration)),
          },
          { header: 'STATE SIZE', plainHeader: 'STATE_SIZE_BYTES', value: (c) => (io.humanOutput ? formatBytes(c.state_size) : String(c.state_size)) },
          { header: 'ACKS', value: (c) => `${c.num_acknowledged_subtasks}/${c.num_subtasks}` },
          { header: 'LOCATION', value: (c) => (c.external_path && !c.discarded ? c.external_path : c.discarded ? '(discarded)' : (c.failure_message ?? '')) },
        ],
        history,
      );
      if (io.isStdoutTTY && history.length > 1) {
        const done = history.filter((c) => c.status === 'COMPLETED');
        io.note(`durations ${sparkline(done.map((c) => c.end_to_end_duration))}  sizes ${sparkline(done.map((c) => c.state_size))}  (oldest → newest)`);
      }
      io.note(
        `${stats.counts.completed} completed, ${stats.counts.failed} failed, ${stats.counts.in_progress} in progress${stats.counts.restored ? `, restored from ${stats.latest.restored?.external_path}` : ''}.`,
      );
    },
  });
}
