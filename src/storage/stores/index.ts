// The one place that opens a store for a location: a new adapter (HDFS, GCS, ...) plugs in here and in
// uri.ts. Each adapter's module, and with it its SDK, loads only when a location of its kind is opened.
import path from 'node:path';
import type { StorageSettings } from '../../config/storage.js';
import { UnsupportedSchemeError } from '../../domain/errors.js';
import { rootLength } from '../layout.js';
import type { ObjectStore } from '../object-store.js';
import { parseStorageUri, type StorageLocation } from '../uri.js';

export const SUPPORTED_SCHEMES = ['file', 's3', 's3a', 's3p', 'wasbs', 'wasb', 'abfss', 'abfs', 'hdfs', 'webhdfs'] as const;

/** The store for a location (its adapter loaded on first use). `cwd` resolves plain relative paths. */
export async function openStore(uri: string, settings: StorageSettings, cwd: string = process.cwd()): Promise<ObjectStore> {
  return openLocation(parseStorageUri(uri, cwd), settings);
}

export async function openLocation(location: StorageLocation, settings: StorageSettings): Promise<ObjectStore> {
  switch (location.kind) {
    case 'local':
      return new (await import('./local.js')).LocalStore(location.path);
    case 's3':
      return (await import('./s3.js')).openS3Store(location, settings.s3);
    case 'azure':
      return (await import('./azure.js')).openAzureStore(location, settings.azure);
    case 'hdfs':
      return (await import('./hdfs.js')).openHdfsStore(location, settings.hdfs);
    case 'unsupported':
      throw new UnsupportedSchemeError(location.scheme, location.uri, SUPPORTED_SCHEMES);
  }
}

/** Where a pointer lives: the store opened at its snapshot root (layout.ts rootLength), and its key there. */
export interface Located {
  store: ObjectStore;
  /** Below the store's base; '' for the base itself. */
  key: string;
  /** As users read it: a local path, or the URI (without a trailing slash). */
  location: string;
}

/**
 * The stores of one command (or of the coordinator): each snapshot root's store opened once, on first use,
 * and closed together. A pointer is located at its snapshot root, so that a delete on a local disk removes
 * the folders it empties up to that root, never the root itself.
 */
export class StorePool {
  private readonly stores = new Map<string, Promise<ObjectStore>>();

  constructor(
    private readonly settings: StorageSettings,
    private readonly cwd: string,
  ) {}

  /** `pointer` (a path, a file: URI or an object-store URI) at its snapshot root. */
  async locate(pointer: string): Promise<Located> {
    const location = parseStorageUri(pointer.trim(), this.cwd);
    if (location.kind === 'unsupported') throw new UnsupportedSchemeError(location.scheme, location.uri, SUPPORTED_SCHEMES);
    if (location.kind === 'local') {
      const segments = path.resolve(location.path).split('/');
      const parts = segments.length === 2 && segments[1] === '' ? [''] : segments;
      const n = Math.max(rootLength(parts), 1);
      const root = parts.slice(0, n).join('/') || '/';
      return { store: await this.open(root, { ...location, path: root, uri: root }), key: parts.slice(n).join('/'), location: path.resolve(location.path) };
    }
    const prefix = location.kind === 'hdfs' ? location.path.slice(1) : location.prefix;
    const segments = prefix.split('/').filter((s) => s !== '');
    const n = rootLength(segments);
    const rootPrefix = segments
      .slice(0, n)
      .map((s) => `${s}/`)
      .join('');
    const authority =
      location.kind === 's3'
        ? `${location.scheme}://${location.bucket}/`
        : location.kind === 'azure'
          ? `${location.scheme}://${location.container}@${location.host}/`
          : `${location.scheme}://${location.authority}/`;
    const key = segments.slice(n).join('/');
    const uri = authority + rootPrefix;
    const root: StorageLocation = location.kind === 'hdfs' ? { ...location, path: `/${rootPrefix}`, uri } : { ...location, prefix: rootPrefix, uri };
    return { store: await this.open(uri, root), key, location: (uri + key).replace(/\/$/, '') };
  }

  /** A pointer made absolute: a local path (resolved against the working directory), or the URI as given. */
  absolute(pointer: string): string {
    const parsed = parseStorageUri(pointer.trim(), this.cwd);
    return parsed.kind === 'local' ? path.resolve(parsed.path) : pointer.trim();
  }

  /** A store whose base is exactly `location` (a root to list). */
  async at(location: string): Promise<ObjectStore> {
    const parsed = parseStorageUri(location.trim(), this.cwd);
    const id = parsed.kind === 'local' ? path.resolve(parsed.path) : parsed.uri.replace(/\/*$/, '/');
    return this.open(id, parsed);
  }

  private open(id: string, location: StorageLocation): Promise<ObjectStore> {
    let store = this.stores.get(id);
    if (!store) {
      store = openLocation(location, this.settings);
      this.stores.set(id, store);
      store.catch(() => this.stores.delete(id));
    }
    return store;
  }

  close(): void {
    for (const opened of this.stores.values())
      void opened.then(
        (s) => s.close(),
        () => {},
      );
    this.stores.clear();
  }
}
