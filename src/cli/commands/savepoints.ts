// `flink savepoints [list] [jobId] [--name <job name>] [--dir <root>...] [--all] [--latest] [--max-age <d>]`:
// FLIP-10's list of restorable savepoints and persistent checkpoints, also after the job and the cluster are
// gone (storage scan). `--latest` prints one path for `$(...)`. The other subcommands (prune, gc, pin, unpin,
// inspect, state, diff) are declared and parsed here, each with only its own options; their files (loaded
// through SAVEPOINTS_ACTIONS only when one runs) do the work.
import type { Command } from 'commander';
import { filterCatalog, type CatalogEntry } from '../../domain/catalog.js';
import { formatDuration } from '../../domain/duration.js';
import { NotFoundError, UsageError } from '../../domain/errors.js';
import { parseJobId } from '../../domain/ids.js';
import type { CommandContext } from '../context.js';
import { printTable } from '../output/table.js';
import { collect, parseKeep, parseMaxAge } from '../options.js';
import { emit } from '../output/export.js';
import type { CommandModule, ProgramDeps } from '../program.js';
import { gatherSnapshots, latestVerified } from '../services/snapshots.js';
import { formatBytes, formatTime, isoTime, pinJson } from '../output/format.js';

export interface SavepointsOptions {
  jobId?: string;
  name?: string;
  dirs: string[];
  all: boolean;
  latest: boolean;
  maxAgeMs?: number;
}

export function parseSavepointsArgs(
  jobId: string | undefined,
  opts: { name?: string; dir?: string[]; all?: boolean; latest?: boolean; maxAge?: string },
): SavepointsOptions {
  const maxAgeMs = parseMaxAge(opts.maxAge);
  return {
    jobId: jobId === undefined ? undefined : parseJobId(jobId),
    name: opts.name,
    dirs: opts.dir ?? [],
    all: Boolean(opts.all),
    latest: Boolean(opts.latest),
    maxAgeMs,
  };
}

const actions = async () => (await import('./index.js')).SAVEPOINTS_ACTIONS;
const lines = (...text: string[]) => ['', ...text, ''].join('\n');

export const savepointsCommand: CommandModule = {
  name: 'savepoints',
  register(program, deps) {
    const savepoints = program
      .command('savepoints')
      .usage('[list] [jobId] [options] | <command> [options]')
      .helpCommand(false)
      .addHelpText(
        'after',
        lines(
          "Without a command, lists (flink savepoints <jobId> is flink savepoints list <jobId>). Each command's --help",
          'shows its options: flink savepoints prune --help.',
          '',
          'Examples:',
          '  flink savepoints fd72014d4c864993a2e5a9287b4a9c5d',
          '  flink savepoints --name "Event counter" --dir /data/savepoints',
          '  SP=$(flink stop -p --json $JOB | jq -r .location) && flink run -d -s "$SP" job.ts   (a running job: a savepoint is a stable pick)',
          '  SP=$(flink savepoints --latest $JOB) && flink run -d -s "$SP" job.ts             (a job that has ended: its latest stays)',
          '  flink savepoints --all --json --dir /data/checkpoints',
          '  flink savepoints prune --job fd72014d4c864993a2e5a9287b4a9c5d --keep 5 --max-age 7d --dry-run',
          '  flink savepoints pin /data/savepoints/savepoint-fd7201-0123456789ab --reason "before the 2.0 upgrade"',
          '  flink savepoints inspect /data/ckpt/fd72014d4c864993a2e5a9287b4a9c5d/chk-42 --uid counter --verify',
          '  flink savepoints gc --job fd72014d4c864993a2e5a9287b4a9c5d --dir /data/ckpt --dry-run',
          '  flink savepoints state /data/savepoints/savepoint-fd7201-0123456789ab --uid counter --top 10',
          '  flink savepoints state s3://bucket/savepoints/savepoint-fd7201-0123456789ab --uid counter --key user-7 --json',
          '  flink savepoints diff /staging/savepoint-fd7201-0123456789ab /prod/savepoint-fd7201-ba9876543210 --keys',
        ),
      );
    declareList(savepoints, deps);
    declarePrune(savepoints, deps);
    declareGc(savepoints, deps);
    declarePin(savepoints, deps);
    declareInspect(savepoints, deps);
    declareState(savepoints, deps);
    declareDiff(savepoints, deps);
    return savepoints;
  },
};

function declareList(savepoints: Command, deps: ProgramDeps): void {
  savepoints
    .command('list', { isDefault: true })
    .description('list the savepoints and persistent checkpoints a job can be restored from (the default)')
    .argument('[jobId]', 'only this job')
    .option('--name <job name>', 'only jobs with this name')
    .option('--dir <root>', 'also scan this directory (repeatable)', collect)
    .option('--all', 'also show plain checkpoints and incomplete or corrupt snapshots')
    .option('--latest', 'print only the newest restorable location (exit code 5 when there is none)')
    .option('--max-age <duration>', 'with --latest: only snapshots completed within this time')
    .addHelpText(
      'after',
      lines(
        "Sources: the local coordinator's FLIP-10 list, the checkpoint history of an Apache Flink cluster, and a scan of",
        'the configured savepoint and checkpoint directories and every --dir (so it works when the cluster is gone).',
        '',
        "Verification: listings check structure and sizes (quick); --latest, restore latest and prune's newest kept",
        'savepoint also check every checksum (full), skipping a corrupt one. STATUS "verified" marks a full check.',
        '',
        'Examples:',
        '  flink savepoints fd72014d4c864993a2e5a9287b4a9c5d',
        '  SP=$(flink savepoints --latest $JOB) && flink run -d -s "$SP" job.ts',
        '  flink savepoints --all --json --dir /data/checkpoints',
      ),
    )
    .action(async (jobId: string | undefined, opts: Parameters<typeof parseSavepointsArgs>[1], command: Command) => {
      await runSavepoints(parseSavepointsArgs(jobId, opts), await deps.contextFor(command));
    });
}

function declarePrune(savepoints: Command, deps: ProgramDeps): void {
  savepoints
    .command('prune')
    .description("dispose a job's older savepoints by retention rules (--keep, --max-age), plan first with --dry-run")
    .option('--job <jobId>', 'the job whose savepoints to prune')
    .option('--name <job name>', 'the job, by name (instead of --job)')
    .option('--keep <N>', 'how many of the newest savepoints to keep')
    .option('--max-age <duration>', 'also dispose savepoints older than this (never the newest kept)')
    .option('--dir <root>', 'also scan this directory (repeatable)', collect)
    .option('--dry-run', 'print the plan (paths, bytes, reasons), change nothing')
    .option('--offline', 'work from storage alone when the coordinator is unreachable (running jobs are not checked)')
    .addHelpText(
      'after',
      lines(
        'prune never disposes: the newest complete savepoint, a pinned one, one a running job restored from and has not',
        'checkpointed since, anything incomplete or corrupt, anything of another job. Exit code 8 when nothing was pruned.',
        'While a savepoint of the job fails full verification, prune disposes nothing intact.',
        '',
        'Example:',
        '  flink savepoints prune --job fd72014d4c864993a2e5a9287b4a9c5d --keep 5 --max-age 7d --dry-run',
      ),
    )
    .action(
      async (opts: { job?: string; name?: string; keep?: string; maxAge?: string; dir?: string[]; dryRun?: boolean; offline?: boolean }, command: Command) => {
        if (!opts.job && !opts.name) throw new UsageError('savepoints prune needs --job <jobId> or --name <job name>.');
        const options = {
          jobId: opts.job === undefined ? undefined : parseJobId(opts.job),
          name: opts.name,
          keep: parseKeep(opts.keep),
          maxAgeMs: parseMaxAge(opts.maxAge),
          dryRun: Boolean(opts.dryRun),
          offline: Boolean(opts.offline),
          dirs: opts.dir ?? [],
        };
        const { runPrune } = await (await actions()).prune();
        return runPrune(options, await deps.contextFor(command));
      },
    );
}

function declareGc(savepoints: Command, deps: ProgramDeps): void {
  savepoints
    .command('gc')
    .description('reclaim files of shared/ and taskowned/ that no retained checkpoint or savepoint references')
    .option('--job <jobId>', 'the job whose checkpoint directory to collect')
    .option('--dir <root>', 'the checkpoint root (repeatable; default execution.checkpointing.dir)', collect)
    .option('--min-age <duration>', 'only reclaim files older than this (default 1h; never newer than the newest checkpoint)')
    .option('--dry-run', 'print the plan (paths, bytes, reasons), change nothing')
    .option('--force', 'also while the job runs on the reachable cluster')
    .option('--offline', 'work from storage alone when the coordinator is unreachable (running jobs are not checked)')
    .addHelpText(
      'after',
      lines(
        'gc reclaims files under <dir>/<job>/shared/ and taskowned/ (dstl/ below a changelog root given as --dir) that no',
        'retained checkpoint or savepoint under the snapshot roots references, whichever job it belongs to, and that are',
        'older than --min-age and than the newest checkpoint; refused while the job runs (unless --force), and, as dispose,',
        'while the coordinator is unreachable (unless --offline).',
        '',
        'Example:',
        '  flink savepoints gc --job fd72014d4c864993a2e5a9287b4a9c5d --dir /data/ckpt --dry-run',
      ),
    )
    .action(async (opts: { job?: string; dir?: string[]; minAge?: string; dryRun?: boolean; force?: boolean; offline?: boolean }, command: Command) => {
      if (!opts.job) throw new UsageError('savepoints gc needs --job <jobId>.');
      const { runGc, parseMinAge } = await (await actions()).gc();
      const options = {
        jobId: parseJobId(opts.job),
        dirs: opts.dir ?? [],
        minAgeMs: parseMinAge(opts.minAge),
        dryRun: Boolean(opts.dryRun),
        force: Boolean(opts.force),
        offline: Boolean(opts.offline),
      };
      return runGc(options, await deps.contextFor(command));
    });
}

function declarePin(savepoints: Command, deps: ProgramDeps): void {
  savepoints
    .command('pin')
    .description('keep a snapshot whatever the retention rules (prune and dispose skip it)')
    .argument('<path>', 'the snapshot')
    .option('--reason <text>', 'why it is pinned')
    .addHelpText('after', lines('Example:', '  flink savepoints pin /data/savepoints/savepoint-fd7201-0123456789ab --reason "before the 2.0 upgrade"'))
    .action(async (path: string, opts: { reason?: string }, command: Command) => {
      const { runPin } = await (await actions()).pin();
      return runPin('pin', path, opts.reason, await deps.contextFor(command));
    });
  savepoints
    .command('unpin')
    .description('let retention dispose a pinned snapshot again')
    .argument('<path>', 'the snapshot')
    .action(async (path: string, _opts: unknown, command: Command) => {
      const { runPin } = await (await actions()).pin();
      return runPin('unpin', path, undefined, await deps.contextFor(command));
    });
}

function declareInspect(savepoints: Command, deps: ProgramDeps): void {
  savepoints
    .command('inspect')
    .description('what a snapshot holds and who wrote it: format, operators (id, uid, parallelism, bytes), files')
    .argument('<path>', 'the snapshot')
    .option('--uid <uid>', "name the operator with this uid (Flink's hash of it; repeatable)", collect)
    .option('--verify', 'check every referenced file (exit code 1 naming each missing or wrong one)')
    .addHelpText('after', lines('Example:', '  flink savepoints inspect /data/ckpt/fd72014d4c864993a2e5a9287b4a9c5d/chk-42 --uid counter --verify'))
    .action(async (path: string, opts: { uid?: string[]; verify?: boolean }, command: Command) => {
      const { runInspect } = await (await actions()).inspect();
      return runInspect(path, { uids: opts.uid ?? [], verify: Boolean(opts.verify) }, await deps.contextFor(command));
    });
}

function declareState(savepoints: Command, deps: ProgramDeps): void {
  savepoints
    .command('state')
    .description('the keyed state inside a snapshot: per state keys, entries, bytes and skew; or one key, decoded')
    .argument('<snapshot>', 'the savepoint or checkpoint')
    .option('--uid <uid>', 'only the operator with this uid (repeatable)', collect)
    .option('--operator <id>', 'only the operator with this id (32 hex digits; repeatable)', collect)
    .option('--state <name>', 'only the keyed state with this name (repeatable)', collect)
    .option('--key <key>', "that key's value in each selected state, decoded (the key as you know it: user-7, 42)")
    .option('--top <N>', 'the N largest keys by bytes per operator')
    .addHelpText(
      'after',
      lines(
        'Examples:',
        '  flink savepoints state /data/savepoints/savepoint-fd7201-0123456789ab --uid counter --top 10',
        '  flink savepoints state s3://bucket/savepoints/savepoint-fd7201-0123456789ab --uid counter --key user-7 --json',
      ),
    )
    .action(async (snapshot: string, opts: { uid?: string[]; operator?: string[]; state?: string[]; key?: string; top?: string }, command: Command) => {
      const { runState, parseTop } = await (await actions()).state();
      const options = { uids: opts.uid ?? [], operatorIds: opts.operator ?? [], states: opts.state ?? [], key: opts.key, top: parseTop(opts.top) };
      return runState(snapshot, options, await deps.contextFor(command));
    });
}

function declareDiff(savepoints: Command, deps: ProgramDeps): void {
  savepoints
    .command('diff')
    .description('what changed in keyed state between two snapshots: operators, states, serializers, keys and bytes')
    .argument('<a>', 'the first snapshot')
    .argument('<b>', 'the second snapshot')
    .option('--keys', 'compare the keys themselves (added, removed, changed)')
    .addHelpText('after', lines('Example:', '  flink savepoints diff /staging/savepoint-fd7201-0123456789ab /prod/savepoint-fd7201-ba9876543210 --keys'))
    .action(async (a: string, b: string, opts: { keys?: boolean }, command: Command) => {
      const { runDiff } = await (await actions()).diff();
      return runDiff(a, b, { keys: Boolean(opts.keys) }, await deps.contextFor(command));
    });
}

export async function runSavepoints(options: SavepointsOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const gathered = await gatherSnapshots(ctx, {
    jobId: options.jobId,
    jobName: options.name,
    dirs: options.dirs,
    includeCheckpoints: options.all,
    includeBroken: options.all && !options.latest,
  });
  if (options.latest) {
    const { requireOneJob, warnIfSubsumable } = await import('../services/latest.js');
    // Without a job id, "latest" agrees with restore latest: one job's snapshots, or an error naming the candidates.
    if (!options.jobId) requireOneJob(gathered.entries, 'Name one: flink savepoints --latest <jobId>.');
    const { latest } = await latestVerified(ctx, gathered.entries, { maxAgeMs: options.maxAgeMs });
    if (!latest) {
      const what = options.jobId ? `job ${options.jobId}` : options.name ? `job '${options.name}'` : 'any job';
      throw new NotFoundError(
        `No restorable savepoint or persistent checkpoint for ${what}${options.maxAgeMs ? ` newer than ${formatDuration(options.maxAgeMs)}` : ''}.`,
        {
          hint:
            gathered.roots.length === 0
              ? 'No directory is configured to scan; pass --dir <root> or set state.savepoints.dir.'
              : `Looked in: ${gathered.roots.join(', ')}`,
        },
      );
    }
    if (latest.kind !== 'savepoint' && latest.jobId && gathered.coordinator !== 'unreachable') {
      const client = await ctx.client();
      const running = await client.jobsOverview().then(
        (o) => new Set(o.jobs.filter((j) => j.state === 'RUNNING').map((j) => j.jid)),
        () => new Set<string>(),
      );
      warnIfSubsumable(io, latest, running);
    }
    return emit(io, { data: { latest: entryJson(latest) }, human: () => io.print(latest.path) });
  }
  // The listing fully verifies what --latest would pick (and the next, if that fails); the rest stay quick.
  const checked = await latestVerified(ctx, gathered.entries, {}, (e) =>
    io.warn(`${e.path} fails full verification: ${e.problem}${options.all ? '' : ' (listed with --all)'}`),
  );
  const entries = filterCatalog(checked.entries, { includeBroken: options.all, includeCheckpoints: true });
  await emit(io, {
    data: { coordinator: gathered.coordinator, roots: gathered.roots, snapshots: entries.map(entryJson) },
    human: async () => {
      if (entries.length === 0) {
        io.note(
          `No restorable snapshots found${gathered.roots.length > 0 ? ` (scanned ${gathered.roots.join(', ')})` : ' (no directory configured to scan; use --dir)'}.`,
        );
        return;
      }
      const now = Date.now();
      await printTable(
        io,
        [
          // On a narrow terminal: TRIGGER and AGE go first, then LOCATION, JOB and STATUS are shortened, then
          // JOB, SIZE, COMPLETED and KIND go; LOCATION (its end: the snapshot's name) and STATUS always stay.
          { header: 'KIND', value: (e: CatalogEntry) => (e.origin === 'flink' ? `${e.kind} (flink)` : e.kind), priority: 8 },
          { header: 'TRIGGER', value: (e) => e.trigger ?? '-', priority: 2 },
          {
            header: 'COMPLETED',
            priority: 7,
            value: (e) => (e.completedAt === undefined ? '-' : io.humanOutput ? formatTime(e.completedAt) : isoTime(e.completedAt)),
          },
          {
            header: 'AGE',
            plainHeader: 'AGE_MS',
            priority: 3,
            value: (e) => (e.completedAt === undefined ? '-' : io.humanOutput ? formatDuration(now - e.completedAt) : String(now - e.completedAt)),
          },
          { header: 'SIZE', plainHeader: 'SIZE_BYTES', value: (e) => (io.humanOutput ? formatBytes(e.sizeBytes) : String(e.sizeBytes)), priority: 6 },
          {
            header: 'JOB',
            priority: 5,
            minWidth: 14,
            keep: 'start',
            value: (e) =>
              e.jobName ? `${e.jobName} (${(e.jobId ?? e.jobIdPrefix ?? '').slice(0, 8)})` : (e.jobId ?? (e.jobIdPrefix ? `${e.jobIdPrefix}…` : '-')),
          },
          { header: 'LOCATION', value: (e) => e.path, minWidth: 32 },
          {
            header: 'STATUS',
            minWidth: 10,
            keep: 'start',
            value: (e) =>
              (e.problem ? `${e.state}: ${e.problem}` : e.state) +
              (e.state === 'complete' && e.verified === 'full' ? ', verified' : '') +
              (e.pinned ? `, pinned${e.pin?.reason ? ` (${e.pin.reason})` : ''}` : ''),
            color: (t, e, o) => (e.state === 'complete' ? o.out.green(t) : o.out.red(t)),
          },
        ],
        entries,
      );
    },
  });
}

function entryJson(e: CatalogEntry): Record<string, unknown> {
  return {
    path: e.path,
    kind: e.kind,
    origin: e.origin,
    trigger: e.trigger ?? null,
    format: e.format ?? null,
    jobId: e.jobId ?? null,
    jobIdPrefix: e.jobIdPrefix ?? null,
    jobName: e.jobName ?? null,
    snapshotId: e.snapshotId ?? null,
    completedAt: e.completedAt ?? null,
    completed: e.completedAt === undefined ? null : isoTime(e.completedAt),
    sizeBytes: e.sizeBytes,
    state: e.state,
    problem: e.problem ?? null,
    pinned: Boolean(e.pinned),
    pin: e.pinned ? pinJson(e.pin ?? {}) : null,
    verified: e.verified ?? null,
  };
}
