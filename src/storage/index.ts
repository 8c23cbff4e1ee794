// The one facade over snapshot storage: the CLI's services and the local coordinator use it, whatever store
// a snapshot is on (a local directory, S3, Azure Blob). One instance per command (or per coordinator), made
// with the storage settings (passed in, never read from process-wide state) and closed at the end.
//
// Below it, one file per concern: stores/ (the adapters and the one place that opens a store for a root),
// layout.ts (names, keys, grouping a listing into snapshots), metadata.ts (our _metadata and the facts a
// listing reads), catalog.ts, verify.ts, snapshot-reader.ts / snapshot-writer.ts, pins.ts, disposal.ts,
// references.ts (ownership across the roots in play, cached by reference-cache.ts), gc.ts, flink-metadata/.
import type { StorageSettings } from '../config/storage.js';
import type { CatalogEntry, Verification } from '../domain/catalog.js';
import type { JobFacts } from '../domain/disposal-guard.js';
import { NotFoundError, OperationError } from '../domain/errors.js';
import { describeSnapshot, scanRoots } from './catalog.js';
import { dispose, planDisposal, type DisposalStep } from './disposal.js';
import type { FlinkSnapshot } from './flink-metadata/index.js';
import { deleteGcFiles, planJobGc, type GcOutcome, type GcRequest } from './gc.js';
import { METADATA_FILE, snapshotPointer } from './layout.js';
import { decodeMetadata, isFlinkMetadata, type SnapshotMetadata } from './metadata.js';
import { isPinned, pin, readPin, unpin, type PinInfo } from './pins.js';
import { readSnapshot, type OpenedSnapshot } from './snapshot-reader.js';
import { SnapshotWriter } from './snapshot-writer.js';
import { StorePool } from './stores/index.js';
import { checkReferencedFiles, checkStateFiles, contentsOf, verifySnapshot, type FileProblem } from './verify.js';

export type { DisposalStep } from './disposal.js';
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

  planGc(request: Omit<GcRequest, 'cacheDir'>): Promise<GcOutcome> {
    return planJobGc(this.pool, { ...request, cacheDir: this.cacheDir });
  }

  deleteGc(outcome: GcOutcome): Promise<number> {
    return outcome.plan ? deleteGcFiles(this.pool, outcome.plan) : Promise.resolve(0);
  }

  close(): void {
    this.pool.close();
  }
}
