// `flink savepoints prune (--job <jobId> | --name <job name>) --keep N [--max-age <d>] [--dir <root>]... [--dry-run]
// [--offline]`: retention by hand or from cron. The plan comes from the pure rules (domain/retention.ts) through
// the disposal guard (services/prune.ts); this file reports it and turns "nothing pruned" into exit code 8.
import { NothingToDoError, OperationError } from '../../domain/errors.js';
import type { CommandContext } from '../context.js';
import { emit, humanNow } from '../output/export.js';
import { formatBytes, isoTime } from '../output/format.js';
import { printTable } from '../output/table.js';

export interface PruneOptions {
  dirs?: string[];
  jobId?: string;
  name?: string;
  keep: number;
  maxAgeMs?: number;
  dryRun: boolean;
  offline: boolean;
}

export async function runPrune(options: PruneOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  ctx.audit.job = options.jobId ?? options.name;
  const { prune } = await import('../services/prune.js');
  const outcome = await prune(
    ctx,
    { jobId: options.jobId, jobName: options.name },
    { keep: options.keep, maxAgeMs: options.maxAgeMs, now: Date.now() },
    options,
  );
  const what = options.jobId ? `job ${options.jobId}` : `job '${options.name}'`;
  await emit(io, {
    data: {
      dryRun: options.dryRun,
      job: options.jobId ?? null,
      name: options.name ?? null,
      decisions: outcome.decisions.map((d) => ({
        path: d.entry.path,
        action: d.action,
        reason: d.reason,
        bytes: d.entry.sizeBytes,
        completedAt: d.entry.completedAt ?? null,
        completed: d.entry.completedAt === undefined ? null : isoTime(d.entry.completedAt),
      })),
      disposed: outcome.disposed.map((d) => d.entry.path),
      failed: outcome.failed.map((f) => ({ path: f.decision.entry.path, error: f.error })),
    },
    human: async () => {
      if (!options.dryRun) {
        for (const d of outcome.disposed) io.print(`Disposed ${d.entry.path} (${formatBytes(d.entry.sizeBytes)}): ${d.reason}`);
        return;
      }
      // The plan as a table: tab-separated when piped (scripts), aligned with units on a terminal or --human.
      await printTable(
        io,
        [
          { header: 'ACTION', value: (d: (typeof outcome.decisions)[number]) => (d.action === 'dispose' ? 'Would dispose' : 'Keep') },
          { header: 'LOCATION', value: (d) => d.entry.path },
          { header: 'SIZE', plainHeader: 'SIZE_BYTES', value: (d) => (io.humanOutput ? formatBytes(d.entry.sizeBytes) : String(d.entry.sizeBytes)) },
          { header: 'REASON', value: (d) => d.reason },
        ],
        outcome.decisions,
      );
    },
  });
  if (outcome.failed.length > 0) {
    throw new OperationError(
      `Could not dispose ${outcome.failed.length} savepoint(s) of ${what}: ${outcome.failed.map((f) => `${f.decision.entry.path}: ${f.error}`).join('; ')}. They stay listed; the next prune tries again.`,
    );
  }
  const toDispose = outcome.decisions.filter((d) => d.action === 'dispose').length;
  if (toDispose === 0) throw new NothingToDoError(`Nothing to prune for ${what}: ${outcome.decisions.length} savepoint(s), all kept by the rules.`);
  if (!options.dryRun)
    humanNow(io, () =>
      io.note(`Pruned ${outcome.disposed.length} savepoint(s) of ${what}, freed ${formatBytes(outcome.disposed.reduce((n, d) => n + d.entry.sizeBytes, 0))}.`),
    );
}
