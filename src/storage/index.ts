// The one facade over snapshot storage: the CLI's services and the local coordinator use it, whatever store
// a snapshot is on (a local directory, S3, Azure Blob). One instance per command (or per coordinator), made
// with the storage settings (passed in, never read from process-wide state) and closed at the end.
//
// Below it, one file per concern: stores/ (the adapters and the one place that opens a store for a root),
// layout.ts (names, keys, grouping a listing into snapshots), metadata.ts (our _metadata and the facts a
// listing reads), catalog.ts, verify.ts, snapshot-reader.ts / snapshot-writer.ts, pins.ts, disposal.ts,
// references.ts (ownership across the roots in play, cached by reference-cache.ts), gc.ts, flink-metadata/.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { StorageSettings } from '../config/storage.js';
import type { CatalogEntry, Verification } from '../domain/catalog.js';
import type { JobFacts } from '../domain/disposal-guard.js';
import { NotFoundError, OperationError, SnapshotDisposedError } from '../domain/errors.js';
import { DEFAULT_LEASE_MS, describeHolder, newLease, type LeaseRecord } from '../domain/lease.js';
import { acquireLease, DELETE_LEASE_KEY, heldDeleteLease, restoreLeaseKey, type HeldLease, type LeaseOptions } from './lease.js';
import { describeSnapshot, scanRoots } from './catalog.js';
import { dispose, planDisposal, type DisposalStep } from './disposal.js';
import type { FlinkSnapshot } from './flink-metadata/index.js';
import { deleteGcFiles, planJobGc, type GcOutcome, type GcRequest } from './gc.js';
import { DISPOSING_MARKER, JOB_NAME, METADATA_FILE, snapshotPointer } from './layout.js';
import { decodeMetadata, isFlinkMetadata, type SnapshotMetadata } from './metadata.js';
import { isPinned, pin, readPin, unpin, type PinInfo } from './pins.js';
import { readSnapshot, type OpenedSnapshot } from './snapshot-reader.js';
import { SnapshotWriter } from './snapshot-writer.js';
import { StorePool } from './stores/index.js';
import { checkReferencedFiles, checkStateFiles, contentsOf, verifySnapshot, type FileProblem } from './verify.js';

export type { DisposalStep } from './disposal.js';
export type { HeldLease, LeaseOptions } from './lease.js';
export type { GcOutcome } from './gc.js';
export type {
  OperatorSnapshotInfo,
  SnapshotFormat,
  SnapshotKind,
  SnapshotMetadata,
  SnapshotMetadataInput,
  SnapshotTrigger,
  StateFileInfo,
} from './metadata.js';
export type { OpenedSnapshot } from './snapshot-reader.js';
export type { FileProblem } from './verify.js';
export { childOf } from './snapshot-writer.js';
export { hasAdapter } from './uri.js';
export { storageSettingsFromWire, storageSettingsWire, type StorageSettingsWire } from './settings-wire.js';

export interface StorageOptions {
  settings: StorageSettings;
  /** Resolves relative paths (default: the process's working directory). */
  cwd?: string;
  /** Where what each `_metadata` references is kept between runs (the tool's state dir); unset: not kept. */
  cacheDir?: string;
}

/** What the guard knows beyond storage: the roots in play, the jobs that may still need a snapshot, --force. */
export interface GuardContext {
  roots: readonly string[];
  jobs: readonly JobFacts[];
  force?: boolean;
  now?: number;
}

/** A snapshot read for `inspect` and the restore pre-flight: Flink's decoded in full, or ours. */
export type InspectedSnapshot = { origin: 'flink'; snapshot: FlinkSnapshot } | { origin: 'ours'; snapshot: OpenedSnapshot };

export const NO_STORAGE_SETTINGS: StorageSettings = { s3: { pathStyle: false }, azure: { accountKey: () => undefined } };

export class SnapshotStorage {
  readonly pool: StorePool;
  /** Object-store endpoints and credentials (a TaskManager process gets them over IPC). */
  readonly settings: StorageSettings;
  /** The coordinator's and the TaskManagers' snapshot writes. */
  readonly writer: SnapshotWriter;
  private readonly cacheDir?: string;

  constructor(options: StorageOptions) {
    this.settings = options.settings;
    this.pool = new StorePool(options.settings, options.cwd ?? process.cwd());
    this.writer = new SnapshotWriter(this.pool);
    this.cacheDir = options.cacheDir;
  }

  /** Every snapshot under the roots, described from one listing of each. */
  scan(roots: readonly string[]): Promise<CatalogEntry[]> {
    return scanRoots(this.pool, roots);
  }

  /** One snapshot, from a listing of its folder; undefined when nothing is stored there. */
  async describe(pointer: string): Promise<CatalogEntry | undefined> {
    const found = await describeSnapshot(this.pool, snapshotPointer(pointer));
    if (!found) return undefined;
    const { files: _files, ...entry } = found;
    return entry;
  }

  verify(pointer: string, level: Verification['level']): Promise<Verification> {
    return verifySnapshot(this.pool, pointer, level);
  }

  /** One of ours, opened for a restore (Flink's are refused with the reason). */
  read(pointer: string): Promise<OpenedSnapshot> {
    return readSnapshot(this.pool, pointer);
  }

  /** A snapshot's `_metadata`, Flink's decoded in full or ours; errors are one line naming it. */
  async inspect(pointer: string): Promise<InspectedSnapshot> {
    const { store, key, location } = await contentsOf(this.pool, pointer).then((c) => c);
    let head: Buffer;
    try {
      head = await store.read(`${key}/${METADATA_FILE}`);
    } catch {
      throw new NotFoundError(`Cannot find meta data file '_metadata' in directory '${location}'.`);
    }
    if (!isFlinkMetadata(head)) {
      decodeMetadata<SnapshotMetadata>(head); // its own error first (the reader names the file)
      return { origin: 'ours', snapshot: await this.read(location) };
    }
    const { decodeFlinkMetadata, FlinkMetadataError, referencedFiles } = await import('./flink-metadata/index.js');
    try {
      const metadata = decodeFlinkMetadata(head, { snapshotDir: location });
      return { origin: 'flink', snapshot: { directory: location, metadata, files: referencedFiles(metadata) } };
    } catch (error) {
      if (error instanceof FlinkMetadataError) throw new OperationError(`${location}/${METADATA_FILE}: ${error.message}.`);
      throw error;
    }
  }

  /** Every problem with the files an inspected snapshot needs: Flink's referenced files (sizes), our state files (sizes and checksums). */
  async problems(inspected: InspectedSnapshot): Promise<FileProblem[]> {
    if (inspected.origin === 'flink') return checkReferencedFiles(this.pool, inspected.snapshot.files);
    const contents = await contentsOf(this.pool, inspected.snapshot.directory);
    return checkStateFiles(contents, inspected.snapshot.metadata.files, 'full');
  }

  pin(pointer: string, info: PinInfo): Promise<void> {
    return pin(this.pool, pointer, info);
  }

  readPin(pointer: string): Promise<PinInfo | undefined> {
    return readPin(this.pool, pointer);
  }

  unpin(pointer: string): Promise<void> {
    return unpin(this.pool, pointer);
  }

  isPinned(pointer: string): Promise<boolean> {
    return isPinned(this.pool, pointer);
  }

  /** What disposing the pointers would do (the guard refuses by throwing): for --dry-run, and to show before doing it. */
  planDisposal(pointers: readonly string[], guard: GuardContext): Promise<DisposalStep[]> {
    return planDisposal(pointers, { ...guard, pool: this.pool, cacheDir: this.cacheDir });
  }

  /** Disposes one snapshot: the guard again on what storage holds now, a fresh plan, the _disposing protocol. Returns its location. */
  dispose(pointer: string, guard: GuardContext): Promise<string> {
    return dispose(pointer, { ...guard, pool: this.pool, cacheDir: this.cacheDir });
  }

  /**
   * Disposes one snapshot holding the delete lease of its root when the root is an object store (shared by
   * hosts): the local coordinator's retention. A root a deleting command holds refuses (LockedError): the
   * discard stays pending and the next pass tries again.
   */
  async disposeUnderLease(pointer: string, guard: GuardContext, command: string): Promise<string> {
    const { store } = await this.pool.locate(snapshotPointer(pointer));
    if (store.fileSystem) return this.dispose(pointer, guard);
    const held = await this.leaseRootsForDelete([store.base], processHolder(command), { durationMs: DEFAULT_LEASE_MS });
    try {
      return await this.dispose(pointer, guard);
    } finally {
      await Promise.all((held ?? []).map((h) => h.release()));
    }
  }

  planGc(request: Omit<GcRequest, 'cacheDir'>): Promise<GcOutcome> {
    return planJobGc(this.pool, { ...request, cacheDir: this.cacheDir });
  }

  deleteGc(outcome: GcOutcome): Promise<number> {
    return outcome.plan ? deleteGcFiles(this.pool, outcome.plan) : Promise.resolve(0);
  }

  /**
   * The delete lease of each snapshot root (a deleting command holds it while it plans and deletes). A local root
   * that does not exist holds nothing to delete and gets none. Undefined when a root's store cannot create
   * only-if-absent (the caller falls back to a local lock); a refusal is a LockedError naming the holder.
   */
  async leaseRootsForDelete(roots: readonly string[], holder: LeaseHolder, options: LeaseOptions): Promise<HeldLease[] | undefined> {
    const held: HeldLease[] = [];
    try {
      const seen = new Set<string>();
      for (const root of roots) {
        const store = await this.pool.at(root);
        if (seen.has(store.base)) continue;
        seen.add(store.base);
        if (store.conditionalCreate === false) {
          await Promise.all(held.map((h) => h.release()));
          return undefined;
        }
        if (store.fileSystem && store.fileSystem.facts('').kind !== 'directory') continue;
        const now = (options.now ?? Date.now)();
        const lease = newLease({ ...holder, kind: 'delete' }, now, options.durationMs);
        held.push(
          await acquireLease(store, DELETE_LEASE_KEY, lease, { ...options, what: `the delete lease of ${store.base}`, refused: 'nothing was deleted' }),
        );
      }
      return held;
    } catch (error) {
      await Promise.all(held.map((h) => h.release()));
      throw error;
    }
  }

  /** A folder's snapshot root: a job folder (<root>/<job id>) is below its checkpoint root; any other folder is one. */
  snapshotRootOfFolder(folder: string): string {
    const trimmed = folder.trim().replace(/\/+$/, '');
    return JOB_NAME.test(trimmed.slice(trimmed.lastIndexOf('/') + 1)) ? trimmed.slice(0, trimmed.lastIndexOf('/')) : trimmed;
  }

  /** The snapshot root of each pointer (where its delete lease lives); a pointer that is a root itself has none. */
  async rootsOf(pointers: readonly string[]): Promise<string[]> {
    const located = await Promise.all(pointers.map((p) => this.pool.locate(snapshotPointer(p))));
    return located.filter((l) => l.key !== '').map((l) => l.store.base);
  }

  /**
   * A restore lease naming the snapshot, then the check that it is not being disposed (its `_disposing` marker)
   * nor gone. 'unsupported': its store cannot create only-if-absent; 'absent': no snapshot there. Refused: LockedError (being disposed),
   * NotFoundError (disposed meanwhile); the lease is released then.
   */
  async leaseForRestore(pointer: string, holder: LeaseHolder, options: LeaseOptions): Promise<HeldLease | 'unsupported' | 'absent'> {
    const { store, key, location } = await this.pool.locate(snapshotPointer(pointer));
    if (store.conditionalCreate === false) return 'unsupported';
    // Nothing there at all (a typo, a file): the restore's own checks say so, as without a lease.
    if (key === '' || (!(await store.stat(`${key}/${METADATA_FILE}`)) && !(await store.stat(`${key}/${DISPOSING_MARKER}`)))) return 'absent';
    const now = (options.now ?? Date.now)();
    const lease = newLease({ ...holder, kind: 'restore', snapshot: location }, now, options.durationMs);
    const held = await acquireLease(store, restoreLeaseKey(holder.holder), lease, {
      ...options,
      what: `the restore lease of ${location}`,
      refused: 'nothing was started',
    });
    try {
      if (await store.stat(`${key}/${DISPOSING_MARKER}`)) {
        const deleter = await heldDeleteLease(store);
        throw new SnapshotDisposedError(
          'locked',
          `Refusing to restore from ${location}: it is being disposed${deleter ? ` by ${describeHolder(deleter, Date.now())}` : ''}; nothing was started.`,
        );
      }
      if (!(await store.stat(`${key}/${METADATA_FILE}`)))
        throw new SnapshotDisposedError('not-found', `Cannot restore from ${location}: it has no _metadata (disposed meanwhile?); nothing was started.`);
    } catch (error) {
      await held.release();
      throw error;
    }
    return held;
  }

  close(): void {
    this.pool.close();
  }
}

/** Who takes a lease: a random id of this run, and what a refused run is told about it. */
export type LeaseHolder = Pick<LeaseRecord, 'holder' | 'host' | 'pid' | 'user' | 'command'>;

/** This process as a lease holder (a fresh random id each time). */
export function processHolder(command: string): LeaseHolder {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? 'unknown');
  }
  return { holder: randomUUID(), host: os.hostname(), pid: process.pid, user, command };
}
