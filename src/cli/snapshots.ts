// Gathers the restorable snapshots of jobs from every source the CLI can reach: FLIP-10's REST list (local
// coordinator), Flink's checkpoint history (real Flink), and a scan of the configured savepoint and
// checkpoint directories plus --dir roots, so it works after the job and even the cluster are gone.
import path from 'node:path';
import type { FlinkApi } from '../client/rest-client.js';
import { resolveSavepointTarget } from '../config/savepoint-target.js';
import {
  filterCatalog,
  latestRestorable,
  pickVerified,
  sortByCompletion,
  type CatalogEntry,
  type CatalogFilter,
  type Verification,
} from '../domain/catalog.js';
import { FlinkCliError } from '../domain/errors.js';
import { hasScheme, pointerToPath } from '../domain/pointers.js';
import type { CommandContext } from './context.js';

export interface Gathered {
  entries: CatalogEntry[];
  /** Where we looked, for notes. */
  roots: string[];
  coordinator: 'local' | 'flink' | 'unreachable';
}

export async function gatherSnapshots(ctx: CommandContext, filter: CatalogFilter & { dirs?: string[] }): Promise<Gathered> {
  const config = await ctx.config();
  const { scanSnapshots, localPath } = await import('../storage/catalog.js');
  const roots = new Set<string>();
  const local = (value: string | undefined) => (value && (!hasScheme(value) || /^file:/i.test(value)) ? localPath(path.resolve(ctx.cwd, value)) : undefined);
  const savepointDir = local(resolveSavepointTarget(config).directory);
  const checkpointDir = local(config.string('execution.checkpointing.dir'));
  if (savepointDir) roots.add(savepointDir);
  if (checkpointDir) roots.add(filter.jobId ? path.join(checkpointDir, filter.jobId) : checkpointDir);
  for (const dir of filter.dirs ?? []) roots.add(local(dir) ?? dir);
  // Object-store roots (s3://, wasbs://, abfss://) are listed through the storage interface.
  const { isRemote } = await import('../storage/store-catalog.js');
  const configured = [resolveSavepointTarget(config).directory, config.string('execution.checkpointing.dir')];
  const remoteCheckpoints = configured[1] && isRemote(configured[1]) ? configured[1].replace(/\/+$/, '') : undefined;
  if (configured[0] && isRemote(configured[0])) roots.add(configured[0]);
  if (remoteCheckpoints) roots.add(filter.jobId ? `${remoteCheckpoints}/${filter.jobId}` : remoteCheckpoints);

  const byPath = new Map<string, CatalogEntry>();
  let coordinator: Gathered['coordinator'] = 'unreachable';
  let jobs: KnownJob[] | undefined;
  try {
    const client = await ctx.client();
    const caps = await client.capabilities();
    coordinator = caps.kind;
    const known = await fromCoordinator(client, caps.kind, caps.restorableList, filter);
    for (const entry of known.entries) byPath.set(keyOf(entry.path), entry);
    jobs = known.jobs;
  } catch (error) {
    if (!(error instanceof FlinkCliError) || (error.kind !== 'unreachable' && error.kind !== 'not-found')) throw error;
    if (error.kind === 'unreachable')
      ctx.io.note(
        `The coordinator is not reachable (${error.message.replace(/^Could not reach the coordinator at /, '').replace(/\.$/, '')}); listing from storage only.`,
      );
  }
  // A --dir on a scheme without an adapter (gs://, ...) is an error saying so, never an empty scan.
  const { openStore } = await import('../storage/object-store.js');
  for (const dir of filter.dirs ?? [])
    if (hasScheme(dir) && !/^file:/i.test(dir) && !isRemote(dir)) await openStore(dir, { s3: { pathStyle: false }, azure: { accountKey: () => undefined } });
  const remoteRoots = [...roots].filter(isRemote);
  const scannedAll = await scanSnapshots([...roots].filter((r) => !isRemote(r)));
  if (remoteRoots.length > 0) {
    const { scanStoreRoots } = await import('../storage/store-catalog.js');
    const { storageSettings } = await import('../config/storage.js');
    const explicit = new Set(filter.dirs ?? []);
    for (const root of remoteRoots) {
      try {
        scannedAll.push(...(await scanStoreRoots([root], storageSettings(config), { jobId: filter.jobId })));
      } catch (error) {
        // A failing LIST (no such bucket, denied) is an error naming the URI, never "nothing found"; only a
        // configured root with the coordinator answering degrades to a warning (the cluster's list stands).
        if (explicit.has(root) || coordinator === 'unreachable' || !(error instanceof FlinkCliError)) throw error;
        ctx.io.warn(`${error.message}; listing what the coordinator reports`);
      }
    }
  }
  const scannedKeys = new Set<string>();
  for (const scanned of scannedAll) {
    scannedKeys.add(keyOf(scanned.path));
    // What the scan established, it established at the quick level.
    const entry: CatalogEntry = { ...(jobs ? attributed(scanned, jobs) : scanned), verified: 'quick' };
    const known = byPath.get(keyOf(entry.path));
    // The scan is the truth about the files; the coordinator knows kind, trigger and job.
    byPath.set(keyOf(entry.path), known ? { ...entry, ...pick(known), state: entry.state, sizeBytes: entry.sizeBytes || known.sizeBytes } : entry);
  }
  const { isPinned } = await import('../storage/pins.js');
  const { inspect } = await import('../storage/catalog.js');
  for (const [key, entry] of byPath) {
    // One size everywhere: a local snapshot only the coordinator listed (outside the scanned roots) is measured
    // the way the scan and dispose measure it (_metadata plus state files), not by the coordinator's state size.
    if (!scannedKeys.has(key) && entry.state === 'complete' && !hasScheme(entry.path)) {
      const measured = await inspect(entry.path).catch(() => undefined);
      if (measured && measured.sizeBytes > 0) byPath.set(key, { ...entry, sizeBytes: measured.sizeBytes });
    }
  }
  for (const [key, entry] of byPath) {
    // Listed by the coordinator but gone from a local disk: not restorable any more (what the scan just read is there).
    if (entry.state === 'complete' && !hasScheme(entry.path) && !scannedKeys.has(key) && !(await exists(entry.path)))
      byPath.set(key, { ...entry, state: 'incomplete', problem: 'directory no longer exists' });
    else if (!hasScheme(entry.path) && isPinned(entry.path)) byPath.set(key, { ...entry, pinned: true });
  }
  return { entries: sortByCompletion(filterCatalog([...byPath.values()], filter)), roots: [...roots], coordinator };
}

/**
 * Full verification of a listed snapshot: local ones, and object-store ones when `ctx` gives the settings to
 * reach them; what only a remote coordinator reported (gs://, ...) stays as it said.
 */
export async function verifyFully(entry: CatalogEntry, ctx?: CommandContext): Promise<Verification> {
  const { isRemote } = await import('../storage/store-catalog.js');
  if (ctx && isRemote(entry.path)) {
    const [{ verifyRemote }, { storageSettings }] = await Promise.all([import('../storage/store-catalog.js'), import('../config/storage.js')]);
    try {
      return await verifyRemote(entry.path, 'full', storageSettings(await ctx.config()));
    } catch (error) {
      // Only the coordinator reported it and this machine cannot read the store: it stays as reported.
      if (entry.verified !== undefined || !(error instanceof FlinkCliError)) throw error;
      return { level: 'quick', state: entry.state, problem: entry.problem };
    }
  }
  if (hasScheme(entry.path) && !/^file:/i.test(entry.path)) return { level: entry.verified ?? 'quick', state: entry.state, problem: entry.problem };
  const { verifySnapshot } = await import('../storage/verify.js');
  return verifySnapshot(entry.path, 'full');
}

/**
 * The newest restorable snapshot that passes full verification (what --latest and restore latest use); each
 * newer one that fails is reported and marked corrupt in the returned entries.
 */
export async function latestVerified(
  ctx: CommandContext,
  entries: readonly CatalogEntry[],
  options: CatalogFilter & { maxAgeMs?: number } = {},
  onSkip: (entry: CatalogEntry) => void = (e) => ctx.io.warn(`skipping ${e.path}: ${e.problem}`),
): Promise<{ entries: CatalogEntry[]; latest?: CatalogEntry }> {
  const { entries: checked, picked } = await pickVerified(
    entries,
    (list) => latestRestorable(list, options),
    (e) => verifyFully(e, ctx),
    onSkip,
  );
  return { entries: checked, latest: picked };
}

interface KnownJob {
  jid: string;
  name?: string;
}

/**
 * A Flink savepoint directory names only the first 6 characters of its job id. When exactly one job the
 * cluster knows has that prefix, the entry gets that job's id and name (so `--name` also finds savepoints
 * that have left Flink's short REST history).
 */
export function attributed(entry: CatalogEntry, jobs: readonly KnownJob[]): CatalogEntry {
  if (entry.jobId || !entry.jobIdPrefix) return entry;
  const matches = jobs.filter((j) => j.jid.startsWith(entry.jobIdPrefix!));
  if (matches.length !== 1) return entry;
  return { ...entry, jobId: matches[0].jid, jobName: entry.jobName ?? matches[0].name };
}

function pick(entry: CatalogEntry): Partial<CatalogEntry> {
  const { kind, trigger, format, jobId, jobName, snapshotId, completedAt } = entry;
  return Object.fromEntries(Object.entries({ kind, trigger, format, jobId, jobName, snapshotId, completedAt }).filter(([, v]) => v !== undefined));
}

async function exists(p: string): Promise<boolean> {
  const { stat } = await import('node:fs/promises');
  return stat(p).then(
    () => true,
    () => false,
  );
}

function keyOf(pointer: string): string {
  const local = pointerToPath(pointer);
  return local === undefined ? pointer : path.resolve(local).replace(/\/_metadata$/, '');
}

/** What the coordinator lists, and (when no job was named) every job it knows, for attributing scanned entries. */
async function fromCoordinator(
  client: FlinkApi,
  kind: 'local' | 'flink',
  restorableList: boolean,
  filter: CatalogFilter,
): Promise<{ entries: CatalogEntry[]; jobs?: KnownJob[] }> {
  const overview = filter.jobId ? undefined : (await client.jobsOverview()).jobs.map((j): KnownJob => ({ jid: j.jid, name: j.name }));
  const jobs: KnownJob[] = overview ?? [{ jid: filter.jobId! }];
  const wanted = jobs.filter((j) => !filter.jobName || j.name === undefined || j.name === filter.jobName);
  const entries: CatalogEntry[] = [];
  for (const job of wanted) {
    if (kind === 'local' && restorableList) {
      const list = await client.restorableSnapshots(job.jid);
      for (const s of list.savepoints) {
        entries.push({
          path: keyOf(s.external_path),
          kind: s.kind,
          trigger: s.trigger,
          format: s.format,
          jobId: s.job_id,
          jobName: s.job_name,
          snapshotId: s.id,
          completedAt: s.completed_timestamp,
          sizeBytes: s.state_size,
          state: 'complete',
          origin: 'ours',
        });
      }
    } else {
      const stats = await client.checkpoints(job.jid).catch(() => undefined);
      // The history holds only the newest 10 snapshots (web.checkpoints.history); the latest savepoint and
      // checkpoint are reported beside it, so they are known even after they left it.
      const latest = [stats?.latest.savepoint, stats?.latest.completed].filter(
        (c): c is NonNullable<typeof c> => !!c && !stats!.history.some((h) => h.id === c.id),
      );
      for (const c of [...(stats?.history ?? []), ...latest]) {
        if (c.status !== 'COMPLETED' || !c.external_path || c.discarded || c.external_path.startsWith('<')) continue;
        entries.push({
          path: keyOf(c.external_path),
          kind: c.is_savepoint ? 'savepoint' : 'checkpoint',
          format: c.savepointFormat === 'NATIVE' ? 'native' : 'canonical',
          jobId: job.jid,
          jobName: job.name,
          snapshotId: c.id,
          completedAt: c.latest_ack_timestamp,
          sizeBytes: c.state_size,
          state: 'complete',
          origin: 'flink',
        });
      }
    }
  }
  return { entries, jobs: overview };
}
