// `flink savepoints [jobId] [--name <job name>] [--dir <root>...] [--all] [--latest] [--max-age <d>]`:
// FLIP-10's list of restorable savepoints and persistent checkpoints, also after the job and the
// cluster are gone (storage scan). `--latest` prints one path for `$(...)`. `inspect <path>` looks inside one.
import type { Command } from 'commander';
import { filterCatalog, type CatalogEntry } from '../../domain/catalog.js';
import type { PinInfo } from '../../domain/pin.js';
import { formatDuration } from '../../domain/duration.js';
import { NotFoundError, NothingToDoError, OperationError, UsageError } from '../../domain/errors.js';
import { parseJobId } from '../../domain/ids.js';
import type { CommandContext } from '../context.js';
import { printTable } from '../output/table.js';
import { collect, parseKeep, parseMaxAge } from '../options.js';
import { emit, humanNow } from '../output/export.js';
import type { CommandModule } from '../program.js';
import { gatherSnapshots, latestVerified } from '../services/snapshots.js';
import { formatBytes, formatTime, isoTime } from '../output/format.js';

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

export interface PruneOptions {
  dirs?: string[];
  jobId?: string;
  name?: string;
  keep: number;
  maxAgeMs?: number;
  dryRun: boolean;
  offline: boolean;
}

export const savepointsCommand: CommandModule = {
  name: 'savepoints',
  register(program, deps) {
    return program
      .command('savepoints')
      .argument('[jobId]', 'only this job; or: prune | gc | pin <path> | unpin <path> | inspect <path> | state <path> | diff <a> <b>')
      .argument('[path]', 'with pin / unpin / inspect / state: the snapshot; with diff: the first one')
      .argument('[other]', 'with diff: the second snapshot')
      .option('--name <job name>', 'only jobs with this name')
      .option('--dir <root>', 'also scan this directory (repeatable)', collect)
      .option('--all', 'also show plain checkpoints and incomplete or corrupt snapshots')
      .option('--latest', 'print only the newest restorable location (exit code 5 when there is none)')
      .option('--max-age <duration>', 'with --latest: only snapshots completed within this time; with prune: dispose older ones')
      .option('--job <jobId>', 'prune: the job whose savepoints to prune')
      .option('--keep <N>', 'prune: how many of the newest savepoints to keep')
      .option('--dry-run', 'prune, gc: print the plan (paths, bytes, reasons), change nothing')
      .option('--min-age <duration>', 'gc: only reclaim files older than this (default 1h; never newer than the newest checkpoint)')
      .option('--force', 'gc: also while the job runs on the reachable cluster')
      .option('--offline', 'prune, gc: work from storage alone when the coordinator is unreachable (running jobs are not checked)')
      .option('--reason <text>', 'pin: why it is pinned')
      .option('--uid <uid>', "inspect, state: name the operator with this uid (Flink's hash of it; repeatable)", collect)
      .option('--operator <id>', 'state: only the operator with this id (32 hex digits; repeatable)', collect)
      .option('--state <name>', 'state: only the keyed state with this name (repeatable)', collect)
      .option('--key <key>', "state: that key's value in each selected state, decoded (the key as you know it: user-7, 42)")
      .option('--top <N>', 'state: the N largest keys by bytes per operator')
      .option('--keys', 'diff: compare the keys themselves (added, removed, changed)')
      .option('--verify', 'inspect: check every referenced file (exit code 1 naming each missing or wrong one)')
      .addHelpText(
        'after',
        [
          '',
          "Sources: the local coordinator's FLIP-10 list, the checkpoint history of an Apache Flink cluster, and a scan of",
          'the configured savepoint and checkpoint directories and every --dir (so it works when the cluster is gone).',
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
          '',
          'prune never disposes: the newest complete savepoint, a pinned one, one a running job restored from and has not',
          'checkpointed since, anything incomplete or corrupt, anything of another job. Exit code 8 when nothing was pruned.',
          '',
          "Verification: listings check structure and sizes (quick); --latest, restore latest and prune's newest kept",
          'savepoint also check every checksum (full), skipping a corrupt one. STATUS "verified" marks a full check.',
          'While a savepoint of the job fails full verification, prune disposes nothing intact.',
          '',
          'gc reclaims files under <dir>/<job>/shared/ and taskowned/ (dstl/ below a changelog root given as --dir) that no',
          'retained checkpoint or savepoint under the snapshot roots references, whichever job it belongs to, and that are',
          'older than --min-age and than the newest checkpoint; refused while the job runs (unless --force), and, as dispose,',
          'while the coordinator is unreachable (unless --offline).',
          '',
        ].join('\n'),
      )
      .action(
        async (
          first: string | undefined,
          second: string | undefined,
          third: string | undefined,
          opts: Parameters<typeof parseSavepointsArgs>[1] & {
            operator?: string[];
            state?: string[];
            key?: string;
            top?: string;
            keys?: boolean;
            job?: string;
            keep?: string;
            dryRun?: boolean;
            offline?: boolean;
            reason?: string;
            uid?: string[];
            verify?: boolean;
            minAge?: string;
            force?: boolean;
          },
          command: Command,
        ) => {
          if (first === 'state') {
            if (!second || third !== undefined)
              throw new UsageError(
                'Usage: flink savepoints state <snapshot> [--uid <uid> | --operator <id>]... [--state <name>]... [--key <key>] [--top N] [--json]',
              );
            const { runState, parseTop } = await (await import('./index.js')).SAVEPOINTS_ACTIONS.state();
            const selection = { uids: opts.uid ?? [], operatorIds: opts.operator ?? [], states: opts.state ?? [] };
            return runState(second, { ...selection, key: opts.key, top: parseTop(opts.top) }, await deps.contextFor(command));
          }
          if (first === 'diff') {
            if (!second || !third) throw new UsageError('Usage: flink savepoints diff <a> <b> [--keys] [--json]');
            const { runDiff } = await (await import('./index.js')).SAVEPOINTS_ACTIONS.diff();
            return runDiff(second, third, { keys: Boolean(opts.keys) }, await deps.contextFor(command));
          }
          if (third !== undefined) throw new UsageError(`Unexpected argument '${third}'.`);
          if (first === 'gc') {
            if (!opts.job) throw new UsageError('savepoints gc needs --job <jobId>.');
            if (second !== undefined) throw new UsageError(`Unexpected argument '${second}'.`);
            const { runGc, parseMinAge } = await (await import('./index.js')).SAVEPOINTS_ACTIONS.gc();
            return runGc(
              {
                jobId: parseJobId(opts.job),
                dirs: opts.dir ?? [],
                minAgeMs: parseMinAge(opts.minAge),
                dryRun: Boolean(opts.dryRun),
                force: Boolean(opts.force),
                offline: Boolean(opts.offline),
              },
              await deps.contextFor(command),
            );
          }
          if (first === 'prune') {
            if (!opts.job && !opts.name) throw new UsageError('savepoints prune needs --job <jobId> or --name <job name>.');
            const options: PruneOptions = {
              jobId: opts.job === undefined ? undefined : parseJobId(opts.job),
              name: opts.name,
              keep: parseKeep(opts.keep),
              maxAgeMs: parseMaxAge(opts.maxAge),
              dryRun: Boolean(opts.dryRun),
              offline: Boolean(opts.offline),
              dirs: opts.dir ?? [],
            };
            return runPrune(options, await deps.contextFor(command));
          }
          if (first === 'pin' || first === 'unpin') {
            if (!second) throw new UsageError(`Usage: flink savepoints ${first} <path>`);
            return runPin(first, second, opts.reason, await deps.contextFor(command));
          }
          if (first === 'inspect') {
            if (!second) throw new UsageError('Usage: flink savepoints inspect <path> [--json] [--uid <uid>]... [--verify]');
            const { runInspect } = await (await import('./index.js')).SAVEPOINTS_ACTIONS.inspect();
            return runInspect(second, { uids: opts.uid ?? [], verify: Boolean(opts.verify) }, await deps.contextFor(command));
          }
          if (second !== undefined) throw new UsageError(`Unexpected argument '${second}'.`);
          await runSavepoints(parseSavepointsArgs(first, opts), await deps.contextFor(command));
        },
      );
  },
};

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

async function runPin(action: 'pin' | 'unpin', pointer: string, reason: string | undefined, ctx: CommandContext): Promise<void> {
  const [{ storageOf }, { currentUser }, { nextPin }] = await Promise.all([
    import('../services/storage.js'),
    import('../audit.js'),
    import('../../domain/pin.js'),
  ]);
  if (action === 'unpin' && reason !== undefined) throw new UsageError('--reason goes with pin.');
  const storage = await storageOf(ctx);
  const entry = await storage.describe(pointer);
  const dir = entry?.path ?? pointer;
  if (!entry || entry.state === 'incomplete') throw new NotFoundError(`No snapshot at ${dir} (expected a savepoint-* or chk-<n> directory with _metadata).`);
  const existing = await storage.readPin(dir);
  if (action === 'unpin' && existing === undefined) throw new NothingToDoError(`Not pinned: ${dir} (nothing to unpin).`);
  ctx.audit.paths.push(dir);
  const info = action === 'pin' ? nextPin(existing, { user: currentUser(ctx.env), reason, now: new Date() }) : undefined;
  if (info) await storage.pin(dir, info);
  else await storage.unpin(dir);
  await emit(ctx.io, {
    data: { path: dir, pinned: info !== undefined, ...(info ? { pin: pinJson(info) } : {}) },
    human: (io) => io.print(info ? `Pinned ${dir}${info.reason ? ` (${info.reason})` : ''}` : `Unpinned ${dir}`),
  });
}

function pinJson(pin: PinInfo): Record<string, unknown> {
  return { reason: pin.reason ?? null, user: pin.user ?? null, pinnedAt: pin.pinnedAt ?? null };
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
