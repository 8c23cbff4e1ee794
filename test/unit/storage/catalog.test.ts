// What a listing says about a snapshot (catalog.ts describeListed), and the facts our writer records in the
// name of an empty object beside _metadata (metadata.ts) so a listing knows them without reading anything.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeListed } from '../../../src/storage/catalog.js';
import { encodeMetadata, factsName, parseFactsName, type SnapshotFacts } from '../../../src/storage/metadata.js';
import type { ObjectInfo, ObjectStore } from '../../../src/storage/object-store.js';
import { LocalStore } from '../../../src/storage/stores/local.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const MTIME = new Date(1_700_000_000_000);
const facts: SnapshotFacts = {
  kind: 'savepoint',
  trigger: 'periodic',
  format: 'native',
  jobId: JOB,
  jobName: 'Event counter. v2 / “über”',
  id: 3,
  completedAt: 1_700_000_123_456,
  metadataBytes: 500,
  stateBytes: 10,
  stateFiles: 1,
};

/** An object store's listing of one snapshot (what S3 or Azure return), and a store that counts its reads. */
function listingOf(entries: Record<string, number>): Map<string, ObjectInfo> {
  return new Map(Object.entries(entries).map(([key, size]) => [key, { key: `sp/savepoint-fd7201-000000000001/${key}`, size, lastModified: MTIME }]));
}
const ourMetadata = encodeMetadata({
  ...facts,
  formatVersion: 1,
  jobFingerprint: 'f',
  operators: [],
  toolVersion: 't',
  triggeredAt: 1,
  files: [{ name: 'op-0.state', size: 10, sha256: 'x' }],
});
let reads = 0;
const objectStore = {
  base: 's3://bucket/',
  uriOf: (key: string) => `s3://bucket/${key}`,
  read: async (key: string) => {
    reads++;
    if (key.endsWith('/_metadata')) return ourMetadata;
    throw new Error(`no ${key}`);
  },
} as unknown as ObjectStore;
const listed = (entries: Record<string, number>) => describeListed(objectStore, { prefix: 'sp/savepoint-fd7201-000000000001', files: listingOf(entries) });
const withFacts = { ...facts, metadataBytes: ourMetadata.length };

describe('the facts of our snapshots, in an object name', () => {
  it('round-trip, job names with dots, spaces and any characters included; the name stays a valid file name', () => {
    const name = factsName(facts);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name).not.toContain('/');
    expect(parseFactsName(name)).toEqual(facts);
  });

  it('a job name too long for a file name is left out (the listing then does not know it), never a name over 255 bytes', () => {
    const long = { ...facts, jobName: 'x'.repeat(300) };
    expect(Buffer.byteLength(factsName(long))).toBeLessThanOrEqual(255);
    expect(parseFactsName(factsName(long))).toEqual({ ...facts, jobName: undefined });
    expect(parseFactsName('_snapshot.1.99x.nope')).toBeUndefined();
    expect(parseFactsName('_metadata')).toBeUndefined();
  });
});

describe('describeListed on an object store (a read only where the listing does not add up)', () => {
  it('ours: kind, trigger, job, id and time from the facts; complete when the listed sizes add up to the recorded ones, without a read', async () => {
    reads = 0;
    const files = { _metadata: ourMetadata.length, [factsName(withFacts)]: 0, 'op-0.state': 10, _pinned: 40 };
    expect(await listed(files)).toMatchObject({
      path: 's3://bucket/sp/savepoint-fd7201-000000000001',
      origin: 'ours',
      kind: 'savepoint',
      trigger: 'periodic',
      format: 'native',
      jobId: JOB,
      jobName: facts.jobName,
      snapshotId: 3,
      completedAt: facts.completedAt,
      sizeBytes: ourMetadata.length + 10,
      state: 'complete',
      pinned: true,
      verified: 'quick',
    });
    expect(reads).toBe(0);
  });

  it('ours whose listing does not add up: only then is _metadata read, and it says which file is wrong (a stray file is fine)', async () => {
    reads = 0;
    const files = { _metadata: ourMetadata.length, [factsName(withFacts)]: 0, 'op-0.state': 10 };
    expect(await listed({ ...files, 'op-0.state': 9 })).toMatchObject({ state: 'corrupt', problem: 'state file op-0.state missing or truncated' });
    expect(await listed({ _metadata: ourMetadata.length, [factsName(withFacts)]: 0 })).toMatchObject({ state: 'corrupt' });
    expect(await listed({ ...files, 'stray-leftover': 7 })).toMatchObject({ state: 'complete', origin: 'ours' });
    expect(reads).toBe(3);
  });

  it("Flink's (no facts): complete as far as the listing shows, completed at the _metadata object's time, the checkpoint id from its name", async () => {
    const chk = await describeListed(objectStore, {
      prefix: `ck/${JOB}/chk-42`,
      files: new Map([['_metadata', { key: `ck/${JOB}/chk-42/_metadata`, size: 900_000, lastModified: MTIME }]]),
    });
    expect(chk).toMatchObject({
      state: 'complete',
      origin: 'flink',
      kind: 'checkpoint',
      jobId: JOB,
      snapshotId: 42,
      completedAt: MTIME.getTime(),
      verified: 'listed',
    });
  });

  it('no _metadata: incomplete, or an unfinished disposal when the marker is there', async () => {
    expect(await listed({ 'op-0.state': 3 })).toMatchObject({ state: 'incomplete', jobIdPrefix: 'fd7201', problem: expect.stringContaining('no _metadata') });
    expect(await listed({ 'op-0.state': 3, _disposing: 25 })).toMatchObject({ state: 'incomplete', disposing: true });
  });
});

describe('describeListed on a local disk (a _metadata without facts is read: as cheap as the listing)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'catalog-unit-'));
  const store = new LocalStore(root);
  const at = async (name: string, metadata: Buffer, extra: Record<string, string> = {}) => {
    mkdirSync(path.join(root, name), { recursive: true });
    writeFileSync(path.join(root, name, '_metadata'), metadata);
    for (const [k, v] of Object.entries(extra)) writeFileSync(path.join(root, name, k), v);
    const files = new Map<string, ObjectInfo>();
    for (const o of (await store.list(`${name}/`)).objects) files.set(o.key.slice(name.length + 1), o);
    return describeListed(store, { prefix: name, files });
  };

  it("Flink's header: version and checkpoint id; an unknown version is corrupt", async () => {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x4960672d, 0);
    header.writeInt32BE(4, 4);
    header.writeBigInt64BE(42n, 8);
    expect(await at(`${JOB}/chk-42`, header)).toMatchObject({ state: 'complete', origin: 'flink', flinkMetadataVersion: 4, snapshotId: 42, verified: 'quick' });
    header.writeInt32BE(99, 4);
    expect(await at(`${JOB}/chk-43`, header)).toMatchObject({
      state: 'corrupt',
      problem: expect.stringContaining('metadata format version 99 is newer than this reader'),
    });
  });

  it('ours from before the facts: decoded, every state file checked against the listing; junk is corrupt', async () => {
    const meta = encodeMetadata({
      ...facts,
      formatVersion: 1,
      jobFingerprint: 'f',
      operators: [],
      toolVersion: 't',
      triggeredAt: 1,
      files: [{ name: 'a', size: 3, sha256: 'x' }],
    });
    expect(await at('savepoint-fd7201-000000000002', meta, { a: 'abc' })).toMatchObject({ state: 'complete', origin: 'ours', snapshotId: 3 });
    expect(await at('savepoint-fd7201-000000000003', meta, { a: 'ab' })).toMatchObject({ state: 'corrupt', problem: 'state file a missing or truncated' });
    expect(await at('savepoint-fd7201-000000000004', Buffer.from('hello'))).toMatchObject({
      state: 'corrupt',
      problem: expect.stringContaining('_metadata is not a snapshot metadata file'),
    });
  });
});
