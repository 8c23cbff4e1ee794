// Safe disposal: each refusal deletes nothing; a plan shows exactly what a real disposal then removes.
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scanSnapshots } from '../../../src/storage/catalog.js';
import { applyDisposal, planDisposal } from '../../../src/storage/disposal.js';
import { createSavepointDir, publishSnapshot, writeStateFile } from '../../../src/storage/index.js';
import { putUndeletable } from '../../support/undeletable.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-dispose-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';

async function snapshot(base: string): Promise<string> {
  const dir = await createSavepointDir(base, JOB);
  const file = await writeStateFile(dir, 's', 'x'.repeat(1000));
  await publishSnapshot(dir, {
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

describe('planDisposal', () => {
  it('plans path, bytes and reason; applying removes exactly that; applying again is fine', async () => {
    const base = path.join(root, 'ok');
    const dir = await snapshot(base);
    const [step] = await planDisposal([`file://${dir}/_metadata`], { roots: [base], cwd: '/' });
    expect(step).toMatchObject({ directory: dir, reason: 'savepoint, requested' });
    expect(step.bytes).toBeGreaterThan(1000);
    expect(existsSync(dir)).toBe(true); // planning deletes nothing
    await applyDisposal(step);
    expect(existsSync(dir)).toBe(false);
    await applyDisposal(step); // idempotent
  });

  it.each([
    [
      'not a snapshot',
      async () => {
        const d = path.join(root, 'plain');
        mkdirSync(d, { recursive: true });
        return d;
      },
      /not a snapshot directory/,
    ],
    ['a configured root itself', async () => path.join(root, 'rootdir'), /configured snapshot root/],
    ['.. tricks', async () => `${await snapshot(path.join(root, 'dots'))}/../../etc`, /contains '\.\.' segments/],
    [
      'a symlink leaving its directory',
      async () => {
        const target = await snapshot(path.join(root, 'elsewhere'));
        const link = path.join(root, 'links', path.basename(target));
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync(target, link);
        return link;
      },
      /symbolic link to/,
    ],
    [
      'a snapshot without _metadata (maybe still being written)',
      async () => {
        const d = await createSavepointDir(path.join(root, 'partial'), JOB);
        writeFileSync(path.join(d, 'state'), 'x');
        return d;
      },
      /may still be being written/,
    ],
    ['a heap pointer', async () => 'jobmanager://savepoint-3', /removed JobManager heap savepoint backend/],
    ['nothing there', async () => path.join(root, 'missing', 'savepoint-fd7201-000000000000'), /does not exist/],
  ])('refuses %s, deleting nothing', async (_name, make, message) => {
    mkdirSync(path.join(root, 'rootdir'), { recursive: true });
    const pointer = await make();
    await expect(planDisposal([pointer], { roots: [path.join(root, 'rootdir')], cwd: '/' })).rejects.toThrow(message);
    if (!pointer.includes('://') && !pointer.includes('missing')) expect(existsSync(pointer.replace(/\/\.\.\/\.\.\/etc$/, ''))).toBe(true);
  });

  it('a path only the cluster can reach is planned for /savepoint-disposal', async () => {
    const [step] = await planDisposal(['s3://bucket/savepoints/savepoint-fd7201-0123456789ab'], { roots: [], cwd: '/' });
    expect(step.directory).toBeUndefined();
    expect(step.reason).toContain('/savepoint-disposal');
  });

  it('a disposal that fails half-way leaves a directory known as such (not restorable), and a retry finishes it', async () => {
    const base = path.join(root, 'half');
    const dir = await snapshot(base);
    const release = putUndeletable(dir);
    const [step] = await planDisposal([dir], { roots: [base], cwd: '/' });
    try {
      await expect(applyDisposal(step)).rejects.toThrow();
      const [entry] = await scanSnapshots([base]);
      expect(entry).toMatchObject({
        path: dir,
        state: 'incomplete',
        disposing: true,
        problem: expect.stringContaining('a disposal started and did not finish'),
      });
      expect(existsSync(path.join(dir, '_metadata'))).toBe(false); // never restorable once a disposal began
      // Planning it again is allowed (unlike a directory without _metadata that may still be being written).
      expect((await planDisposal([dir], { roots: [base], cwd: '/' }))[0].directory).toBe(dir);
    } finally {
      release();
    }
    await applyDisposal(step);
    expect(existsSync(dir)).toBe(false);
  });
});
