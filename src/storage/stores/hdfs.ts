// HDFS as an object store, through WebHDFS (webhdfs.ts; imported only when an hdfs:// location is opened). A key
// is a path below the base directory; directories play the part of common prefixes, and a directory left empty
// by a delete is removed (never the base itself), as on the local file system. A write goes to a temporary file
// first and appears with one atomic RENAME: replacing (a plain write) or failing when the target exists (create
// only if absent). Configuration is Hadoop's own (config/hadoop.ts): HADOOP_CONF_DIR's site files, Flink's
// flink.hadoop.* keys, HADOOP_USER_NAME.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { checkAuthentication, hadoopUser, loadHadoopConfiguration, nameNodesOf, type HadoopConfiguration } from '../../config/hadoop.js';
import { hdfsSettings, type HdfsSettings } from '../../config/storage.js';
import {
  isFlinkCliError,
  StorageAccessDeniedError,
  StorageObjectExistsError,
  StorageObjectNotFoundError,
  StorageRequestError,
  UsageError,
  type StorageAction,
} from '../../domain/errors.js';
import {
  checkKey,
  inBatches,
  pageSizeOf,
  type ByteRange,
  type DeleteOptions,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStore,
  type WriteOptions,
} from '../object-store.js';
import type { StorageLocation } from '../uri.js';
import { WebHdfsClient, WebHdfsError } from './webhdfs.js';

/** WebHDFS deletes one path a request: a batch is the unit of progress and of interruption, not of a request. */
const DELETE_BATCH = 100;
/** DELETE requests in flight at once. */
const DELETE_CONCURRENCY = 16;
/** Directory listings kept for a listing's next pages. */
const LISTINGS_KEPT = 64;

interface FileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  length: number;
  modificationTime: number;
}

const loaded = new WeakMap<HdfsSettings, HadoopConfiguration>();

export function openHdfsStore(location: Extract<StorageLocation, { kind: 'hdfs' }>, settings: HdfsSettings = hdfsSettings(process.env)): HdfsStore {
  let conf = loaded.get(settings);
  if (!conf) {
    const overrides = settings.overrides.map((o) => ({ key: o.key, value: o.value.reveal(), from: o.value.from }));
    conf = loadHadoopConfiguration({ ...process.env, ...settings.env }, overrides);
    loaded.set(settings, conf);
  }
  checkAuthentication(conf, location.uri);
  const { urls } = nameNodesOf(conf, location.scheme, location.authority, location.uri);
  const user = hadoopUser({ ...process.env, ...settings.env });
  return new HdfsStore(new WebHdfsClient(urls, user), location, user);
}

export class HdfsStore implements ObjectStore {
  readonly base: string;
  /**
   * The directories the listing in progress read: its next pages walk them again from the top, and a page then
   * costs no LISTSTATUS of a directory already read (a job's shared/ of 100,000 files is read once, not once a
   * page). A first page reads afresh; a write or a delete through this store forgets them.
   */
  private readonly listings = new Map<string, FileStatus[]>();

  constructor(
    private readonly client: WebHdfsClient,
    private readonly location: Extract<StorageLocation, { kind: 'hdfs' }>,
    private readonly user: string,
  ) {
    this.base = `${location.scheme}://${location.authority}${location.path}`;
  }

  uriOf(key: string): string {
    return this.base + key;
  }

  /** The absolute HDFS path of a key ("" is the base directory). */
  private pathOf(key: string): string {
    return this.location.path + (key === '' ? '' : checkKey(this.base, key));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const size = pageSizeOf(options);
    if (options.delimiter !== undefined && options.delimiter !== '/') throw new UsageError(`HDFS lists with delimiter '/' only (got '${options.delimiter}')`);
    const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = prefix.slice(dir.length);
    const after = options.continuation;
    if (after === undefined) this.listings.clear();
    const entries: Array<{ key: string; object?: ObjectInfo }> = [];
    const children = (await this.listDirectory(dir, prefix)).filter((s) => s.pathSuffix.startsWith(start));
    if (options.delimiter) {
      for (const s of children) {
        const key = dir + s.pathSuffix;
        if (s.type === 'DIRECTORY') entries.push({ key: key + '/' });
        else if (s.type === 'FILE') entries.push({ key, object: infoOf(key, s) });
      }
      entries.sort((a, b) => compare(a.key, b.key));
    } else {
      // Depth first in key order, one LISTSTATUS a directory, skipping subtrees the continuation is past; it
      // stops once a page and one more entry are found (that one says whether there is a next page).
      await this.walk(dir, children, prefix, after, size + 1, entries);
    }
    const rest = after === undefined ? entries : entries.filter((e) => e.key > after);
    const page = rest.slice(0, size);
    return {
      prefixes: page.filter((e) => !e.object).map((e) => e.key),
      objects: page.flatMap((e) => (e.object ? [e.object] : [])),
      next: rest.length > size ? page[page.length - 1].key : undefined,
    };
  }

  private async walk(
    dir: string,
    children: FileStatus[],
    listed: string,
    after: string | undefined,
    limit: number,
    out: Array<{ key: string; object?: ObjectInfo }>,
  ): Promise<void> {
    // A directory's keys all start with "<name>/": sorting it as that keeps the walk in key order.
    const sorted = children
      .filter((s) => s.type === 'FILE' || s.type === 'DIRECTORY')
      .map((s) => ({ s, key: dir + s.pathSuffix + (s.type === 'DIRECTORY' ? '/' : '') }))
      .sort((a, b) => compare(a.key, b.key));
    for (const { s, key } of sorted) {
      if (out.length >= limit) return;
      if (s.type === 'FILE') {
        if (after === undefined || key > after) out.push({ key, object: infoOf(key, s) });
      } else if (after === undefined || after.startsWith(key) || key > after) {
        await this.walk(key, await this.listDirectory(key, listed), listed, after, limit, out);
      }
    }
  }

  /** The entries of a directory below the base; none when it does not exist (like an object store's empty prefix). */
  private async listDirectory(dir: string, listed: string): Promise<FileStatus[]> {
    const known = this.listings.get(dir);
    if (known) return known;
    let statuses: FileStatus[];
    try {
      const answer = await this.client.json<{ FileStatuses: { FileStatus: FileStatus[] } }>('GET', this.pathOf(dir.replace(/\/$/, '')), 'LISTSTATUS');
      statuses = answer.FileStatuses.FileStatus;
      // LISTSTATUS of a file answers the file itself (an empty suffix): a file has no keys below it.
      if (statuses.length === 1 && statuses[0].pathSuffix === '') statuses = [];
    } catch (error) {
      if (!(error instanceof WebHdfsError && error.exception === 'FileNotFoundException')) throw this.failure(error, 'list', listed);
      statuses = [];
    }
    if (this.listings.size >= LISTINGS_KEPT) this.listings.delete(this.listings.keys().next().value!);
    this.listings.set(dir, statuses);
    return statuses;
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const { FileStatus: s } = await this.client.json<{ FileStatus: FileStatus }>('GET', this.pathOf(key), 'GETFILESTATUS');
      return s.type === 'FILE' ? infoOf(key, s) : undefined;
    } catch (error) {
      if (error instanceof WebHdfsError && error.exception === 'FileNotFoundException') return undefined;
      throw this.failure(error, 'stat', key);
    }
  }

  async read(key: string, range?: ByteRange): Promise<Buffer> {
    const target = this.pathOf(key);
    if (range?.length === 0) return Buffer.alloc(0);
    try {
      return await this.client.open(target, range === undefined ? {} : { offset: range.offset, length: range.length });
    } catch (error) {
      throw this.failure(error, 'read', key);
    }
  }

  async write(key: string, body: Buffer | Uint8Array | string | Readable, options: WriteOptions = {}): Promise<void> {
    const target = this.pathOf(key);
    const temp = path.posix.join(path.posix.dirname(target), `.${path.posix.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    this.listings.clear();
    const data = typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : body;
    try {
      await this.client.create(temp, data, { overwrite: false });
      // rename2: NONE fails when the target exists, OVERWRITE replaces it; either way in one atomic step.
      await this.client.json('PUT', temp, 'RENAME', { destination: target, renameoptions: options.ifAbsent ? 'NONE' : 'OVERWRITE' });
    } catch (error) {
      await this.client.json('DELETE', temp, 'DELETE', { recursive: false }).catch(() => undefined);
      if (error instanceof WebHdfsError && error.exception === 'FileAlreadyExistsException')
        throw new StorageObjectExistsError(this.uriOf(key), { cause: error });
      throw this.failure(error, 'write', key);
    }
  }

  async deleteMany(keys: readonly string[], options: DeleteOptions = {}): Promise<void> {
    this.listings.clear();
    await inBatches(this, keys, DELETE_BATCH, options, async (batch) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(DELETE_CONCURRENCY, batch.length) }, async () => {
          while (next < batch.length) {
            const key = batch[next++];
            try {
              // A key already gone answers {"boolean": false}: it counts as deleted.
              await this.client.json('DELETE', this.pathOf(key), 'DELETE', { recursive: false });
            } catch (error) {
              throw this.failure(error, 'delete', key);
            }
          }
        }),
      );
      await this.removeEmptyParents(batch);
    });
  }

  /** Deepest first; a directory that is not empty stays (a non-recursive DELETE refuses it), and so does the base. */
  private async removeEmptyParents(keys: readonly string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) for (let d = path.posix.dirname(key); d !== '.' && d !== ''; d = path.posix.dirname(d)) dirs.add(d);
    for (const dir of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
      await this.client.json('DELETE', this.pathOf(dir), 'DELETE', { recursive: false }).catch(() => undefined);
    }
  }

  close(): void {
    this.client.close();
  }

  private failure(error: unknown, action: StorageAction, key: string): Error {
    if (isFlinkCliError(error)) return error;
    const uri = this.uriOf(key);
    if (!(error instanceof WebHdfsError)) return new StorageRequestError(uri, action, String(error), { cause: error });
    if (error.exception === 'FileNotFoundException') return new StorageObjectNotFoundError(uri, action, { cause: error });
    if (error.exception === 'AccessControlException' || error.status === 401) {
      return new StorageAccessDeniedError(uri, action, `${error.message} (requests act as user '${this.user}': HADOOP_USER_NAME)`, { cause: error });
    }
    if (error.status === 0) return new StorageRequestError(uri, action, `cannot reach ${error.message}`, { cause: error });
    return new StorageRequestError(uri, action, error.exception ? `${error.exception}: ${error.message}` : error.message, { cause: error });
  }
}

function infoOf(key: string, s: FileStatus): ObjectInfo {
  return { key, size: s.length, lastModified: new Date(s.modificationTime) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
