// The local file system as an object store: a key is a path below the base directory. Directories play
// the part of common prefixes; a directory left empty by a delete is removed (an object store has no
// empty "directories"), never the base itself. Writes go to a temp file first, are fsynced (an empty one
// needs no data synced), and appear atomically (rename, or link() for "create only if absent"); making the
// new directory entries durable is one fsync of the directory, which the snapshot writer asks for when it
// publishes (fileSystem.syncDirectory), not one per file.
//
// Listing reads names only: a listed file's size and time are read (one stat) when first asked for, so a
// listing that needs names (which snapshots exist, which have a _metadata) costs no stat per file. Listing
// is synchronous on purpose: walking thousands of small directories is dominated by thread-pool round trips
// otherwise, and a local page has no size limit (the whole listing is one page).
import { randomBytes } from 'node:crypto';
import { createWriteStream, lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { describeIoError } from '../../domain/io-errors.js';
import {
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
  type LocalFileSystem,
  type ListOptions,
  type ListPage,
  type LocalKeyFacts,
  type ObjectInfo,
  type ObjectStore,
  type WriteOptions,
} from '../object-store.js';

const DELETE_BATCH = 1000;
/** A temp file of a write in progress (never listed). */
const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;

export class LocalStore implements ObjectStore {
  readonly base: string;
  /** link() of a temp file fails when the target exists. */
  readonly conditionalCreate = true;
  readonly fileSystem: LocalFileSystem;

  constructor(private readonly root: string) {
    this.base = pathToFileURL(root).href.replace(/\/?$/, '/');
    this.fileSystem = {
      pathOf: (key) => this.pathOf(key),
      facts: (key) => this.keyFacts(key),
      protectedAs: (key) => protectedAs(this.pathOf(key)),
      makeDirectories: async (keys) => {
        for (const key of keys) await mkdir(this.pathOf(key), { recursive: true }).catch((error: unknown) => Promise.reject(this.failure(error, 'write', key)));
      },
      removeEmptyDirectory: (key) => removeEmptyTree(this.pathOf(key)),
      syncDirectory: async (key) => {
        const directory = await open(this.pathOf(key), 'r').catch((error: unknown) => Promise.reject(this.failure(error, 'write', key)));
        await directory.sync().finally(() => directory.close());
      },
    };
  }

  uriOf(key: string): string {
    return this.base + key;
  }

  private pathOf(key: string): string {
    return path.join(this.root, checkKey(this.base, key));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const size = pageSizeOf(options, Number.MAX_SAFE_INTEGER);
    if (options.delimiter !== undefined && options.delimiter !== '/')
      throw new UsageError(`The local file system lists with delimiter '/' only (got '${options.delimiter}')`);
    const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = prefix.slice(dir.length);
    const after = options.continuation;
    const prefixes: string[] = [];
    const objects: ObjectInfo[] = [];
    let more = false;
    let last: string | undefined;
    const take = (key: string, isPrefix: boolean): boolean => {
      if (after !== undefined && key <= after) return true;
      if (prefixes.length + objects.length >= size) {
        more = true;
        return false;
      }
      last = key;
      if (isPrefix) prefixes.push(key);
      else objects.push(this.listed(key));
      return true;
    };
    // Key order: in each directory, names sorted as keys sort ("a/" after "a-b", as '/' sorts after '-').
    const walk = (at: string, entries: Dirent[]): boolean => {
      for (const name of sortedNames(entries)) {
        const key = at + name;
        if (!name.endsWith('/')) {
          if (!take(key, false)) return false;
        } else if (options.delimiter) {
          if (!take(key, true)) return false;
        } else if (after === undefined || after < key + '\uffff') {
          if (!walk(key, this.readdir(key, prefix))) return false;
        }
      }
      return true;
    };
    walk(
      dir,
      this.readdir(dir, prefix).filter((e) => e.name.startsWith(start)),
    );
    return { prefixes, objects, next: more ? last : undefined };
  }

  private listed(key: string): ObjectInfo {
    return new ListedFile(key, this.root);
  }

  private readdir(dir: string, listed: string): Dirent[] {
    try {
      return readdirSync(path.join(this.root, dir === '' ? '' : checkKey(this.base, dir)), { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return []; // like an object store: nothing has this prefix
      throw this.failure(error, 'list', listed);
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size, lastModified: s.mtime } : undefined;
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw this.failure(error, 'stat', key);
    }
  }

  async read(key: string, range?: ByteRange): Promise<Buffer> {
    try {
      if (range === undefined) return await readFile(this.pathOf(key));
      const handle = await open(this.pathOf(key), 'r');
      try {
        const size = (await handle.stat()).size;
        const offset = Math.min(range?.offset ?? 0, size);
        const length = Math.min(range?.length ?? size - offset, size - offset);
        const buffer = Buffer.alloc(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buffer.subarray(0, done);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw this.failure(error, 'read', key);
    }
  }

  async write(key: string, body: Buffer | Uint8Array | string | Readable, options: WriteOptions = {}): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      let size = 0;
      const counted = async function* (source: AsyncIterable<Buffer | Uint8Array | string>) {
        for await (const chunk of source) {
          size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
          yield chunk;
        }
      };
      await pipeline(
        body instanceof Readable ? body : Readable.from([typeof body === 'string' ? Buffer.from(body) : body]),
        counted,
        createWriteStream(temp, { flags: 'wx' }),
      );
      if (size > 0) {
        const handle = await open(temp, 'r+');
        await handle.sync().finally(() => handle.close());
      }
      // link() fails if the target exists, atomically: "create only if absent". rename() replaces atomically.
      if (options.ifAbsent) await link(temp, target).finally(() => unlink(temp).catch(() => undefined));
      else await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      if (isCode(error, 'EEXIST')) throw new StorageObjectExistsError(this.uriOf(key), { cause: error });
      throw this.failure(error, 'write', key);
    }
  }

  async deleteMany(keys: readonly string[], options: DeleteOptions = {}): Promise<void> {
    await inBatches(this, keys, DELETE_BATCH, options, async (batch) => {
      for (const key of batch) {
        try {
          await unlink(this.pathOf(key));
        } catch (error) {
          if (!isCode(error, 'ENOENT')) throw this.failure(error, 'delete', key);
        }
      }
      await this.removeEmptyParents(batch);
    });
  }

  /** Deepest first; stops at a directory that is not empty, and never removes the base. */
  private async removeEmptyParents(keys: readonly string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) for (let d = path.posix.dirname(key); d !== '.' && d !== ''; d = path.posix.dirname(d)) dirs.add(d);
    for (const dir of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
      await rmdir(path.join(this.root, dir)).catch(() => undefined); // ENOTEMPTY / ENOENT: keep going
    }
  }

  close(): void {}

  private keyFacts(key: string): LocalKeyFacts {
    const at = this.pathOf(key);
    const info = lstatSync(at, { throwIfNoEntry: false });
    if (!info) return { kind: 'missing' };
    if (info.isSymbolicLink()) return { kind: 'other', symlinkTo: safe(() => readlinkSync(at)) ?? '?' };
    const real = safe(() => realpathSync(at));
    const parent = safe(() => realpathSync(path.dirname(at))) ?? path.dirname(at);
    if (real !== undefined && path.dirname(real) !== parent && real !== parent) return { kind: 'other', escapesTo: real };
    const expected = path.join(safe(() => realpathSync(this.root)) ?? this.root, key);
    return {
      kind: info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other',
      modifiedAt: info.mtimeMs,
      ...(real !== undefined && real !== expected ? { throughLink: real } : {}),
    };
  }

  private failure(error: unknown, action: StorageAction, key: string): Error {
    const uri = this.uriOf(key);
    if (error instanceof UsageError) return error;
    if (isCode(error, 'EACCES', 'EPERM')) return new StorageAccessDeniedError(uri, action, 'permission denied by the file system', { cause: error });
    if (isCode(error, 'ENOENT', 'EISDIR', 'ENOTDIR')) return new StorageObjectNotFoundError(uri, action, { cause: error });
    // A full disk, a quota, a read-only file system: the operator's environment, named with the directory.
    const io = describeIoError(error, path.dirname(this.pathOf(key)));
    return new StorageRequestError(uri, action, io ?? (error as Error).message, { cause: error });
  }
}

/** A listed file: its size and time are read (one stat) when first asked for, then kept. */
class ListedFile implements ObjectInfo {
  private stats?: Stats | null;

  constructor(
    readonly key: string,
    private readonly root: string,
  ) {}

  private read(): Stats | null {
    // Deleted since it was listed: it reads as empty and old (a later listing no longer shows it).
    if (this.stats === undefined) this.stats = statSync(`${this.root}/${this.key}`, { throwIfNoEntry: false }) ?? null;
    return this.stats;
  }

  get size(): number {
    return this.read()?.size ?? 0;
  }

  get lastModified(): Date {
    return this.read()?.mtime ?? new Date(0);
  }
}

/**
 * A directory's files and subdirectories in key order, a subdirectory's name ending with '/' (as its keys sort:
 * "a/" after "a-b"); temp files of writes in progress left out.
 */
function sortedNames(entries: Dirent[]): string[] {
  const names: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) names.push(`${e.name}/`);
    else if (e.isFile() && !TEMP_FILE.test(e.name)) names.push(e.name);
  }
  return names.sort(); // UTF-16 code unit order, as keys compare
}

/** Removes empty directories bottom-up; stops quietly at anything that is not (a file, a link). */
async function removeEmptyTree(dir: string): Promise<void> {
  const info = lstatSync(dir, { throwIfNoEntry: false });
  if (!info?.isDirectory()) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeEmptyTree(path.join(dir, entry.name));
    // A temp file a write left when its process died (never listed, never renamed into place) holds nothing.
    else if (entry.isFile() && TEMP_FILE.test(entry.name)) await unlink(path.join(dir, entry.name)).catch(() => undefined);
  }
  await rmdir(dir).catch(() => undefined); // ENOTEMPTY: something is left, and stays
}

/** The file system root and the home directory are never disposed as a whole. */
function protectedAs(local: string): string | undefined {
  const resolved = path.resolve(local);
  if (resolved === path.parse(resolved).root) return 'the file system root';
  if (resolved === path.resolve(os.homedir())) return 'the home directory';
  return undefined;
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException)?.code ?? '');
}
