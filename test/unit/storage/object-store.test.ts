// Storage URIs as Flink spells them, settings from Flink's keys, and what never leaks from them.
import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { isSecretKey } from '../../../src/config/keys.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { storageSettings } from '../../../src/config/storage.js';
import { UnsupportedSchemeError } from '../../../src/domain/errors.js';
import { backoffDelay, openStore, parseStorageUri, RepeatableFailure, retrying } from '../../../src/storage/object-store.js';
import { s3ClientConfig } from '../../../src/storage/stores/s3.js';

const settingsOf = (...dynamic: string[]) => storageSettings(resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic }));

describe('parseStorageUri', () => {
  it.each([
    ['/data/savepoints', { kind: 'local', path: '/data/savepoints' }],
    ['savepoints', { kind: 'local', path: '/work/savepoints' }],
    ['file:/data/savepoints', { kind: 'local', path: '/data/savepoints' }], // as Flink writes it
    ['file:///data/savepoints', { kind: 'local', path: '/data/savepoints' }],
    ['s3://bucket/savepoints', { kind: 's3', scheme: 's3', bucket: 'bucket', prefix: 'savepoints/' }],
    ['s3a://bucket/a/b/', { kind: 's3', scheme: 's3a', bucket: 'bucket', prefix: 'a/b/' }],
    ['s3p://bucket', { kind: 's3', scheme: 's3p', bucket: 'bucket', prefix: '' }],
    [
      'wasbs://sp@acct.blob.core.windows.net/flink/savepoints',
      { kind: 'azure', scheme: 'wasbs', container: 'sp', account: 'acct', host: 'acct.blob.core.windows.net', prefix: 'flink/savepoints/' },
    ],
    [
      'abfss://sp@acct.dfs.core.windows.net/',
      { kind: 'azure', scheme: 'abfss', container: 'sp', account: 'acct', host: 'acct.dfs.core.windows.net', prefix: '' },
    ],
    ['gs://bucket/savepoints', { kind: 'unsupported', scheme: 'gs' }],
    ['hdfs://namenode:8020/flink', { kind: 'hdfs', scheme: 'hdfs', authority: 'namenode:8020', path: '/flink/' }],
    ['hdfs://mycluster/flink/checkpoints/', { kind: 'hdfs', scheme: 'hdfs', authority: 'mycluster', path: '/flink/checkpoints/' }],
    ['hdfs:///flink', { kind: 'hdfs', scheme: 'hdfs', authority: '', path: '/flink/' }], // fs.defaultFS's NameNode
    ['hdfs:/flink', { kind: 'hdfs', scheme: 'hdfs', authority: '', path: '/flink/' }], // Hadoop's Path prints it so
    ['webhdfs://namenode:9870/', { kind: 'hdfs', scheme: 'webhdfs', authority: 'namenode:9870', path: '/' }],
  ])('%s', (uri, expected) => {
    expect(parseStorageUri(uri, '/work')).toMatchObject({ ...expected, uri });
  });

  it.each([
    ['s3://', "Invalid S3 URI 's3://': expected s3://bucket/path"],
    [
      'wasbs://acct.blob.core.windows.net/x',
      "Invalid Azure URI 'wasbs://acct.blob.core.windows.net/x': expected wasbs://container@account.blob.core.windows.net/path",
    ],
    [
      'abfss://c@acct.blob.core.windows.net/x',
      "Invalid Azure URI 'abfss://c@acct.blob.core.windows.net/x': expected abfss://container@account.dfs.core.windows.net/path",
    ],
  ])('rejects %s with a usage error', (uri, message) => {
    expect(() => parseStorageUri(uri, '/work')).toThrow(message);
  });

  it('an unsupported scheme is a usage error that says so, naming what is supported', async () => {
    const error = await openStore('gs://bucket/savepoints', settingsOf()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedSchemeError);
    expect((error as Error).message).toBe(
      'gs:// is not supported yet (gs://bucket/savepoints); supported: file://, s3://, s3a://, s3p://, wasbs://, wasb://, abfss://, abfs://, hdfs://, webhdfs:// and local paths',
    );
    expect(error).toMatchObject({ kind: 'usage' });
  });
});

describe('storage settings from Flink keys', () => {
  it('S3: endpoint, path style, static keys, region (us-east-1 with a custom endpoint)', () => {
    const config = s3ClientConfig(settingsOf('s3.endpoint=127.0.0.1:9090', 's3.path.style.access=true', 's3.access-key=AKIA', 's3.secret-key=shh').s3, {});
    expect(config).toMatchObject({
      endpoint: 'https://127.0.0.1:9090',
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'shh' },
    });
    expect(s3ClientConfig(settingsOf('s3.region=eu-west-1').s3, {})).toMatchObject({
      region: 'eu-west-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
    });
    expect(s3ClientConfig(settingsOf().s3, { AWS_REGION: 'ap-south-1' }).region).toBe('ap-south-1'); // then the SDK's chain
  });

  it('S3: only one of the two keys set is a configuration error', () => {
    expect(() => s3ClientConfig(settingsOf('s3.access-key=AKIA').s3, {})).toThrow("Only one of 's3.access-key' and 's3.secret-key' is set");
  });

  it('Azure: the account key for the URI host, or the same account on its other service (blob/dfs)', () => {
    const settings = settingsOf('fs.azure.account.key.acct.blob.core.windows.net=KEY1');
    expect(settings.azure.accountKey('acct.blob.core.windows.net')?.reveal()).toBe('KEY1');
    expect(settings.azure.accountKey('acct.dfs.core.windows.net')?.reveal()).toBe('KEY1');
    expect(settings.azure.accountKey('other.blob.core.windows.net')).toBeUndefined();
  });

  it('Azure without a key: a configuration error naming the key to set', async () => {
    await expect(openStore('wasbs://c@acct.blob.core.windows.net/sp', settingsOf())).rejects.toMatchObject({
      kind: 'config',
      message:
        "No credentials for Azure storage account 'acct' (wasbs://c@acct.blob.core.windows.net/sp): set 'fs.azure.account.key.acct.blob.core.windows.net'",
    });
  });

  it('secret values never render: not as text, JSON or in inspect (what --debug would print)', () => {
    const settings = settingsOf('s3.secret-key=TOPSECRET', 'fs.azure.account.key.acct.blob.core.windows.net=AZSECRET');
    const azure = settings.azure.accountKey('acct.blob.core.windows.net');
    const rendered = [JSON.stringify(settings), String(settings.s3.secretKey), `${azure}`, inspect(settings, { depth: 5 }), inspect(azure)].join('\n');
    expect(rendered).not.toMatch(/TOPSECRET|AZSECRET/);
    expect(rendered).toContain('******');
    expect(inspect(settings.s3.secretKey)).toBe('Secret(****** from s3.secret-key (-D))');
  });

  it.each([
    ['s3.secret-key', true],
    ['fs.azure.account.key.acct.blob.core.windows.net', true],
    ['fs.azure.account.key.acct.dfs.core.windows.net', true],
    ['coordinator.rest.token', true],
    ['s3.access-key', false],
    ['s3.endpoint', false],
    ['state.savepoints.dir', false],
  ])('isSecretKey(%s) = %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret);
  });
});

describe('retries of requests that are safe to repeat', () => {
  it("S3: s3.retry.limit sets the SDK's attempts; s3.retry.interval its pause (else the SDK's own strategy)", async () => {
    const plain = s3ClientConfig(settingsOf().s3, {});
    expect(plain.maxAttempts).toBe(5);
    expect(plain.retryStrategy).toBeUndefined();
    expect(s3ClientConfig(settingsOf('s3.retry.limit=0').s3, {})).toMatchObject({ maxAttempts: 1 });
    const config = s3ClientConfig(settingsOf('s3.retry.limit=2', 's3.retry.interval=100 ms').s3, {});
    expect(config.maxAttempts).toBe(3);
    const strategy = config.retryStrategy as unknown as { maxAttempts(): Promise<number> };
    expect(await strategy.maxAttempts()).toBe(3);
  });

  it('Azure: fs.azure.io.retry.* (defaults: 4 retries, a 1 s pause unit)', () => {
    expect(settingsOf().azure.retry).toEqual({ retries: 4, intervalMs: 1000 });
    expect(settingsOf('fs.azure.io.retry.max.retries=1', 'fs.azure.io.retry.backoff.interval=50').azure.retry).toEqual({ retries: 1, intervalMs: 50 });
  });

  it('a negative retry limit is a configuration error naming the key', () => {
    expect(() => settingsOf('s3.retry.limit=-1')).toThrow('Invalid value for s3.retry.limit: -1 (expected 0 or more retries)');
  });

  it('backoff: a random pause up to interval * 2^attempt, capped at 20 s', () => {
    const retry = { retries: 4, intervalMs: 100 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(retry, n, () => 0.999999))).toEqual([99, 199, 399, 799]);
    expect(backoffDelay(retry, 20, () => 0.999999)).toBe(19_999);
    expect(backoffDelay(retry, 3, () => 0)).toBe(0);
  });

  it('retrying repeats only a RepeatableFailure, at most `retries` more times, then says how often it tried', async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      return calls < 3 ? Promise.reject(new RepeatableFailure('cut off')) : Promise.resolve('done');
    };
    await expect(retrying({ retries: 4, intervalMs: 1 }, flaky)).resolves.toBe('done');
    expect(calls).toBe(3);

    calls = 0;
    const failure = await retrying({ retries: 2, intervalMs: 1 }, () => {
      calls++;
      return Promise.reject(new RepeatableFailure('cut off'));
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(failure).toMatchObject({ attempts: 3 });

    calls = 0;
    const refusal = new Error('denied');
    await expect(
      retrying({ retries: 4, intervalMs: 1 }, () => {
        calls++;
        return Promise.reject(refusal);
      }),
    ).rejects.toBe(refusal);
    expect(calls).toBe(1);
  });
});
