// Safe disposal on a local directory, S3 and Azure: the guard's facts gathered from what the store holds
// (content of _metadata, pins, leftovers, roots), each refusal deleting nothing, a plan showing exactly what a
// disposal then removes, the _disposing protocol; and what only a local disk has (symbolic links, the home
// directory and /, a delete that fails half-way for real).
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { SnapshotStorage } from '../../../src/storage/index.js';
import { putUndeletable } from '../../support/undeletable.js';
import { aroundThisFile, threeStores, withoutFacts } from '../../support/stores.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const stores = threeStores();
let storage: SnapshotStorage;
const nobody = { roots: [] as string[], jobs: [] };

aroundThisFile(stores, (opened) => (storage = opened));

async function snapshot(base: string): Promise<string> {
  const dir = await storage.writer.createSavepoint(base, JOB);
  const file = await storage.writer.writeStateFile(dir, 's', 'x'.repeat(1000));
  await storage.writer.publish(dir, {
    id: 1,
    kind: 'savepoint',
    trigger: 'manual',
    format: 'canonical',
    jobId: JOB,
    jobName: 'j',
    jobFingerprint: 'f',
    operators: [],
    toolVersion: 't',
    triggeredAt: 1,
    completedAt: 2,
    files: [file],
  });
  return dir;
}

describe.each(stores.flavours)('disposal on $name', (flavour) => {
  let root = '';
  beforeAll(async () => (root = await flavour.fresh()));

  it('plans path, bytes and reason; applying removes exactly that; applying again is nothing to dispose', async () => {
    const base = `${root}/ok`;
    const dir = await snapshot(base);
    const other = await snapshot(base);
    const [step] = await storage.planDisposal([`${dir}/_metadata`], { roots: [base], jobs: [] });
    expect(step).toMatchObject({ directory: dir, reason: 'savepoint, requested', entry: { origin: 'ours', state: 'complete' } });
    expect(step.bytes).toBeGreaterThan(1000);
    expect(step.sharedFiles).toBeUndefined(); // ours reference nothing outside their folder
    expect(withoutFacts(await stores.keysUnder(dir))).toEqual(['_metadata', 's']); // planning deletes nothing
    expect(await storage.dispose(dir, { roots: [base], jobs: [] })).toBe(dir);
    expect(await stores.keysUnder(dir)).toEqual([]);
    if (flavour.name === 'local directory') expect(existsSync(dir)).toBe(false);
    expect(withoutFacts(await stores.keysUnder(other))).toEqual(['_metadata', 's']);
    await expect(storage.dispose(dir, { roots: [base], jobs: [] })).rejects.toThrow(/Nothing to dispose at .*: it does not exist/);
  });

  it.each([
    ['not a snapshot', async (r: string) => (await stores.put(`${r}/plain`, 'file', 'x'), `${r}/plain`), /not a snapshot directory/],
    ['a configured root itself', async (r: string) => `${r}/rootdir`, /configured snapshot root/],
    ['.. tricks', async (r: string) => `${await snapshot(`${r}/dots`)}/../../etc`, /contains '\.\.' segments/],
    [
      'a snapshot without _metadata (maybe still being written)',
      async (r: string) => {
        const d = await storage.writer.createSavepoint(`${r}/partial`, JOB);
        await storage.writer.writeStateFile(d, 'state', 'x');
        return d;
      },
      /may still be being written/,
    ],
    ['a heap pointer', async () => 'jobmanager://savepoint-3', /removed JobManager heap savepoint backend/],
    ['nothing there', async (r: string) => `${r}/missing/savepoint-fd7201-000000000000`, /does not exist/],
    [
      "a chk-7/ whose _metadata is neither ours nor Flink's",
      async (r: string) => (await stores.put(`${r}/b/${JOB}/chk-7`, '_metadata', 'hello'), `${r}/b/${JOB}/chk-7`),
      /not a snapshot \(_metadata is not a snapshot metadata file/,
    ],
  ])('refuses %s, deleting nothing', async (_name, make, message) => {
    const pointer = await make(root);
    const before =
      pointer.includes('://') && !pointer.startsWith(root) ? [] : await stores.keysUnder(pointer.replace(/\/\.\.\/\.\.\/etc$/, '')).catch(() => []);
    await expect(storage.planDisposal([pointer], { roots: [`${root}/rootdir`], jobs: [] })).rejects.toThrow(message);
    await expect(storage.dispose(pointer, { roots: [`${root}/rootdir`], jobs: [] })).rejects.toThrow(message);
    if (before.length > 0) expect(await stores.keysUnder(pointer.replace(/\/\.\.\/\.\.\/etc$/, ''))).toEqual(before);
  });

  it('a pinned snapshot is refused; --force disposes it', async () => {
    const dir = await snapshot(`${root}/pinned`);
    await storage.pin(dir, { user: 'me', reason: 'golden' });
    expect(await storage.isPinned(dir)).toBe(true);
    expect((await storage.describe(dir))?.pinned).toBe(true);
    await expect(storage.planDisposal([dir], nobody)).rejects.toThrow(/is pinned/);
    const [step] = await storage.planDisposal([dir], { ...nobody, force: true });
    expect(step.reason).toBe('savepoint, forced');
    await storage.dispose(dir, { ...nobody, force: true });
    expect(await stores.keysUnder(dir)).toEqual([]);
  });

  it('an incomplete leftover: refused while it changed recently (even forced); old and forced, it goes', async () => {
    const dir = await storage.writer.createSavepoint(`${root}/leftover`, JOB);
    await storage.writer.writeStateFile(dir, 'part', 'x');
    await expect(storage.planDisposal([dir], { ...nobody, force: true })).rejects.toThrow(/may still be being written \(it changed \d+ s ago\)/);
    const later = Date.now() + 120_000;
    await expect(storage.planDisposal([dir], { ...nobody, now: later })).rejects.toThrow(/may still be being written\.$/);
    // A job with a snapshot in progress holds its own folders, whatever their age.
    const jobs = [{ jobId: JOB, status: 'RUNNING', completedSinceRestore: 1, inProgress: ['*'] }];
    await expect(storage.planDisposal([dir], { roots: [], jobs, force: true, now: later })).rejects.toThrow(
      /job fd72014d4c864993a2e5a9287b4a9c5d has a snapshot in progress/,
    );
    const [step] = await storage.planDisposal([dir], { ...nobody, force: true, now: later });
    expect(step.reason).toBe('savepoint (incomplete leftover), forced');
    await storage.dispose(dir, { ...nobody, force: true, now: later });
    expect(await stores.keysUnder(dir)).toEqual([]);
  });

  it('an interrupted disposal is recognised (never restorable) and the next dispose finishes it', async () => {
    const base = `${root}/interrupted`;
    const dir = await snapshot(base);
    // What an interruption after step 2 leaves: the marker, no _metadata, the state file.
    await stores.put(dir, '_disposing', `${new Date().toISOString()}\n`);
    await stores.remove(dir, ['_metadata']);
    const [entry] = await storage.scan([base]);
    expect(entry).toMatchObject({ path: dir, state: 'incomplete', disposing: true, problem: expect.stringContaining('a disposal started and did not finish') });
    const [step] = await storage.planDisposal([dir], { roots: [base], jobs: [] });
    expect(step.reason).toBe('savepoint (unfinished disposal), requested');
    await storage.dispose(dir, { roots: [base], jobs: [] });
    expect(await stores.keysUnder(dir)).toEqual([]);
  });

  it('a path on a store only the cluster can reach is planned for /savepoint-disposal', async () => {
    const [step] = await storage.planDisposal(['gs://bucket/savepoints/savepoint-fd7201-0123456789ab'], nobody);
    expect(step.directory).toBeUndefined();
    expect(step.reason).toContain('/savepoint-disposal');
  });
});

describe('on a local directory only', () => {
  const local = stores.flavours[0];

  it('a symbolic link is refused, even one pointing at a snapshot in the same directory', async () => {
    const base = await local.fresh();
    const real = await snapshot(base);
    const link = path.join(base, 'savepoint-fd7201-0000000000aa');
    symlinkSync(real, link);
    await expect(storage.planDisposal([link], nobody)).rejects.toThrow(`is a symbolic link to ${real}`);
    const elsewhere = await snapshot(await local.fresh());
    const links = path.join(base, 'links');
    mkdirSync(links);
    symlinkSync(elsewhere, path.join(links, path.basename(elsewhere)));
    await expect(storage.dispose(path.join(links, path.basename(elsewhere)), nobody)).rejects.toThrow(/symbolic link to/);
    expect(existsSync(path.join(real, '_metadata'))).toBe(true);
    expect(existsSync(path.join(elsewhere, '_metadata'))).toBe(true);
  });

  it('the home directory and / are roots', async () => {
    await expect(storage.planDisposal([homedir()], nobody)).rejects.toThrow(
      `Refusing to dispose ${path.resolve(homedir())}: it is the home directory, not one snapshot.`,
    );
    await expect(storage.planDisposal(['/'], nobody)).rejects.toThrow('Refusing to dispose /: it is the file system root, not one snapshot.');
  });

  it('a disposal that fails half-way leaves a folder known as such (not restorable), and a retry finishes it', async () => {
    const base = await local.fresh();
    const dir = await snapshot(base);
    const release = putUndeletable(dir);
    try {
      await expect(storage.dispose(dir, { roots: [base], jobs: [] })).rejects.toThrow();
      const [entry] = await storage.scan([base]);
      expect(entry).toMatchObject({
        path: dir,
        state: 'incomplete',
        disposing: true,
        problem: expect.stringContaining('a disposal started and did not finish'),
      });
      expect(existsSync(path.join(dir, '_metadata'))).toBe(false); // never restorable once a disposal began
      // Planning it again is allowed (unlike a folder without _metadata that may still be being written).
      expect((await storage.planDisposal([dir], { roots: [base], jobs: [] }))[0].directory).toBe(dir);
    } finally {
      release();
    }
    await storage.dispose(dir, { roots: [base], jobs: [] });
    expect(existsSync(dir)).toBe(false);
  });
});
