// One storage interface for snapshots wherever they live: the local file system, S3 (and S3-compatible
// stores), Azure Blob Storage and HDFS (through WebHDFS). It has the shape of an object store (keys, prefixes, a delimiter, pages),
// because that is the weaker model: a directory tree can answer object-store questions, not the other way.
//
// A store is rooted at a base location (a directory, s3://bucket/some/prefix/, wasbs://c@a.../path/); keys
// are relative to it and use '/'. Listing is by prefix, in key order, a page at a time, so 10,000
// snapshots cost ten LIST requests and no request per snapshot. The adapters live in stores/; stores/index.ts
// is the one place that opens a store for a location, loading its SDK then (a command that never touches an
// object store never pays for one).
import type { Readable } from 'node:stream';
import { DEFAULT_RETRIES, type RetrySettings } from '../config/storage.js';
import { StorageRequestError, UsageError } from '../domain/errors.js';

export { parseStorageUri, type StorageLocation } from './uri.js';
export { openLocation, openStore, SUPPORTED_SCHEMES } from './stores/index.js';

export interface ObjectInfo {
  /** Relative to the store's base, e.g. "savepoint-fd7201-0a1b2c3d4e5f/_metadata". */
  key: string;
  size: number;
  lastModified: Date;
  /** The store's version tag of the content, where it has one (S3, Azure): with the size, what a cache is keyed by. */
  etag?: string;
}

export interface ListOptions {
  /** "/" groups keys below the next "/" into common prefixes (one level, like `ls`); unset lists every key below the prefix. */
  delimiter?: string;
  /** At most this many entries (objects + prefixes) per page, 1,000 by default; a store caps it at its own largest page (S3 1,000, Azure 5,000, a local directory none). */
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
  /**
   * Whether `write(..., { ifAbsent: true })` is atomic on this store (S3 If-None-Match, Azure If-None-Match, an
   * exclusive link() on a local disk: all three adapters here). A store that cannot says false: the lease in the
   * store (lease.ts) is then replaced by a local lock, with a warning.
   */
  readonly conditionalCreate?: boolean;
  /** Releases sockets (the SDK clients keep connections alive). */
  close(): void;
  /** What only a local file system has (folders, symbolic links, real paths, protected directories): its adapter reports and does it; object stores have none. */
  readonly fileSystem?: LocalFileSystem;
}

/** A key as the local file system sees it, without following a final symbolic link. */
export interface LocalKeyFacts {
  kind: 'file' | 'directory' | 'other' | 'missing';
  /** The key itself is a symbolic link: its destination. */
  symlinkTo?: string;
  /** Its real path lies outside its parent directory (a link further up). */
  escapesTo?: string;
  /** A directory's own modification time (an entry created or removed in it). */
  modifiedAt?: number;
  /** Its real path, when a symbolic link below the store's base leads there (deleting it would delete there). */
  throughLink?: string;
}

export interface LocalFileSystem {
  /** The local path of a key. */
  pathOf(key: string): string;
  facts(key: string): LocalKeyFacts;
  /** Why a key must never be disposed as a whole: 'the file system root', 'the home directory'. */
  protectedAs(key: string): string | undefined;
  /** Creates directories (an object store needs none: a key's "folders" exist with it). */
  makeDirectories(keys: readonly string[]): Promise<void>;
  /** Removes a directory that holds no file any more (temp files of dead writes aside), with its empty subdirectories (never through a link). */
  removeEmptyDirectory(key: string): Promise<void>;
  /** Makes the entries of a directory (files created or renamed in it) durable: fsync of the directory. */
  syncDirectory(key: string): Promise<void>;
}

/** The largest page a caller may ask any store for (each store caps it at its own). */
export const LARGEST_PAGE = Number.MAX_SAFE_INTEGER;

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

/** The page size to ask for: the caller's (1,000 by default), capped at the store's largest page. */
export function pageSizeOf(options: ListOptions | undefined, largest: number = MAX_PAGE_SIZE): number {
  const size = options?.pageSize ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`Invalid page size ${size}: expected a positive integer`);
  return Math.min(size, largest);
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
  if (key.startsWith('/') || /(^|\/)\.\.?(\/|$)/.test(key)) {
    throw new UsageError(`Invalid storage key '${key}' below ${base}: keys are relative, without '.' or '..'`);
  }
  return key;
}

/**
 * An attempt that failed in a way that is safe to repeat and that the SDK does not repeat itself: an answer
 * cut off after its headers (a reset mid-body), a 2xx answer that does not parse (a truncated listing page),
 * keys a batch delete reports as failed for a passing reason, a batch answer missing some of its parts.
 * `retrying` repeats these; once it gives up, `attempts` says how often it tried.
 */
export class RepeatableFailure extends Error {
  attempts = 1;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RepeatableFailure';
  }
}

/** The first pause of a retry when none is configured, and the longest pause. */
export const DEFAULT_RETRY_INTERVAL_MS = 100;
export const MAX_RETRY_DELAY_MS = 20_000;

/** Exponential backoff with full jitter: a random pause up to interval * 2^retry, capped. */
export function backoffDelay(retry: RetrySettings, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min((retry.intervalMs ?? DEFAULT_RETRY_INTERVAL_MS) * 2 ** attempt, MAX_RETRY_DELAY_MS);
  return Math.floor(random() * ceiling);
}

/** Runs `attempt` again after a pause while it throws a RepeatableFailure, at most `retry.retries` more times. */
export async function retrying<T>(retry: RetrySettings | undefined, attempt: () => Promise<T>): Promise<T> {
  const retries = retry?.retries ?? DEFAULT_RETRIES;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RepeatableFailure)) throw error;
      if (n >= retries) {
        error.attempts = n + 1;
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(retry ?? { retries }, n)));
    }
  }
}

/** The whole body of an answer; a stream that breaks off is a RepeatableFailure (the request is safe to send again). */
export async function readAnswer(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of body ?? []) chunks.push(chunk);
  } catch (error) {
    throw new RepeatableFailure(`the answer broke off after ${chunks.reduce((n, c) => n + c.length, 0)} bytes`, { cause: error });
  }
  return Buffer.concat(chunks);
}
