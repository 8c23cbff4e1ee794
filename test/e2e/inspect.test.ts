// `flink savepoints inspect` as a user runs it: real Flink _metadata (golden fixtures) and our own snapshots,
// --json, --uid, --verify with files present, missing, of the wrong size or failing their checksum.
import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { operatorIdForUid } from '../../src/domain/operator-id.js';
import { localStorage } from '../support/storage.js';
import { emptyDir, fixture, runFlink } from './helpers.js';

interface Listing {
  directory: string;
  files: Array<{ path: string; bytes: number }>;
}

/** A copy of a real savepoint: its _metadata plus files of the recorded names and sizes (relative handles resolve here). */
function materialise(version: string, name: string): { dir: string; files: string[] } {
  const src = fixture('flink-metadata', version, name);
  const listing = JSON.parse(readFileSync(path.join(src, 'files.json'), 'utf8')) as Listing;
  const dir = path.join(emptyDir('sp-'), path.basename(listing.directory));
  const files: string[] = [];
  for (const f of listing.files) {
    const target = path.join(dir, path.relative(listing.directory, f.path));
    if (path.basename(target) === '_metadata') continue;
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, Buffer.alloc(f.bytes), { flag: 'w' });
    files.push(target);
  }
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(src, '_metadata'), path.join(dir, '_metadata'));
  return { dir, files };
}

async function ourSnapshot(): Promise<{ dir: string; state: string }> {
  const dir = await localStorage.writer.createSavepoint(emptyDir('ours-'), 'fd72014d4c864993a2e5a9287b4a9c5d');
  const file = await localStorage.writer.writeStateFile(dir, 'counter-0.state', 'x'.repeat(1000));
  await localStorage.writer.publish(dir, {
    id: 3,
    kind: 'savepoint',
    trigger: 'manual',
    format: 'canonical',
    jobId: 'fd72014d4c864993a2e5a9287b4a9c5d',
    jobName: 'Event counter',
    jobFingerprint: 'f',
    operators: [
      {
        uid: 'counter',
        name: 'count',
        parallelism: 1,
        maxParallelism: 128,
        state: {
          format: 'flink-ts-operator-state',
          version: 1,
          kind: 'keyed',
          subtasks: [{ index: 0, kind: 'keyed', keyGroups: [0, 127], file: 'counter-0.state', entries: 4 }],
        },
      },
      { uid: 'source', parallelism: 2, maxParallelism: 128 },
    ],
    toolVersion: '0.1.0',
    triggeredAt: 1,
    completedAt: 2,
    files: [file],
  });
  return { dir, state: path.join(dir, 'counter-0.state') };
}

describe('flink savepoints inspect', () => {
  it("--json of a real Flink 1.20 savepoint: exactly the documented document, --uid mapped by Flink's hash", async () => {
    const dir = fixture('flink-metadata', '1.20.5', 'savepoint-canonical');
    const r = await runFlink(['savepoints', 'inspect', dir, '--json', '--uid', 'counter', '--uid', 'not-in-this-job']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['version', 'path', 'origin', 'metadataVersion', 'checkpointId', 'bytes', 'operators', 'files', 'verified', 'missing']);
    expect(doc).toMatchObject({ version: 1, path: dir, origin: 'flink', metadataVersion: 4, verified: null, missing: [] });
    expect(Object.keys(doc.operators[0])).toEqual(['id', 'uid', 'parallelism', 'maxParallelism', 'bytes']);
    const counter = doc.operators.find((o: { uid: string | null }) => o.uid === 'counter');
    expect(counter).toMatchObject({ id: operatorIdForUid('counter'), parallelism: 1, maxParallelism: 128 });
    expect(counter.bytes).toBeGreaterThan(0);
    expect(doc.operators.filter((o: { uid: string | null }) => o.uid !== null)).toHaveLength(1);
    expect(doc.bytes).toBe(doc.operators.reduce((n: number, o: { bytes: number }) => n + o.bytes, 0));
    expect(doc.files.length).toBeGreaterThan(0);
    expect(r.stderr).toContain(`No operator with uid 'not-in-this-job' (operator id ${operatorIdForUid('not-in-this-job')}) in this snapshot.`);
  });

  it('a 2.3 savepoint carries its uids; the text form names who wrote it and every operator', async () => {
    const r = await runFlink(['savepoints', 'inspect', `file://${fixture('flink-metadata', '2.3.0', 'savepoint-native')}/_metadata`]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Apache Flink (metadata format version 6): savepoint, native format');
    for (const uid of ['numbers', 'extra', 'extra-map', 'counter', 'sink']) expect(r.stdout).toMatch(new RegExp(`^${operatorIdForUid(uid)}\\t${uid}\\t`, 'm'));
  });

  it('--verify: passes with every file present; names a missing one and one of the wrong size, exit 1, one document', async () => {
    const { dir, files } = materialise('1.20.5', 'savepoint-canonical');
    const ok = await runFlink(['savepoints', 'inspect', dir, '--verify', '--json']);
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verified: true, missing: [] });
    unlinkSync(files[0]);
    truncateSync(files[1], 1);
    const bad = await runFlink(['savepoints', 'inspect', dir, '--verify', '--json']);
    expect(bad.exitCode).toBe(1);
    const doc = JSON.parse(bad.stdout); // one document: the error is on stderr only
    expect(doc.verified).toBe(false);
    expect(doc.missing.map((p: string) => p.replace(/^file:/, '')).sort()).toEqual([files[0], files[1]].sort());
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain(`${files[0]} (missing)`);
    expect(bad.stderr).toMatch(new RegExp(`${files[1]} \\(1 bytes, expected \\d+\\)`));
  });

  it("our own snapshot: ids are Flink's hash of each uid; --verify checks sizes and checksums", async () => {
    const { dir, state } = await ourSnapshot();
    const r = await runFlink(['savepoints', 'inspect', dir, '--json', '--verify']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      version: 1,
      path: dir,
      origin: 'ours',
      metadataVersion: 1,
      checkpointId: 3,
      bytes: 1000,
      operators: [
        { id: operatorIdForUid('counter'), uid: 'counter', parallelism: 1, maxParallelism: 128, bytes: 1000 },
        { id: operatorIdForUid('source'), uid: 'source', parallelism: 2, maxParallelism: 128, bytes: 0 },
      ],
      files: [{ path: state, bytes: 1000 }],
      verified: true,
      missing: [],
    });
    writeFileSync(state, 'y'.repeat(1000));
    const flipped = await runFlink(['savepoints', 'inspect', dir, '--verify']);
    expect(flipped.exitCode).toBe(1);
    expect(flipped.stderr).toContain(`${state} (fails its checksum (corrupt))`);
    unlinkSync(state);
    const gone = await runFlink(['savepoints', 'inspect', dir, '--verify', '--json']);
    expect(gone.exitCode).toBe(1);
    expect(JSON.parse(gone.stdout)).toMatchObject({ verified: false, missing: [state] });
    expect(gone.stderr).toContain(`${state} (missing)`);
  });

  it('bad input: no snapshot there (exit 5), a truncated Flink _metadata (exit 1), one line each, nothing deleted', async () => {
    const missing = await runFlink(['savepoints', 'inspect', path.join(emptyDir(), 'nothing-here')]);
    expect(missing.exitCode).toBe(5);
    expect(missing.stderr).toMatch(/^Error: Cannot find meta data file '_metadata' in directory '.*nothing-here'\.\n$/);
    const dir = emptyDir('truncated-');
    const bytes = readFileSync(fixture('flink-metadata', '2.3.0', 'checkpoint-rocksdb-incremental', '_metadata'));
    writeFileSync(path.join(dir, '_metadata'), bytes.subarray(0, 200));
    const truncated = await runFlink(['savepoints', 'inspect', dir]);
    expect(truncated.exitCode).toBe(1);
    expect(truncated.stderr).toMatch(/^Error: .*\/_metadata: truncated: .* at byte \d+ needs \d+ bytes, \d+ left\.\n$/);
    expect(readFileSync(path.join(dir, '_metadata')).length).toBe(200);
    const usage = await runFlink(['savepoints', 'inspect']);
    expect(usage.exitCode).toBe(2);
  });

  it('a _metadata version newer than any released Flink writes (2.3 writes 6): refused by name, exit 1, one line', async () => {
    const dir = emptyDir('newer-');
    const bytes = Buffer.from(readFileSync(fixture('flink-metadata', '2.3.0', 'savepoint-canonical', '_metadata')));
    bytes.writeInt32BE(7, 4); // the format version follows the magic number
    writeFileSync(path.join(dir, '_metadata'), bytes);
    const r = await runFlink(['savepoints', 'inspect', dir, '--verify']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `Error: ${dir}/_metadata: metadata format version 7 is newer than this reader (this reader knows versions 3 to 6, written by Apache Flink 1.11 to 2.3); a newer flink-cli is needed to read it.\n`,
    );
  });
});
