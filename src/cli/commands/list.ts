// `flink list [-r] [-s] [-a]`: jobs in Flink's own format (scripts parse it), or JSON.
import type { Command } from 'commander';
import type { JobDetails } from '../../rest-api/types.js';
import { GLOBALLY_TERMINAL_STATUSES } from '../../domain/job-status.js';
import type { CommandContext } from '../context.js';
import type { IO } from '../io.js';
import { emit } from '../output/export.js';
import type { CommandModule } from '../program.js';

export interface ListOptions {
  running: boolean;
  scheduled: boolean;
  terminated: boolean;
}

export function parseListArgs(opts: { running?: boolean; scheduled?: boolean; all?: boolean }): ListOptions {
  if (opts.all) return { running: true, scheduled: true, terminated: true };
  // Flink: no flag means -r -s.
  if (!opts.running && !opts.scheduled) return { running: true, scheduled: true, terminated: false };
  return { running: Boolean(opts.running), scheduled: Boolean(opts.scheduled), terminated: false };
}

export const listCommand: CommandModule = {
  name: 'list',
  register(program, deps) {
    return program
      .command('list')
      .option('-r, --running', 'show only running/restarting jobs')
      .option('-s, --scheduled', 'show only scheduled jobs')
      .option('-a, --all', 'show running, scheduled and terminated jobs')
      .addHelpText(
        'after',
        '\nExamples:\n  flink list\n  flink list -a -m flink-jm:8081\n  flink list --json | jq -r \'.jobs[] | select(.state=="RUNNING") | .id\'\n',
      )
      .action(async (opts: { running?: boolean; scheduled?: boolean; all?: boolean }, command: Command) => {
        await runList(parseListArgs(opts), await deps.contextFor(command));
      });
  },
};

const LINE = '-'.repeat(62);
const RUNNING_HEADER = '------------------ Running/Restarting Jobs -------------------';
const SCHEDULED_HEADER = '----------------------- Scheduled Jobs -----------------------';
const TERMINATED_HEADER = '---------------------- Terminated Jobs -----------------------';
const SCHEDULED = new Set(['CREATED', 'INITIALIZING']);
const TERMINATED = new Set<string>(GLOBALLY_TERMINAL_STATUSES);

export async function runList(options: ListOptions, ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  ctx.io.progress('Waiting for response...');
  const { jobs } = await client.jobsOverview();
  const sorted = [...jobs].sort((a, b) => a['start-time'] - b['start-time']);
  const scheduled = sorted.filter((j) => SCHEDULED.has(j.state));
  const terminated = sorted.filter((j) => TERMINATED.has(j.state));
  const running = sorted.filter((j) => !SCHEDULED.has(j.state) && !TERMINATED.has(j.state));
  const { io } = ctx;
  // Why each listed failed job failed (its newest root exception); the newest few only, one request each.
  const causes = new Map<string, string>();
  if (options.terminated) {
    const { rootCauseOf } = await import('../services/job-failure.js');
    const failed = terminated.filter((j) => j.state === 'FAILED').slice(-MAX_CAUSES);
    for (const [jid, cause] of await Promise.all(failed.map(async (j) => [j.jid, await rootCauseOf(client, j.jid)] as const)))
      if (cause) causes.set(jid, cause);
  }
  const pick = (list: JobDetails[]) =>
    list.map((j) => ({
      id: j.jid,
      name: j.name,
      state: j.state,
      startTime: j['start-time'],
      endTime: j['end-time'] < 0 ? null : j['end-time'],
      duration: j.duration,
      ...(causes.has(j.jid) ? { rootCause: causes.get(j.jid) } : {}),
    }));
  const selected = [...(options.running ? running : []), ...(options.scheduled ? scheduled : []), ...(options.terminated ? terminated : [])];
  await emit(io, {
    data: { jobs: pick(selected.sort((a, b) => a['start-time'] - b['start-time'])) },
    human: () => printBlocks(io, options, running, scheduled, terminated, causes),
  });
}

/** Flink's blocks of `flink list`, with the root causes of failed jobs on stderr. */
function printBlocks(
  io: IO,
  options: ListOptions,
  running: JobDetails[],
  scheduled: JobDetails[],
  terminated: JobDetails[],
  causes: Map<string, string>,
): void {
  const row = (j: JobDetails) => `${formatFlinkDate(j['start-time'])} : ${j.jid} : ${j.name} (${io.out.bold(j.state)})`;
  if (options.running) {
    if (running.length === 0) io.print('No running jobs.');
    else io.print([RUNNING_HEADER, ...running.map(row), LINE].join('\n'));
  }
  if (options.scheduled) {
    if (scheduled.length === 0) io.print('No scheduled jobs.');
    else io.print([SCHEDULED_HEADER, ...scheduled.map(row), LINE].join('\n'));
  }
  if (options.terminated && terminated.length > 0) io.print([TERMINATED_HEADER, ...terminated.map(row), LINE].join('\n'));
  // stdout keeps Flink's lines (scripts parse them); the causes go to stderr.
  for (const j of terminated) if (causes.has(j.jid)) io.warn(`Job ${j.jid} (${j.name}) FAILED: ${brief(causes.get(j.jid)!)}`);
}

const MAX_CAUSES = 20;

function brief(cause: string): string {
  return cause.length > 200 ? `${cause.slice(0, 199)}…` : cause;
}

/** Flink's SimpleDateFormat("dd.MM.yyyy HH:mm:ss") in local time. */
export function formatFlinkDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}.${p(d.getMonth() + 1)}.${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
