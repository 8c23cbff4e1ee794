// The object-store interface against real servers: the local file system, Adobe S3Mock (S3) and Azurite
// (Azure Blob), each through the same tests. Settings come from Flink's own keys, as a user writes them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { resolveConfig } from '../../../src/config/resolve.js';
import { storageSettings } from '../../../src/config/storage.js';
import {
  StorageAccessDeniedError,
  StorageContainerNotFoundError,
  StorageObjectExistsError,
  StorageObjectNotFoundError,
  StorageRequestError,
} from '../../../src/domain/errors.js';
import { listAll, openStore, type ObjectStore } from '../../../src/storage/object-store.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, startS3Mock, type RunningServer } from '../../support/object-stores.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // the SDK's notice about its future Node versions
const AZURE_HOST = `${AZURITE_ACCOUNT}.blob.core.windows.net`;
const settingsOf = (...dynamic: string[]) => storageSettings(resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic }));

let s3: RunningServer;
let azurite: RunningServer;
const localRoot = mkdtempSync(path.join(tmpdir(), 'flink-object-store-'));
let counter = 0;

beforeAll(async () => {
  const [a, b] = await Promise.allSettled([startS3Mock(), startAzurite()]);
  if (a.status === 'fulfilled') s3 = a.value;
  if (b.status === 'fulfilled') azurite = b.value;
  for (const r of [a, b]) if (r.status === 'rejected') throw r.reason; // afterAll still stops the one that started
}, 240_000);
afterAll(async () => {
  await Promise.all([s3?.stop(), azurite?.stop()]);
  rmSync(localRoot, { recursive: true, force: true });
}, 60_000);

const s3Keys = () => [`s3.endpoint=${s3.endpoint}`, 's3.path.style.access=true', 's3.access-key=test', 's3.secret-key=test-secret'];
const azureKeys = (key = AZURITE_KEY) => [`azure.blob.endpoint=${azurite.endpoint}`, `fs.azure.account.key.${AZURE_HOST}=${key}`];

interface Flavour {
  name: string;
  /** A fresh, empty location with its bucket/container created. */
  fresh(): Promise<ObjectStore>;
  /** A location whose bucket/container does not exist. */
  missing(): Promise<ObjectStore>;
  deleteBatch: number;
  /** False for S3Mock: with a delimiter it returns every common prefix in one page (S3 and Azure cap the page). */
  capsPrefixPages: boolean;
}

const flavours: Flavour[] = [
  {
    name: 'local file system',
    fresh: () => openStore(path.join(localRoot, `t${++counter}`), settingsOf()),
    missing: async () => {
      throw new Error('no buckets on a file system');
    },
    deleteBatch: 1000,
    capsPrefixPages: true,
  },
  {
    name: 'S3 (S3Mock)',
    fresh: async () => {
      const bucket = `bucket-${++counter}`;
      const client = new S3Client({
        endpoint: s3.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
      return openStore(`s3://${bucket}/savepoints`, settingsOf(...s3Keys()));
    },
    missing: () => openStore('s3a://no-such-bucket/savepoints', settingsOf(...s3Keys())),
    deleteBatch: 1000,
    capsPrefixPages: false,
  },
  {
    name: 'Azure Blob (Azurite)',
    fresh: async () => {
      const container = `container-${++counter}`;
      await new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).getContainerClient(container).create();
      return openStore(`wasbs://${container}@${AZURE_HOST}/savepoints`, settingsOf(...azureKeys()));
    },
    missing: () => openStore(`wasbs://no-such-container@${AZURE_HOST}/savepoints`, settingsOf(...azureKeys())),
    deleteBatch: 256,
    capsPrefixPages: true,
  },
];

async function writeAll(store: ObjectStore, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 32) await Promise.all(keys.slice(i, i + 32).map((k) => store.write(k, `data of ${k}`)));
}

async function allKeys(store: ObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of listAll(store, prefix)) keys.push(...page.objects.map((o) => o.key));
  return keys;
}

describe.each(flavours)('object store: $name', (flavour) => {
  it('writes, stats and reads an object whole and by byte range', async () => {
    const store = await flavour.fresh();
    const body = Buffer.from('0123456789abcdefghij');
    const before = Date.now();
    await store.write('savepoint-fd7201-0a1b2c3d4e5f/_metadata', body);
    const info = await store.stat('savepoint-fd7201-0a1b2c3d4e5f/_metadata');
    expect(info).toMatchObject({ key: 'savepoint-fd7201-0a1b2c3d4e5f/_metadata', size: 20 });
    expect(Math.abs(info!.lastModified.getTime() - before)).toBeLessThan(120_000);
    expect((await store.read('savepoint-fd7201-0a1b2c3d4e5f/_metadata')).toString()).toBe('0123456789abcdefghij');
    expect((await store.read('savepoint-fd7201-0a1b2c3d4e5f/_metadata', { offset: 4, length: 6 })).toString()).toBe('456789');
    expect((await store.read('savepoint-fd7201-0a1b2c3d4e5f/_metadata', { offset: 16 })).toString()).toBe('ghij');
    expect((await store.read('savepoint-fd7201-0a1b2c3d4e5f/_metadata', { offset: 3, length: 0 })).length).toBe(0);
    await store.write('from-a-stream', Readable.from([Buffer.from('one '), Buffer.from('two')]));
    expect((await store.read('from-a-stream')).toString()).toBe('one two');
    expect(store.uriOf('x/_metadata')).toBe(`${store.base}x/_metadata`);
    store.close();
  });

  it('a missing object: stat says undefined, read says which object is missing', async () => {
    const store = await flavour.fresh();
    expect(await store.stat('nope/_metadata')).toBeUndefined();
    const error = await store.read('nope/_metadata').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageObjectNotFoundError);
    expect((error as Error).message).toBe(`No such object: ${store.base}nope/_metadata`);
    store.close();
  });

  it('lists with a delimiter, a page at a time, in key order', async () => {
    const store = await flavour.fresh();
    const snapshots = [
      'savepoint-fd7201-000000000003',
      'savepoint-fd7201-000000000001',
      'savepoint-fd7201-000000000002',
      'savepoint-aa0000-000000000004',
      'savepoint-fd7201-000000000005',
    ];
    await writeAll(store, [...snapshots.flatMap((s) => [`${s}/_metadata`, `${s}/op-0.state`]), 'savepoint-fd7201-loose-file', 'other/_metadata']);
    const pages = [];
    for await (const page of listAll(store, 'savepoint-fd7201-', { delimiter: '/', pageSize: 2 })) pages.push(page);
    // 5 entries, 2 a page: more than one page, and every continuation followed.
    if (flavour.capsPrefixPages) expect(pages.map((p) => p.prefixes.length + p.objects.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.prefixes)).toEqual([
      'savepoint-fd7201-000000000001/',
      'savepoint-fd7201-000000000002/',
      'savepoint-fd7201-000000000003/',
      'savepoint-fd7201-000000000005/',
    ]);
    expect(pages.flatMap((p) => p.objects.map((o) => [o.key, o.size]))).toEqual([
      ['savepoint-fd7201-loose-file', 'data of savepoint-fd7201-loose-file'.length],
    ]);
    expect(pages[pages.length - 1].next).toBeUndefined();
    // Without a delimiter every store pages (S3Mock too): 12 keys, 5 a page.
    const flat = [];
    for await (const page of listAll(store, 'savepoint-fd7201-0', { pageSize: 5 })) flat.push(page.objects.map((o) => o.key));
    expect(flat.map((p) => p.length)).toEqual([5, 3]);
    expect(flat.flat()).toEqual(
      ['000000000001', '000000000002', '000000000003', '000000000005'].flatMap((s) => [`savepoint-fd7201-${s}/_metadata`, `savepoint-fd7201-${s}/op-0.state`]),
    );
    // One level below a prefix; and without a delimiter, every key below it.
    const inside = await store.list('savepoint-fd7201-000000000002/', { delimiter: '/' });
    expect(inside.prefixes).toEqual([]);
    expect(inside.objects.map((o) => o.key)).toEqual(['savepoint-fd7201-000000000002/_metadata', 'savepoint-fd7201-000000000002/op-0.state']);
    expect(await allKeys(store, 'savepoint-aa')).toEqual(['savepoint-aa0000-000000000004/_metadata', 'savepoint-aa0000-000000000004/op-0.state']);
    const top = await store.list('', { delimiter: '/' });
    expect(top.prefixes).toEqual(['other/', ...[...snapshots].sort().map((s) => `${s}/`)]);
    expect(await store.list('nothing-has-this-prefix', { delimiter: '/' })).toEqual({ prefixes: [], objects: [] });
    store.close();
  });

  it('"create only if absent" never overwrites', async () => {
    const store = await flavour.fresh();
    await store.write('savepoint-fd7201-0a1b2c3d4e5f/_disposing', 'first', { ifAbsent: true });
    const error = await store.write('savepoint-fd7201-0a1b2c3d4e5f/_disposing', 'second', { ifAbsent: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageObjectExistsError);
    expect((error as Error).message).toBe(`Already exists: ${store.base}savepoint-fd7201-0a1b2c3d4e5f/_disposing (not overwritten)`);
    expect((await store.read('savepoint-fd7201-0a1b2c3d4e5f/_disposing')).toString()).toBe('first');
    await store.write('savepoint-fd7201-0a1b2c3d4e5f/_disposing', 'third'); // a plain write replaces
    expect((await store.read('savepoint-fd7201-0a1b2c3d4e5f/_disposing')).toString()).toBe('third');
    store.close();
  });

  it('deletes in batches; an interrupted delete is resumed by deleting again', async () => {
    const store = await flavour.fresh();
    const keys = Array.from({ length: flavour.deleteBatch + 150 }, (_, i) => `savepoint-fd7201-0a1b2c3d4e5f/op-${String(i).padStart(5, '0')}.state`);
    await writeAll(store, [...keys, 'savepoint-fd7201-ffffffffffff/_metadata']);
    const controller = new AbortController();
    const batches: number[] = [];
    const interrupted = await store
      .deleteMany(keys, { signal: controller.signal, onBatch: (b) => (batches.push(b.length), controller.abort()) })
      .catch((e: unknown) => e);
    expect(interrupted).toBeInstanceOf(StorageRequestError);
    expect((interrupted as Error).message).toMatch(
      new RegExp(`^Failed deleting .*: interrupted after ${flavour.deleteBatch} of ${keys.length} objects; delete again to resume$`),
    );
    expect(batches).toEqual([flavour.deleteBatch]);
    expect(await allKeys(store, 'savepoint-fd7201-0a1b2c3d4e5f/')).toEqual(keys.slice(flavour.deleteBatch));
    // Resumed with the same list: keys already gone count as deleted.
    const resumed: number[] = [];
    await store.deleteMany(keys, { onBatch: (b) => resumed.push(b.length) });
    expect(resumed).toEqual([flavour.deleteBatch, 150]);
    expect(await allKeys(store)).toEqual(['savepoint-fd7201-ffffffffffff/_metadata']);
    expect((await store.list('', { delimiter: '/' })).prefixes).toEqual(['savepoint-fd7201-ffffffffffff/']); // no empty "directory" left
    store.close();
  }, 120_000);

  it('refuses keys that would leave the base', async () => {
    const store = await flavour.fresh();
    await expect(store.read('../elsewhere/_metadata')).rejects.toMatchObject({
      kind: 'usage',
      message: expect.stringContaining("Invalid storage key '../elsewhere/_metadata'"),
    });
    await expect(store.write('/abs', 'x')).rejects.toMatchObject({ kind: 'usage' });
    store.close();
  });

  if (flavour.name !== 'local file system') {
    it('a bucket or container that does not exist is a clear error, never "nothing found"', async () => {
      const store = await flavour.missing();
      const what = flavour.name.startsWith('S3') ? "Bucket 'no-such-bucket'" : "Container 'no-such-container'";
      for (const [action, run] of [
        ['listing', () => store.list('', { delimiter: '/' })],
        ['checking', () => store.stat('x/_metadata')],
        ['reading', () => store.read('x/_metadata')],
      ] as const) {
        const error = await (run as () => Promise<unknown>)().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StorageContainerNotFoundError);
        expect((error as Error).message).toMatch(new RegExp(`^${what} does not exist \\(${action} ${store.base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      }
      store.close();
    });
  }
});

describe('local file system specifics', () => {
  it('a delete removes the directories it left empty, up to but never the base directory itself', async () => {
    const base = path.join(localRoot, 'base-kept');
    const store = await openStore(`file://${base}`, settingsOf());
    await store.write('savepoint-fd7201-0a1b2c3d4e5f/shared/a.state', 'a');
    await store.write('savepoint-fd7201-0a1b2c3d4e5f/_metadata', 'm');
    await store.deleteMany(['savepoint-fd7201-0a1b2c3d4e5f/shared/a.state', 'savepoint-fd7201-0a1b2c3d4e5f/_metadata']);
    expect(readdirSync(base)).toEqual([]);
    expect(store.base).toBe(`file://${base}/`);
  });
});

describe('denied credentials', () => {
  it('Azurite checks the account key: a wrong key is access denied, naming the URI and the action', async () => {
    const wrongKey = Buffer.from('not the key of this account, 64 bytes long......................').toString('base64');
    const store = await openStore(
      `abfss://anything@${AZURITE_ACCOUNT}.dfs.core.windows.net/savepoints`,
      settingsOf(`azure.blob.endpoint=${azurite.endpoint}`, `fs.azure.account.key.${AZURITE_ACCOUNT}.dfs.core.windows.net=${wrongKey}`),
    );
    const error = await store.list('', { delimiter: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageAccessDeniedError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Access denied listing abfss:\/\/anything@devstoreaccount1\.dfs\.core\.windows\.net\/savepoints\/: \w+ \(check /);
    expect(message).toContain('fs.azure.account.key.devstoreaccount1.dfs.core.windows.net (-D)'); // where the key came from, never its value
    expect(message).not.toContain(wrongKey);
    const write = await store.write('x', 'y').catch((e: unknown) => e);
    expect((write as Error).message).toMatch(/^Access denied writing abfss:\/\/anything@devstoreaccount1\.dfs\.core\.windows\.net\/savepoints\/x: /);
  });

  it('S3Mock does not check credentials (a wrong secret is accepted), so S3 denial is tested where a server denies', async () => {
    const bucketStore = await openStore(
      's3://denial-bucket/',
      settingsOf(...s3Keys().map((k) => (k.startsWith('s3.secret-key=') ? 's3.secret-key=wrong' : k))),
    );
    await expect(bucketStore.list('', { delimiter: '/' })).rejects.toBeInstanceOf(StorageContainerNotFoundError); // answered, not denied
    bucketStore.close();

    // A loopback server that answers every request the way S3 answers a wrong secret (status 403 and S3's
    // XML error body); the real SDK parses it.
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        req.method === 'HEAD'
          ? undefined
          : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const store = await openStore(
        's3p://bucket/savepoints',
        settingsOf(`s3.endpoint=http://127.0.0.1:${port}`, 's3.path.style.access=true', 's3.access-key=AKIA', 's3.secret-key=super-secret-value'),
      );
      const list = await store.list('', { delimiter: '/' }).catch((e: unknown) => e);
      expect(list).toBeInstanceOf(StorageAccessDeniedError);
      expect((list as Error).message).toBe(
        "Access denied listing s3p://bucket/savepoints/: SignatureDoesNotMatch (check s3.access-key / s3.secret-key or the AWS credential chain, and the bucket's permissions)",
      );
      const del = await store.deleteMany(['a/_metadata']).catch((e: unknown) => e);
      expect((del as Error).message).toMatch(/^Access denied deleting s3p:\/\/bucket\/savepoints\/a\/_metadata: /);
      const stat = await store.stat('a/_metadata').catch((e: unknown) => e);
      expect((stat as Error).message).toMatch(/^Access denied checking s3p:\/\/bucket\/savepoints\/a\/_metadata: /);
      for (const e of [list, del, stat]) expect(JSON.stringify(e) + String(e)).not.toContain('super-secret-value');
      store.close();
    } finally {
      server.close();
    }
  });
});
