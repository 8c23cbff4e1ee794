// Gathers the restorable snapshots of jobs from every source the CLI can reach: FLIP-10's REST list (local
// coordinator), Flink's checkpoint history (real Flink), and a scan of the configured savepoint and
// checkpoint directories plus --dir roots, so it works after the job and even the cluster are gone.
import path from 'node:path';
import type { FlinkApi } from '../../client/rest-client.js';
import { resolveSavepointTarget } from '../../config/savepoint-target.js';
import {
  filterCatalog,
  latestRestorable,
  pickVerified,
  sortByCompletion,
  type CatalogEntry,
  type CatalogFilter,
  type Verification,
} from '../../domain/catalog.js';
import { FlinkCliError } from '../../domain/errors.js';
import { pointerToPath } from '../../domain/pointers.js';
import type { CommandContext } from '../context.js';

export interface Gathered {
  entries: CatalogEntry[];
  /** Where we looked, for notes. */
  roots: string[];
  coordinator: 'local' | 'flink' | 'unreachable';
}

export async function gatherSnapshots(ctx: CommandContext, filter: CatalogFilter & { dirs?: string[] }): Promise<Gathered> {
  const config = await ctx.config();
  const { storageOf } = await import('./storage.js');
  const { childOf, hasAdapter } = await import('../../storage/index.js');
  const storage = await storageOf(ctx);
  // Configured roots on a store this machine has no adapter for (gs://, ...) are the cluster's to list;
  // a --dir on one is an error saying so (below), never an empty scan.
  const explicit = new Set<string>();
  const roots = new Set<string>();
  const savepointDir = resolveSavepointTarget(config).directory;
  const checkpointDir = config.string('execution.checkpointing.dir');
  if (savepointDir && hasAdapter(savepointDir)) roots.add(storage.pool.absolute(savepointDir));
  if (checkpointDir && hasAdapter(checkpointDir)) roots.add(storage.pool.absolute(filter.jobId ? childOf(checkpointDir, filter.jobId) : checkpointDir));
  for (const dir of filter.dirs ?? []) {
    const root = storage.pool.absolute(dir);
    roots.add(root);
    explicit.add(root);
  }

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
  const scannedAll: CatalogEntry[] = [];
  for (const root of roots) {
    try {
      for (const entry of await storage.scan([root])) scannedAll.push(entry);
    } catch (error) {
      // A failing listing (no such bucket, denied) is an error naming the URI, never "nothing found"; only a
      // configured root with the coordinator answering degrades to a warning (the cluster's list stands).
      if (explicit.has(root) || coordinator === 'unreachable' || !(error instanceof FlinkCliError)) throw error;
      ctx.io.warn(`${error.message}; listing what the coordinator reports`);
    }
  }
  const scannedKeys = new Set<string>();
  for (const scanned of scannedAll) {
    scannedKeys.add(keyOf(scanned.path));
    const entry: CatalogEntry = { ...(jobs ? attributed(scanned, jobs) : scanned), verified: scanned.verified ?? 'quick' };
    const known = byPath.get(keyOf(entry.path));
    // The scan is the truth about the files; the coordinator knows kind, trigger and job.
    byPath.set(keyOf(entry.path), known ? { ...entry, ...pick(known), state: entry.state, sizeBytes: entry.sizeBytes || known.sizeBytes } : entry);
  }
  for (const [key, entry] of byPath) {
    if (scannedKeys.has(key) || !hasAdapter(entry.path)) continue;
    // Only the coordinator listed it (outside the scanned roots): measured the way the scan and dispose measure
    // it (_metadata plus state files, not the coordinator's state size); gone from storage, it is not restorable.
    const found = await storage.describe(entry.path).catch(() => undefined);
    if (!found && entry.state === 'complete') byPath.set(key, { ...entry, state: 'incomplete', problem: 'directory no longer exists' });
    else if (found) byPath.set(key, { ...entry, sizeBytes: found.sizeBytes > 0 ? found.sizeBytes : entry.sizeBytes, pinned: found.pinned });
  }
  // Pinned (the listing saw the _pinned object): why, from the pin's record (one read each).
  for (const [key, entry] of byPath) {
    if (!entry.pinned || entry.pin) continue;
    const pin = await storage.readPin(entry.path).catch(() => undefined);
    if (pin) byPath.set(key, { ...entry, pin });
  }
  return { entries: sortByCompletion(filterCatalog([...byPath.values()], filter)), roots: [...roots], coordinator };
}

/**
 * Full verification of a listed snapshot, on any store this machine reaches; what only a remote coordinator
 * reported (gs://, ...) stays as it said.
 */
export async function verifyFully(entry: CatalogEntry, ctx: CommandContext): Promise<Verification> {
  const { hasAdapter } = await import('../../storage/index.js');
  const reported = (): Verification => ({ level: entry.verified === 'full' ? 'full' : 'quick', state: entry.state, problem: entry.problem });
  if (!hasAdapter(entry.path)) return reported();
  const { storageOf } = await import('./storage.js');
  try {
    return await (await storageOf(ctx)).verify(entry.path, 'full');
  } catch (error) {
    // Only the coordinator reported it and this machine cannot read the store: it stays as reported.
    if (entry.verified !== undefined || !(error instanceof FlinkCliError)) throw error;
    return reported();
  }
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
