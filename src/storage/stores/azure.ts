// Azure Blob Storage through @azure/storage-blob (imported only when a wasbs:// or abfss:// location is
// opened). abfss:// (an ADLS Gen2 account) is reached through the same Blob API, which such accounts serve
// too. Credentials: fs.azure.account.key.<account>.blob|dfs.core.windows.net, as Flink's azure plugin reads.
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { Readable } from 'node:stream';
import type { AzureSettings } from '../../config/storage.js';
import {
  ConfigError,
  isFlinkCliError,
  StorageAccessDeniedError,
  StorageContainerNotFoundError,
  StorageObjectExistsError,
  StorageObjectNotFoundError,
  StorageRequestError,
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

/** A blob batch request carries at most 256 sub-requests. */
const DELETE_BATCH = 256;
/** List Blobs returns at most 5,000 entries a page. */
const LARGEST_PAGE = 5000;

export function openAzureStore(location: Extract<StorageLocation, { kind: 'azure' }>, settings: AzureSettings): AzureStore {
  const key = settings.accountKey(location.host);
  if (key === undefined) {
    throw new ConfigError(`No credentials for Azure storage account '${location.account}' (${location.uri}): set 'fs.azure.account.key.${location.host}'`, {
      hint: 'The Azure credential chain (managed identity, az login) is not supported yet: it needs @azure/identity, which costs ~0.5 s to load.',
    });
  }
  const url = settings.endpoint ?? `https://${location.account}.blob.core.windows.net`;
  const service = new BlobServiceClient(url, new StorageSharedKeyCredential(location.account, key.reveal()));
  return new AzureStore(service.getContainerClient(location.container), location, key.from);
}

export class AzureStore implements ObjectStore {
  readonly base: string;

  constructor(
    private readonly container: ContainerClient,
    private readonly location: Extract<StorageLocation, { kind: 'azure' }>,
    private readonly keyFrom: string,
  ) {
    this.base = `${location.scheme}://${location.container}@${location.host}/${location.prefix}`;
  }

  uriOf(key: string): string {
    return this.base + key;
  }

  private nameOf(key: string): string {
    return this.location.prefix + checkKey(this.base, key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const name = this.nameOf(prefix);
    const pages = options.delimiter
      ? this.container
          .listBlobsByHierarchy(options.delimiter, { prefix: name })
          .byPage({ maxPageSize: pageSizeOf(options, LARGEST_PAGE), continuationToken: options.continuation })
      : this.container.listBlobsFlat({ prefix: name }).byPage({ maxPageSize: pageSizeOf(options, LARGEST_PAGE), continuationToken: options.continuation });
    const page = await this.call('list', prefix, async () => (await pages.next()).value);
    const strip = (n: string) => n.slice(this.location.prefix.length);
    const segment = page?.segment as
      | {
          blobItems?: Array<{ name: string; properties: { contentLength?: number; lastModified: Date; etag?: string } }>;
          blobPrefixes?: Array<{ name: string }>;
        }
      | undefined;
    return {
      prefixes: (segment?.blobPrefixes ?? []).map((p) => strip(p.name)),
      objects: (segment?.blobItems ?? []).map((b) => ({
        key: strip(b.name),
        size: b.properties.contentLength ?? 0,
        lastModified: b.properties.lastModified,
        etag: b.properties.etag,
      })),
      next: page?.continuationToken || undefined,
    };
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const p = await this.call('stat', key, () => this.container.getBlobClient(this.nameOf(key)).getProperties());
      return { key, size: p.contentLength ?? 0, lastModified: p.lastModified ?? new Date(0), etag: p.etag };
    } catch (error) {
      if (error instanceof StorageObjectNotFoundError) return undefined;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Buffer> {
    if (range?.length === 0) return Buffer.alloc(0);
    return this.call('read', key, async () => {
      const response = await this.container.getBlobClient(this.nameOf(key)).download(range?.offset ?? 0, range?.length);
      return Buffer.concat(await Readable.from(response.readableStreamBody!).toArray());
    });
  }

  async write(key: string, body: Buffer | Uint8Array | string | Readable, options: WriteOptions = {}): Promise<void> {
    const blob = this.container.getBlockBlobClient(this.nameOf(key));
    const conditions = options.ifAbsent ? { ifNoneMatch: '*' } : undefined;
    await this.call('write', key, () =>
      body instanceof Readable
        ? blob.uploadStream(body, 4 * 1024 * 1024, 4, { conditions })
        : blob.uploadData(typeof body === 'string' ? Buffer.from(body) : body, { conditions }),
    );
  }

  async deleteMany(keys: readonly string[], options: DeleteOptions = {}): Promise<void> {
    const batchClient = this.container.getBlobBatchClient();
    await inBatches(this, keys, DELETE_BATCH, options, async (batch) => {
      const response = await this.call('delete', batch[0], () => batchClient.deleteBlobs(batch.map((k) => this.container.getBlobClient(this.nameOf(k)))));
      // A blob that is already gone counts as deleted: deleting again resumes an interrupted delete.
      const failed = response.subResponses.filter((r) => r.status >= 300 && r.errorCode !== 'BlobNotFound');
      if (failed.length > 0) {
        const first = failed[0];
        const key = batch[response.subResponses.indexOf(first)] ?? batch[0];
        throw this.failure(
          { statusCode: first.status, code: first.errorCode, message: first.statusMessage },
          'delete',
          key,
          `${failed.length} of ${batch.length} blobs not deleted`,
        );
      }
    });
  }

  close(): void {}

  private async call<T>(action: StorageAction, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.failure(error, action, key);
    }
  }

  private failure(error: unknown, action: StorageAction, key: string, context?: string): Error {
    if (isFlinkCliError(error)) return error; // ours already (an invalid key, a config problem)
    const uri = this.uriOf(key);
    const e = error as { statusCode?: number; code?: string; details?: { errorCode?: string }; message?: string };
    const code = e.details?.errorCode ?? e.code ?? '';
    const detail = (text: string) => (context ? `${context}: ${text}` : text);
    if (code === 'ContainerNotFound') return new StorageContainerNotFoundError(uri, action, 'Container', this.location.container, { cause: error });
    if (code === 'BlobNotFound' || (e.statusCode === 404 && action !== 'list')) return new StorageObjectNotFoundError(uri, action, { cause: error });
    if (code === 'BlobAlreadyExists' || (e.statusCode === 409 && action === 'write') || e.statusCode === 412)
      return new StorageObjectExistsError(uri, { cause: error });
    if (e.statusCode === 403 || /^Authenti|^Authoriz/.test(code)) {
      return new StorageAccessDeniedError(uri, action, detail(`${code || 'HTTP 403'} (check ${this.keyFrom} and the account's permissions)`), { cause: error });
    }
    const reason = /ECONNREFUSED/.test(`${e.code} ${e.message}`)
      ? 'the endpoint refused the connection'
      : `${code || 'error'}: ${firstLine(e.message ?? String(error))}`;
    return new StorageRequestError(uri, action, detail(reason), { cause: error });
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
