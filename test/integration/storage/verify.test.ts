// The two verification levels on real snapshot directories: a byte flipped in a state file (same size) passes
// quick and fails full; a truncated file, a damaged _metadata or a missing directory fail both.
import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSavepointDir, publishSnapshot, writeStateFile } from '../../../src/storage/index.js';
import { verifySnapshot } from '../../../src/storage/verify.js';

const root = mkdtempSync(path.join(tmpdir(), 'flink-cli-verify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';

async function snapshot(): Promise<string> {
  const dir = await createSavepointDir(root, JOB);
  const files = [await writeStateFile(dir, 'keyed/op-count-0.state', Buffer.alloc(64 * 1024, 7)), await writeStateFile(dir, 'op-source-0.state', 'positions')];
  await publishSnapshot(dir, {
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

function flip(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] ^= 0xff;
  writeFileSync(file, bytes);
}

describe('verifySnapshot', () => {
  it('an intact snapshot passes both levels, by directory, file: URI or its _metadata', async () => {
    const dir = await snapshot();
    expect(await verifySnapshot(dir, 'quick')).toEqual({ level: 'quick', state: 'complete' });
    expect(await verifySnapshot(`file://${dir}`, 'full')).toEqual({ level: 'full', state: 'complete' });
    expect(await verifySnapshot(path.join(dir, '_metadata'), 'full')).toEqual({ level: 'full', state: 'complete' });
  });

  it('one byte flipped in a state file, same size: quick passes, full fails naming the file', async () => {
    const dir = await snapshot();
    flip(path.join(dir, 'keyed/op-count-0.state'), 1234);
    expect(await verifySnapshot(dir, 'quick')).toEqual({ level: 'quick', state: 'complete' });
    expect(await verifySnapshot(dir, 'full')).toEqual({
      level: 'full',
      state: 'corrupt',
      problem: 'state file keyed/op-count-0.state fails its checksum (corrupt)',
    });
  });

  it('does not care what the directory is called (a restored savepoint may have been moved or renamed)', async () => {
    const dir = await snapshot();
    const renamed = path.join(root, 'golden copy');
    renameSync(dir, renamed);
    expect(await verifySnapshot(renamed, 'full')).toEqual({ level: 'full', state: 'complete' });
  });

  it('a truncated state file, a flipped byte in _metadata, no _metadata, no directory: both levels fail', async () => {
    const truncated = await snapshot();
    truncateSync(path.join(truncated, 'op-source-0.state'), 3);
    const badMeta = await snapshot();
    flip(path.join(badMeta, '_metadata'), 60);
    const unpublished = await snapshot();
    rmSync(path.join(unpublished, '_metadata'));
    for (const level of ['quick', 'full'] as const) {
      expect(await verifySnapshot(truncated, level)).toEqual({ level, state: 'corrupt', problem: 'state file op-source-0.state missing or truncated' });
      expect(await verifySnapshot(badMeta, level)).toMatchObject({ level, state: 'corrupt', problem: expect.stringMatching(/^_metadata is /) });
      expect(await verifySnapshot(unpublished, level)).toMatchObject({ level, state: 'incomplete' });
      expect(await verifySnapshot(path.join(root, 'gone'), level)).toEqual({ level, state: 'incomplete', problem: 'directory no longer exists' });
    }
  });

  it("Apache Flink's savepoints (real _metadata of 1.20 and 2.x) pass: for them full is quick for now", async () => {
    for (const version of readdirSync('fixtures/snapshots').filter((d) => d.startsWith('flink-'))) {
      const copy = path.join(root, version);
      cpSync(path.join('fixtures/snapshots', version), copy, { recursive: true });
      const savepoint = readdirSync(copy).find((d) => d.startsWith('savepoint-'))!;
      expect(await verifySnapshot(path.join(copy, savepoint), 'full')).toEqual({ level: 'full', state: 'complete' });
    }
  });
});
