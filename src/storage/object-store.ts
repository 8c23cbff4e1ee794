// One storage interface for snapshots wherever they live: the local file system, S3 (and S3-compatible
// stores), Azure Blob Storage and HDFS (through WebHDFS). It has the shape of an object store (keys, prefixes, a delimiter, pages),
// because that is the weaker model: a directory tree can answer object-store questions, not the other way.
//
// A store is rooted at a base location (a directory, s3://bucket/some/prefix/, wasbs://c@a.../path/); keys
// are relative to it and use '/'. Listing is by prefix, in key order, a page at a time, so 10,000
// snapshots cost ten LIST requests and no request per snapshot. The SDKs load lazily (dynamic import in
// openStore), so a command that never touches an object store never pays for them.
import type { Readable } from 'node:stream';
import type { StorageSettings } from '../config/storage.js';
import { StorageRequestError, UnsupportedSchemeError, UsageError } from '../domain/errors.js';
import { parseStorageUri, type StorageLocation } from './uri.js';

export { parseStorageUri, type StorageLocation } from './uri.js';

export interface ObjectInfo {
  /** Relative to the store's base, e.g. "savepoint-fd7201-0a1b2c3d4e5f/_metadata". */
  key: string;
  size: number;
  lastModified: Date;
}

export interface ListOptions {
  /** "/" groups keys below the next "/" into common prefixes (one level, like `ls`); unset lists every key below the prefix. */
  delimiter?: string;
  /** At most this many entries (objects + prefixes) per page; stores cap it at 1,000 (the default). */
  pageSize?: number;
  /** The `next` of the previous page. */
  continuation?: string;
}

export interface ListPage {
  /** Common prefixes, each ending with the delimiter ("savepoint-fd7201-0a1b2c3d4e5f/"). */
  prefixes: string[];
  objects: ObjectInfo[];
  /** Set when there are more pages: pass it as `continuation`. */
  next?: string;
}

export interface ByteRange {
  offset: number;
  /** Bytes from offset; unset reads to the end. */
  length?: number;
}

export interface WriteOptions {
  /** Fail with StorageObjectExistsError instead of overwriting (S3 If-None-Match, Azure If-None-Match, local link()). */
  ifAbsent?: boolean;
}

export interface DeleteOptions {
  /** Checked between batches: an aborted delete stops after the batch in flight (deleting again resumes it). */
  signal?: AbortSignal;
  /** Called after each batch with the keys it deleted. */
  onBatch?: (deleted: readonly string[]) => void;
}

export interface ObjectStore {
  /** The base location, e.g. "s3://bucket/savepoints/" (always ends with "/"). */
  readonly base: string;
  /** The full URI of a key, for messages. */
  uriOf(key: string): string;
  /** One page of a listing (key order). */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** Size and modification time; undefined when the object does not exist (a missing bucket still throws). */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** The whole object, or a byte range of it. */
  read(key: string, range?: ByteRange): Promise<Buffer>;
  write(key: string, body: Buffer | Uint8Array | string | Readable, options?: WriteOptions): Promise<void>;
  /** Deletes in batches (S3: 1,000 a request; Azure: 256 a batch request); keys that are already gone count as deleted. */
  deleteMany(keys: readonly string[], options?: DeleteOptions): Promise<void>;
  /** Releases sockets (the SDK clients keep connections alive). */
  close(): void;
}

/** Every page of a listing, following continuations. */
export async function* listAll(store: ObjectStore, prefix: string, options: Omit<ListOptions, 'continuation'> = {}): AsyncGenerator<ListPage> {
  let continuation: string | undefined;
  do {
    const page = await store.list(prefix, { ...options, continuation });
    yield page;
    continuation = page.next;
  } while (continuation !== undefined);
}

export const MAX_PAGE_SIZE = 1000;

export function pageSizeOf(options: ListOptions | undefined): number {
  const size = options?.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`Invalid page size ${size}: expected a positive integer`);
  return Math.min(size, MAX_PAGE_SIZE);
}

/** Splits keys into batches and stops between batches when the signal is aborted. */
export async function inBatches(
  store: ObjectStore,
  keys: readonly string[],
  size: number,
  options: DeleteOptions,
  run: (batch: string[]) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < keys.length; i += size) {
    if (options.signal?.aborted) {
      throw new StorageRequestError(store.uriOf(keys[i]), 'delete', `interrupted after ${i} of ${keys.length} objects; delete again to resume`, {
        cause: options.signal.reason,
      });
    }
    const batch = keys.slice(i, i + size);
    await run(batch);
    options.onBatch?.(batch);
  }
}

/** Keys are relative and plain: no leading "/", no "." or ".." segments (a key must not leave its base). */
export function checkKey(base: string, key: string): string {
  if (key.startsWith('/') || key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new UsageError(`Invalid storage key '${key}' below ${base}: keys are relative, without '.' or '..'`);
  }
  return key;
}

export const SUPPORTED_SCHEMES = ['file', 's3', 's3a', 's3p', 'wasbs', 'wasb', 'abfss', 'abfs', 'hdfs', 'webhdfs'] as const;

/** The store for a location (its adapter loaded on first use). `cwd` resolves plain relative paths. */
export async function openStore(uri: string, settings: StorageSettings, cwd: string = process.cwd()): Promise<ObjectStore> {
  const location = parseStorageUri(uri, cwd);
  return openLocation(location, settings);
}

export async function openLocation(location: StorageLocation, settings: StorageSettings): Promise<ObjectStore> {
  switch (location.kind) {
    case 'local':
      return new (await import('./stores/local.js')).LocalStore(location.path);
    case 's3':
      return (await import('./stores/s3.js')).openS3Store(location, settings.s3);
    case 'azure':
      return (await import('./stores/azure.js')).openAzureStore(location, settings.azure);
    case 'hdfs':
      return (await import('./stores/hdfs.js')).openHdfsStore(location, settings.hdfs);
    case 'unsupported':
      throw new UnsupportedSchemeError(location.scheme, location.uri, SUPPORTED_SCHEMES);
  }
}
