// The two verification levels on a local directory, S3 and Azure: a byte flipped in a state file (same size)
// passes quick and fails full; a truncated file, a damaged _metadata or a missing snapshot fail both; the name
// of the folder does not matter; Flink's real savepoints pass (every file they reference is there).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SnapshotStorage } from '../../../src/storage/index.js';
import { checkReferencedFiles } from '../../../src/storage/verify.js';
import { aroundThisFile, threeStores } from '../../support/stores.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const stores = threeStores();
let storage: SnapshotStorage;

aroundThisFile(stores, (opened) => (storage = opened));

describe.each(stores.flavours)('verification on $name', (flavour) => {
  let root = '';
  beforeAll(async () => (root = await flavour.fresh()));

  async function snapshot(): Promise<string> {
    const dir = await storage.writer.createSavepoint(root, JOB);
    const files = [
      await storage.writer.writeStateFile(dir, 'keyed/op-count-0.state', Buffer.alloc(64 * 1024, 7)),
      await storage.writer.writeStateFile(dir, 'op-source-0.state', 'positions'),
    ];
    await storage.writer.publish(dir, {
      id: 1,
      kind: 'savepoint',
      trigger: 'manual',
      format: 'canonical',
      jobId: JOB,
      jobName: 'Event counter',
      jobFingerprint: 'f'.repeat(64),
      operators: [],
      toolVersion: '0.0.0-dev',
      triggeredAt: 1000,
      completedAt: 2000,
      files,
    });
    return dir;
  }

  async function flip(dir: string, key: string, at: number): Promise<void> {
    const bytes = await stores.get(dir, key);
    bytes[at] ^= 0xff;
    await stores.put(dir, key, bytes);
  }

  it('an intact snapshot passes both levels, by its folder or its _metadata (and file: URIs on a local disk)', async () => {
    const dir = await snapshot();
    expect(await storage.verify(dir, 'quick')).toEqual({ level: 'quick', state: 'complete' });
    expect(await storage.verify(`${dir}/_metadata`, 'full')).toEqual({ level: 'full', state: 'complete' });
    if (flavour.name === 'local directory') expect(await storage.verify(`file://${dir}`, 'full')).toEqual({ level: 'full', state: 'complete' });
  });

  it('one byte flipped in a state file, same size: quick passes, full fails naming the file', async () => {
    const dir = await snapshot();
    await flip(dir, 'keyed/op-count-0.state', 1234);
    expect(await storage.verify(dir, 'quick')).toEqual({ level: 'quick', state: 'complete' });
    expect(await storage.verify(dir, 'full')).toEqual({
      level: 'full',
      state: 'corrupt',
      problem: 'state file keyed/op-count-0.state fails its checksum (corrupt)',
    });
  });

  it('does not care what the folder is called (a restored savepoint may have been moved or renamed)', async () => {
    const dir = await snapshot();
    const renamed = `${root}/golden copy`;
    for (const key of await stores.keysUnder(dir)) await stores.put(renamed, key, await stores.get(dir, key));
    expect(await storage.verify(renamed, 'full')).toEqual({ level: 'full', state: 'complete' });
  });

  it('a truncated state file, a flipped byte in _metadata, no _metadata, nothing there: both levels fail', async () => {
    const truncated = await snapshot();
    await stores.put(truncated, 'op-source-0.state', 'pos');
    const badMeta = await snapshot();
    await flip(badMeta, '_metadata', 60);
    const unpublished = await snapshot();
    await stores.remove(unpublished, ['_metadata']);
    for (const level of ['quick', 'full'] as const) {
      expect(await storage.verify(truncated, level)).toEqual({ level, state: 'corrupt', problem: 'state file op-source-0.state missing or truncated' });
      expect(await storage.verify(badMeta, level)).toMatchObject({ level, state: 'corrupt', problem: expect.stringMatching(/^_metadata is /) });
      expect(await storage.verify(unpublished, level)).toMatchObject({ level, state: 'incomplete' });
      expect(await storage.verify(`${root}/gone`, level)).toEqual({ level, state: 'incomplete', problem: 'directory no longer exists' });
    }
  });

  it("Apache Flink's savepoints (real _metadata of 1.20 and 2.x, no files beside it) pass both levels", async () => {
    for (const version of readdirSync('fixtures/snapshots').filter((d) => d.startsWith('flink-'))) {
      const savepoint = readdirSync(path.join('fixtures/snapshots', version)).find((d) => d.startsWith('savepoint-'))!;
      const copy = `${root}/${version}/${savepoint}`;
      await stores.put(copy, '_metadata', readFileSync(path.join('fixtures/snapshots', version, savepoint, '_metadata')));
      expect(await storage.verify(copy, 'quick')).toEqual({ level: 'quick', state: 'complete' });
      expect(await storage.verify(copy, 'full')).toEqual({ level: 'full', state: 'complete' });
    }
  });
});

describe.each(stores.flavours)('checking many referenced files on $name', (flavour) => {
  it('a folder of many is listed, not stat-ed one by one; what a cut-short listing missed is stat-ed; the answer is the same', async () => {
    const root = await flavour.fresh();
    const name = (i: number) => String(i).padStart(3, '0');
    // 70 referenced objects in b/, sorted after 100 unreferenced ones in the same folder; 3 more in c/.
    const keys = [
      ...Array.from({ length: 100 }, (_, i) => `job/shared/a-${name(i)}`),
      ...Array.from({ length: 70 }, (_, i) => `job/shared/b-${name(i)}`),
      'job/c/x',
      'job/c/y',
      'job/c/z',
    ];
    for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((k) => stores.put(root, k, 'four')));
    await stores.remove(root, ['job/shared/b-013', 'job/c/y']);
    await stores.put(root, 'job/shared/b-042', 'five!');
    const files = keys.filter((k) => !k.includes('/a-')).map((k) => ({ path: `${root}/${k}`, bytes: 4, exact: true }));
    const expected = [
      { path: `${root}/job/shared/b-013`, problem: 'missing' },
      { path: `${root}/job/shared/b-042`, problem: '5 bytes, expected 4' },
      { path: `${root}/job/c/y`, problem: 'missing' },
    ];
    // Whole listing, and a listing cut short after 7 pages of 10 keys (before b/).
    const heads: string[] = [];
    const count = ({ request }: { request: { method: string; path: string } }) =>
      void (request.method === 'HEAD' && request.path.includes('/job/') && heads.push(request.path)); // not S3's HeadBucket
    subscribe('http.client.request.start', count as (message: unknown) => void);
    try {
      for (const [pageSize, stats] of [
        [undefined, 3],
        [10, 73],
      ] as const) {
        heads.length = 0;
        expect(await checkReferencedFiles(storage.pool, files, { pageSize })).toEqual(expected);
        if (flavour.name !== 'local directory') expect(heads).toHaveLength(stats); // c/ by HEADs; b/ from the listing, or by HEADs where it was cut short
      }
    } finally {
      unsubscribe('http.client.request.start', count as (message: unknown) => void);
    }
  }, 60_000);
});
