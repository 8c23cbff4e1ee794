// The storage layer on temp directories and on the fixture tree (including real Flink _metadata).
import { afterAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { latestRestorable, sortByCompletion } from '../../../src/domain/catalog.js';
import { inspect, scanSnapshots } from '../../../src/storage/catalog.js';
import {
  createCheckpointDir,
  createSavepointDir,
  publishSnapshot,
  readSnapshot,
  writeStateFile,
  type SnapshotMetadataInput,
} from '../../../src/storage/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';

async function* chunks(n: number, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < n; i++) yield Buffer.alloc(size, i % 251);
}

function meta(overrides: Partial<SnapshotMetadataInput> = {}): SnapshotMetadataInput {
  return {
    id: 1,
    kind: 'savepoint',
    trigger: 'manual',
    format: 'canonical',
    jobId: JOB,
    jobName: 'Event counter',
    jobFingerprint: 'f'.repeat(64),
    operators: [{ uid: 'count', parallelism: 1, maxParallelism: 128 }],
    toolVersion: '0.0.0-dev',
    triggeredAt: 1000,
    completedAt: 2000,
    files: [],
    ...overrides,
  };
}

async function snapshot(base: string, overrides: Partial<SnapshotMetadataInput> = {}): Promise<string> {
  const dir = await createSavepointDir(base, JOB);
  const file = await writeStateFile(dir, 'op-count-0.state', chunks(4, 64 * 1024));
  await publishSnapshot(dir, meta({ files: [file], ...overrides }));
  return dir;
}

describe('layout', () => {
  it('savepoints are savepoint-<6 of the job id>-<12 hex>; checkpoints <job id>/chk-<n> with shared/ and taskowned/', async () => {
    const sp = await createSavepointDir(`file://${path.join(root, 'layout')}`, JOB);
    expect(path.basename(sp)).toMatch(/^savepoint-fd7201-[0-9a-f]{12}$/);
    const chk = await createCheckpointDir(path.join(root, 'layout-ckpt'), JOB, 42);
    expect(chk).toBe(path.join(root, 'layout-ckpt', JOB, 'chk-42'));
    expect(readdirSync(path.join(root, 'layout-ckpt', JOB)).sort()).toEqual(['chk-42', 'shared', 'taskowned']);
  });
});

describe('write, publish, read, verify', () => {
  it('round-trips through every pointer spelling: path, _metadata, file:/, file:///', async () => {
    const dir = await snapshot(path.join(root, 'rt'));
    for (const pointer of [dir, path.join(dir, '_metadata'), `file:${dir}`, `file://${dir}`]) {
      const opened = await readSnapshot(pointer);
      expect(opened.directory).toBe(dir);
      expect(opened.metadata).toMatchObject({ id: 1, kind: 'savepoint', jobId: JOB, formatVersion: 1 });
      await opened.verify();
    }
    const opened = await readSnapshot(dir);
    let bytes = 0;
    for await (const chunk of opened.openStateFile('op-count-0.state')) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(4 * 64 * 1024);
  });

  it('a truncated state file: verify names it, and so does the stream', async () => {
    const dir = await snapshot(path.join(root, 'trunc'));
    truncateSync(path.join(dir, 'op-count-0.state'), 1000);
    const opened = await readSnapshot(dir);
    await expect(opened.verify()).rejects.toThrow(`State file ${path.join(dir, 'op-count-0.state')} is truncated (1000 bytes, expected 262144).`);
    const stream = opened.openStateFile('op-count-0.state');
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toThrow(/is truncated/);
  });

  it('a flipped byte in a state file fails its checksum; a missing one is named', async () => {
    const dir = await snapshot(path.join(root, 'flip'));
    const file = path.join(dir, 'op-count-0.state');
    const bytes = readFileSync(file);
    bytes[777] ^= 0xff;
    writeFileSync(file, bytes);
    await expect((await readSnapshot(dir)).verify()).rejects.toThrow(`State file ${file} fails its checksum (corrupt).`);
    rmSync(file);
    await expect((await readSnapshot(dir)).verify()).rejects.toThrow(`State file ${file} is missing.`);
  });

  it('a corrupt or missing _metadata, a missing directory, a heap pointer: clear errors', async () => {
    const dir = await snapshot(path.join(root, 'meta'));
    const metadata = path.join(dir, '_metadata');
    writeFileSync(metadata, readFileSync(metadata).subarray(0, 40));
    await expect(readSnapshot(dir)).rejects.toThrow(`${metadata} is truncated (no checksum line).`);
    rmSync(metadata);
    await expect(readSnapshot(dir)).rejects.toThrow(/Cannot find meta data file '_metadata' in directory/);
    await expect(readSnapshot(path.join(root, 'nope'))).rejects.toThrow(/Cannot find checkpoint or savepoint directory/);
    await expect(readSnapshot('jobmanager://savepoint-0')).rejects.toThrow(/removed JobManager heap savepoint backend/);
  });

  it('publication refuses a listed state file that is missing', async () => {
    const dir = await createSavepointDir(path.join(root, 'pub'), JOB);
    await expect(publishSnapshot(dir, meta({ files: [{ name: 'ghost', size: 1, sha256: 'a'.repeat(64) }] }))).rejects.toThrow(/state file ghost is missing/);
    expect(existsSync(path.join(dir, '_metadata'))).toBe(false);
  });

  it("Apache Flink's savepoints are recognised and refused for restore with the reason", async () => {
    const flinkDirs = readdirSync('fixtures/snapshots').filter((d) => d.startsWith('flink-'));
    expect(flinkDirs.length).toBeGreaterThanOrEqual(2);
    for (const version of flinkDirs) {
      const savepoint = readdirSync(path.join('fixtures/snapshots', version)).find((d) => d.startsWith('savepoint-'))!;
      await expect(readSnapshot(path.join('fixtures/snapshots', version, savepoint))).rejects.toThrow(
        /is an Apache Flink snapshot \(_metadata version \d, checkpoint \d+\)/,
      );
    }
  });
});

describe('catalog', () => {
  it('the fixture tree: incomplete and corrupt entries are never complete; real Flink _metadata of 1.20 (v4) and 2.x (v6)', async () => {
    const entries = await scanSnapshots(['fixtures/snapshots/tree']);
    const byName = new Map(entries.map((e) => [path.basename(e.path), e]));
    expect(byName.get('savepoint-abc123-000000000001')).toMatchObject({ state: 'incomplete', jobIdPrefix: 'abc123' });
    expect(byName.get('savepoint-abc123-000000000002')).toMatchObject({ state: 'corrupt' });
    expect(byName.get('chk-7')).toMatchObject({ state: 'corrupt', jobId: '0123456789abcdef0123456789abcdef', kind: 'checkpoint' });
    const flink = await scanSnapshots(
      readdirSync('fixtures/snapshots')
        .filter((d) => d.startsWith('flink-'))
        .map((d) => path.join('fixtures/snapshots', d)),
    );
    const versions = new Set(flink.map((e) => e.flinkMetadataVersion));
    expect(flink.every((e) => e.origin === 'flink' && e.state === 'complete' && (e.snapshotId ?? -1) >= 0)).toBe(true);
    expect(versions).toEqual(new Set([4, 6]));
  });

  it('ours: kind, job, times; sorted by completion time, not by id; latest restorable skips broken ones', async () => {
    const base = path.join(root, 'cat');
    const older = await snapshot(base, { id: 9, completedAt: 1000 });
    const newer = await snapshot(base, { id: 1, completedAt: 5000, trigger: 'periodic' });
    const broken = await snapshot(base, { id: 2, completedAt: 9000 });
    rmSync(path.join(broken, 'op-count-0.state'));
    const entries = sortByCompletion(await scanSnapshots([base]));
    expect(entries.map((e) => e.path)).toEqual([broken, newer, older]);
    expect((await inspect(broken))?.state).toBe('corrupt');
    expect(latestRestorable(entries, { jobId: JOB })?.path).toBe(newer);
    expect(latestRestorable(entries, { jobName: 'Event counter', maxAgeMs: 1000, now: 5500 })?.path).toBe(newer);
    expect(latestRestorable(entries, { jobId: JOB, maxAgeMs: 100, now: 5500 })).toBeUndefined();
    expect(latestRestorable(entries, { jobId: '0'.repeat(32) })).toBeUndefined();
  });
});

describe('crash consistency', () => {
  it('a writer killed at random points never leaves a snapshot the scan calls complete', async () => {
    const base = path.join(root, 'crash');
    const writer = path.join(root, 'writer.mjs');
    // The child uses the real storage layer, bundled from the sources.
    const { build } = await import('esbuild');
    const bundle = await build({ entryPoints: ['src/storage/index.ts'], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent' });
    writeFileSync(path.join(root, 'storage.mjs'), bundle.outputFiles[0].contents);
    writeFileSync(
      writer,
      `
      import { createSavepointDir, writeStateFile, publishSnapshot } from './storage.mjs';
      const base = process.argv[2];
      for (;;) {
        const dir = await createSavepointDir(base, '${JOB}');
        process.stdout.write('created');
        const files = [];
        for (let i = 0; i < 3; i++) files.push(await writeStateFile(dir, 'f' + i, (async function* () { for (let k = 0; k < 8; k++) yield Buffer.alloc(32 * 1024, k); })()));
        await publishSnapshot(dir, { id: 1, kind: 'savepoint', trigger: 'manual', format: 'canonical', jobId: '${JOB}', jobName: 'x', jobFingerprint: 'f', operators: [], toolVersion: 't', triggeredAt: 1, completedAt: Date.now(), files });
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
    const entries = await scanSnapshots([base]);
    expect(entries.length).toBeGreaterThanOrEqual(12);
    for (const entry of entries.filter((e) => e.state === 'complete')) await (await readSnapshot(entry.path)).verify();
    expect(entries.some((e) => e.state === 'incomplete')).toBe(true);
    expect(entries.every((e) => e.state !== 'corrupt')).toBe(true);
  }, 60_000);
});
