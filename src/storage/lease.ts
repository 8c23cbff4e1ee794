// A lease kept in the snapshot store itself, so that commands on several hosts (or several users, or a
// container and its host) working on one root see each other. Written once over the ObjectStore interface:
// any adapter that can "create only if absent" carries it.
//
//   <root>/_flink-cli.lease                      the delete lease: one deleting command per root at a time
//   <root>/_flink-cli.restore.<holder>.lease     a restore lease: names the snapshot a restore reads
//
// A lease is created with a conditional write, renewed by its holder (an overwrite, after reading that it is
// still its own) every third of its lifetime, taken over only once expired (delete, create, wait, read again:
// two takers that raced both find out who won), and deleted when its command ends. The rules are
// domain/lease.ts; the disposal protocol checks restore leases after its `_disposing` marker is durable.
import { describeHolder, isExpired, namesSnapshot, parseLease, renewalInterval, renewed, type LeaseRecord } from '../domain/lease.js';
import { LockedError, StorageObjectExistsError, StorageObjectNotFoundError } from '../domain/errors.js';
import { listAll, type ObjectStore } from './object-store.js';

export const DELETE_LEASE_KEY = '_flink-cli.lease';
export const RESTORE_LEASE_PREFIX = '_flink-cli.restore.';

export function restoreLeaseKey(holder: string): string {
  return `${RESTORE_LEASE_PREFIX}${holder}.lease`;
}

export interface LeaseOptions {
  durationMs: number;
  /** How long a takeover waits before it reads the lease again to confirm it won (another taker's delete lands within it). */
  settleMs?: number;
  now?: () => number;
  /** A note on stderr (a takeover) and a warning (a renewal that failed, a lease lost). */
  note?: (line: string) => void;
  warn?: (line: string) => void;
  /** Whether a lease's holder is a process of this host that no longer runs (taken over at once). */
  abandoned?: (lease: LeaseRecord) => boolean;
}

/** A lease this process holds, renewed until released. */
export class HeldLease {
  private timer?: NodeJS.Timeout;
  private released = false;
  private warnedRenewal = false;
  private renewing?: Promise<boolean>;

  constructor(
    readonly store: ObjectStore,
    readonly key: string,
    private record: LeaseRecord,
    private readonly options: LeaseOptions,
  ) {}

  get uri(): string {
    return this.store.uriOf(this.key);
  }

  get lease(): LeaseRecord {
    return this.record;
  }

  /** Renews every third of the lifetime; the timer never keeps the process alive. */
  startRenewing(): void {
    this.timer = setInterval(() => void this.renew(), renewalInterval(this.options.durationMs));
    this.timer.unref();
  }

  async renew(): Promise<boolean> {
    if (this.released) return false;
    const renewal = this.renewOnce();
    this.renewing = renewal;
    return renewal;
  }

  private async renewOnce(): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    try {
      const current = await readLease(this.store, this.key);
      if (current?.lease?.holder !== this.record.holder) {
        this.stop();
        this.options.warn?.(
          `Lost the lease ${this.uri}${current?.lease ? ` to ${describeHolder(current.lease, now)}` : ''}; stop other runs on this root before relying on it.`,
        );
        return false;
      }
      if (this.released) return false; // released meanwhile: writing now would bring the lease back
      this.record = renewed(this.record, now, this.options.durationMs);
      await this.store.write(this.key, JSON.stringify(this.record));
      return true;
    } catch (error) {
      if (!this.warnedRenewal) this.options.warn?.(`Could not renew the lease ${this.uri}: ${(error as Error).message}`);
      this.warnedRenewal = true;
      return false;
    }
  }

  /** Deletes the lease if it is still this holder's. Safe to call twice. */
  async release(): Promise<void> {
    if (this.released) return;
    this.stop();
    try {
      await this.renewing; // a renewal in flight writes before the lease is deleted, never after
      const current = await readLease(this.store, this.key);
      if (current?.lease?.holder === this.record.holder) await this.store.deleteMany([this.key]);
    } catch (error) {
      // It expires by itself (and a run on this host takes it over at once).
      this.options.warn?.(`Could not release the lease ${this.uri} (${(error as Error).message}); it expires ${this.record.expiresAt}.`);
    }
  }

  private stop(): void {
    this.released = true;
    if (this.timer) clearInterval(this.timer);
  }
}

/** A lease object as stored: its record (undefined when it does not parse) and when it was stored. */
export interface StoredLease {
  lease?: LeaseRecord;
  storedAt: number;
}

export async function readLease(store: ObjectStore, key: string): Promise<StoredLease | undefined> {
  const info = await store.stat(key);
  if (!info) return undefined;
  try {
    return { lease: parseLease((await store.read(key)).toString('utf8')), storedAt: info.lastModified.getTime() };
  } catch (error) {
    if (error instanceof StorageObjectNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Takes the lease at `key`: created if absent; refused (LockedError, one line naming the holder and its expiry)
 * while another holds it unexpired; taken over once expired. `what` names it in messages ("the delete lease of
 * s3://bucket/savepoints/"), `refused` ends the refusal ("nothing was deleted").
 */
export async function acquireLease(
  store: ObjectStore,
  key: string,
  record: LeaseRecord,
  options: LeaseOptions & { what: string; refused: string },
): Promise<HeldLease> {
  const now = options.now ?? Date.now;
  const refuse = (holder: LeaseRecord | undefined) =>
    new LockedError(`${capitalise(options.what)} is held by ${holder ? describeHolder(holder, now()) : 'another run'}; ${options.refused}.`);
  const body = JSON.stringify(record);
  let tookOver = false;
  for (let attempt = 0; ; attempt++) {
    try {
      await store.write(key, body, { ifAbsent: true });
      break;
    } catch (error) {
      if (!(error instanceof StorageObjectExistsError)) throw error;
    }
    const current = await readLease(store, key);
    if (current === undefined && attempt < 3) continue; // released between our write and read: try again
    const dead = current?.lease !== undefined && options.abandoned?.(current.lease) === true;
    if (current && !dead && !isExpired(current.lease, now(), current.storedAt, options.durationMs)) throw refuse(current.lease);
    if (attempt >= 3) throw refuse(current?.lease);
    // Expired: its holder died or lost its way to the store. Read it once more right before deleting, so that a
    // taker that got there first (and wrote a fresh lease) is not deleted.
    const again = await readLease(store, key);
    if (again && (again.lease?.holder !== current?.lease?.holder || again.storedAt !== current?.storedAt)) {
      const gone = again.lease !== undefined && options.abandoned?.(again.lease) === true;
      if (!gone && !isExpired(again.lease, now(), again.storedAt, options.durationMs)) throw refuse(again.lease);
    }
    const whose = current?.lease ? describeHolder(current.lease, now()) : 'an unreadable lease';
    options.note?.(`Taking over ${options.what}: ${dead ? `${whose}, no longer running` : whose}.`);
    await store.deleteMany([key]);
    tookOver = true;
  }
  // Another taker may have deleted what we created (it read the expired lease before we deleted it): wait for
  // its delete and create to land, then read again. Whoever's lease is there holds it.
  if (tookOver) await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 1000));
  const confirmed = await readLease(store, key);
  if (confirmed?.lease?.holder !== record.holder) throw refuse(confirmed?.lease);
  const held = new HeldLease(store, key, record, options);
  held.startRenewing();
  return held;
}

/** The unexpired restore leases under this store's base that name `snapshot` (an absolute pointer). */
export async function restoresHolding(store: ObjectStore, snapshot: string, now: number = Date.now()): Promise<LeaseRecord[]> {
  const holding: LeaseRecord[] = [];
  for await (const page of listAll(store, RESTORE_LEASE_PREFIX, { delimiter: '/' })) {
    for (const object of page.objects) {
      const stored = await readLease(store, object.key);
      if (stored?.lease && !isExpired(stored.lease, now) && namesSnapshot(stored.lease, snapshot)) holding.push(stored.lease);
    }
  }
  return holding;
}

/** The delete lease of this store's base, when one is held unexpired. */
export async function heldDeleteLease(store: ObjectStore, now: number = Date.now()): Promise<LeaseRecord | undefined> {
  const stored = await readLease(store, DELETE_LEASE_KEY);
  return stored?.lease && !isExpired(stored.lease, now) ? stored.lease : undefined;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
