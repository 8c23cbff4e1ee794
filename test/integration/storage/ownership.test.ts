// Ownership across the roots in play, on a local directory, S3 and Azure, with Flink's layouts built from golden
// _metadata (paths rewritten to the store): file merging (segments of one physical file count per physical file),
// a changelog root's dstl/ files (deleted only when in play and referenced by nothing else), a ForSt job's live
// database below shared/ (never gc's), and the reference cache (a second plan reads no _metadata).
import { describe, expect, it } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeFlinkMetadata } from '../../../bench/flink-metadata-encoder.mjs';
import { decodeFlinkMetadata, referencedFiles, type FlinkCheckpointMetadata } from '../../../src/storage/flink-metadata/index.js';
import type { SnapshotStorage } from '../../../src/storage/index.js';
import { aroundThisFile, threeStores, type StoreFlavour } from '../../support/stores.js';
import { until } from '../../support/until.js';

const stores = threeStores();
let storage: SnapshotStorage;

aroundThisFile(stores, (opened) => (storage = opened));

function mapStrings<T>(value: T, map: (s: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)])) as T;
  return value;
}

/** A golden checkpoint of Flink 2.3.0 rewritten below `root` (its files written with their recorded sizes): its job id, folder and model. */
async function golden(flavour: StoreFlavour, root: string, name: string) {
  const src = path.join('fixtures/flink-metadata/2.3.0', name);
  const real = readFileSync(path.join(src, '_metadata'));
  const listing = JSON.parse(readFileSync(path.join(src, 'files.json'), 'utf8')) as { directory: string };
  const oldRoot = path.dirname(path.dirname(listing.directory));
  const local = flavour.name === 'local directory';
  const uri = (location: string) => (local ? `file:${location}` : location);
  const model = mapStrings(decodeFlinkMetadata(real), (s) => (s.startsWith(`file:${oldRoot}/`) ? uri(`${root}/${s.slice(`file:${oldRoot}/`.length)}`) : s));
  const properties = real.subarray(encodeFlinkMetadata(decodeFlinkMetadata(real), { propertiesBytes: Buffer.alloc(0) }).length);
  const put = async (chk: string, m: FlinkCheckpointMetadata) => {
    const bytes = encodeFlinkMetadata(m, { propertiesBytes: properties });
    const files = referencedFiles(decodeFlinkMetadata(bytes, { snapshotDir: chk })).map((f) => ({ ...f, path: local ? f.path.replace(/^file:/, '') : f.path }));
    for (const f of files) await stores.put(root, f.path.slice(root.length + 1), Buffer.alloc(f.bytes));
    await stores.put(chk, '_metadata', bytes);
    return files.map((f) => f.path);
  };
  return {
    jobId: path.basename(path.dirname(listing.directory)),
    chk: `${root}/${path.basename(path.dirname(listing.directory))}/${path.basename(listing.directory)}`,
    model,
    properties,
    put,
    uri,
  };
}

describe.each(stores.flavours)('ownership on $name', (flavour) => {
  it('file merging: segments count per physical file; disposing one checkpoint keeps what the other references', async () => {
    const root = await flavour.fresh();
    const g = await golden(flavour, root, 'checkpoint-file-merging');
    const files = await g.put(g.chk, g.model);
    const physical = files.filter((f) => f.includes('/taskowned/') || f.includes('/shared/'));
    expect(physical.length).toBeGreaterThan(1);
    // A newer checkpoint with the same segments but for the first physical file (compacted away).
    const n = Number(/chk-(\d+)$/.exec(g.chk)![1]);
    const newer = `${root}/${g.jobId}/chk-${n + 1}`;
    const moved = mapStrings(g.model, (s) => (s === g.uri(physical[0]) ? g.uri(`${physical[0]}-compacted`) : s));
    await g.put(newer, { ...moved, checkpointId: n + 1 });
    const [step] = await storage.planDisposal([g.chk], { roots: [root], jobs: [] });
    const outside = step.sharedFiles!.filter((f) => !f.path.startsWith(`${step.directory}/`));
    expect(outside.filter((f) => f.action === 'delete').map((f) => f.path)).toEqual([physical[0]]);
    for (const f of physical.slice(1))
      expect(outside.find((p) => p.path === f)).toMatchObject({ action: 'keep', reason: `shared: also referenced by chk-${n + 1}` });
    await storage.dispose(g.chk, { roots: [root], jobs: [] });
    expect(await storage.verify(newer, 'full')).toEqual({ level: 'full', state: 'complete' });
    const left = await stores.keysUnder(`${root}/${g.jobId}`);
    expect(left.some((k) => `${root}/${g.jobId}/${k}` === physical[0])).toBe(false);
  });

  it("a changelog root's files go only when that root is in play and nothing else references them", async () => {
    const root = await flavour.fresh();
    const checkpoints = `${root}/checkpoints`;
    const dstl = `${root}/changelog`;
    const g = await golden(flavour, checkpoints, 'checkpoint-rocksdb-incremental');
    const log = (name: string) => `${dstl}/${g.jobId}/dstl/${name}`;
    // The checkpoint's first shared file stands in for a change log under the changelog root (a file handle there).
    const files = referencedFiles(decodeFlinkMetadata(encodeFlinkMetadata(g.model, { propertiesBytes: g.properties }), { snapshotDir: g.chk }));
    const first = files.find((f) => f.path.includes('/shared/'))!.path;
    await g.put(
      g.chk,
      mapStrings(g.model, (s) => (s === first ? g.uri(log('a')) : s)),
    );
    const keptWithout = await storage.planDisposal([g.chk], { roots: [checkpoints], jobs: [] });
    expect(keptWithout[0].sharedFiles!.find((f) => f.path === log('a'))).toMatchObject({
      action: 'keep',
      reason: expect.stringContaining('outside the snapshot roots in play'),
    });
    const [step] = await storage.planDisposal([g.chk], { roots: [checkpoints, dstl], jobs: [] });
    expect(step.sharedFiles!.find((f) => f.path === log('a'))).toMatchObject({ action: 'delete' });
    // While the job runs, its changelog is its JobManager's.
    const running = await storage.planDisposal([g.chk], {
      roots: [checkpoints, dstl],
      jobs: [{ jobId: g.jobId, status: 'RUNNING', completedSinceRestore: 3 }],
    });
    expect(running[0].sharedFiles!.find((f) => f.path === log('a'))).toMatchObject({ action: 'keep', reason: expect.stringContaining('is RUNNING') });
    await storage.dispose(g.chk, { roots: [checkpoints, dstl], jobs: [] });
    expect(await stores.keysUnder(`${dstl}/${g.jobId}`)).toEqual([]);
  });

  it("gc never takes a ForSt job's live database below shared/; it takes an old orphan beside it", async () => {
    const root = await flavour.fresh();
    const g = await golden(flavour, root, 'checkpoint-rocksdb-incremental');
    await stores.put(root, `${g.jobId}/shared/op_counter_attempt_1/db/000042.sst`, 'live');
    await stores.put(root, `${g.jobId}/shared/orphan`, 'old');
    // Object stores keep modification times to the second: the newest checkpoint completes in a later one.
    const planted = Date.now();
    await until('the next second', () => (Date.now() > planted + 1100 ? true : undefined));
    await g.put(g.chk, g.model);
    const outcome = await storage.planGc({ jobId: g.jobId, dirs: [root], roots: [], minAgeMs: 0, now: Date.now() + 3_600_000 });
    expect(outcome.plan!.files.map((f) => f.path)).toEqual([`${root}/${g.jobId}/shared/orphan`]);
    expect(outcome.plan!.young).toEqual([]);
  });

  it('the reference cache: a second plan reads no _metadata but the target', async () => {
    const root = await flavour.fresh();
    const g = await golden(flavour, root, 'checkpoint-rocksdb-incremental');
    await g.put(g.chk, g.model);
    const n = Number(/chk-(\d+)$/.exec(g.chk)![1]);
    for (let k = 1; k <= 3; k++) await g.put(`${root}/${g.jobId}/chk-${n + k}`, { ...g.model, checkpointId: n + k });
    const cached = stores.storage({ cacheDir: mkdtempSync(path.join(tmpdir(), 'reference-cache-')) });
    const gets: string[] = [];
    const count = ({ request }: { request: { method: string; path: string } }) =>
      void (request.method === 'GET' && request.path.includes('_metadata') && gets.push(request.path));
    subscribe('http.client.request.start', count as (message: unknown) => void);
    try {
      const first = await cached.planDisposal([g.chk], { roots: [root], jobs: [] });
      const cold = gets.length;
      gets.length = 0;
      const second = await cached.planDisposal([g.chk], { roots: [root], jobs: [] });
      expect(second).toEqual(first);
      if (flavour.name !== 'local directory') {
        expect(cold).toBeGreaterThanOrEqual(5); // the target's (its own reads, and as a retained snapshot) and the 3 others'
        expect(gets.length).toBe(cold - 4); // the target's own reads only: every retained one's references come from the cache
      }
    } finally {
      unsubscribe('http.client.request.start', count as (message: unknown) => void);
    }
  });
});
