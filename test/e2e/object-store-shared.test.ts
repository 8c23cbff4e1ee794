// Retained RocksDB incremental checkpoints of real Flink clusters (golden _metadata, 1.20 and 2.3) on S3 (S3Mock),
// Azure Blob (Azurite) and HDFS (MiniDFSCluster), via bin/flink with the cluster gone: inspect (--verify, --uid,
// --json), dispose with reference counts over the job's shared/ (and an interrupted disposal finished), and
// `savepoints gc`. The layout is Flink's: <root>/checkpoints/<job>/chk-<n>/_metadata with relative private files,
// absolute s3://, wasbs:// or hdfs:// URIs of the files in <job>/shared/ (the fixture's file:/ URIs rewritten, then
// re-encoded).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeFlinkMetadata } from '../../bench/flink-metadata-encoder.mjs';
import { operatorIdForUid } from '../../src/domain/operator-id.js';
import { decodeFlinkMetadata, referencedFiles, type FlinkCheckpointMetadata } from '../../src/storage/flink-metadata/index.js';
import { listAll, openStore, type ObjectStore } from '../../src/storage/object-store.js';
import { checkRemoteFiles } from '../../src/storage/store-inspect.js';
import { startStores, stopStores, testStores, type TestStore } from '../support/stores.js';
import { until } from '../support/until.js';
import { emptyDir, fixture, runFlink, type RunResult } from './helpers.js';

const NO_COORDINATOR = ['-m', '127.0.0.1:1'];
const flavours = testStores(['s3', 'azure', 'hdfs']);
type Flavour = TestStore;

beforeAll(() => startStores(flavours), 300_000);
afterAll(() => stopStores(flavours), 60_000);

/** Every string of a decoded model passed through `map` (a deep copy). */
function mapStrings<T>(value: T, map: (s: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)])) as T;
  return value;
}

interface Layout {
  root: string;
  conf: string;
  /** The store at <root>/checkpoints/. */
  store: ObjectStore;
  jobId: string;
  /** URIs of the two retained checkpoints, older first. */
  older: string;
  newer: string;
  /** URIs of the shared files the older one references. */
  shared: string[];
  /** Referenced by the older checkpoint alone / by the newer alone. */
  onlyOld: string;
  onlyNew: string;
  flink(args: string[]): Promise<RunResult>;
  keyOf(uri: string): string;
  keys(prefix: string): Promise<string[]>;
}

/**
 * Two retained checkpoints chk-<n> and chk-<n+1> of a real job, uploaded: the newer one the same state but one
 * shared file replaced by a new one (as RocksDB compaction does), so exactly that old file is the older one's alone.
 * `beforeNewest` runs before the newest _metadata is written (its LastModified is the "newest checkpoint" time).
 */
async function upload(flavour: Flavour, version: string, beforeNewest?: (l: Layout) => Promise<void>): Promise<Layout> {
  const src = fixture('flink-metadata', version, 'checkpoint-rocksdb-incremental');
  const real = readFileSync(path.join(src, '_metadata'));
  const listing = JSON.parse(readFileSync(path.join(src, 'files.json'), 'utf8')) as { directory: string };
  const oldRoot = path.dirname(path.dirname(listing.directory));
  const jobId = path.basename(path.dirname(listing.directory));
  const n = Number(/chk-(\d+)$/.exec(listing.directory)![1]);
  const root = await flavour.fresh('shared');
  const base = `${root}/checkpoints/`;
  const conf = emptyDir('conf-');
  writeFileSync(path.join(conf, 'config.yaml'), [...flavour.configLines(), ''].join('\n'));
  const store = await openStore(base, flavour.settings());
  const model = decodeFlinkMetadata(real);
  const properties = real.subarray(encodeFlinkMetadata(model, { propertiesBytes: Buffer.alloc(0) }).length);
  const keyOf = (uri: string) => uri.slice(base.length);

  const put = async (chk: string, m: FlinkCheckpointMetadata, metadataToo: boolean): Promise<string[]> => {
    const bytes = encodeFlinkMetadata(m, { propertiesBytes: properties });
    const files = referencedFiles(decodeFlinkMetadata(bytes, { snapshotDir: chk }));
    for (const f of files) await store.write(keyOf(f.path), Buffer.alloc(f.bytes));
    if (metadataToo) await store.write(`${keyOf(chk)}/_metadata`, bytes);
    return files.map((f) => f.path);
  };
  const moved = mapStrings(model, (s) => (s.startsWith(`file:${oldRoot}/`) ? `${base}${s.slice(`file:${oldRoot}/`.length)}` : s));
  const older = `${base}${jobId}/chk-${n}`;
  const newer = `${base}${jobId}/chk-${n + 1}`;
  const shared = (await put(older, moved, true)).filter((p) => p.startsWith(`${base}${jobId}/shared/`));
  const onlyOld = shared[0];
  const onlyNew = `${path.posix.dirname(onlyOld)}/replacement-of-${path.posix.basename(onlyOld)}`;
  const next = { ...mapStrings(moved, (s) => (s === onlyOld ? onlyNew : s)), checkpointId: n + 1 };
  const layout: Layout = {
    root,
    conf,
    store,
    jobId,
    older,
    newer,
    shared,
    onlyOld,
    onlyNew,
    keyOf,
    flink: (args) => runFlink(['--config-dir', conf, ...NO_COORDINATOR, ...args], { env: flavour.env() }),
    keys: async (prefix) => {
      const found: string[] = [];
      for await (const page of listAll(store, prefix)) found.push(...page.objects.map((o) => o.key));
      return found;
    },
  };
  await put(newer, next, false);
  await beforeNewest?.(layout);
  await store.write(`${keyOf(newer)}/_metadata`, encodeFlinkMetadata(next, { propertiesBytes: properties }));
  return layout;
}

const cases = flavours.flatMap((flavour) => ['1.20.5', '2.3.0'].map((version) => ({ flavour, version, name: `${flavour.name}, Flink ${version}` })));

describe.each(cases)('retained incremental checkpoints on $name', ({ flavour, version }) => {
  it('inspect: ids, bytes and every referenced object; --verify passes, then names a deleted referenced object (exit 1)', async () => {
    const l = await upload(flavour, version);
    try {
      const r = await l.flink(['savepoints', 'inspect', l.newer, '--json', '--uid', 'counter']);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(Object.keys(doc)).toEqual(['version', 'path', 'origin', 'metadataVersion', 'checkpointId', 'bytes', 'operators', 'files', 'verified', 'missing']);
      const local = decodeFlinkMetadata(readFileSync(fixture('flink-metadata', version, 'checkpoint-rocksdb-incremental', '_metadata')));
      expect(doc).toMatchObject({
        version: 1,
        path: l.newer,
        origin: 'flink',
        metadataVersion: local.version,
        checkpointId: local.checkpointId + 1,
        verified: null,
        missing: [],
      });
      expect(doc.operators.map((o: { id: string }) => o.id)).toEqual(local.operators.map((o) => o.id));
      expect(doc.operators.find((o: { uid: string | null }) => o.uid === 'counter')?.id).toBe(operatorIdForUid('counter'));
      expect(doc.bytes).toBeGreaterThan(0);
      const paths = doc.files.map((f: { path: string }) => f.path);
      expect(paths).toContain(l.onlyNew);
      expect(paths).not.toContain(l.onlyOld);
      for (const p of paths) expect(p.startsWith(`${l.newer}/`) || p.startsWith(`${l.root}/checkpoints/${l.jobId}/shared/`)).toBe(true);

      const text = await l.flink(['savepoints', 'inspect', l.newer, '--verify']);
      expect(text.exitCode).toBe(0);
      expect(text.stdout).toContain(`Snapshot:    ${l.newer}\n`);
      expect(text.stdout).toContain(`Verified: all ${paths.length} referenced file(s) present with their recorded size.`);

      const victim = l.shared[1];
      await l.store.deleteMany([l.keyOf(victim)]);
      const bad = await l.flink(['savepoints', 'inspect', l.newer, '--verify', '--json']);
      expect(bad.exitCode).toBe(1);
      expect(JSON.parse(bad.stdout)).toMatchObject({ verified: false, missing: [victim] });
      expect(bad.stderr).toContain(`${victim} (missing)`);
      // The listing's full verification (what --latest uses) sees it too: neither checkpoint is restorable.
      const latest = await l.flink(['savepoints', '--latest', '--dir', `${l.root}/checkpoints`]);
      expect(latest.exitCode).toBe(5);
      expect(latest.stderr).toContain(`skipping ${l.newer}: referenced file ${victim}: missing`);
    } finally {
      l.store.close();
    }
  });

  it('dispose of the older checkpoint: plans and deletes exactly the shared objects only it references; the newer one still verifies', async () => {
    const l = await upload(flavour, version);
    try {
      const plan = await l.flink(['dispose', '--dry-run', '--json', '--offline', l.older]);
      expect(plan.exitCode).toBe(0);
      const step = JSON.parse(plan.stdout).plan[0];
      expect(step.directory).toBe(l.older);
      const chk = path.posix.basename(l.older);
      expect(step.sharedFiles.filter((f: { action: string }) => f.action === 'delete')).toEqual([
        { path: l.onlyOld, bytes: expect.any(Number), action: 'delete', reason: `shared: referenced only by ${chk}` },
      ]);
      const kept = step.sharedFiles.filter((f: { action: string }) => f.action === 'keep');
      expect(kept.map((f: { path: string }) => f.path).sort()).toEqual(l.shared.slice(1).sort());
      for (const f of kept) expect(f.reason).toBe(`shared: also referenced by ${path.posix.basename(l.newer)}`);
      const text = await l.flink(['dispose', '--dry-run', '--offline', l.older]);
      expect(text.stdout).toContain(`and 1 of its ${l.shared.length} shared file(s)`);
      expect(text.stdout).toContain(`  delete ${l.onlyOld} (`);
      expect(await l.keys(l.keyOf(l.onlyOld))).toEqual([l.keyOf(l.onlyOld)]); // a dry run deletes nothing

      const done = await l.flink(['dispose', '--offline', l.older]);
      expect(done.stderr).not.toContain('Error');
      expect(done.exitCode).toBe(0);
      expect(await l.keys(`${l.keyOf(l.older)}/`)).toEqual([]);
      const shared = await l.keys(`${l.jobId}/shared/`);
      expect(shared).not.toContain(l.keyOf(l.onlyOld));
      expect(shared.sort()).toEqual([...l.shared.slice(1), l.onlyNew].map(l.keyOf).sort());
      expect((await l.flink(['savepoints', 'inspect', l.newer, '--verify'])).exitCode).toBe(0);
      expect((await l.flink(['savepoints', '--latest', '--dir', `${l.root}/checkpoints`])).stdout).toBe(`${l.newer}\n`);

      // The last retained checkpoint goes with every shared object it references.
      expect((await l.flink(['dispose', '--offline', l.newer])).exitCode).toBe(0);
      expect(await l.keys(`${l.jobId}/`)).toEqual([]);
    } finally {
      l.store.close();
    }
  });

  it('an interrupted disposal is recognised, and the next dispose finishes it: the shared objects its marker lists, judged again', async () => {
    const l = await upload(flavour, version);
    try {
      // What an interruption after the checkpoint's own objects leaves: the marker listing the shared objects
      // still to go. One of them (l.shared[1]) is referenced by the newer checkpoint: it must stay.
      await l.store.write(`${l.keyOf(l.older)}/_disposing`, `${new Date().toISOString()}\n${l.onlyOld}\n${l.shared[1]}\n`);
      const own = (await l.keys(`${l.keyOf(l.older)}/`)).filter((k) => !k.endsWith('/_disposing'));
      await l.store.deleteMany(own);
      const listed = JSON.parse((await l.flink(['--json', 'savepoints', l.jobId, '--all', '--dir', `${l.root}/checkpoints`])).stdout).snapshots as Array<{
        path: string;
        state: string;
        problem: string;
      }>;
      expect(listed.find((e) => e.path === l.older)).toMatchObject({
        state: 'incomplete',
        problem: expect.stringContaining('a disposal started and did not finish'),
      });
      const r = await l.flink(['dispose', '--offline', l.older]);
      expect(r.exitCode).toBe(0);
      expect(await l.keys(`${l.keyOf(l.older)}/`)).toEqual([]);
      const shared = await l.keys(`${l.jobId}/shared/`);
      expect(shared).not.toContain(l.keyOf(l.onlyOld));
      expect(shared).toContain(l.keyOf(l.shared[1]));
      expect((await l.flink(['savepoints', 'inspect', l.newer, '--verify'])).exitCode).toBe(0);
    } finally {
      l.store.close();
    }
  });
});

describe.each(flavours)('savepoints gc on $name', (flavour) => {
  it('reclaims a planted orphan older than --min-age and than the newest checkpoint; nothing referenced, nothing young', async () => {
    let planted = 0;
    const l = await upload(flavour, '2.3.0', async (layout) => {
      await layout.store.write(`${layout.jobId}/shared/orphan-of-a-failed-checkpoint`, Buffer.alloc(100));
      await layout.store.write(`${layout.jobId}/taskowned/orphan-owned`, Buffer.alloc(30));
      // Object stores keep modification times to the second: the newest checkpoint completes in a later one.
      planted = (await layout.store.stat(`${layout.jobId}/shared/orphan-of-a-failed-checkpoint`))!.lastModified.getTime();
      await until('the next second', () => (Date.now() > planted + 1100 ? true : undefined));
    });
    try {
      const young = `${l.jobId}/shared/being-written`;
      await l.store.write(young, Buffer.alloc(5));
      const orphan = `${l.root}/checkpoints/${l.jobId}/shared/orphan-of-a-failed-checkpoint`;
      const owned = `${l.root}/checkpoints/${l.jobId}/taskowned/orphan-owned`;
      const gc = (args: string[]) => l.flink(['savepoints', 'gc', '--job', l.jobId, '--dir', `${l.root}/checkpoints`, ...args]);

      // Everything unreferenced is younger than an hour: nothing goes.
      const hour = await gc(['--dry-run', '--json']);
      expect(hour.exitCode).toBe(0);
      expect(JSON.parse(hour.stdout)).toEqual({ version: 1, files: [], bytes: 0 });
      expect(hour.stderr).toContain('3 unreferenced file(s) newer than');

      await until('the orphans to be 2 s old', () => (Date.now() > planted + 3000 ? true : undefined), 10_000);
      const dry = await gc(['--dry-run', '--json', '--min-age', '2s']);
      expect(dry.exitCode).toBe(0);
      const doc = JSON.parse(dry.stdout);
      expect(Object.keys(doc)).toEqual(['version', 'files', 'bytes']);
      expect(doc.files.map((f: { path: string }) => f.path).sort()).toEqual([orphan, owned].sort());
      expect(doc.files[0]).toEqual({ path: expect.any(String), bytes: expect.any(Number), reason: 'referenced by none of the 2 retained checkpoint(s)' });
      expect(doc.bytes).toBe(130);
      expect(await l.keys(`${l.jobId}/taskowned/`)).toEqual([`${l.jobId}/taskowned/orphan-owned`]);

      const done = await gc(['--min-age', '2s']);
      expect(done.exitCode).toBe(0);
      expect(done.stdout).toContain(`Reclaimed ${orphan} (`);
      expect(done.stderr).toContain('Reclaimed 2 file(s)');
      expect(done.stderr).toContain('1 unreferenced file(s) newer than');
      const left = await l.keys(`${l.jobId}/`);
      expect(left).not.toContain(l.keyOf(orphan));
      expect(left).not.toContain(l.keyOf(owned));
      expect(left).toContain(young); // newer than the newest checkpoint
      for (const f of [...l.shared, l.onlyNew]) expect(left).toContain(l.keyOf(f));
      for (const chk of [l.older, l.newer]) expect((await l.flink(['savepoints', 'inspect', chk, '--verify'])).exitCode).toBe(0);
    } finally {
      l.store.close();
    }
  });

  it("refuses, deleting nothing, while a retained checkpoint's _metadata cannot be read; no such job prefix is exit 5", async () => {
    const l = await upload(flavour, '1.20.5');
    try {
      const orphan = `${l.jobId}/shared/orphan`;
      await l.store.write(orphan, 'x');
      await l.store.write(`${l.jobId}/chk-99/_metadata`, (await l.store.read(`${l.keyOf(l.older)}/_metadata`)).subarray(0, 100));
      const r = await l.flink(['savepoints', 'gc', '--job', l.jobId, '--dir', `${l.root}/checkpoints`, '--min-age', '0s']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        /(^|\n)Error: Refusing to collect garbage in .*: the _metadata of chk-99 cannot be read \(.*\), so what it references is unknown\. Nothing was deleted\.\n/,
      );
      expect(await l.keys(orphan)).toEqual([orphan]);
      const none = await l.flink(['savepoints', 'gc', '--job', 'fd72014d4c864993a2e5a9287b4a9c5d', '--dir', `${l.root}/checkpoints`]);
      expect(none.exitCode).toBe(5);
      expect(none.stderr).toContain(
        `No checkpoint directory of job fd72014d4c864993a2e5a9287b4a9c5d: looked in ${l.root}/checkpoints/fd72014d4c864993a2e5a9287b4a9c5d.`,
      );
    } finally {
      l.store.close();
    }
  });
});

describe.each(flavours)('checking many referenced objects on $name', (flavour) => {
  it('a folder of many is listed, not stat-ed one by one; what a cut-short listing missed is stat-ed; the answer is the same', async () => {
    const root = await flavour.fresh('many');
    const settings = flavour.settings();
    const store = await openStore(`${root}/`, settings);
    try {
      const name = (i: number) => String(i).padStart(3, '0');
      // 70 referenced objects in b/, sorted after 100 unreferenced ones in the same folder; 3 more in c/.
      const keys = [
        ...Array.from({ length: 100 }, (_, i) => `job/shared/a-${name(i)}`),
        ...Array.from({ length: 70 }, (_, i) => `job/shared/b-${name(i)}`),
        'job/c/x',
        'job/c/y',
        'job/c/z',
      ];
      for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((k) => store.write(k, 'four')));
      await store.deleteMany(['job/shared/b-013', 'job/c/y']);
      await store.write('job/shared/b-042', 'five!');
      const files = keys.filter((k) => !k.includes('/a-')).map((k) => ({ path: `${root}/${k}`, bytes: 4, exact: true }));
      const expected = [
        { path: `${root}/job/shared/b-013`, problem: 'missing' },
        { path: `${root}/job/shared/b-042`, problem: '5 bytes, expected 4' },
        { path: `${root}/job/c/y`, problem: 'missing' },
      ];
      // Whole listing (1,000 keys a page), and a listing cut short after 7 pages of 10 keys (before b/).
      // A stat is a HEAD on S3 and Azure (not S3's HeadBucket), a GETFILESTATUS on HDFS (answered by the active NameNode).
      const active = flavour.hdfs?.namenodes.find((n) => n.state === 'active');
      const isStat = (request: { method: string; path: string; getHeader(name: string): unknown }) =>
        flavour.kind === 'hdfs'
          ? request.method === 'GET' && /[?&]op=GETFILESTATUS\b/.test(request.path) && request.getHeader('host') === `127.0.0.1:${active!.http}`
          : request.method === 'HEAD';
      const heads: string[] = [];
      const count = ({ request }: { request: { method: string; path: string; getHeader(name: string): unknown } }) =>
        void (isStat(request) && request.path.includes('/job/') && heads.push(request.path));
      subscribe('http.client.request.start', count as (message: unknown) => void);
      try {
        for (const [pageSize, stats] of [
          [undefined, 3],
          [10, 73],
        ] as const) {
          heads.length = 0;
          const v = await checkRemoteFiles(files, settings, { pageSize });
          expect(v.problems).toEqual(expected);
          expect(v.ok).toBe(false);
          expect(heads).toHaveLength(stats); // c/ by HEADs; b/ from the listing, or by HEADs where it was cut short
        }
      } finally {
        unsubscribe('http.client.request.start', count as (message: unknown) => void);
      }
    } finally {
      store.close();
    }
  }, 60_000);
});
