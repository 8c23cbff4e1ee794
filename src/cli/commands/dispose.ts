// `flink dispose <path...> [--dry-run] [--force --reason <text>] [--offline]`: remove snapshots safely. The
// plan (what, how many bytes, why) is made first and printed; --dry-run stops there. Every target goes through
// the one disposal guard (src/domain/disposal-guard.ts) with the running jobs' facts from the cluster's REST
// API; local paths go through the local coordinator when it runs (so its records know, and it guards again),
// object-store paths (s3://, wasbs://, abfss://) are disposed from here through the storage interface.
import type { Command } from 'commander';
import { UnreachableError, UsageError } from '../../domain/errors.js';
import type { DisposalStep } from '../../storage/index.js';
import type { CommandContext } from '../context.js';
import { emit, humanNow } from '../output/export.js';
import type { CommandModule } from '../program.js';
import { clusterView, createDisposer, type ClusterView } from '../services/disposer.js';
import { snapshotRoots, storageOf } from '../services/storage.js';
import { formatBytes } from '../output/format.js';

export interface DisposeOptions {
  paths: string[];
  dryRun: boolean;
  /** Overrides pins and the incomplete-leftover rule (never a running job's snapshot); needs a reason. */
  force?: boolean;
  reason?: string;
  /** Dispose from storage alone when the cluster is unreachable (the in-use rules cannot run). */
  offline?: boolean;
}

export const disposeCommand: CommandModule = {
  name: 'dispose',
  register(program, deps) {
    return program
      .command('dispose')
      .argument('<paths...>', 'snapshot directories or their _metadata files')
      .option('--dry-run', 'print what would be removed, remove nothing')
      .option('--force', 'also dispose a pinned snapshot or an incomplete leftover no writer holds (needs --reason; never a snapshot a running job needs)')
      .option('--reason <text>', 'why --force is used (recorded in the audit log)')
      .option('--offline', 'the coordinator is unreachable: dispose from storage alone, without checking running jobs')
      .addHelpText(
        'after',
        "\nRefused, deleting nothing: a non-snapshot (by its _metadata), a symbolic link, a root, '..', a snapshot a running job restored from\n" +
          'and has not checkpointed past, the newest restorable snapshot of a running job, a pinned snapshot (unless --force).\n' +
          'Kept: every file another retained checkpoint or savepoint under the snapshot roots references (of any job: a CLAIM\n' +
          'restore shares files across jobs); --dry-run names the snapshot that needs each.\n' +
          '\nExamples:\n  flink dispose --dry-run /data/savepoints/savepoint-fd7201-0123456789ab\n  flink dispose /data/savepoints/savepoint-fd7201-0123456789ab /data/ckpt/fd72014d4c864993a2e5a9287b4a9c5d/chk-42\n' +
          '  flink dispose --force --reason "superseded by the 2.0 upgrade" /data/savepoints/savepoint-fd7201-0123456789ab\n',
      )
      .action(async (paths: string[], opts: { dryRun?: boolean; force?: boolean; reason?: string; offline?: boolean }, command: Command) => {
        await runDispose(
          { paths, dryRun: Boolean(opts.dryRun), force: Boolean(opts.force), reason: opts.reason, offline: Boolean(opts.offline) },
          await deps.contextFor(command),
        );
      });
  },
};

export async function runDispose(options: DisposeOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  if (options.force && (options.reason === undefined || options.reason.trim() === '')) {
    throw new UsageError('--force needs --reason <text>: the reason goes into the audit log with the disposal.');
  }
  if (options.reason !== undefined && !options.force) throw new UsageError('--reason goes with --force.');
  if (options.force) {
    ctx.audit.forced = true;
    ctx.audit.reason = options.reason!.trim();
  }
  const cluster = await clusterView(ctx);
  if (cluster.jobs === undefined) {
    if (!options.offline) {
      throw new UnreachableError(
        'Cannot see running jobs (the coordinator is unreachable), so snapshots they still need cannot be protected; nothing was disposed.',
        {
          hint: 'Run it when the coordinator answers, or pass --offline to dispose from storage alone.',
        },
      );
    }
    io.note('--offline: running jobs are not checked; disposing from storage alone.');
  }
  const storage = await storageOf(ctx);
  const steps = await storage.planDisposal(options.paths, { roots: await snapshotRoots(ctx), jobs: cluster.jobs ?? [], force: options.force });
  if (options.dryRun) {
    return emit(io, {
      data: { dryRun: true, plan: steps.map(stepJson) },
      human: () => {
        for (const s of steps) {
          io.print(`Would dispose ${s.directory ?? s.pointer}${s.bytes !== undefined ? ` (${formatBytes(s.bytes)})` : ''}: ${s.reason}${sharedSummary(s)}`);
          for (const f of s.sharedFiles ?? []) io.print(`  ${f.action === 'delete' ? 'delete' : 'keep  '} ${f.path} (${formatBytes(f.bytes)}): ${f.reason}`);
        }
      },
    });
  }
  // What is no snapshot (a root, '..', a plain folder) was refused by the plan, before any lease is written. The
  // delete lease of each target's root is held from here; each disposal runs the guard again under it.
  const { withDeleteLease } = await import('../services/lease.js');
  const directories = steps.flatMap((s) => (s.directory === undefined ? [] : [s.directory]));
  await withDeleteLease(ctx, { pointers: directories }, 'dispose', () => disposeSteps(steps, options, ctx, cluster));
}

async function disposeSteps(steps: readonly DisposalStep[], options: DisposeOptions, ctx: CommandContext, cluster: ClusterView): Promise<void> {
  const { io } = ctx;
  const disposer = await createDisposer(ctx, { cluster, force: options.force });
  const done: DisposalStep[] = [];
  for (const step of steps) {
    await disposer.dispose(step);
    done.push(step);
    ctx.audit.paths.push(step.directory ?? step.pointer);
    // Each disposal is shown as it happens (a later one may fail); the JSON document lists them at the end.
    humanNow(io, () =>
      io.print(`Disposed ${step.directory ?? step.pointer}${step.bytes !== undefined ? ` (${formatBytes(step.bytes)})` : ''}${sharedSummary(step)}`),
    );
  }
  const bytes = done.reduce((n, s) => n + (s.bytes ?? 0), 0);
  await emit(io, {
    data: { dryRun: false, disposed: done.map(stepJson), bytes },
    human: () => {
      if (done.length > 1) io.note(`${done.length} snapshots disposed, ${formatBytes(bytes)} freed.`);
    },
  });
}

function stepJson(s: DisposalStep): Record<string, unknown> {
  return {
    pointer: s.pointer,
    directory: s.directory ?? null,
    bytes: s.bytes ?? null,
    reason: s.reason,
    kind: s.entry?.kind ?? null,
    jobId: s.entry?.jobId ?? null,
    sharedFiles: (s.sharedFiles ?? []).map((f) => ({
      path: f.path,
      bytes: f.bytes,
      action: f.action,
      reason: f.reason,
      ...(f.neededBy ? { neededBy: f.neededBy } : {}),
    })),
  };
}

/** ", and 3 of its 10 shared file(s) (4.2 KiB) no other retained checkpoint references" (empty without shared files). */
function sharedSummary(s: DisposalStep): string {
  const shared = s.sharedFiles ?? [];
  if (shared.length === 0) return '';
  const deleted = shared.filter((f) => f.action === 'delete');
  const kept = shared.length - deleted.length;
  return `; and ${deleted.length} of its ${shared.length} shared file(s) (${formatBytes(deleted.reduce((n, f) => n + f.bytes, 0))}) no other retained snapshot references${kept > 0 ? ` (${kept} kept: another snapshot needs them, or they are not ours to delete)` : ''}`;
}
