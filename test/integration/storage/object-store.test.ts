// The object-store interface against real servers: the local file system, Adobe S3Mock (S3), Azurite (Azure
// Blob) and HDFS (MiniDFSCluster through WebHDFS), each through the same tests (test/support/stores.ts). Settings
// come from Flink's own keys and Hadoop's own files, as a user writes them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
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
import { AZURITE_ACCOUNT } from '../../support/object-stores.js';
import { startStores, stopStores, testStores, type TestStore } from '../../support/stores.js';

const settingsOf = (...dynamic: string[]) => storageSettings(resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic }));

const stores = testStores();
const localRoot = mkdtempSync(path.join(tmpdir(), 'flink-object-store-'));

beforeAll(() => startStores(stores), 300_000);
afterAll(async () => {
  await stopStores(stores);
  rmSync(localRoot, { recursive: true, force: true });
}, 60_000);

/** A fresh, empty location below a new bucket, container or directory. */
const fresh = async (store: TestStore): Promise<ObjectStore> => openStore(`${await store.fresh('t')}/savepoints`, store.settings());
const byKind = (kind: TestStore['kind']) => stores.find((s) => s.kind === kind)!;

async function writeAll(store: ObjectStore, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 32) await Promise.all(keys.slice(i, i + 32).map((k) => store.write(k, `data of ${k}`)));
}

async function allKeys(store: ObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of listAll(store, prefix)) keys.push(...page.objects.map((o) => o.key));
  return keys;
}

describe.each(stores)('object store: $name', (flavour) => {
  it('writes, stats and reads an object whole and by byte range', async () => {
    const store = await fresh(flavour);
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
    const store = await fresh(flavour);
    expect(await store.stat('nope/_metadata')).toBeUndefined();
    const error = await store.read('nope/_metadata').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageObjectNotFoundError);
    expect((error as Error).message).toBe(`No such object: ${store.base}nope/_metadata`);
    store.close();
  });

  it('lists with a delimiter, a page at a time, in key order', async () => {
    const store = await fresh(flavour);
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
    const store = await fresh(flavour);
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
    const store = await fresh(flavour);
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
    const batch = flavour.deleteBatch;
    expect(resumed).toEqual(Array.from({ length: Math.ceil(keys.length / batch) }, (_, i) => Math.min(batch, keys.length - i * batch)));
    expect(await allKeys(store)).toEqual(['savepoint-fd7201-ffffffffffff/_metadata']);
    expect((await store.list('', { delimiter: '/' })).prefixes).toEqual(['savepoint-fd7201-ffffffffffff/']); // no empty "directory" left
    store.close();
  }, 300_000); // 1,150 writes: S3Mock slows as a bucket grows, more so on a loaded machine

  it('refuses keys that would leave the base', async () => {
    const store = await fresh(flavour);
    await expect(store.read('../elsewhere/_metadata')).rejects.toMatchObject({
      kind: 'usage',
      message: expect.stringContaining("Invalid storage key '../elsewhere/_metadata'"),
    });
    await expect(store.write('/abs', 'x')).rejects.toMatchObject({ kind: 'usage' });
    store.close();
  });

  if (flavour.missingRoot !== undefined) {
    it('a bucket or container that does not exist is a clear error, never "nothing found"', async () => {
      const store = await openStore(flavour.missingRoot!, flavour.settings());
      const what = flavour.kind === 's3' ? "Bucket 'no-such-bucket'" : "Container 'no-such-container'";
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

describe('HDFS specifics', () => {
  const hdfsStore = () => byKind('hdfs');
  const h = () => hdfsStore().hdfs!;
  const nn = (state: 'active' | 'standby') => h().namenodes.find((n) => n.state === state)!;
  const asUser = (user: string) =>
    storageSettings(resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] } }), { ...hdfsStore().env(), HADOOP_USER_NAME: user });
  const closedPort = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  it("one directory by every name: the HA name service, the active NameNode's RPC address, webhdfs:// of its HTTP address, hdfs:/// (fs.defaultFS)", async () => {
    const dir = `names-${process.pid}`;
    const settings = hdfsStore().settings();
    const viaNameservice = await openStore(`hdfs://${h().nameservice}/${dir}`, settings);
    await viaNameservice.write('savepoint-fd7201-0a1b2c3d4e5f/_metadata', 'written once');
    for (const uri of [`hdfs://127.0.0.1:${nn('active').rpc}/${dir}`, `webhdfs://127.0.0.1:${nn('active').http}/${dir}/`, `hdfs:///${dir}`, `hdfs:/${dir}`]) {
      const store = await openStore(uri, settings);
      expect(store.base).toBe(`${uri.replace(/\/$/, '').replace(/^hdfs:\/(?!\/)/, 'hdfs:///')}/`); // hdfs:/x is hdfs:///x
      expect((await store.read('savepoint-fd7201-0a1b2c3d4e5f/_metadata')).toString()).toBe('written once');
      expect((await store.list('', { delimiter: '/' })).prefixes).toEqual(['savepoint-fd7201-0a1b2c3d4e5f/']);
      store.close();
    }
    viaNameservice.close();
  });

  it('a write appears whole under its name: no temporary file is left, also when "create only if absent" finds the object', async () => {
    const store = await fresh(hdfsStore());
    await store.write('a/_pinned', 'first', { ifAbsent: true });
    await expect(store.write('a/_pinned', 'second', { ifAbsent: true })).rejects.toBeInstanceOf(StorageObjectExistsError);
    await store.write('a/_pinned', 'third');
    expect(await allKeys(store)).toEqual(['a/_pinned']);
    expect((await store.read('a/_pinned')).toString()).toBe('third');
    store.close();
  });

  it("a listing's later pages read no directory twice: one LISTSTATUS a directory for the whole listing", async () => {
    const store = await fresh(hdfsStore());
    await writeAll(store, [...Array.from({ length: 30 }, (_, i) => `job/shared/f-${String(i).padStart(2, '0')}`), 'job/chk-1/_metadata']);
    const listed: string[] = [];
    const count = ({ request }: { request: { method: string; path: string } }) => void (/[?&]op=LISTSTATUS\b/.test(request.path) && listed.push(request.path));
    subscribe('http.client.request.start', count as (message: unknown) => void);
    try {
      const pages: number[] = [];
      for await (const page of listAll(store, '', { pageSize: 4 })) pages.push(page.objects.length);
      expect(pages).toEqual([4, 4, 4, 4, 4, 4, 4, 3]);
    } finally {
      unsubscribe('http.client.request.start', count as (message: unknown) => void);
    }
    // The base, job/, job/chk-1/ and job/shared/, each once (a standby NameNode asked first adds none here: the
    // store's first request found the active one).
    expect(listed.map((p) => decodeURIComponent(p.replace(/^\/webhdfs\/v1/, '').replace(/\?.*$/, '')).replace(/^.*\/savepoints/, ''))).toEqual([
      '/',
      '/job',
      '/job/chk-1',
      '/job/shared',
    ]);
    store.close();
  });

  it('a standby NameNode addressed alone says it is a standby', async () => {
    const store = await openStore(`hdfs://127.0.0.1:${nn('standby').rpc}/anything`, hdfsStore().settings());
    const error = await store.list('', { delimiter: '/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageRequestError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Failed listing hdfs://127\\.0\\.0\\.1:${nn('standby').rpc}/anything/: StandbyException: Operation category READ is not supported in state standby`,
      ),
    );
    store.close();
  });

  it("a name service from Flink's flink.hadoop.* keys alone fails over from its standby; when no NameNode is active, the error names each", async () => {
    const keys = (name: string, second: string) => [
      `flink.hadoop.dfs.nameservices=${name}`,
      `flink.hadoop.dfs.ha.namenodes.${name}=one,two`,
      `flink.hadoop.dfs.namenode.http-address.${name}.one=127.0.0.1:${nn('standby').http}`,
      `flink.hadoop.dfs.namenode.http-address.${name}.two=${second}`,
    ];
    const settings = (...dynamic: string[]) =>
      storageSettings(resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic }), { HADOOP_USER_NAME: h().user });
    const good = await openStore('hdfs://viaflink/flink-keys', settings(...keys('viaflink', `127.0.0.1:${nn('active').http}`)));
    await good.write('x', 'y');
    expect((await good.read('x')).toString()).toBe('y');
    good.close();
    const closed = await closedPort();
    const bad = await openStore('hdfs://broken/flink-keys', settings(...keys('broken', `127.0.0.1:${closed}`)));
    const error = await bad.list('', { delimiter: '/' }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Failed listing hdfs://broken/flink-keys/: no active NameNode among 127.0.0.1:${nn('standby').http} (standby), 127.0.0.1:${closed} (ECONNREFUSED)`,
    );
    bad.close();
  });

  it("HDFS permissions: another user is access denied, naming the URI, the action, HDFS's reason and HADOOP_USER_NAME", async () => {
    const dir = `private-${process.pid}`;
    const owner = await openStore(`hdfs://${h().nameservice}/${dir}`, asUser(h().user));
    await owner.write('savepoint-fd7201-0a1b2c3d4e5f/_metadata', 'mine');
    const chmod = await fetch(`http://127.0.0.1:${nn('active').http}/webhdfs/v1/${dir}?op=SETPERMISSION&permission=700&user.name=${h().user}`, {
      method: 'PUT',
    });
    expect(chmod.status).toBe(200);
    const other = await openStore(`hdfs://${h().nameservice}/${dir}`, asUser('intruder'));
    const list = await other.list('', { delimiter: '/' }).catch((e: unknown) => e);
    expect(list).toBeInstanceOf(StorageAccessDeniedError);
    expect((list as Error).message).toBe(
      `Access denied listing hdfs://${h().nameservice}/${dir}/: Permission denied: user=intruder, access=READ_EXECUTE, inode="/${dir}":${h().user}:supergroup:drwx------ (requests act as user 'intruder': HADOOP_USER_NAME)`,
    );
    const read = await other.read('savepoint-fd7201-0a1b2c3d4e5f/_metadata').catch((e: unknown) => e);
    expect((read as Error).message).toMatch(
      new RegExp(`^Access denied reading hdfs://${h().nameservice}/${dir}/savepoint-fd7201-0a1b2c3d4e5f/_metadata: Permission denied: user=intruder`),
    );
    const write = await other.write('savepoint-fd7201-0a1b2c3d4e5f/_pinned', 'x').catch((e: unknown) => e);
    expect((write as Error).message).toMatch(
      new RegExp(`^Access denied writing hdfs://${h().nameservice}/${dir}/savepoint-fd7201-0a1b2c3d4e5f/_pinned: Permission denied: user=intruder`),
    );
    const del = await other.deleteMany(['savepoint-fd7201-0a1b2c3d4e5f/_metadata']).catch((e: unknown) => e);
    expect(del).toBeInstanceOf(StorageAccessDeniedError);
    expect((await owner.read('savepoint-fd7201-0a1b2c3d4e5f/_metadata')).toString()).toBe('mine');
    owner.close();
    other.close();
  });

  it('nothing listening, or a server that is not WebHDFS: a failed request naming the address, never "nothing found"', async () => {
    const closed = await closedPort();
    const nobody = await openStore(`webhdfs://127.0.0.1:${closed}/x`, hdfsStore().settings());
    expect(((await nobody.list('', { delimiter: '/' }).catch((e: unknown) => e)) as Error).message).toBe(
      `Failed listing webhdfs://127.0.0.1:${closed}/x/: cannot reach 127.0.0.1:${closed} (ECONNREFUSED)`,
    );
    nobody.close();
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>Not Found</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const other = await openStore(`webhdfs://127.0.0.1:${port}/x`, hdfsStore().settings());
      expect(((await other.stat('a').catch((e: unknown) => e)) as Error).message).toBe(
        `Failed checking webhdfs://127.0.0.1:${port}/x/a: HTTP 404 from the NameNode without a WebHDFS answer (is this a NameNode's HTTP address, with dfs.webhdfs.enabled?)`,
      );
      other.close();
    } finally {
      server.close();
    }
  });
});

describe('denied credentials', () => {
  it('Azurite checks the account key: a wrong key is access denied, naming the URI and the action', async () => {
    const wrongKey = Buffer.from('not the key of this account, 64 bytes long......................').toString('base64');
    const store = await openStore(
      `abfss://anything@${AZURITE_ACCOUNT}.dfs.core.windows.net/savepoints`,
      settingsOf(
        byKind('azure')
          .configLines()
          .find((l) => l.startsWith('azure.blob.endpoint: '))!
          .replace(': ', '='),
        `fs.azure.account.key.${AZURITE_ACCOUNT}.dfs.core.windows.net=${wrongKey}`,
      ),
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
      settingsOf(
        ...byKind('s3')
          .configLines()
          .map((k) => k.replace(': ', '='))
          .map((k) => (k.startsWith('s3.secret-key=') ? 's3.secret-key=wrong' : k)),
      ),
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
