// `flink savepoints [jobId] [--name <job name>] [--dir <root>...] [--all] [--latest] [--max-age <d>]`:
// FLIP-10's list of restorable savepoints and persistent checkpoints, also after the job and the
// cluster are gone (storage scan). `--latest` prints one path for `$(...)`.
import type { Command } from 'commander';
import { latestRestorable, type CatalogEntry } from '../../domain/catalog.js';
import { formatDuration, parseDuration } from '../../domain/duration.js';
import { NotFoundError, UsageError } from '../../domain/errors.js';
import { parseJobId } from '../../domain/ids.js';
import type { CommandContext } from '../context.js';
import { printTable } from '../output/table.js';
import type { CommandModule } from '../program.js';
import { gatherSnapshots } from '../snapshots.js';
import { formatBytes } from './common.js';

export interface SavepointsOptions {
  jobId?: string;
  name?: string;
  dirs: string[];
  all: boolean;
  latest: boolean;
  maxAgeMs?: number;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function parseSavepointsArgs(jobId: string | undefined, opts: { name?: string; dir?: string[]; all?: boolean; latest?: boolean; maxAge?: string }): SavepointsOptions {
  let maxAgeMs: number | undefined;
  if (opts.maxAge !== undefined) {
    maxAgeMs = parseDuration(opts.maxAge);
    if (maxAgeMs === undefined) throw new UsageError(`Invalid --max-age '${opts.maxAge}': expected a duration such as 2h or 7d.`);
  }
  return { jobId: jobId === undefined ? undefined : parseJobId(jobId), name: opts.name, dirs: opts.dir ?? [], all: Boolean(opts.all), latest: Boolean(opts.latest), maxAgeMs };
}

export const savepointsCommand: CommandModule = {
  name: 'savepoints',
  register(program, deps) {
    return program
      .command('savepoints')
      .description('list the savepoints and persistent checkpoints a job can be restored from (also after it ended)')
      .argument('[jobId]', 'only this job')
      .option('--name <job name>', 'only jobs with this name')
      .option('--dir <root>', 'also scan this directory (repeatable)', collect)
      .option('--all', 'also show plain checkpoints and incomplete or corrupt snapshots')
      .option('--latest', 'print only the newest restorable location (exit code 5 when there is none)')
      .option('--max-age <duration>', 'with --latest: only snapshots completed within this time')
      .addHelpText(
        'after',
        [
          '',
          'Sources: the local coordinator\'s FLIP-10 list, the checkpoint history of an Apache Flink cluster, and a scan of',
          'the configured savepoint and checkpoint directories and every --dir (so it works when the cluster is gone).',
          '',
          'Examples:',
          '  flink savepoints fd72014d4c864993a2e5a9287b4a9c5d',
          '  flink savepoints --name "Event counter" --dir /data/savepoints',
          '  SP=$(flink savepoints --latest fd72014d4c864993a2e5a9287b4a9c5d) && flink run -d -s "$SP" job.ts',
          '  flink savepoints --all --json --dir /data/checkpoints',
          '',
        ].join('\n'),
      )
      .action(async (jobId: string | undefined, opts: Parameters<typeof parseSavepointsArgs>[1], command: Command) => {
        await runSavepoints(parseSavepointsArgs(jobId, opts), await deps.contextFor(command));
      });
  },
};

export async function runSavepoints(options: SavepointsOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const gathered = await gatherSnapshots(ctx, { jobId: options.jobId, jobName: options.name, dirs: options.dirs, includeCheckpoints: options.all, includeBroken: options.all && !options.latest });
  if (options.latest) {
    const latest = latestRestorable(gathered.entries, { maxAgeMs: options.maxAgeMs });
    if (!latest) {
      const what = options.jobId ? `job ${options.jobId}` : options.name ? `job '${options.name}'` : 'any job';
      throw new NotFoundError(`No restorable savepoint or persistent checkpoint for ${what}${options.maxAgeMs ? ` newer than ${formatDuration(options.maxAgeMs)}` : ''}.`, {
        hint: gathered.roots.length === 0 ? 'No directory is configured to scan; pass --dir <root> or set state.savepoints.dir.' : `Looked in: ${gathered.roots.join(', ')}`,
      });
    }
    if (io.mode.json) io.print(JSON.stringify({ version: 1, latest: entryJson(latest) }));
    else io.print(latest.path);
    return;
  }
  if (io.mode.json) {
    io.print(JSON.stringify({ version: 1, coordinator: gathered.coordinator, roots: gathered.roots, snapshots: gathered.entries.map(entryJson) }));
    return;
  }
  if (gathered.entries.length === 0) {
    io.note(`No restorable snapshots found${gathered.roots.length > 0 ? ` (scanned ${gathered.roots.join(', ')})` : ' (no directory configured to scan; use --dir)'}.`);
    return;
  }
  const now = Date.now();
  await printTable(io, [
    { header: 'KIND', value: (e: CatalogEntry) => (e.origin === 'flink' ? `${e.kind} (flink)` : e.kind) },
    { header: 'TRIGGER', value: (e) => e.trigger ?? '-' },
    { header: 'COMPLETED', value: (e) => (e.completedAt === undefined ? '-' : io.isStdoutTTY ? new Date(e.completedAt).toLocaleString() : new Date(e.completedAt).toISOString()) },
    { header: 'AGE', value: (e) => (e.completedAt === undefined ? '-' : io.isStdoutTTY ? formatDuration(now - e.completedAt) : String(now - e.completedAt)) },
    { header: 'SIZE', value: (e) => (io.isStdoutTTY ? formatBytes(e.sizeBytes) : String(e.sizeBytes)) },
    { header: 'JOB', value: (e) => (e.jobName ? `${e.jobName} (${(e.jobId ?? e.jobIdPrefix ?? '').slice(0, 8)})` : e.jobId ?? (e.jobIdPrefix ? `${e.jobIdPrefix}…` : '-')) },
    { header: 'LOCATION', value: (e) => e.path },
    { header: 'STATUS', value: (e) => (e.problem ? `${e.state}: ${e.problem}` : e.state), color: (t, e, o) => (e.state === 'complete' ? o.out.green(t) : o.out.red(t)) },
  ], gathered.entries);
}

function entryJson(e: CatalogEntry): Record<string, unknown> {
  return {
    path: e.path, kind: e.kind, origin: e.origin, trigger: e.trigger ?? null, format: e.format ?? null, jobId: e.jobId ?? null, jobIdPrefix: e.jobIdPrefix ?? null,
    jobName: e.jobName ?? null, snapshotId: e.snapshotId ?? null, completedAt: e.completedAt ?? null, sizeBytes: e.sizeBytes, state: e.state, problem: e.problem ?? null,
  };
}
