// Retained RocksDB incremental checkpoints of real Flink clusters (golden _metadata, 1.20 and 2.3) on a local
// directory, S3 (S3Mock), Azure Blob (Azurite) and HDFS (MiniDFSCluster), via bin/flink with the cluster gone: inspect (--verify, --uid,
// --json), full verification in listings, dispose with reference counts over every retained snapshot under the
// roots (an interrupted disposal finished), `savepoints gc`, and ownership across jobs: a job that claimed
// another's checkpoint (Flink's CLAIM restore) keeps the files of the other job's folder it references.
// The layout is Flink's: <root>/checkpoints/<job>/chk-<n>/_metadata with relative private files and absolute
// URIs of the files in <job>/shared/ (the fixture's file:/ URIs rewritten to the store, then re-encoded).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, renameSync, rmdirSync, symlinkSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { encodeFlinkMetadata } from '../../bench/flink-metadata-encoder.mjs';
import { operatorIdForUid } from '../../src/domain/operator-id.js';
import { decodeFlinkMetadata, referencedFiles, type FlinkCheckpointMetadata } from '../../src/storage/flink-metadata/index.js';
import { threeStores, type StoreFlavour } from '../support/stores.js';
import { until } from '../support/until.js';
import { emptyDir, fixture, runFlink, type RunResult } from './helpers.js';

const NO_COORDINATOR = ['-m', '127.0.0.1:1'];
const OTHER_JOB = '9a8b7c6d5e4f30211203948576a6b7c8';
const stores = threeStores({ hdfs: true });
// Each test runs bin/flink a dozen times against a store: on a loaded machine that takes its time.
jest.setTimeout(120_000);

beforeAll(() => stores.start(), 240_000);
afterAll(() => stores.stop(), 60_000);

/** Every string of a decoded model passed through `map` (a deep copy). */
function mapStrings<T>(value: T, map: (s: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, map)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)])) as T;
  return value;
}

interface Layout {
  root: string;
  /** <root>/checkpoints (where the jobs' folders are). */
  checkpoints: string;
  jobId: string;
  /** Locations of the two retained checkpoints, older first. */
  older: string;
  newer: string;
  /** Locations of the shared files the older one references. */
  shared: string[];
  /** Referenced by the older checkpoint alone / by the newer alone. */
  onlyOld: string;
  onlyNew: string;
  flink(args: string[]): Promise<RunResult>;
  /** Keys below <root>/checkpoints/ that start with `prefix` (a location or a key). */
  keys(prefix: string): Promise<string[]>;
  keyOf(location: string): string;
  /** Writes one more retained checkpoint from a decoded model (its files first, _metadata last). */
  put(chk: string, m: FlinkCheckpointMetadata, metadataToo?: boolean): Promise<string[]>;
  model: FlinkCheckpointMetadata;
  write(location: string, body: string | Buffer): Promise<void>;
  remove(locations: string[]): Promise<void>;
}

/**
 * Two retained checkpoints chk-<n> and chk-<n+1> of a real job: the newer one the same state but one shared file
 * replaced by a new one (as RocksDB compaction does), so exactly that old file is the older one's alone.
 * `beforeNewest` runs before the newest _metadata is written (its modification time is the "newest checkpoint").
 */
async function upload(flavour: StoreFlavour, version: string, beforeNewest?: (l: Layout) => Promise<void>): Promise<Layout> {
  const src = fixture('flink-metadata', version, 'checkpoint-rocksdb-incremental');
  const real = readFileSync(path.join(src, '_metadata'));
  const listing = JSON.parse(readFileSync(path.join(src, 'files.json'), 'utf8')) as { directory: string };
  const oldRoot = path.dirname(path.dirname(listing.directory));
  const jobId = path.basename(path.dirname(listing.directory));
  const n = Number(/chk-(\d+)$/.exec(listing.directory)![1]);
  const root = await flavour.fresh();
  const checkpoints = `${root}/checkpoints`;
  const local = flavour.name === 'local directory';
  // How Flink names a file of this store in _metadata, and how this tool shows it.
  const uriOf = (location: string) => (local ? `file:${location}` : location);
  const locationOf = (uri: string) => (local && uri.startsWith('file:') ? uri.slice('file:'.length) : uri);
  const conf = emptyDir('conf-');
  writeFileSync(path.join(conf, 'config.yaml'), [...flavour.configLines(), ''].join('\n'));
  const model = decodeFlinkMetadata(real);
  const properties = real.subarray(encodeFlinkMetadata(model, { propertiesBytes: Buffer.alloc(0) }).length);
  const keyOf = (location: string) => location.slice(checkpoints.length + 1);
  const write = (location: string, body: string | Buffer) => stores.put(checkpoints, keyOf(location), body);
  const put = async (chk: string, m: FlinkCheckpointMetadata, metadataToo = true): Promise<string[]> => {
    const bytes = encodeFlinkMetadata(m, { propertiesBytes: properties });
    const files = referencedFiles(decodeFlinkMetadata(bytes, { snapshotDir: chk })).map((f) => ({ ...f, path: locationOf(f.path) }));
    await Promise.all(files.map((f) => write(f.path, Buffer.alloc(f.bytes))));
    if (metadataToo) await write(`${chk}/_metadata`, bytes);
    return files.map((f) => f.path);
  };
  const moved = mapStrings(model, (s) => (s.startsWith(`file:${oldRoot}/`) ? uriOf(`${checkpoints}/${s.slice(`file:${oldRoot}/`.length)}`) : s));
  const older = `${checkpoints}/${jobId}/chk-${n}`;
  const newer = `${checkpoints}/${jobId}/chk-${n + 1}`;
  const shared = (await put(older, moved)).filter((p) => p.startsWith(`${checkpoints}/${jobId}/shared/`));
  const onlyOld = shared[0];
  const onlyNew = `${path.posix.dirname(onlyOld)}/replacement-of-${path.posix.basename(onlyOld)}`;
  const next = { ...mapStrings(moved, (s) => (s === uriOf(onlyOld) ? uriOf(onlyNew) : s)), checkpointId: n + 1 };
  const layout: Layout = {
    root,
    checkpoints,
    jobId,
    older,
    newer,
    shared,
    onlyOld,
    onlyNew,
    keyOf,
    put,
    model: moved,
    write,
    remove: (locations) => stores.remove(checkpoints, locations.map(keyOf)),
    flink: (args) => runFlink(['--config-dir', conf, ...NO_COORDINATOR, ...args], { env: flavour.env() }),
    keys: async (prefix) => {
      const key = prefix.startsWith(checkpoints) ? keyOf(prefix) : prefix;
      return (await stores.keysUnder(checkpoints)).filter((k) => k.startsWith(key));
    },
  };
  await put(newer, next, false);
  await beforeNewest?.(layout);
  // Completed later than the older one (object stores keep modification times to the second).
  const olderTime = Date.now();
  await until('the next second', () => (Date.now() > olderTime + 1100 ? true : undefined));
  await write(`${newer}/_metadata`, encodeFlinkMetadata(next, { propertiesBytes: properties }));
  return layout;
}

const cases = stores.flavours.flatMap((flavour) => ['1.20.5', '2.3.0'].map((version) => ({ flavour, version, name: `${flavour.name}, Flink ${version}` })));

describe.each(cases)('retained incremental checkpoints on $name', ({ flavour, version }) => {
  it('inspect: ids, bytes and every referenced file; --verify passes, then names a deleted one (exit 1); listings skip what it breaks', async () => {
    const l = await upload(flavour, version);
    const r = await l.flink(['savepoints', 'inspect', l.newer, '--json', '--uid', 'counter']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['version', 'path', 'origin', 'metadataVersion', 'checkpointId', 'bytes', 'operators', 'files', 'verified', 'missing']);
    const original = decodeFlinkMetadata(readFileSync(fixture('flink-metadata', version, 'checkpoint-rocksdb-incremental', '_metadata')));
    expect(doc).toMatchObject({
      version: 1,
      path: l.newer,
      origin: 'flink',
      metadataVersion: original.version,
      checkpointId: original.checkpointId + 1,
      verified: null,
      missing: [],
    });
    expect(doc.operators.map((o: { id: string }) => o.id)).toEqual(original.operators.map((o) => o.id));
    expect(doc.operators.find((o: { uid: string | null }) => o.uid === 'counter')?.id).toBe(operatorIdForUid('counter'));
    expect(doc.bytes).toBeGreaterThan(0);
    const paths = doc.files.map((f: { path: string }) => f.path.replace(/^file:/, ''));
    expect(paths).toContain(l.onlyNew);
    expect(paths).not.toContain(l.onlyOld);
    for (const p of paths) expect(p.startsWith(`${l.newer}/`) || p.startsWith(`${l.checkpoints}/${l.jobId}/shared/`)).toBe(true);

    const text = await l.flink(['savepoints', 'inspect', l.newer, '--verify']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`Snapshot:    ${l.newer}\n`);
    expect(text.stdout).toContain(`Verified: all ${paths.length} referenced file(s) present with their recorded size.`);
    expect((await l.flink(['savepoints', '--latest', '--dir', l.checkpoints])).stdout).toBe(`${l.newer}\n`);

    // Only the newest loses a file: --latest falls back to the older one.
    await l.remove([l.onlyNew]);
    const fallback = await l.flink(['savepoints', '--latest', '--dir', l.checkpoints]);
    expect(fallback.stdout).toBe(`${l.older}\n`);
    expect(fallback.stderr).toContain(`skipping ${l.newer}: referenced file ${l.onlyNew}: missing`);

    // Both reference it: neither is restorable any more.
    const victim = l.shared[1];
    await l.remove([victim]);
    const bad = await l.flink(['savepoints', 'inspect', l.older, '--verify', '--json']);
    expect(bad.exitCode).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ verified: false });
    expect(JSON.parse(bad.stdout).missing.map((p: string) => p.replace(/^file:/, ''))).toEqual([victim]);
    expect(bad.stderr).toContain(`${victim} (missing)`);
    const latest = await l.flink(['savepoints', '--latest', '--dir', l.checkpoints]);
    expect(latest.exitCode).toBe(5);
    expect(latest.stderr).toContain(`skipping ${l.older}: referenced file ${victim}: missing`);
    const listed = JSON.parse((await l.flink(['savepoints', '--all', '--json', '--dir', l.checkpoints])).stdout);
    expect(listed.snapshots.find((s: { path: string }) => s.path === l.older)).toMatchObject({
      state: 'corrupt',
      verified: 'full',
      problem: `referenced file ${victim}: missing`,
    });
  });

  it('dispose of the older checkpoint: plans and deletes exactly the shared files only it references; the newer one still verifies', async () => {
    const l = await upload(flavour, version);
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
    expect(await l.keys(l.onlyOld)).toEqual([l.keyOf(l.onlyOld)]); // a dry run deletes nothing

    const done = await l.flink(['dispose', '--offline', l.older]);
    expect(done.stderr).not.toContain('Error');
    expect(done.exitCode).toBe(0);
    expect(await l.keys(`${l.older}/`)).toEqual([]);
    const shared = await l.keys(`${l.jobId}/shared/`);
    expect(shared.sort()).toEqual([...l.shared.slice(1), l.onlyNew].map(l.keyOf).sort());
    expect((await l.flink(['savepoints', 'inspect', l.newer, '--verify'])).exitCode).toBe(0);
    expect((await l.flink(['savepoints', '--latest', '--dir', l.checkpoints])).stdout).toBe(`${l.newer}\n`);

    // The last retained checkpoint goes with every shared file it references.
    expect((await l.flink(['dispose', '--offline', l.newer])).exitCode).toBe(0);
    expect(await l.keys(`${l.jobId}/`)).toEqual([]);
  });

  it('an interrupted disposal is recognised, and the next dispose finishes it: the shared files its marker lists, judged again', async () => {
    const l = await upload(flavour, version);
    // What an interruption after the checkpoint's own files leaves: the marker listing the shared files still
    // to go. One of them (l.shared[1]) is referenced by the newer checkpoint: it must stay.
    const own = (await l.keys(`${l.older}/`)).map((k) => `${l.checkpoints}/${k}`);
    await l.write(`${l.older}/_disposing`, `${new Date().toISOString()}\n${l.onlyOld}\n${l.shared[1]}\n`);
    await l.remove(own);
    const listed = JSON.parse((await l.flink(['--json', 'savepoints', l.jobId, '--all', '--dir', l.checkpoints])).stdout).snapshots as Array<{
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
    expect(await l.keys(`${l.older}/`)).toEqual([]);
    const shared = await l.keys(`${l.jobId}/shared/`);
    expect(shared).not.toContain(l.keyOf(l.onlyOld));
    expect(shared).toContain(l.keyOf(l.shared[1]));
    expect((await l.flink(['savepoints', 'inspect', l.newer, '--verify'])).exitCode).toBe(0);
  });
});

describe.each(stores.flavours)('ownership across jobs on $name', (flavour) => {
  /**
   * Job B started from job A's newest checkpoint in CLAIM mode: B's checkpoint references A's shared files
   * (absolute URIs into A's folder), its own private files, and one new shared file of its own.
   */
  async function claimed(l: Layout): Promise<{ chk: string; own: string }> {
    const local = flavour.name === 'local directory';
    const uri = (location: string) => (local ? `file:${location}` : location);
    const chk = `${l.checkpoints}/${OTHER_JOB}/chk-1`;
    const own = `${l.checkpoints}/${OTHER_JOB}/shared/compacted-by-b`;
    const model = mapStrings(l.model, (s) =>
      s === uri(l.onlyOld) ? uri(own) : s.startsWith(uri(`${l.older}/`)) ? uri(`${chk}/${s.slice(uri(`${l.older}/`).length)}`) : s,
    );
    await l.put(chk, { ...model, checkpointId: 1 });
    return { chk, own };
  }

  it("disposing A's checkpoints keeps every file B's checkpoint references, naming it; gc --job A keeps them too; B verifies", async () => {
    const l = await upload(flavour, '2.3.0');
    const b = await claimed(l);
    expect((await l.flink(['savepoints', 'inspect', b.chk, '--verify'])).exitCode).toBe(0);
    const needed = l.shared.slice(1);

    const plan = JSON.parse((await l.flink(['dispose', '--dry-run', '--json', '--offline', l.older, l.newer])).stdout).plan;
    const newer = plan[1].sharedFiles as Array<{ path: string; action: string; reason: string }>;
    for (const f of needed) expect(newer.find((p) => p.path === f)).toMatchObject({ action: 'keep', reason: expect.stringContaining(`${OTHER_JOB}/chk-1`) });
    expect(newer.find((p) => p.path === l.onlyNew)).toMatchObject({ action: 'delete', reason: `shared: referenced only by ${path.posix.basename(l.newer)}` });

    // A is cleaned up as an operator would: gc, then both its checkpoints.
    const gc = await l.flink(['savepoints', 'gc', '--job', l.jobId, '--dir', l.checkpoints, '--min-age', '0s', '--offline', '--json']);
    expect(gc.exitCode).toBe(0);
    expect(JSON.parse(gc.stdout).files.map((f: { path: string }) => f.path)).not.toEqual(expect.arrayContaining([needed[0]]));
    for (const chk of [l.older, l.newer]) expect((await l.flink(['dispose', '--offline', chk])).exitCode).toBe(0);
    const left = await l.keys(`${l.jobId}/`);
    expect(left.sort()).toEqual(needed.map(l.keyOf).sort());
    expect((await l.flink(['savepoints', 'inspect', b.chk, '--verify'])).exitCode).toBe(0);
    expect((await l.flink(['savepoints', '--latest', '--dir', l.checkpoints])).stdout).toBe(`${b.chk}\n`);

    // Once B's checkpoint is gone too, nothing needs A's files: B's disposal takes them.
    const last = JSON.parse((await l.flink(['dispose', '--dry-run', '--json', '--offline', b.chk])).stdout).plan[0].sharedFiles as Array<{
      path: string;
      action: string;
    }>;
    expect(
      last
        .filter((f) => f.action === 'delete')
        .map((f) => f.path)
        .sort(),
    ).toEqual([...needed, b.own].sort());
    expect((await l.flink(['dispose', '--offline', b.chk])).exitCode).toBe(0);
    expect(await l.keys('')).toEqual([]);
  });

  it('with the cluster unreachable, gc refuses like dispose (exit 4) unless --offline, deleting nothing', async () => {
    const l = await upload(flavour, '1.20.5');
    await l.write(`${l.checkpoints}/${l.jobId}/shared/orphan`, 'x');
    const gc = await l.flink(['savepoints', 'gc', '--job', l.jobId, '--dir', l.checkpoints, '--min-age', '0s']);
    expect(gc.exitCode).toBe(4);
    expect(gc.stderr).toContain('the coordinator is unreachable');
    expect(gc.stderr).toContain('--offline');
    const dispose = await l.flink(['dispose', l.older]);
    expect(dispose.exitCode).toBe(4);
    expect(await l.keys(`${l.jobId}/shared/orphan`)).toHaveLength(1);
    expect(await l.keys(`${l.older}/_metadata`)).toHaveLength(1);
  });
});

describe.each(stores.flavours)('savepoints gc on $name', (flavour) => {
  it('reclaims planted orphans in shared/ and taskowned/ older than --min-age and than the newest checkpoint; nothing referenced, nothing young', async () => {
    let planted = 0;
    const l = await upload(flavour, '2.3.0', async (layout) => {
      await layout.write(`${layout.checkpoints}/${layout.jobId}/shared/orphan-of-a-failed-checkpoint`, Buffer.alloc(100));
      await layout.write(`${layout.checkpoints}/${layout.jobId}/taskowned/orphan-owned`, Buffer.alloc(30));
      planted = Date.now();
    });
    const young = `${l.checkpoints}/${l.jobId}/shared/being-written`;
    await l.write(young, Buffer.alloc(5));
    const orphan = `${l.checkpoints}/${l.jobId}/shared/orphan-of-a-failed-checkpoint`;
    const owned = `${l.checkpoints}/${l.jobId}/taskowned/orphan-owned`;
    const audit = path.join(emptyDir('audit-'), 'audit.log');
    const gc = (args: string[]) => l.flink(['savepoints', 'gc', '--job', l.jobId, '--dir', l.checkpoints, '--offline', '-D', `audit.log=${audit}`, ...args]);

    // Everything unreferenced is younger than an hour: nothing goes.
    const hour = await gc(['--dry-run', '--json']);
    expect(hour.exitCode).toBe(0);
    expect(JSON.parse(hour.stdout)).toEqual({ version: 1, files: [], bytes: 0 });
    expect(hour.stderr).toContain('3 unreferenced file(s) newer than');

    await until('the orphans to be 3 s old', () => (Date.now() > planted + 3500 ? true : undefined), 10_000);
    const dry = await gc(['--dry-run', '--json', '--min-age', '3s']);
    expect(dry.exitCode).toBe(0);
    const doc = JSON.parse(dry.stdout);
    expect(Object.keys(doc)).toEqual(['version', 'files', 'bytes']);
    expect(doc.files.map((f: { path: string }) => f.path).sort()).toEqual([orphan, owned].sort());
    expect(doc.files[0]).toEqual({
      path: expect.any(String),
      bytes: expect.any(Number),
      reason: 'referenced by none of the 2 retained checkpoint(s) and savepoint(s)',
    });
    expect(doc.bytes).toBe(130);
    expect(await l.keys(`${l.jobId}/taskowned/`)).toEqual([`${l.jobId}/taskowned/orphan-owned`]);

    const done = await gc(['--min-age', '3s']);
    expect(done.exitCode).toBe(0);
    expect(done.stdout).toContain(`Reclaimed ${orphan} (`);
    expect(done.stderr).toContain('Reclaimed 2 file(s)');
    expect(done.stderr).toContain('1 unreferenced file(s) newer than');
    const record = JSON.parse(readFileSync(audit, 'utf8').trim());
    expect(record).toMatchObject({ command: 'savepoints', job: l.jobId, result: 'ok' });
    expect(record.paths.sort()).toEqual([orphan, owned].sort());
    const left = await l.keys(`${l.jobId}/`);
    expect(left).not.toContain(l.keyOf(orphan));
    expect(left).not.toContain(l.keyOf(owned));
    expect(left).toContain(l.keyOf(young)); // newer than the newest checkpoint
    for (const f of [...l.shared, l.onlyNew]) expect(left).toContain(l.keyOf(f));
    for (const chk of [l.older, l.newer]) expect((await l.flink(['savepoints', 'inspect', chk, '--verify'])).exitCode).toBe(0);
    // --min-age 0 still spares what is newer than the newest checkpoint (the job's folder given as --dir).
    const zero = await l.flink(['savepoints', 'gc', '--job', l.jobId, '--dir', `${l.checkpoints}/${l.jobId}`, '--min-age', '0', '--json', '--offline']);
    expect(JSON.parse(zero.stdout).files).toEqual([]);
  });

  it("refuses, deleting nothing, while a retained checkpoint's _metadata cannot be read; no such job folder is exit 5", async () => {
    const l = await upload(flavour, '1.20.5');
    const orphan = `${l.checkpoints}/${l.jobId}/shared/orphan`;
    await l.write(orphan, 'x');
    await l.write(`${l.checkpoints}/${l.jobId}/chk-99/_metadata`, (await stores.get(l.checkpoints, `${l.keyOf(l.older)}/_metadata`)).subarray(0, 100));
    const r = await l.flink(['savepoints', 'gc', '--job', l.jobId, '--dir', l.checkpoints, '--min-age', '0s', '--offline']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /(^|\n)Error: Refusing to collect garbage in .*: the _metadata of chk-99 cannot be read \(.*\), so what it references is unknown\. Nothing was deleted\.\n/,
    );
    expect(await l.keys(orphan)).toEqual([l.keyOf(orphan)]);
    const none = await l.flink(['savepoints', 'gc', '--job', 'fd72014d4c864993a2e5a9287b4a9c5d', '--dir', l.checkpoints, '--offline']);
    expect(none.exitCode).toBe(5);
    expect(none.stderr).toContain(
      `No checkpoint directory of job fd72014d4c864993a2e5a9287b4a9c5d: looked in ${l.checkpoints}/fd72014d4c864993a2e5a9287b4a9c5d.`,
    );
  });
});

describe('a shared/ that is a symbolic link (a local directory)', () => {
  it('is never deleted through: dispose keeps every shared file, gc reclaims nothing', async () => {
    const l = await upload(stores.flavours[0], '2.3.0');
    const elsewhere = emptyDir('elsewhere-');
    const shared = path.join(l.checkpoints, l.jobId, 'shared');
    for (const f of readdirSync(shared)) renameSync(path.join(shared, f), path.join(elsewhere, f));
    rmdirSync(shared);
    symlinkSync(elsewhere, shared);
    mkdirSync(path.join(elsewhere, 'sub'));
    writeFileSync(path.join(elsewhere, 'unrelated'), 'x');
    const count = readdirSync(elsewhere).length;
    const gc = await l.flink(['savepoints', 'gc', '--job', l.jobId, '--dir', l.checkpoints, '--json', '--min-age', '0s', '--offline']);
    expect(JSON.parse(gc.stdout).files).toEqual([]);
    const plan = JSON.parse((await l.flink(['dispose', '--dry-run', '--json', '--offline', l.older, l.newer])).stdout);
    for (const step of plan.plan) for (const f of step.sharedFiles) expect(f.action).toBe('keep');
    expect((await l.flink(['dispose', '--offline', l.older])).exitCode).toBe(0);
    expect((await l.flink(['dispose', '--offline', l.newer])).exitCode).toBe(0);
    expect(readdirSync(elsewhere).length).toBe(count);
  });
});

describe('savepoints gc: bad input', () => {
  it('a missing --job, a bad --min-age (exit 2), no such job directory (exit 5)', async () => {
    expect((await runFlink(['savepoints', 'gc'])).exitCode).toBe(2);
    const bad = await runFlink(['savepoints', 'gc', '--job', 'fd72014d4c864993a2e5a9287b4a9c5d', '--dir', emptyDir(), '--min-age', 'soon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("Invalid --min-age 'soon'");
    const none = await runFlink(['savepoints', 'gc', '--job', 'fd72014d4c864993a2e5a9287b4a9c5d', '--dir', emptyDir(), ...NO_COORDINATOR, '--offline']);
    expect(none.exitCode).toBe(5);
    expect(none.stderr).toContain('No checkpoint directory of job fd72014d4c864993a2e5a9287b4a9c5d');
  });
});
