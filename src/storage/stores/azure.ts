// Azure Blob Storage through @azure/storage-blob (imported only when a wasbs:// or abfss:// location is
// opened). abfss:// (an ADLS Gen2 account) is reached through the same Blob API, which such accounts serve
// too. Credentials: fs.azure.account.key.<account>.blob|dfs.core.windows.net, as Flink's azure plugin reads.
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DEFAULT_RETRIES, type AzureSettings, type RetrySettings } from '../../config/storage.js';
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
  MAX_RETRY_DELAY_MS,
  pageSizeOf,
  readAnswer,
  RepeatableFailure,
  retrying,
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
/**
 * The pause unit of the SDK's exponential policy (pauses of 0, 1, 3, 7 units): its own 4 s suits a server, not
 * a command at a terminal or in cron (a store that is down would take 44 s to report over 5 attempts).
 */
const DEFAULT_PAUSE_UNIT_MS = 1000;
/** Metadata of a create-only-if-absent write: whose write stored the blob (see write()). */
const WRITE_ID = 'flinkwriteid';
/** Connection errors the SDK's retry policy does not see (raised while a batch answer is read). */
const CONNECTION_ERRORS = /ECONNRESET|EPIPE|ETIMEDOUT|aborted/i;
/** Errors the SDK's storage retry policy repeats (its list of network errors). */
const SDK_REPEATED = /ETIMEDOUT|ESOCKETTIMEDOUT|ECONNREFUSED|ECONNRESET|ENOENT|ENOTFOUND|TIMEOUT|EPIPE|REQUEST_SEND_ERROR/i;

export function openAzureStore(location: Extract<StorageLocation, { kind: 'azure' }>, settings: AzureSettings): AzureStore {
  const key = settings.accountKey(location.host);
  if (key === undefined) {
    throw new ConfigError(`No credentials for Azure storage account '${location.account}' (${location.uri}): set 'fs.azure.account.key.${location.host}'`, {
      hint: 'The Azure credential chain (managed identity, az login) is not supported yet: it needs @azure/identity, which costs ~0.5 s to load.',
    });
  }
  const url = settings.endpoint ?? `https://${location.account}.blob.core.windows.net`;
  // The SDK's storage retry policy repeats 500, 503 (ServerBusy) and connection errors; how often, and the
  // pause unit of its exponential backoff when one is configured, are ours.
  const retry = settings.retry;
  const service = new BlobServiceClient(url, new StorageSharedKeyCredential(location.account, key.reveal()), {
    retryOptions: {
      maxTries: (retry?.retries ?? DEFAULT_RETRIES) + 1,
      retryDelayInMs: retry?.intervalMs ?? DEFAULT_PAUSE_UNIT_MS,
      maxRetryDelayInMs: MAX_RETRY_DELAY_MS,
    },
  });
  return new AzureStore(service.getContainerClient(location.container), location, key.from, retry);
}

export class AzureStore implements ObjectStore {
  readonly base: string;
  /** Blob If-None-Match: * on upload. */
  readonly conditionalCreate = true;

  constructor(
    private readonly container: ContainerClient,
    private readonly location: Extract<StorageLocation, { kind: 'azure' }>,
    private readonly keyFrom: string,
    private readonly retry?: RetrySettings,
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
    const pages = () =>
      options.delimiter
        ? this.container
            .listBlobsByHierarchy(options.delimiter, { prefix: name })
            .byPage({ maxPageSize: pageSizeOf(options, LARGEST_PAGE), continuationToken: options.continuation })
        : this.container.listBlobsFlat({ prefix: name }).byPage({ maxPageSize: pageSizeOf(options, LARGEST_PAGE), continuationToken: options.continuation });
    const page = await this.call('list', prefix, async () => (await unreadableIsRepeatable(pages().next())).value);
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
      // The SDK resumes a body that ends early, not one whose connection is reset: that is repeated here.
      const response = await this.container.getBlobClient(this.nameOf(key)).download(range?.offset ?? 0, range?.length);
      return readAnswer(response.readableStreamBody as AsyncIterable<Uint8Array> | undefined);
    });
  }

  async write(key: string, body: Buffer | Uint8Array | string | Readable, options: WriteOptions = {}): Promise<void> {
    const blob = this.container.getBlockBlobClient(this.nameOf(key));
    // A create-only-if-absent write carries an id of its own: when the SDK repeats it after a reset whose first
    // attempt was stored, the repeat finds the blob there (409/412), and the id tells "ours" from "someone's".
    const writeId = options.ifAbsent ? randomUUID() : undefined;
    const conditions = writeId ? { ifNoneMatch: '*' } : undefined;
    const metadata = writeId ? { [WRITE_ID]: writeId } : undefined;
    try {
      await this.call('write', key, () =>
        body instanceof Readable
          ? blob.uploadStream(body, 4 * 1024 * 1024, 4, { conditions, metadata })
          : blob.uploadData(typeof body === 'string' ? Buffer.from(body) : body, { conditions, metadata }),
      );
    } catch (error) {
      if (!(error instanceof StorageObjectExistsError) || writeId === undefined || !(await this.storedBy(key, writeId))) throw error;
    }
  }

  /** True when the blob at `key` was stored by the write that carried `writeId`. */
  private async storedBy(key: string, writeId: string): Promise<boolean> {
    try {
      const properties = await this.call('stat', key, () => this.container.getBlobClient(this.nameOf(key)).getProperties());
      return properties.metadata?.[WRITE_ID] === writeId;
    } catch {
      return false; // gone again, or unreadable: not known to be ours
    }
  }

  async deleteMany(keys: readonly string[], options: DeleteOptions = {}): Promise<void> {
    const batchClient = this.container.getBlobBatchClient();
    await inBatches(this, keys, DELETE_BATCH, options, async (batch) => {
      let pending = batch; // after a partial answer, only the blobs still there are sent again
      const { response, sent } = await this.call('delete', batch[0], async () => {
        const sent = pending;
        const response = await unreadableIsRepeatable(batchClient.deleteBlobs(sent.map((k) => this.container.getBlobClient(this.nameOf(k)))), true);
        if (response.subResponses.length !== sent.length) {
          throw new RepeatableFailure(`an incomplete batch answer (${response.subResponses.length} of ${sent.length} parts)`);
        }
        const failed = response.subResponses.filter((r) => r.status >= 300 && r.errorCode !== 'BlobNotFound');
        if (failed.length > 0 && failed.every((r) => r.status === 500 || r.status === 503)) {
          pending = sent.filter((_k, i) => failed.includes(response.subResponses[i]));
          throw new RepeatableFailure(`${failed.length} of ${batch.length} blobs not deleted: ${failed[0].errorCode ?? `HTTP ${failed[0].status}`}`);
        }
        return { response, sent };
      });
      // A blob that is already gone counts as deleted: deleting again resumes an interrupted delete.
      const failed = response.subResponses.filter((r) => r.status >= 300 && r.errorCode !== 'BlobNotFound');
      if (failed.length > 0) {
        const first = failed[0];
        const key = sent[response.subResponses.indexOf(first)] ?? batch[0];
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

  /** One request, repeated where the SDK does not repeat it (see RepeatableFailure); failures mapped to ours. */
  private async call<T>(action: StorageAction, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await retrying(this.retry, run);
    } catch (error) {
      throw this.failure(error, action, key);
    }
  }

  private failure(error: unknown, action: StorageAction, key: string, context?: string): Error {
    if (isFlinkCliError(error)) return error; // ours already (an invalid key, a config problem)
    const uri = this.uriOf(key);
    if (error instanceof RepeatableFailure) {
      return new StorageRequestError(uri, action, `${context ? `${context}: ` : ''}${error.message} (gave up after ${error.attempts} attempts)`, {
        cause: error,
      });
    }
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
    // What the SDK's policy repeats (500, 503, connection errors) failed every one of its tries.
    const repeated = e.statusCode === 500 || e.statusCode === 503 || SDK_REPEATED.test(`${e.code} ${e.message}`);
    const tries = (this.retry?.retries ?? DEFAULT_RETRIES) + 1;
    return new StorageRequestError(uri, action, detail(repeated && tries > 1 ? `${reason} (gave up after ${tries} attempts)` : reason), { cause: error });
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}...` : line; // a parse error carries the whole answer
}

/**
 * The result of a request, where an answer that could not be read (PARSE_ERROR: cut off, or a truncated
 * listing page) or a connection error raised outside the SDK's retry policy is a RepeatableFailure. A batch
 * answer is parsed outside the pipeline: with `batch`, every error that is not the pipeline's (a RestError,
 * already repeated where that is safe) or ours is an unreadable answer.
 */
async function unreadableIsRepeatable<T>(request: Promise<T>, batch = false): Promise<T> {
  try {
    return await request;
  } catch (error) {
    const e = error as { code?: string; statusCode?: number; message?: string; name?: string };
    const outsidePipeline = e.name !== 'RestError' && !isFlinkCliError(error);
    if (e.code === 'PARSE_ERROR' || (outsidePipeline && (batch || CONNECTION_ERRORS.test(`${e.code} ${e.message}`)))) {
      throw new RepeatableFailure(`an unreadable answer (${firstLine(e.message ?? String(error))})`, { cause: error });
    }
    throw error;
  }
}
