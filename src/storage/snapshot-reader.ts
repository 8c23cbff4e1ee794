// Reading a snapshot for a restore, whatever store it is on: `_metadata` read and checked (format, version,
// checksum); Flink's own `_metadata` gets a clear refusal (listable, disposable, not restorable here). State
// files are checked by verify() (sizes from one listing, then every checksum) and while they are streamed.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { NotFoundError, OperationError, StorageObjectNotFoundError } from '../domain/errors.js';
import { rejectHeapPointer } from '../domain/pointers.js';
import { METADATA_FILE } from './layout.js';
import { decodeMetadata, MetadataError, type SnapshotMetadata } from './metadata.js';
import type { StorePool } from './stores/index.js';
import { checkStateFiles, contentsOf, readChunks } from './verify.js';

export interface OpenedSnapshot {
  /** A local path, or the URI. */
  directory: string;
  metadata: SnapshotMetadata;
  verify(): Promise<void>;
  openStateFile(name: string): NodeJS.ReadableStream;
}

/** Opens one of our snapshots: a folder or its `_metadata`, as a path, a file: URI or an object-store URI. */
export async function readSnapshot(pool: StorePool, pointer: string): Promise<OpenedSnapshot> {
  rejectHeapPointer(pointer);
  const contents = await contentsOf(pool, pointer);
  const { store, key, location: directory } = contents;
  if (contents.files.size === 0 && store.fileSystem?.facts(key).kind !== 'directory')
    throw new NotFoundError(`Cannot find checkpoint or savepoint directory '${directory}'.`);
  const missingMetadata = () =>
    new NotFoundError(`Cannot find meta data file '_metadata' in directory '${directory}': the snapshot never completed (or is still being written).`);
  if (!contents.files.has(METADATA_FILE)) throw missingMetadata();
  let bytes: Buffer;
  try {
    bytes = await store.read(`${key}/${METADATA_FILE}`);
  } catch (error) {
    if (error instanceof StorageObjectNotFoundError) throw missingMetadata();
    throw error;
  }
  let decoded;
  try {
    decoded = decodeMetadata<SnapshotMetadata>(bytes, { whole: false });
  } catch (error) {
    throw new OperationError(`${directory}/${METADATA_FILE} is ${(error as MetadataError).message}.`);
  }
  if (decoded.kind === 'flink') {
    throw new OperationError(
      `${directory} is an Apache Flink snapshot (_metadata version ${decoded.version ?? '?'}${decoded.checkpointId !== undefined ? `, checkpoint ${decoded.checkpointId}` : ''}): ` +
        'the local coordinator restores only its own; restore it on a Flink cluster (flink run -s <path> -m <jobmanager> <jar>).',
    );
  }
  const metadata = decoded.metadata;
  const byName = new Map(metadata.files.map((f) => [f.name, f]));
  return {
    directory,
    metadata,
    async verify() {
      const problems = await checkStateFiles(await contentsOf(pool, directory), metadata.files, 'full');
      if (problems.length > 0)
        throw new OperationError(`State file ${problems[0].path} ${problems[0].problem === 'missing' ? 'is missing' : problems[0].problem}.`);
    },
    openStateFile(name: string) {
      const file = byName.get(name);
      if (!file) throw new NotFoundError(`${directory}/${name} is not a state file of this snapshot.`);
      const at = `${directory}/${name}`;
      return Readable.from(
        (async function* () {
          const hash = createHash('sha256');
          let size = 0;
          try {
            for await (const chunk of readChunks(store, `${key}/${name}`)) {
              hash.update(chunk);
              size += chunk.length;
              yield chunk;
            }
          } catch (error) {
            if (error instanceof StorageObjectNotFoundError) throw new OperationError(`State file ${at} is missing.`);
            throw new OperationError(`State file ${at} cannot be read: ${(error as Error).message}`);
          }
          if (size !== file.size)
            throw new OperationError(`State file ${at} is ${size < file.size ? 'truncated' : 'too long'} (${size} bytes, expected ${file.size}).`);
          if (hash.digest('hex') !== file.sha256) throw new OperationError(`State file ${at} fails its checksum (corrupt).`);
        })(),
      );
    },
  };
}
