// The coordinator's snapshot I/O through the one storage facade, on a local directory, S3 (S3Mock) and Azure
// Blob (Azurite), with the same semantics everywhere: state files first, the facts and `_metadata` last,
// sizes and checksums verified on read, abort deletes what was written, leftovers of a crash are cleaned,
// and the coordinator's disposals run the guard on what the store holds.
import { describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SnapshotEntry } from '../../../src/coordinator/checkpoint-coordinator.js';
import { settleInterrupted } from '../../../src/coordinator/leftovers.js';
import { latestRestorable, sortByCompletion } from '../../../src/domain/catalog.js';
import { forCheckpoint, forManualSavepoint } from '../../../src/domain/snapshot-properties.js';
import { storageSettingsFromWire, storageSettingsWire, type SnapshotMetadataInput, type SnapshotStorage } from '../../../src/storage/index.js';
import { openStore } from '../../../src/storage/stores/index.js';
import { AZURE_HOST, AZURITE_ACCOUNT, AZURITE_KEY } from '../../support/object-stores.js';
import { savepointMetadata } from '../../support/storage.js';
import { aroundThisFile, threeStores, withoutFacts } from '../../support/stores.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const stores = threeStores();
let storage: SnapshotStorage;

aroundThisFile(stores, (opened) => (storage = opened));

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

describe.each(stores.flavours)('snapshot I/O on $name', (flavour) => {
  /** A new savepoint below `root`, named as Flink names one. */
  async function savepointIn(root: string): Promise<string> {
    const dir = await storage.writer.createSavepoint(root, JOB);
    expect(dir).toMatch(new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/savepoint-fd7201-[0-9a-f]{12}$`));
    return dir;
  }

  it('writes state files, publishes the facts and _metadata last, and reads back verified state', async () => {
    const root = await flavour.fresh();
    const dir = await savepointIn(root);
    const a = await storage.writer.writeStateFile(dir, 'op-0/keyed-0.jsonl', '{"k":"a","v":1}\n{"k":"b","v":2}\n');
    const b = await storage.writer.writeStateFile(dir, 'op-1/keyed-0.jsonl', chunks('{"k":"c",', '"v":3}\n'));
    expect(a.size).toBe(32);
    expect(b.size).toBe(16);
    // Before publication there is no _metadata: the snapshot is not complete, nor restorable.
    expect(await stores.keysUnder(dir)).toEqual(['op-0/keyed-0.jsonl', 'op-1/keyed-0.jsonl']);
    expect((await storage.verify(dir, 'quick')).state).toBe('incomplete');
    expect((await storage.describe(dir))?.state).toBe('incomplete');
    await expect(storage.read(dir)).rejects.toThrow(`Cannot find meta data file '_metadata' in directory '${dir}'`);

    await storage.writer.publish(dir, savepointMetadata(7, [a, b]));
    const keys = await stores.keysUnder(dir);
    expect(withoutFacts(keys)).toEqual(['_metadata', 'op-0/keyed-0.jsonl', 'op-1/keyed-0.jsonl']);
    expect(keys.filter((k) => k.startsWith('_snapshot.1.'))).toHaveLength(1);
    const opened = await storage.read(`${dir}/_metadata`);
    expect(opened.directory).toBe(dir);
    expect(opened.metadata).toMatchObject({ id: 7, kind: 'savepoint', jobId: JOB, files: [a, b] });
    await opened.verify();
    expect(await readAll(opened.openStateFile('op-1/keyed-0.jsonl'))).toBe('{"k":"c","v":3}\n');
    expect(await storage.verify(dir, 'full')).toEqual({ level: 'full', state: 'complete' });
    // The listing knows it from the facts, without reading _metadata.
    expect(await storage.describe(dir)).toMatchObject({ state: 'complete', origin: 'ours', snapshotId: 7, jobName: 'Event counter', verified: 'quick' });
  });

  it('a checkpoint goes to <root>/<job id>/chk-<n>', async () => {
    const root = await flavour.fresh();
    const dir = await storage.writer.createCheckpoint(root, JOB, 3);
    expect(dir).toBe(`${root}/${JOB}/chk-3`);
    expect(storage.writer.checkpointPath(`${root}/`, JOB, 4)).toBe(`${root}/${JOB}/chk-4`);
    const f = await storage.writer.writeStateFile(dir, 'state.bin', Buffer.from([1, 2, 3]));
    await storage.writer.publish(dir, savepointMetadata(3, [f], { kind: 'checkpoint' }));
    expect((await storage.read(dir)).metadata.kind).toBe('checkpoint');
    expect(await storage.describe(dir)).toMatchObject({ kind: 'checkpoint', jobId: JOB, snapshotId: 3, state: 'complete' });
  });

  it('a truncated or missing state object fails verification, naming the object; a listing sees a truncated one too', async () => {
    const root = await flavour.fresh();
    const dir = await savepointIn(root);
    const a = await storage.writer.writeStateFile(dir, 'a.bin', 'x'.repeat(100));
    const b = await storage.writer.writeStateFile(dir, 'b.bin', 'y'.repeat(100));
    await storage.writer.publish(dir, savepointMetadata(1, [a, b]));
    await stores.put(dir, 'a.bin', 'x'.repeat(60)); // truncated
    const opened = await storage.read(dir);
    await expect(opened.verify()).rejects.toThrow(`State file ${dir}/a.bin is truncated (60 bytes, expected 100).`);
    await expect(readAll(opened.openStateFile('a.bin'))).rejects.toThrow(`State file ${dir}/a.bin is truncated`);
    expect(await storage.verify(dir, 'quick')).toMatchObject({ state: 'corrupt', problem: 'state file a.bin missing or truncated' });
    expect((await storage.describe(dir))?.state).toBe('corrupt');
    await stores.put(dir, 'a.bin', 'z'.repeat(100)); // same size, other bytes
    await expect((await storage.read(dir)).verify()).rejects.toThrow(`State file ${dir}/a.bin fails its checksum (corrupt).`);
    await expect(readAll((await storage.read(dir)).openStateFile('a.bin'))).rejects.toThrow(`State file ${dir}/a.bin fails its checksum (corrupt).`);
    expect((await storage.verify(dir, 'quick')).state).toBe('complete');
    expect(await storage.verify(dir, 'full')).toMatchObject({ state: 'corrupt', problem: 'state file a.bin fails its checksum (corrupt)' });
    await stores.remove(dir, ['b.bin']);
    await expect((await storage.read(dir)).verify()).rejects.toThrow(`State file ${dir}/b.bin is missing.`);
  });

  it('a corrupt or missing _metadata, a missing snapshot, a heap pointer: clear errors', async () => {
    const root = await flavour.fresh();
    const dir = await savepointIn(root);
    await storage.writer.publish(dir, savepointMetadata(1, [await storage.writer.writeStateFile(dir, 'a.bin', 'abc')]));
    await stores.put(dir, '_metadata', Buffer.from('#flink-cli-snapshot 1\n{"id":1}\n'));
    await expect(storage.read(dir)).rejects.toThrow(`${dir}/_metadata is truncated (no checksum line).`);
    expect(await storage.verify(dir, 'quick')).toMatchObject({ state: 'corrupt', problem: '_metadata is truncated (no checksum line)' });
    await stores.remove(dir, ['_metadata']);
    await expect(storage.read(dir)).rejects.toThrow(/Cannot find meta data file '_metadata' in directory/);
    await expect(storage.read(`${root}/savepoint-fd7201-ffffffffffff`)).rejects.toThrow(/Cannot find checkpoint or savepoint directory/);
    await expect(storage.read('jobmanager://savepoint-0')).rejects.toThrow(/removed JobManager heap savepoint backend/);
  });

  it('publication refuses a missing state file and writes no _metadata', async () => {
    const root = await flavour.fresh();
    const dir = await savepointIn(root);
    const a = await storage.writer.writeStateFile(dir, 'a.bin', 'abc');
    await expect(storage.writer.publish(dir, savepointMetadata(1, [a, { name: 'never-written.bin', size: 3, sha256: '0'.repeat(64) }]))).rejects.toThrow(
      `Cannot publish ${dir}: state file never-written.bin is missing`,
    );
    expect(await stores.keysUnder(dir)).toEqual(['a.bin']);
  });

  it('abort deletes what was written (and nothing beside it)', async () => {
    const root = await flavour.fresh();
    const keep = await savepointIn(root);
    await storage.writer.publish(keep, savepointMetadata(1, [await storage.writer.writeStateFile(keep, 'a.bin', 'keep')]));
    const dir = `${keep.slice(0, -1)}${keep.endsWith('0') ? '1' : '0'}`; // a sibling sharing all but the last character
    await storage.writer.create(dir);
    await storage.writer.writeStateFile(dir, 'a.bin', 'partial');
    await storage.writer.writeStateFile(dir, 'nested/b.bin', 'partial');
    expect(await storage.writer.isPartial(dir)).toBe(true);
    await storage.writer.abort(dir);
    expect(await stores.keysUnder(dir)).toEqual([]);
    expect(withoutFacts(await stores.keysUnder(keep))).toEqual(['_metadata', 'a.bin']);
    expect(await storage.writer.isPartial(keep)).toBe(false);
    await expect(storage.read(dir)).rejects.toThrow(`Cannot find checkpoint or savepoint directory '${dir}'.`);
  });

  if (flavour.missingRoot) {
    it('a missing bucket or container fails when the snapshot is created, naming the URI', async () => {
      const dir = `${flavour.missingRoot}/savepoint-fd7201-000000000001`;
      await expect(storage.writer.create(dir)).rejects.toThrow(`does not exist (listing ${dir}/)`);
    });
  }

  it("after a coordinator crash, an interrupted snapshot's files are removed; a completed one is kept", async () => {
    const root = await flavour.fresh();
    const partial = await savepointIn(root);
    await storage.writer.writeStateFile(partial, 'a.bin', 'half');
    const done = await storage.writer.createCheckpoint(root, JOB, 2);
    await storage.writer.publish(done, savepointMetadata(2, [await storage.writer.writeStateFile(done, 'a.bin', 'all')], { kind: 'checkpoint' }));
    const entry = (id: number, pointer: string, properties: SnapshotEntry['properties']): SnapshotEntry => ({
      id,
      pointer,
      properties,
      completedAt: 0,
      status: 'IN_PROGRESS',
      triggeredAt: 0,
      stateSize: 0,
      numSubtasks: 1,
      numAcknowledged: 0,
      discarded: false,
    });
    const lines: string[] = [];
    await settleInterrupted(storage, [entry(1, partial, forManualSavepoint('canonical')), entry(2, done, forCheckpoint({ persistent: true }))], JOB, (l) =>
      lines.push(l),
    );
    expect(await stores.keysUnder(partial)).toEqual([]);
    expect(withoutFacts(await stores.keysUnder(done))).toEqual(['_metadata', 'a.bin']);
    expect(lines).toEqual([`Removed the partial savepoint 1 of job ${JOB} at ${partial}`]);
  });

  it('disposal from the coordinator runs the guard on the store: the newest of a running job is refused, another removed', async () => {
    const root = await flavour.fresh();
    const older = await savepointIn(root);
    await storage.writer.publish(older, savepointMetadata(1, [await storage.writer.writeStateFile(older, 'a.bin', 'one')]));
    const newest = await savepointIn(root);
    await storage.writer.publish(newest, savepointMetadata(2, [await storage.writer.writeStateFile(newest, 'a.bin', 'two')]));
    const jobs = [{ jobId: JOB, status: 'RUNNING', completedSinceRestore: 2, newest }];
    await expect(storage.dispose(newest, { jobs, roots: [root] })).rejects.toThrow(/newest/);
    await expect(storage.dispose(root, { jobs, roots: [root] })).rejects.toThrow(/configured snapshot root/);
    expect(await storage.dispose(`${older}/`, { jobs, roots: [root] })).toBe(older);
    expect(await stores.keysUnder(older)).toEqual([]);
    expect(withoutFacts(await stores.keysUnder(newest))).toEqual(['_metadata', 'a.bin']);
  });

  it('the catalog: ours sorted by completion time, not by id; latest restorable skips broken ones', async () => {
    const base = await flavour.fresh();
    const snapshot = async (id: number, completedAt: number, trigger: SnapshotMetadataInput['trigger'] = 'manual') => {
      const dir = await savepointIn(base);
      await storage.writer.publish(
        dir,
        savepointMetadata(id, [await storage.writer.writeStateFile(dir, 'op-count-0.state', `state ${id}`)], { completedAt, trigger }),
      );
      return dir;
    };
    const older = await snapshot(9, 1000);
    const newer = await snapshot(1, 5000, 'periodic');
    const broken = await snapshot(2, 9000);
    await stores.remove(broken, ['op-count-0.state']);
    const entries = sortByCompletion(await storage.scan([base]));
    expect(entries.map((e) => e.path)).toEqual([broken, newer, older]);
    expect(entries.map((e) => e.trigger)).toEqual(['manual', 'periodic', 'manual']);
    expect((await storage.describe(broken))?.state).toBe('corrupt');
    expect(latestRestorable(entries, { jobId: JOB })?.path).toBe(newer);
    expect(latestRestorable(entries, { jobName: 'Event counter', maxAgeMs: 1000, now: 5500 })?.path).toBe(newer);
    expect(latestRestorable(entries, { jobId: JOB, maxAgeMs: 100, now: 5500 })).toBeUndefined();
    expect(latestRestorable(entries, { jobId: '0'.repeat(32) })).toBeUndefined();
  });
});

describe('on a local directory only', () => {
  const root = threeStores().flavours[0];

  it('round-trips through every pointer spelling: path, _metadata, file:/, file:///; a checkpoint gets shared/ and taskowned/ beside it', async () => {
    const base = await root.fresh();
    const dir = await storage.writer.createSavepoint(`file://${base}`, JOB);
    expect(path.dirname(dir)).toBe(base);
    await storage.writer.publish(dir, savepointMetadata(1, [await storage.writer.writeStateFile(dir, 'op-count-0.state', Buffer.alloc(4 * 64 * 1024, 7))]));
    for (const pointer of [dir, path.join(dir, '_metadata'), `file:${dir}`, `file://${dir}`]) {
      const opened = await storage.read(pointer);
      expect(opened.directory).toBe(dir);
      await opened.verify();
    }
    const chk = await storage.writer.createCheckpoint(base, JOB, 42);
    expect(readdirSync(path.join(base, JOB)).sort()).toEqual(['chk-42', 'shared', 'taskowned']);
    expect(await storage.writer.isPartial(chk)).toBe(true); // an empty folder a crash left
    await storage.writer.abort(chk);
    expect(existsSync(chk)).toBe(false);
  });

  it("Apache Flink's savepoints are recognised and refused for restore with the reason; the fixture tree's broken entries are never complete", async () => {
    const flinkDirs = readdirSync('fixtures/snapshots').filter((d) => d.startsWith('flink-'));
    expect(flinkDirs.length).toBeGreaterThanOrEqual(2);
    for (const version of flinkDirs) {
      const savepoint = readdirSync(path.join('fixtures/snapshots', version)).find((d) => d.startsWith('savepoint-'))!;
      await expect(storage.read(path.join('fixtures/snapshots', version, savepoint))).rejects.toThrow(
        /is an Apache Flink snapshot \(_metadata version \d, checkpoint \d+\)/,
      );
    }
    const entries = await storage.scan(['fixtures/snapshots/tree']);
    const byName = new Map(entries.map((e) => [path.basename(e.path), e]));
    expect(byName.get('savepoint-abc123-000000000001')).toMatchObject({ state: 'incomplete', jobIdPrefix: 'abc123' });
    expect(byName.get('savepoint-abc123-000000000002')).toMatchObject({ state: 'corrupt' });
    expect(byName.get('chk-7')).toMatchObject({ state: 'corrupt', jobId: '0123456789abcdef0123456789abcdef', kind: 'checkpoint' });
    const flink = await storage.scan(flinkDirs.map((d) => path.join('fixtures/snapshots', d)));
    expect(flink.every((e) => e.origin === 'flink' && e.state === 'complete' && (e.snapshotId ?? -1) >= 0)).toBe(true);
    expect(new Set(flink.map((e) => e.flinkMetadataVersion))).toEqual(new Set([4, 6]));
  });

  it('a truncated local state file and a flipped byte: verify and the stream name them', async () => {
    const base = await root.fresh();
    const dir = await storage.writer.createSavepoint(base, JOB);
    await storage.writer.publish(dir, savepointMetadata(1, [await storage.writer.writeStateFile(dir, 'op-count-0.state', Buffer.alloc(262144, 3))]));
    const file = path.join(dir, 'op-count-0.state');
    const bytes = readFileSync(file);
    bytes[777] ^= 0xff;
    writeFileSync(file, bytes);
    await expect((await storage.read(dir)).verify()).rejects.toThrow(`State file ${file} fails its checksum (corrupt).`);
    truncateSync(file, 1000);
    await expect((await storage.read(dir)).verify()).rejects.toThrow(`State file ${file} is truncated (1000 bytes, expected 262144).`);
    rmSync(file);
    await expect((await storage.read(dir)).verify()).rejects.toThrow(`State file ${file} is missing.`);
  });

  it('a writer killed at random points never leaves a snapshot the scan calls complete', async () => {
    const base = await root.fresh();
    const work = await root.fresh();
    const writer = path.join(work, 'writer.mjs');
    // The child uses the real storage layer, bundled from the sources.
    const { build } = await import('esbuild');
    await build({
      entryPoints: ['src/storage/index.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: path.join(work, 'storage.mjs'),
      logLevel: 'silent',
    });
    writeFileSync(
      writer,
      `
      import { NO_STORAGE_SETTINGS, SnapshotStorage } from './storage.mjs';
      const storage = new SnapshotStorage({ settings: NO_STORAGE_SETTINGS });
      const base = process.argv[2];
      for (;;) {
        const dir = await storage.writer.createSavepoint(base, '${JOB}');
        process.stdout.write('created');
        const files = [];
        for (let i = 0; i < 3; i++) files.push(await storage.writer.writeStateFile(dir, 'f' + i, (async function* () { for (let k = 0; k < 8; k++) yield Buffer.alloc(32 * 1024, k); })()));
        await storage.writer.publish(dir, { id: 1, kind: 'savepoint', trigger: 'manual', format: 'canonical', jobId: '${JOB}', jobName: 'x', jobFingerprint: 'f', operators: [], toolVersion: 't', triggeredAt: 1, completedAt: Date.now(), files });
      }`,
    );
    for (let run = 0; run < 12; run++) {
      const child = execa(process.execPath, [writer, base], { reject: false });
      // Kill at a random point after the writer got going (a loaded machine may take long to start node).
      const started = await Promise.race([new Promise<boolean>((resolve) => child.stdout!.once('data', () => resolve(true))), child.then(() => false)]);
      if (!started) throw new Error(`the writer exited before writing: ${(await child).stderr}`);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 250)));
      child.kill('SIGKILL');
      await child;
    }
    const entries = await storage.scan([base]);
    // Every folder the writers got a file into is listed (one killed before its first file was stored holds
    // nothing or only a write's temp file: a listing of objects has nothing to show for it).
    const stored = (name: string) => readdirSync(path.join(base, name)).some((f) => !/^\..+\.tmp$/.test(f));
    const written = readdirSync(base).filter(stored);
    expect(written.length).toBeGreaterThan(0);
    expect(entries.map((e) => path.basename(e.path)).sort()).toEqual(written.sort());
    for (const entry of entries.filter((e) => e.state === 'complete')) await (await storage.read(entry.path)).verify();
    expect(entries.some((e) => e.state === 'incomplete')).toBe(true);
    expect(entries.every((e) => e.state !== 'corrupt')).toBe(true);
  }, 90_000);
});

describe('the settings a TaskManager process receives', () => {
  it('carry the S3 keys and every configured Azure account key, and open the same stores', async () => {
    const wire = storageSettingsWire(storage.settings);
    expect(wire.s3).toMatchObject({ pathStyle: true, accessKey: 'test', secretKey: { value: 'test-secret' } });
    expect(wire.azure.keys.map((k) => k.host)).toEqual([AZURE_HOST]);
    const restored = storageSettingsFromWire(structuredClone(wire));
    // Rendered anywhere (a log line, JSON), the secrets stay hidden, as in the coordinator.
    expect(JSON.stringify(restored)).not.toContain('test-secret');
    expect(`${restored.azure.accountKey(AZURE_HOST)}`).not.toContain(AZURITE_KEY);
    expect(restored.azure.accountKey(`${AZURITE_ACCOUNT}.dfs.core.windows.net`)?.reveal()).toBe(AZURITE_KEY);
    const root = await stores.flavours[1].fresh();
    const store = await openStore(root + '/', restored);
    try {
      await store.write('probe', 'ok');
      expect((await store.read('probe')).toString()).toBe('ok');
    } finally {
      store.close();
    }
  });
});
