// describeSnapshot: what a snapshot's listing and _metadata say, on an object store (pure).
import { describe, expect, it } from '@jest/globals';
import { encodeMetadata } from '../../../src/storage/metadata.js';
import { describeSnapshot, isRemote, remoteSnapshotUri, type ListedFile } from '../../../src/storage/store-catalog.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const files = (entries: Record<string, number>): Map<string, ListedFile> =>
  new Map(Object.entries(entries).map(([k, size]) => [k, { size, mtime: 1_700_000_000_000 }]));
const ours = (stateSize: number) =>
  encodeMetadata({
    formatVersion: 1,
    id: 3,
    kind: 'savepoint',
    trigger: 'manual',
    format: 'canonical',
    jobId: JOB,
    jobName: 'n',
    jobFingerprint: 'f',
    operators: [],
    toolVersion: 't',
    triggeredAt: 1,
    completedAt: 2,
    files: [{ name: 'state/a', size: stateSize, sha256: 'x' }],
  });

describe('describeSnapshot', () => {
  it('ours: complete when every listed state file has its recorded size; the size is what the listing shows', () => {
    const meta = ours(10);
    const e = describeSnapshot('s3://b/sp/savepoint-fd7201-000000000001', meta, files({ _metadata: meta.length, 'state/a': 10, _pinned: 5 }));
    expect(e).toMatchObject({ state: 'complete', origin: 'ours', jobId: JOB, snapshotId: 3, completedAt: 2, sizeBytes: meta.length + 15, pinned: true });
    const short = describeSnapshot('s3://b/sp/savepoint-fd7201-000000000001', meta, files({ _metadata: meta.length, 'state/a': 9 }));
    expect(short).toMatchObject({ state: 'corrupt', problem: 'state file state/a missing or truncated' });
  });

  it("Flink's: the 16-byte header is enough (version, checkpoint id); completed at the _metadata object's time", () => {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x4960672d, 0);
    header.writeInt32BE(4, 4);
    header.writeBigInt64BE(42n, 8);
    const e = describeSnapshot(`s3://b/ck/${JOB}/chk-42`, header, files({ _metadata: 900_000 }));
    expect(e).toMatchObject({
      state: 'complete',
      origin: 'flink',
      kind: 'checkpoint',
      jobId: JOB,
      snapshotId: 42,
      flinkMetadataVersion: 4,
      completedAt: 1_700_000_000_000,
    });
    header.writeInt32BE(99, 4);
    expect(describeSnapshot(`s3://b/ck/${JOB}/chk-42`, header, files({ _metadata: 16 }))).toMatchObject({
      state: 'corrupt',
      problem: 'unknown Flink metadata version 99',
    });
  });

  it('no _metadata: incomplete, or an unfinished disposal when the marker is there', () => {
    expect(describeSnapshot('s3://b/sp/savepoint-fd7201-000000000001', undefined, files({ 'state/a': 3 }))).toMatchObject({
      state: 'incomplete',
      jobIdPrefix: 'fd7201',
      problem: expect.stringContaining('no _metadata'),
    });
    expect(describeSnapshot('s3://b/sp/savepoint-fd7201-000000000001', undefined, files({ 'state/a': 3, _disposing: 25 }))).toMatchObject({
      state: 'incomplete',
      disposing: true,
    });
  });

  it("a _metadata that is neither ours nor Flink's is corrupt", () => {
    expect(describeSnapshot('s3://b/sp/savepoint-fd7201-000000000001', Buffer.from('hello'), files({ _metadata: 5 }))).toMatchObject({
      state: 'corrupt',
      problem: expect.stringContaining('_metadata is not a snapshot metadata file'),
    });
  });
});

describe('pointers', () => {
  it('schemes this tool has store adapters for are remote (HDFS too); file:, plain paths and unknown schemes are not', () => {
    expect(
      [
        's3://b/x',
        's3a://b/x',
        's3p://b/x',
        'wasbs://c@a.blob.core.windows.net/x',
        'abfss://c@a.dfs.core.windows.net/x',
        'hdfs://nn/x',
        'webhdfs://nn:9870/x',
      ].every(isRemote),
    ).toBe(true);
    expect(['/data/x', 'file:///data/x', 'gs://b/x'].some(isRemote)).toBe(false);
    expect(remoteSnapshotUri('s3://b/sp/savepoint-fd7201-000000000001/_metadata')).toBe('s3://b/sp/savepoint-fd7201-000000000001');
    expect(remoteSnapshotUri('s3://b/sp/savepoint-fd7201-000000000001/')).toBe('s3://b/sp/savepoint-fd7201-000000000001');
  });
});
