// The rules of a lease kept in a snapshot store (pure): what a lease records, when it has expired, when it is
// renewed, and the one line that names its holder. The I/O is storage/lease.ts.

export type LeaseKind = 'delete' | 'restore';

export interface LeaseRecord {
  version: 1;
  kind: LeaseKind;
  /** A random id of one command run: the only thing that says "this lease is mine". */
  holder: string;
  host: string;
  pid: number;
  user: string;
  /** The command line, e.g. "savepoints prune --keep 3". */
  command: string;
  /** ISO 8601: taken at, and (renewed) valid until, by the holder's clock. */
  since: string;
  expiresAt: string;
  /** A restore lease: the snapshot it restores from (a path or URI). */
  snapshot?: string;
}

/** Default lifetime of a lease; it is renewed every third of it while its command runs. */
export const DEFAULT_LEASE_MS = 60_000;
export const MIN_LEASE_MS = 3_000;

export function leaseDuration(configured: number | undefined): number {
  return Math.max(MIN_LEASE_MS, configured ?? DEFAULT_LEASE_MS);
}

/** How often a holder writes a new expiry: three renewals fit in one lifetime, so one lost renewal costs nothing. */
export function renewalInterval(durationMs: number): number {
  return Math.max(1000, Math.floor(durationMs / 3));
}

export function newLease(fields: Omit<LeaseRecord, 'version' | 'since' | 'expiresAt'>, now: number, durationMs: number): LeaseRecord {
  return { version: 1, ...fields, since: new Date(now).toISOString(), expiresAt: new Date(now + durationMs).toISOString() };
}

export function renewed(lease: LeaseRecord, now: number, durationMs: number): LeaseRecord {
  return { ...lease, expiresAt: new Date(now + durationMs).toISOString() };
}

/** A lease that cannot be read as one (a torn or foreign object) counts as expired once it is older than a lifetime. */
export function isExpired(lease: LeaseRecord | undefined, now: number, storedAt?: number, durationMs: number = DEFAULT_LEASE_MS): boolean {
  if (!lease) return storedAt === undefined || now > storedAt + durationMs;
  const until = Date.parse(lease.expiresAt);
  return !Number.isFinite(until) || now > until;
}

/**
 * A lease whose holder ran on this host and no longer runs is taken over at once, not after expiry (as the local
 * lock does): a release that the store refused (deletes throttled to the end) must not block the next run.
 */
export function isAbandoned(lease: LeaseRecord | undefined, thisHost: string, isAlive: (pid: number) => boolean): boolean {
  return lease !== undefined && lease.host === thisHost && !isAlive(lease.pid);
}

export function parseLease(text: string): LeaseRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LeaseRecord>;
    if (value?.version !== 1 || typeof value.holder !== 'string' || typeof value.expiresAt !== 'string') return undefined;
    if (value.kind !== 'delete' && value.kind !== 'restore') return undefined;
    return value as LeaseRecord;
  } catch {
    return undefined;
  }
}

/** "pid 4242 on host-a (user ops: flink savepoints prune --keep 3), expires 2026-12-06T04:01:00.000Z (in 42 s)" */
export function describeHolder(lease: LeaseRecord, now: number): string {
  const left = Math.round((Date.parse(lease.expiresAt) - now) / 1000);
  const expiry = left >= 0 ? `expires ${lease.expiresAt} (in ${left} s)` : `expired ${lease.expiresAt} (${-left} s ago)`;
  return `pid ${lease.pid} on ${lease.host} (user ${lease.user}: flink ${lease.command}), ${expiry}`;
}

/** Whether a restore lease names this snapshot (both as absolute pointers, without a trailing slash or /_metadata). */
export function namesSnapshot(lease: LeaseRecord, snapshot: string): boolean {
  return lease.kind === 'restore' && lease.snapshot !== undefined && bare(lease.snapshot) === bare(snapshot);
}

function bare(pointer: string): string {
  return pointer
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/_metadata$/, '')
    .replace(/^s3[ap]:\/\//, 's3://');
}
