// `flink audit [--since <duration or time>] [--json]`: what state-changing commands ran, by whom, with what result.
import type { Command } from 'commander';
import path from 'node:path';
import { coordinatorStateDir } from '../../config/state-dir.js';
import { parseDuration } from '../../domain/duration.js';
import { UsageError } from '../../domain/errors.js';
import type { AuditRecord } from '../audit.js';
import type { CommandContext } from '../context.js';
import { printTable } from '../output/table.js';
import { emit } from '../output/export.js';
import { formatTime, isoTime, shellLine } from '../output/format.js';
import type { CommandModule } from '../program.js';

export function parseSince(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms !== undefined) return now - ms;
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new UsageError(`Invalid --since '${text}': expected a duration (24h, 7d) or a time (2026-11-24T10:00:00Z).`);
  return time;
}

export const auditCommand: CommandModule = {
  name: 'audit',
  register(program, deps) {
    return program
      .command('audit')
      .option('--since <when>', 'only entries newer than a duration ago (24h, 7d) or a time')
      .addHelpText('after', '\nExamples:\n  flink audit --since 24h\n  flink audit --json | jq \'.entries[] | select(.result=="failed")\'\n')
      .action(async (opts: { since?: string }, command: Command) => {
        await runAudit(parseSince(opts.since, Date.now()), await deps.contextFor(command));
      });
  },
};

export async function runAudit(since: number | undefined, ctx: CommandContext): Promise<void> {
  const config = await ctx.config();
  const file = config.string('audit.log') ?? path.join(coordinatorStateDir(config, ctx.env, ctx.cwd), 'audit.log');
  const { readAudit } = await import('../audit.js');
  const entries = readAudit(file).filter((r) => since === undefined || Date.parse(r.time) >= since);
  const { io } = ctx;
  await emit(io, {
    data: { file, entries },
    human: async () => {
      if (entries.length === 0) {
        io.note(`No audit entries${since !== undefined ? ' in that period' : ''} (${file}).`);
        return;
      }
      await printTable(
        io,
        [
          { header: 'TIME', value: (r: AuditRecord) => (io.humanOutput ? formatTime(Date.parse(r.time)) : isoTime(Date.parse(r.time))) },
          { header: 'USER', value: (r) => `${r.user}@${r.host}` },
          { header: 'COMMAND', value: (r) => shellLine(r.argv) },
          { header: 'JOB', value: (r) => r.job ?? '-' },
          {
            header: 'RESULT',
            value: (r) => (r.result === 'ok' ? 'ok' : `failed (${r.exitCode}): ${r.error ?? ''}`),
            color: (t, r, o) => (r.result === 'ok' ? o.out.green(t) : o.out.red(t)),
          },
          { header: 'DURATION', value: (r) => `${r.durationMs} ms` },
          { header: 'PATHS', value: (r) => r.paths.join(' ') },
        ],
        entries,
      );
    },
  });
}
