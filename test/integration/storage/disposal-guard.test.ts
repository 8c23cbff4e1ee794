// The guard's facts gathered from a real file system: content of _metadata, symbolic links, pins, leftovers.
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { guardLocal, planDisposal, targetFacts } from '../../../src/storage/disposal.js';
import { createSavepointDir, publishSnapshot, writeStateFile } from '../../../src/storage/index.js';
import { pin } from '../../../src/storage/pins.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-guard-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const context = { roots: [] as string[], cwd: '/', jobs: [] };

async function snapshot(base: string): Promise<string> {
  const dir = await createSavepointDir(base, JOB);
  const file = await writeStateFile(dir, 's', 'x'.repeat(100));
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

/** Sets the modification time of a directory and everything in it to `secondsAgo`. */
function age(dir: string, names: string[], secondsAgo: number): void {
  const t = Date.now() / 1000 - secondsAgo;
  for (const n of names) utimesSync(path.join(dir, n), t, t);
  utimesSync(dir, t, t);
}

describe('targetFacts', () => {
  it('judges by content: ours, and a chk-7/ with a junk _metadata', async () => {
    expect(targetFacts(await snapshot(path.join(root, 'a')), context)).toMatchObject({ content: 'ours', pinned: false });
    const chk = path.join(root, 'b', JOB, 'chk-7');
    mkdirSync(chk, { recursive: true });
    writeFileSync(path.join(chk, '_metadata'), 'hello');
    expect(targetFacts(chk, context)).toMatchObject({ content: 'junk', contentProblem: expect.stringContaining('not a snapshot metadata file') });
    await expect(planDisposal([chk], context)).rejects.toThrow(/not a snapshot \(_metadata is not a snapshot metadata file/);
    expect(existsSync(path.join(chk, '_metadata'))).toBe(true);
  });

  it('a symbolic link is refused even when it points at a snapshot in the same directory', async () => {
    const real = await snapshot(path.join(root, 'c'));
    const link = path.join(root, 'c', 'savepoint-fd7201-0000000000aa');
    symlinkSync(real, link);
    expect(targetFacts(link, context).symlinkTo).toBe(real);
    expect(() => guardLocal(link, context)).toThrow(/is a symbolic link to/);
    expect(existsSync(path.join(real, '_metadata'))).toBe(true);
  });

  it('the home directory and / are roots', () => {
    expect(targetFacts(homedir(), context).root).toBe('the home directory');
    expect(targetFacts('/', context).root).toBe('the file system root');
  });

  it('a pinned snapshot is refused; --force disposes it', async () => {
    const dir = await snapshot(path.join(root, 'd'));
    await pin(dir, { user: 'me' });
    expect(() => guardLocal(dir, context)).toThrow(/is pinned/);
    const [step] = await planDisposal([dir], { ...context, force: true });
    expect(step.reason).toBe('savepoint, forced');
  });

  it('an incomplete leftover: refused while it changed recently (even forced); old and forced, it goes', async () => {
    const dir = await createSavepointDir(path.join(root, 'e'), JOB);
    writeFileSync(path.join(dir, 'part'), 'x');
    expect(() => guardLocal(dir, { ...context, force: true })).toThrow(/may still be being written \(it changed \d+ s ago\)/);
    age(dir, ['part'], 120);
    expect(() => guardLocal(dir, context)).toThrow(/may still be being written\.$/);
    expect(() => guardLocal(dir, { ...context, force: true })).not.toThrow();
    // A job with a snapshot in progress holds its own directories, whatever their age.
    const jobs = [{ jobId: JOB, status: 'RUNNING', completedSinceRestore: 1, inProgress: ['*'] }];
    expect(() => guardLocal(dir, { ...context, jobs, force: true })).toThrow(/job fd72014d4c864993a2e5a9287b4a9c5d has a snapshot in progress/);
  });
});
