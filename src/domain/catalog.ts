// Snapshots found on disk, and the pure rules over them: filters, ordering, "latest restorable".

export type CatalogKind = 'savepoint' | 'persistent-checkpoint' | 'checkpoint';
export type CatalogState = 'complete' | 'incomplete' | 'corrupt';

export interface CatalogEntry {
  /** Absolute directory of the snapshot. */
  path: string;
  kind: CatalogKind;
  trigger?: 'periodic' | 'manual' | 'stop' | 'cancel';
  format?: 'canonical' | 'native';
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
  /** A disposal started and did not finish: not restorable; the next prune or dispose finishes it. */
  disposing?: boolean;
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
  return [...entries].sort((a, b) => (b.completedAt ?? -Infinity) - (a.completedAt ?? -Infinity) || a.path.localeCompare(b.path));
}

/** The newest complete snapshot that a job can be restored from, optionally no older than maxAgeMs. */
export function latestRestorable(entries: readonly CatalogEntry[], options: CatalogFilter & { maxAgeMs?: number; now?: number } = {}): CatalogEntry | undefined {
  const now = options.now ?? Date.now();
  const candidates = filterCatalog(entries, { ...options, includeBroken: false }).filter(
    (e) => e.completedAt !== undefined && (options.maxAgeMs === undefined || now - e.completedAt <= options.maxAgeMs),
  );
  return sortByCompletion(candidates)[0];
}
