// The local file system as an object store: a key is a path below the base directory. Directories play
// the part of common prefixes; a directory left empty by a delete is removed (an object store has no
// empty "directories"), never the base itself. Writes go to a temp file first and appear atomically.
import { randomBytes } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
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
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStore,
  type WriteOptions,
} from '../object-store.js';

const DELETE_BATCH = 1000;

export class LocalStore implements ObjectStore {
  readonly base: string;

  constructor(private readonly root: string) {
    this.base = pathToFileURL(root).href.replace(/\/?$/, '/');
  }

  uriOf(key: string): string {
    return this.base + key;
  }

  private pathOf(key: string): string {
    return path.join(this.root, checkKey(this.base, key));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const size = pageSizeOf(options);
    if (options.delimiter !== undefined && options.delimiter !== '/')
      throw new UsageError(`The local file system lists with delimiter '/' only (got '${options.delimiter}')`);
    const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const start = prefix.slice(dir.length);
    // Names first (cheap), sorted as an object store sorts keys; only the page's files are stat-ed.
    const entries: Array<{ key: string; isPrefix: boolean }> = [];
    for (const entry of await this.readdir(dir, prefix)) {
      if (!entry.name.startsWith(start)) continue;
      const key = dir + entry.name;
      if (entry.isDirectory()) {
        if (options.delimiter) entries.push({ key: key + '/', isPrefix: true });
        else for (const file of await this.walk(key + '/', prefix)) entries.push({ key: file, isPrefix: false });
      } else if (entry.isFile()) {
        entries.push({ key, isPrefix: false });
      }
    }
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const after = options.continuation;
    const rest = after === undefined ? entries : entries.filter((e) => e.key > after);
    const page = rest.slice(0, size);
    const objects: ObjectInfo[] = [];
    for (const e of page) {
      if (e.isPrefix) continue;
      const info = await this.stat(e.key);
      if (info) objects.push(info); // deleted since the readdir: skipped, as a later LIST would
    }
    return { prefixes: page.filter((e) => e.isPrefix).map((e) => e.key), objects, next: rest.length > size ? page[page.length - 1].key : undefined };
  }

  private async readdir(dir: string, listed: string): Promise<Dirent[]> {
    try {
      return await readdir(path.join(this.root, dir === '' ? '' : checkKey(this.base, dir)), { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return []; // like an object store: nothing has this prefix
      throw this.failure(error, 'list', listed);
    }
  }

  private async walk(dir: string, listed: string): Promise<string[]> {
    const files: string[] = [];
    for (const entry of await this.readdir(dir, listed)) {
      if (entry.isDirectory()) files.push(...(await this.walk(`${dir}${entry.name}/`, listed)));
      else if (entry.isFile()) files.push(dir + entry.name);
    }
    return files;
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
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(
        body instanceof Readable ? body : Readable.from([typeof body === 'string' ? Buffer.from(body) : body]),
        createWriteStream(temp, { flags: 'wx' }),
      );
      const handle = await open(temp, 'r+');
      await handle.sync().finally(() => handle.close());
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

  private failure(error: unknown, action: StorageAction, key: string): Error {
    const uri = this.uriOf(key);
    if (error instanceof UsageError) return error;
    if (isCode(error, 'EACCES', 'EPERM')) return new StorageAccessDeniedError(uri, action, 'permission denied by the file system', { cause: error });
    if (isCode(error, 'ENOENT', 'EISDIR', 'ENOTDIR')) return new StorageObjectNotFoundError(uri, action, { cause: error });
    return new StorageRequestError(uri, action, (error as Error).message, { cause: error });
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException)?.code ?? '');
}
