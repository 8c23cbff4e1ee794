// scanStoreRoots through the storage interface on a real directory (LocalStore): the grouping of a flat
// listing into snapshots, and a job filter that leaves other jobs' snapshots unread.
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeMetadata } from '../../../src/storage/metadata.js';
import { openStore } from '../../../src/storage/object-store.js';
import { scanStoreRoots } from '../../../src/storage/store-catalog.js';

const SETTINGS = { s3: { pathStyle: false }, azure: { accountKey: () => undefined } };
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const OTHER = 'ab12cd4d4c864993a2e5a9287b4a9c5d';
const root = mkdtempSync(path.join(tmpdir(), 'store-catalog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const meta = (jobId: string, id: number) =>
  encodeMetadata({
    formatVersion: 1,
    id,
    kind: 'savepoint',
    trigger: 'manual',
    format: 'canonical',
    jobId,
    jobName: 'n',
    jobFingerprint: 'f',
    operators: [],
    toolVersion: 't',
    triggeredAt: 1,
    completedAt: id,
    files: [],
  });

describe('scanStoreRoots', () => {
  it('groups a flat listing into savepoints and <jobId>/chk-<n> checkpoints, skipping shared/ and unrelated keys', async () => {
    const store = await openStore(root, SETTINGS);
    await store.write('savepoint-fd7201-000000000001/_metadata', meta(JOB, 1));
    await store.write('savepoint-ab12cd-000000000002/_metadata', 'not a metadata file'); // another job's, corrupt
    await store.write(`${JOB}/chk-3/_metadata`, meta(JOB, 3));
    await store.write(`${JOB}/shared/file`, 'x');
    await store.write('README', 'unrelated');
    store.close();
    const all = await scanStoreRoots([root], SETTINGS);
    expect(all.map((e) => [path.basename(e.path), e.state]).sort()).toEqual([
      ['chk-3', 'complete'],
      ['savepoint-ab12cd-000000000002', 'corrupt'],
      ['savepoint-fd7201-000000000001', 'complete'],
    ]);
    // With a job asked for, another job's snapshots are neither read nor returned.
    const mine = await scanStoreRoots([root], SETTINGS, { jobId: JOB });
    expect(mine.map((e) => path.basename(e.path)).sort()).toEqual(['chk-3', 'savepoint-fd7201-000000000001']);
    expect((await scanStoreRoots([root], SETTINGS, { jobId: OTHER })).map((e) => e.state)).toEqual(['corrupt']);
    // A root that is a snapshot itself.
    expect((await scanStoreRoots([path.join(root, `${JOB}/chk-3`)], SETTINGS)).map((e) => [e.jobId, e.snapshotId])).toEqual([[JOB, 3]]);
  });
});
