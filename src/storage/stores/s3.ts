// S3 and S3-compatible stores through the official AWS SDK v3 (imported only when an s3:// location is
// opened). Settings are Flink's: s3.endpoint, s3.path.style.access, s3.access-key/s3.secret-key, s3.region,
// then the SDK's default chain (environment, profile, instance/pod identity).
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DEFAULT_RETRIES, type RetrySettings, type S3Settings } from '../../config/storage.js';
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
  backoffDelay,
  checkKey,
  inBatches,
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

/** DeleteObjects takes at most 1,000 keys a request. */
const DELETE_BATCH = 1000;
/** User metadata of a create-only-if-absent write: whose write stored the object (see write()). */
const WRITE_ID = 'flink-write-id';
/** Codes a DeleteObjects answer gives keys it did not delete this time (S3 sheds load per key too). */
const PASSING_DELETE_ERRORS = new Set(['InternalError', 'SlowDown', 'ServiceUnavailable', 'RequestTimeout', 'OperationAborted']);

export function s3ClientConfig(settings: S3Settings, env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  if ((settings.accessKey === undefined) !== (settings.secretKey === undefined)) {
    throw new ConfigError(`Only one of 's3.access-key' and 's3.secret-key' is set: set both, or neither (then the AWS default credential chain is used)`);
  }
  const endpoint = settings.endpoint === undefined ? undefined : /^https?:\/\//i.test(settings.endpoint) ? settings.endpoint : `https://${settings.endpoint}`;
  const custom = endpoint !== undefined;
  return {
    // With a custom endpoint there is no real region; S3-compatible stores accept us-east-1.
    region: settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (custom ? 'us-east-1' : undefined),
    endpoint,
    forcePathStyle: settings.pathStyle,
    credentials: settings.accessKey && settings.secretKey ? { accessKeyId: settings.accessKey, secretAccessKey: settings.secretKey.reveal() } : undefined,
    // S3-compatible stores vary in the newer checksum headers; send them only where S3 requires them.
    ...(custom ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
    // The SDK's standard strategy repeats throttling, 5xx and connection errors (with its retry quota);
    // only how often, and the pause when one is configured, are ours.
    ...sdkRetry(settings.retry),
  };
}

function sdkRetry(retry: RetrySettings | undefined): Pick<S3ClientConfig, 'maxAttempts' | 'retryStrategy'> {
  const maxAttempts = (retry?.retries ?? DEFAULT_RETRIES) + 1;
  if (retry?.intervalMs === undefined) return { maxAttempts };
  return { maxAttempts, retryStrategy: new ConfiguredRetryStrategy(maxAttempts, (attempt) => backoffDelay(retry, attempt - 1)) };
}

export function openS3Store(location: Extract<StorageLocation, { kind: 's3' }>, settings: S3Settings): S3Store {
  // The SDK prints a multi-line notice on Node < 22 about its future releases; it is not about this one and
  // would land on every command's stderr. A user who sets the variable keeps their choice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Store(new S3Client(s3ClientConfig(settings)), location.scheme, location.bucket, location.prefix, settings.retry);
}

export class S3Store implements ObjectStore {
  readonly base: string;
  /** PutObject If-None-Match: * (S3 since 2024, S3Mock, MinIO). */
  readonly conditionalCreate = true;
  private bucketChecked = false;

  constructor(
    private readonly client: S3Client,
    scheme: string,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly retry?: RetrySettings,
  ) {
    this.base = `${scheme}://${bucket}/${prefix}`;
  }

  uriOf(key: string): string {
    return this.base + key;
  }

  private keyOf(key: string): string {
    return this.prefix + checkKey(this.base, key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const out = await this.send('list', prefix, async (c) => {
      const page = await answered(
        c.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.keyOf(prefix),
            Delimiter: options.delimiter,
            MaxKeys: pageSizeOf(options),
            ContinuationToken: options.continuation,
          }),
        ),
      );
      // A page that says "more" without saying where would end the listing early: it must never pass for the whole.
      if (page.IsTruncated && !page.NextContinuationToken) throw new RepeatableFailure('a listing page that says it is truncated but has no continuation');
      return page;
    });
    const strip = (key: string) => key.slice(this.prefix.length);
    return {
      prefixes: (out.CommonPrefixes ?? []).map((p) => strip(p.Prefix!)),
      objects: (out.Contents ?? []).map((o) => ({ key: strip(o.Key!), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0), etag: o.ETag })),
      next: out.IsTruncated ? out.NextContinuationToken : undefined,
    };
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.send('stat', key, (c) => c.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) })));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0), etag: out.ETag };
    } catch (error) {
      if (!(error instanceof StorageObjectNotFoundError)) throw error;
      // A HEAD answers a missing bucket with the same bare 404: ask once, so that is never "not found".
      await this.checkBucket('stat', key);
      return undefined;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Buffer> {
    if (range?.length === 0) return Buffer.alloc(0); // "bytes=5-4" is no range at all
    return this.send('read', key, async (c) => {
      const out = await c.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Range: rangeHeader(range) }));
      return readAnswer(out.Body as AsyncIterable<Uint8Array> | undefined);
    });
  }

  async write(key: string, body: Buffer | Uint8Array | string | Readable, options: WriteOptions = {}): Promise<void> {
    // A stream is collected first: PutObject needs its length. (Multipart upload for large state files
    // comes with the coordinator's writes.)
    const bytes = body instanceof Readable ? Buffer.concat(await body.toArray()) : typeof body === 'string' ? Buffer.from(body) : body;
    // A create-only-if-absent write carries an id of its own: when the SDK repeats it after a reset whose first
    // attempt was stored, the repeat finds the object there (412), and the id tells "ours" from "someone's".
    const writeId = options.ifAbsent ? randomUUID() : undefined;
    try {
      await this.send('write', key, (c) =>
        c.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.keyOf(key),
            Body: bytes,
            IfNoneMatch: writeId ? '*' : undefined,
            Metadata: writeId ? { [WRITE_ID]: writeId } : undefined,
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof StorageObjectExistsError) || writeId === undefined || !(await this.storedBy(key, writeId))) throw error;
    }
  }

  /** True when the object at `key` was stored by the write that carried `writeId`. */
  private async storedBy(key: string, writeId: string): Promise<boolean> {
    try {
      const head = await this.send('stat', key, (c) => c.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) })));
      return head.Metadata?.[WRITE_ID] === writeId;
    } catch {
      return false; // gone again, or unreadable: not known to be ours
    }
  }

  async deleteMany(keys: readonly string[], options: DeleteOptions = {}): Promise<void> {
    await inBatches(this, keys, DELETE_BATCH, options, async (batch) => {
      let pending = batch; // after a partial answer, only the keys still there are sent again
      const out = await this.send('delete', batch[0], async (c) => {
        const answer = await answered(
          c.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: pending.map((k) => ({ Key: this.keyOf(k) })), Quiet: true } })),
        );
        const errors = (answer.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        const passing = errors.filter((e) => PASSING_DELETE_ERRORS.has(e.Code ?? ''));
        if (passing.length > 0 && passing.length === errors.length) {
          const again = new Set(passing.map((e) => e.Key));
          pending = pending.filter((k) => again.has(this.keyOf(k)));
          throw new RepeatableFailure(`${passing.length} of ${batch.length} objects not deleted: ${passing[0].Code}`);
        }
        return answer;
      });
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0];
        const key = (first.Key ?? '').slice(this.prefix.length);
        throw this.failure(
          { name: first.Code, message: first.Message, $metadata: { httpStatusCode: first.Code === 'AccessDenied' ? 403 : undefined } },
          'delete',
          key,
          `${failed.length} of ${batch.length} objects not deleted`,
        );
      }
    });
  }

  close(): void {
    this.client.destroy();
  }

  private async checkBucket(action: StorageAction, key: string): Promise<void> {
    if (this.bucketChecked) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) throw new StorageContainerNotFoundError(this.uriOf(key), action, 'Bucket', this.bucket, { cause: error });
      throw this.failure(error, action, key);
    }
    this.bucketChecked = true;
  }

  /** One request, repeated where the SDK does not repeat it (see RepeatableFailure); failures mapped to ours. */
  private async send<T>(action: StorageAction, key: string, run: (client: S3Client) => Promise<T>): Promise<T> {
    try {
      return await retrying(this.retry, () => run(this.client));
    } catch (error) {
      throw this.failure(error, action, key);
    }
  }

  private failure(error: unknown, action: StorageAction, key: string, context?: string): Error {
    if (isFlinkCliError(error)) return error; // ours already (an invalid key, a config problem)
    const uri = this.uriOf(key);
    if (error instanceof RepeatableFailure) {
      return new StorageRequestError(uri, action, `${context ? `${context}: ` : ''}${error.message} (${attempts(error.attempts)})`, { cause: error });
    }
    const e = error as { name?: string; Code?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const code = e.Code ?? e.name ?? '';
    const status = e.$metadata?.httpStatusCode;
    const detail = (text: string) => (context ? `${context}: ${text}` : text);
    if (code === 'NoSuchBucket') return new StorageContainerNotFoundError(uri, action, 'Bucket', this.bucket, { cause: error });
    if (code === 'NoSuchKey' || code === 'NotFound' || (status === 404 && action !== 'list'))
      return new StorageObjectNotFoundError(uri, action, { cause: error });
    if (code === 'PreconditionFailed' || status === 412) return new StorageObjectExistsError(uri, { cause: error });
    if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'ExpiredToken'].includes(code) || status === 403) {
      return new StorageAccessDeniedError(
        uri,
        action,
        detail(`${code || 'HTTP 403'} (check s3.access-key / s3.secret-key or the AWS credential chain, and the bucket's permissions)`),
        { cause: error },
      );
    }
    if (code === 'CredentialsProviderError') {
      return new ConfigError(
        `No S3 credentials for ${describe(action, uri)}: set 's3.access-key' and 's3.secret-key', or configure the AWS credential chain (AWS_ACCESS_KEY_ID, a profile, instance identity)`,
        { cause: error },
      );
    }
    if (/region is missing/i.test(e.message ?? ''))
      return new ConfigError(`No S3 region for ${describe(action, uri)}: set 's3.region' (or AWS_REGION)`, { cause: error });
    const reason =
      e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? '')
        ? 'the endpoint refused the connection'
        : `${code || 'error'}: ${firstLine(e.message ?? String(error))}`;
    const tried = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    return new StorageRequestError(uri, action, detail(tried > 1 ? `${reason} (${attempts(tried)})` : reason), { cause: error });
  }
}

/**
 * The output of a request, where a 2xx answer that does not parse (cut short, a truncated listing page) is a
 * RepeatableFailure: the SDK repeats only what failed before or with an error status.
 */
async function answered<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
    if (status >= 200 && status < 300) throw new RepeatableFailure(`an unreadable answer (${firstLine((error as Error).message)})`, { cause: error });
    throw error;
  }
}

function attempts(n: number): string {
  return `gave up after ${n} attempts`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

function describe(action: StorageAction, uri: string): string {
  return `${action} ${uri}`;
}

function rangeHeader(range: ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined;
  return range.length === undefined ? `bytes=${range.offset}-` : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}
