// Writing the coordinator's snapshots, whatever store they go to (Flink's layout, metadata.ts's format):
//   - a snapshot's place is named first (recorded before anything is written, so a crash leaves nothing
//     unknown), then created: the store is asked once (a missing bucket or a denied credential fails before
//     any task writes), a savepoint's place must be empty, a checkpoint gets shared/ and taskowned/ beside it
//     where folders exist (a local disk);
//   - state files are streamed, hashed while they pass, each written create-only;
//   - `_metadata` goes last, after the empty object naming the snapshot's facts (what a listing reads):
//     a snapshot is complete exactly when `_metadata` exists (a local write is fsynced and renamed, then
//     the snapshot's directory fsynced once);
//   - abort deletes everything under the snapshot's place.
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { OperationError } from '../domain/errors.js';
import { pointerToPath } from '../domain/pointers.js';
import { listed } from './catalog.js';
import { CHECKPOINT_NAME, JOB_NAME, METADATA_FILE, SAVEPOINT_NAME } from './layout.js';
import { encodeMetadata, factsName, factsOf, FORMAT_VERSION, type SnapshotMetadata, type SnapshotMetadataInput, type StateFileInfo } from './metadata.js';
import type { ObjectStore } from './object-store.js';
import type { StorePool } from './stores/index.js';

export class SnapshotWriter {
  constructor(private readonly pool: StorePool) {}

  /** `<base>/savepoint-<first 6 of the job id>-<12 random hex>`, not yet created. */
  newSavepointPath(baseDir: string, jobId: string): string {
    return childOf(baseDir, `savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`);
  }

  /** `<base>/<job id>/chk-<n>`, not yet created. */
  checkpointPath(baseDir: string, jobId: string, checkpointId: number): string {
    return childOf(childOf(baseDir, jobId), `chk-${checkpointId}`);
  }

  /** A new savepoint's place below `baseDir`, created (another name on the unlikely collision). */
  async createSavepoint(baseDir: string, jobId: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const dir = this.newSavepointPath(baseDir, jobId);
      try {
        await this.create(dir);
        return dir;
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST' || attempt >= 9) throw error;
      }
    }
  }

  /** Checkpoint <n>'s place below `baseDir`, created. */
  async createCheckpoint(baseDir: string, jobId: string, checkpointId: number): Promise<string> {
    const dir = this.checkpointPath(baseDir, jobId, checkpointId);
    await this.create(dir);
    return dir;
  }

  /** Creates a place named by newSavepointPath or checkpointPath (see the top of this file). */
  async create(dir: string): Promise<void> {
    const { store, key, location } = await this.pool.locate(dir);
    const page = await store.list(`${key}/`, { pageSize: 1 });
    const name = path.posix.basename(key);
    if (SAVEPOINT_NAME.test(name) && (page.objects.length > 0 || page.prefixes.length > 0 || store.fileSystem?.facts(key).kind === 'directory')) {
      throw Object.assign(new OperationError(`${location} already exists`), { code: 'EEXIST' });
    }
    const parent = path.posix.dirname(key);
    const beside = CHECKPOINT_NAME.test(name) && JOB_NAME.test(path.posix.basename(parent)) ? [`${parent}/shared`, `${parent}/taskowned`] : [];
    await store.fileSystem?.makeDirectories([...beside, key]);
  }

  async writeStateFile(dir: string, name: string, data: Uint8Array | string | AsyncIterable<Uint8Array | string>): Promise<StateFileInfo> {
    const { store, key } = await this.pool.locate(dir);
    const hash = createHash('sha256');
    let size = 0;
    const chunks = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
    const hashed = Readable.from(
      (async function* () {
        for await (const chunk of chunks) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk); // a copy: the caller may reuse its buffer
          hash.update(bytes);
          size += bytes.length;
          yield bytes;
        }
      })(),
    );
    await store.write(`${key}/${name}`, hashed, { ifAbsent: true });
    return { name, size, sha256: hash.digest('hex') };
  }

  /** Every listed state file must be stored with its size (one listing); then the facts, then `_metadata`. */
  async publish(dir: string, meta: SnapshotMetadataInput): Promise<SnapshotMetadata> {
    const { store, key, location } = await this.pool.locate(dir);
    const sizes = new Map((await listed(store, `${key}/`)).map((o) => [o.key.slice(key.length + 1), o.size]));
    for (const file of meta.files) {
      const size = sizes.get(file.name);
      if (size === undefined) throw new OperationError(`Cannot publish ${location}: state file ${file.name} is missing`);
      if (size !== file.size) throw new OperationError(`Cannot publish ${location}: state file ${file.name} has ${size} bytes, ${file.size} were written`);
    }
    const metadata: SnapshotMetadata = { formatVersion: FORMAT_VERSION, ...meta };
    const bytes = encodeMetadata(metadata);
    await store.write(`${key}/${factsName(factsOf(meta, bytes.length))}`, Buffer.alloc(0));
    await store.write(`${key}/${METADATA_FILE}`, bytes);
    await store.fileSystem?.syncDirectory(key);
    return metadata;
  }

  /** Deletes whatever a failed or abandoned snapshot wrote (and its folder, where folders exist). */
  async abort(dir: string): Promise<void> {
    const { store, key } = await this.pool.locate(dir);
    if (throughLink(store, key)) return; // never deleted through a symbolic link
    await store.deleteMany((await listed(store, `${key}/`)).map((o) => o.key));
    await store.fileSystem?.removeEmptyDirectory(key);
  }

  /** Something is there (objects, or a folder) and no `_metadata`: a snapshot that never completed. */
  async isPartial(dir: string): Promise<boolean> {
    const { store, key } = await this.pool.locate(dir);
    if (throughLink(store, key)) return false;
    const objects = await listed(store, `${key}/`);
    if (objects.some((o) => o.key === `${key}/${METADATA_FILE}`)) return false;
    return objects.length > 0 || store.fileSystem?.facts(key).kind === 'directory';
  }
}

function throughLink(store: ObjectStore, key: string): boolean {
  const facts = store.fileSystem?.facts(key);
  return facts?.symlinkTo !== undefined || facts?.escapesTo !== undefined || facts?.throughLink !== undefined;
}

/** A place below a local path or an object-store URI (path.join would fold s3:// into s3:/). */
export function childOf(dir: string, name: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dir) && !/^file:/i.test(dir)) return `${dir.replace(/\/+$/, '')}/${name}`;
  return path.join(localDirectory(dir), name);
}

function localDirectory(pointer: string): string {
  const p = pointer.trim();
  return path.resolve(pointerToPath(p) ?? p);
}
