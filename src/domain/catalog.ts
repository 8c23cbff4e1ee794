// Snapshots found on disk, and the pure rules over them: filters, ordering, "latest restorable".

import { byNewestListed } from './ordering.js';
import type { PinInfo } from './pin.js';
import type { SnapshotFormat, SnapshotKind, SnapshotTrigger } from './snapshot-vocabulary.js';

/** The kinds a listing shows: the snapshot vocabulary's (Flink's own snapshots are savepoints or checkpoints). */
export type CatalogKind = SnapshotKind;
export type CatalogState = 'complete' | 'incomplete' | 'corrupt';
/**
 * listed: its _metadata is there, as far as a listing shows (an object store's listing of Flink's snapshots);
 * quick: _metadata decodes and every listed state file exists with its recorded size (listings);
 * full: quick plus every state file's sha256 (wherever a decision deletes or restores).
 */
export type VerificationLevel = 'listed' | 'quick' | 'full';

/** What verifying a snapshot at some level found. */
export interface Verification {
  level: Exclude<VerificationLevel, 'listed'>;
  state: CatalogState;
  problem?: string;
}

export interface CatalogEntry {
  /** Absolute directory of the snapshot. */
  path: string;
  kind: CatalogKind;
  trigger?: SnapshotTrigger;
  format?: SnapshotFormat;
  /** Full job id where known; a Flink savepoint directory only names its first 6 characters. */
  jobId?: string;
  jobIdPrefix?: string;
  jobName?: string;
  snapshotId?: number;
  /** Completion time: ours from _metadata, Flink's from the _metadata file's modification time. */
  completedAt?: number;
  sizeBytes: number;
  state: CatalogState;
  origin: 'ours' | 'flink';
  /** Flink's _metadata version (Flink-native snapshots only). */
  flinkMetadataVersion?: number;
  problem?: string;
  pinned?: boolean;
  /** Who pinned it, when and why (where the pin's record was read). */
  pin?: PinInfo;
  /** A disposal started and did not finish: not restorable; the next prune or dispose finishes it. */
  disposing?: boolean;
  /** The level `state` was established at (undefined: only reported by a coordinator, not checked here). */
  verified?: VerificationLevel;
}

/**
 * A snapshot has two sizes, each named where it is shown: on storage (listings' SIZE, what dispose frees) its
 * `_metadata` plus every state file; its state size (Flink's `state_size`, `flink checkpoints`' STATE SIZE, the
 * sum of its subtasks' state, as the local coordinator's per-vertex statistics add up) the state files alone.
 */
export function stateFilesBytes(files: readonly { size: number }[]): number {
  return files.reduce((n, f) => n + f.size, 0);
}

export interface CatalogFilter {
  jobId?: string;
  jobName?: string;
  /** Include plain (non-persistent) checkpoints. */
  includeCheckpoints?: boolean;
  /** Include incomplete and corrupt entries. */
  includeBroken?: boolean;
}

export function matchesJob(entry: CatalogEntry, jobId: string): boolean {
  if (entry.jobId) return entry.jobId === jobId;
  return entry.jobIdPrefix !== undefined && jobId.startsWith(entry.jobIdPrefix);
}

export function filterCatalog(entries: readonly CatalogEntry[], filter: CatalogFilter): CatalogEntry[] {
  return entries.filter((e) => {
    if (filter.jobId && !matchesJob(e, filter.jobId)) return false;
    if (filter.jobName && e.jobName !== filter.jobName) return false;
    if (!filter.includeBroken && e.state !== 'complete') return false;
    // A retained Flink checkpoint (chk-<n> that outlived its job) is restorable; our plain checkpoints are not listed.
    if (!filter.includeCheckpoints && e.kind === 'checkpoint' && e.origin === 'ours') return false;
    return true;
  });
}

/** Newest completion first; entries without a time last. */
export function sortByCompletion(entries: readonly CatalogEntry[]): CatalogEntry[] {
  return [...entries].sort(byNewestListed);
}

/** The newest complete snapshot that a job can be restored from, optionally no older than maxAgeMs. */
export function latestRestorable(
  entries: readonly CatalogEntry[],
  options: CatalogFilter & { maxAgeMs?: number; now?: number } = {},
): CatalogEntry | undefined {
  const now = options.now ?? Date.now();
  const candidates = filterCatalog(entries, { ...options, includeBroken: false }).filter(
    (e) => e.completedAt !== undefined && (options.maxAgeMs === undefined || now - e.completedAt <= options.maxAgeMs),
  );
  return sortByCompletion(candidates)[0];
}

/** The entry with what a verification found (a failed full verification makes it corrupt, with the reason). */
export function withVerification(entry: CatalogEntry, found: Verification): CatalogEntry {
  return { ...entry, verified: found.level, state: found.state, problem: found.state === 'complete' ? undefined : found.problem };
}

/**
 * Fully verifies the entry `pick` chooses, and again after each one that fails, until a pick passes (or
 * nothing is left to pick). Only the candidates the decision needs are verified; each at most once.
 * `verify` does the I/O; `onSkip` hears about every pick that failed.
 */
export async function pickVerified(
  entries: readonly CatalogEntry[],
  pick: (entries: CatalogEntry[]) => CatalogEntry | undefined,
  verify: (entry: CatalogEntry) => Promise<Verification>,
  onSkip: (entry: CatalogEntry) => void = () => {},
): Promise<{ entries: CatalogEntry[]; picked?: CatalogEntry }> {
  const current = [...entries];
  const tried = new Set<string>();
  for (;;) {
    const picked = pick(current);
    if (!picked || picked.verified === 'full' || tried.has(picked.path)) return { entries: current, picked };
    tried.add(picked.path);
    const checked = withVerification(picked, await verify(picked));
    current[current.findIndex((e) => e.path === picked.path)] = checked;
    if (checked.state === 'complete') return { entries: current, picked: checked };
    onSkip(checked);
  }
}

/** One job that has snapshots among a listing: what "latest" without a job id could mean. */
export interface JobWithSnapshots {
  /** The full job id, or undefined when only a Flink savepoint's 6-character prefix is known. */
  jobId?: string;
  jobIdPrefix?: string;
  jobName?: string;
  /** Its newest snapshot in the listing. */
  newest: CatalogEntry;
}

/**
 * The jobs whose snapshots the entries are, newest snapshot first. A job is its id, never its name: unrelated
 * pipelines may share a name. A Flink savepoint that names only a prefix belongs to the one job with a full id
 * starting with it; otherwise it is a job of its own (its prefix).
 */
export function jobsWithSnapshots(entries: readonly CatalogEntry[]): JobWithSnapshots[] {
  const fullIds = [...new Set(entries.map((e) => e.jobId).filter((id): id is string => id !== undefined))];
  const jobs = new Map<string, JobWithSnapshots>();
  for (const entry of sortByCompletion(entries)) {
    const owners = entry.jobId ? [entry.jobId] : fullIds.filter((id) => entry.jobIdPrefix !== undefined && id.startsWith(entry.jobIdPrefix));
    const key = owners.length === 1 ? owners[0] : `prefix:${entry.jobIdPrefix ?? entry.path}`;
    const job = jobs.get(key);
    if (!job) jobs.set(key, { jobId: owners.length === 1 ? owners[0] : undefined, jobIdPrefix: entry.jobIdPrefix, jobName: entry.jobName, newest: entry });
    else job.jobName ??= entry.jobName;
  }
  return [...jobs.values()];
}
