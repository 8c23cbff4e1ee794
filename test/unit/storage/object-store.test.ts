// Storage URIs as Flink spells them, settings from Flink's keys, and what never leaks from them.
import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { isSecretKey } from '../../../src/config/keys.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { storageSettings } from '../../../src/config/storage.js';
import { UnsupportedSchemeError } from '../../../src/domain/errors.js';
import { openStore, parseStorageUri } from '../../../src/storage/object-store.js';
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
