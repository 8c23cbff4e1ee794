// The coordinator's snapshot I/O (storage/index.ts) on S3 (S3Mock) and Azure Blob (Azurite): the same
// functions as on a local directory, dispatched on the pointer's scheme, with the same semantics: state
// files first, _metadata last, sizes and checksums verified on read, abort deletes what was written.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { resolveConfig } from '../../../src/config/resolve.js';
import { storageSettings } from '../../../src/config/storage.js';
import type { SnapshotEntry } from '../../../src/coordinator/checkpoint-coordinator.js';
import { settleInterrupted } from '../../../src/coordinator/leftovers.js';
import { forCheckpoint, forManualSavepoint } from '../../../src/domain/snapshot-properties.js';
import { guardAndRemove } from '../../../src/storage/disposal.js';
import {
  abortSnapshot,
  checkpointPath,
  createCheckpointDir,
  createSavepointDir,
  createSnapshotDirectory,
  publishSnapshot,
  readSnapshot,
  writeStateFile,
  type SnapshotMetadataInput,
} from '../../../src/storage/index.js';
import { listAll, openStore, type ObjectStore } from '../../../src/storage/object-store.js';
import { storageSettingsFromWire, storageSettingsWire, useStorageSettings } from '../../../src/storage/remote-snapshots.js';
import { verifySnapshot } from '../../../src/storage/verify.js';
import {
  AZURE_HOST,
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  freshBucket,
  freshContainer,
  startAzurite,
  startS3Mock,
  type RunningServer,
} from '../../support/object-stores.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const settingsOf = (...dynamic: string[]) => storageSettings(resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic }));

let s3: RunningServer;
let azurite: RunningServer;
let counter = 0;

beforeAll(async () => {
  const [a, b] = await Promise.allSettled([startS3Mock(), startAzurite()]);
  if (a.status === 'fulfilled') s3 = a.value;
  if (b.status === 'fulfilled') azurite = b.value;
  for (const r of [a, b]) if (r.status === 'rejected') throw r.reason;
  useStorageSettings(
    settingsOf(
      `s3.endpoint=${s3.endpoint}`,
      's3.path.style.access=true',
      's3.access-key=test',
      's3.secret-key=test-secret',
      `azure.blob.endpoint=${azurite.endpoint}`,
      `fs.azure.account.key.${AZURE_HOST}=${AZURITE_KEY}`,
    ),
  );
}, 240_000);
afterAll(async () => {
  useStorageSettings(undefined);
  await Promise.all([s3?.stop(), azurite?.stop()]);
}, 60_000);

interface Flavour {
  name: string;
  /** A fresh bucket/container; the root URI below it (no trailing slash). */
  fresh(): Promise<string>;
  missingRoot: string;
}

const flavours: Flavour[] = [
  {
    name: 'S3 (S3Mock)',
    fresh: async () => {
      return freshBucket(s3.endpoint, `snapshots-${++counter}`);
    },
    missingRoot: 's3://no-such-bucket/state',
  },
  {
    name: 'Azure Blob (Azurite)',
    fresh: async () => {
      return freshContainer(azurite.endpoint, `snapshots-${++counter}`);
    },
    missingRoot: `wasbs://no-such-container@${AZURE_HOST}/state`,
  },
];

function meta(id: number, files: SnapshotMetadataInput['files'], kind: SnapshotMetadataInput['kind'] = 'savepoint'): SnapshotMetadataInput {
  return {
    id,
    kind,
    trigger: 'manual',
    format: 'canonical',
    jobId: JOB,
    jobName: 'Event counter',
    jobFingerprint: 'f',
    operators: [],
    toolVersion: 'test',
    triggeredAt: 1_000,
    completedAt: 2_000,
    files,
  };
}

async function keysUnder(uri: string): Promise<string[]> {
  const store: ObjectStore = await openStore(uri + '/', storageSettingsFromWire(storageSettingsWire()!));
  try {
    const keys: string[] = [];
    for await (const page of listAll(store, '')) keys.push(...page.objects.map((o) => o.key));
    return keys.sort();
  } finally {
    store.close();
  }
}

/** A new savepoint prefix below `root`: a URI on the store itself, never a local directory named like one. */
async function savepointIn(root: string): Promise<string> {
  const dir = await createSavepointDir(root, JOB);
  expect(dir).toMatch(new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/savepoint-fd7201-[0-9a-f]{12}$`));
  return dir;
}

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

describe.each(flavours)('snapshot I/O on $name', (flavour) => {
  it('writes state files, publishes _metadata last, and reads back verified state', async () => {
    const root = await flavour.fresh();
    const dir = await savepointIn(root);
    const a = await writeStateFile(dir, 'op-0/keyed-0.jsonl', '{"k":"a","v":1}\n{"k":"b","v":2}\n');
    const b = await writeStateFile(dir, 'op-1/keyed-0.jsonl', chunks('{"k":"c",', '"v":3}\n'));
    expect(a.size).toBe(32);
    expect(b.size).toBe(16);
    // Before publication there is no _metadata: the snapshot is not complete, nor restorable.
    expect(await keysUnder(dir)).toEqual(['op-0/keyed-0.jsonl', 'op-1/keyed-0.jsonl']);
    expect((await verifySnapshot(dir, 'quick')).state).toBe('incomplete');
    await expect(readSnapshot(dir)).rejects.toThrow(`Cannot find meta data file '_metadata' in directory '${dir}'`);

    await publishSnapshot(dir, meta(7, [a, b]));
    expect(await keysUnder(dir)).toEqual(['_metadata', 'op-0/keyed-0.jsonl', 'op-1/keyed-0.jsonl']);
    const opened = await readSnapshot(`${dir}/_metadata`);
    expect(opened.directory).toBe(dir);
    expect(opened.metadata).toMatchObject({ id: 7, kind: 'savepoint', jobId: JOB, files: [a, b] });
    await opened.verify();
    expect(await readAll(opened.openStateFile('op-1/keyed-0.jsonl'))).toBe('{"k":"c","v":3}\n');
    expect(await verifySnapshot(dir, 'full')).toEqual({ level: 'full', state: 'complete' });
  });

  it('a checkpoint goes to <root>/<job id>/chk-<n>', async () => {
    const root = await flavour.fresh();
    const dir = await createCheckpointDir(root, JOB, 3);
    expect(dir).toBe(`${root}/${JOB}/chk-3`);
    expect(checkpointPath(`${root}/`, JOB, 4)).toBe(`${root}/${JOB}/chk-4`);
    const f = await writeStateFile(dir, 'state.bin', Buffer.from([1, 2, 3]));
    await publishSnapshot(dir, meta(3, [f], 'checkpoint'));
    expect((await readSnapshot(dir)).metadata.kind).toBe('checkpoint');
  });

  it('a truncated or missing state object fails verification, naming the object', async () => {
    const root = await flavour.fresh();
    const dir = await savepointIn(root);
    const a = await writeStateFile(dir, 'a.bin', 'x'.repeat(100));
    const b = await writeStateFile(dir, 'b.bin', 'y'.repeat(100));
    await publishSnapshot(dir, meta(1, [a, b]));
    const store = await openStore(dir + '/', storageSettingsFromWire(storageSettingsWire()!));
    try {
      await store.write('a.bin', 'x'.repeat(60)); // truncated
      const opened = await readSnapshot(dir);
      await expect(opened.verify()).rejects.toThrow(`State file ${dir}/a.bin is truncated (60 bytes, expected 100).`);
      await expect(readAll(opened.openStateFile('a.bin'))).rejects.toThrow(`State file ${dir}/a.bin is truncated`);
      expect(await verifySnapshot(dir, 'quick')).toMatchObject({ state: 'corrupt', problem: 'state file a.bin missing or truncated' });
      await store.write('a.bin', 'z'.repeat(100)); // same size, other bytes
      await expect((await readSnapshot(dir)).verify()).rejects.toThrow(`State file ${dir}/a.bin fails its checksum (corrupt).`);
      expect((await verifySnapshot(dir, 'quick')).state).toBe('complete');
      expect((await verifySnapshot(dir, 'full')).state).toBe('corrupt');
      await store.deleteMany(['b.bin']);
      await expect((await readSnapshot(dir)).verify()).rejects.toThrow(`State file ${dir}/b.bin is missing.`);
    } finally {
      store.close();
    }
  });

  it('publication refuses a missing state file and writes no _metadata', async () => {
    const root = await flavour.fresh();
    const dir = await savepointIn(root);
    const a = await writeStateFile(dir, 'a.bin', 'abc');
    await expect(publishSnapshot(dir, meta(1, [a, { name: 'never-written.bin', size: 3, sha256: '0'.repeat(64) }]))).rejects.toThrow(
      `Cannot publish ${dir}: state file never-written.bin is missing`,
    );
    expect(await keysUnder(dir)).toEqual(['a.bin']);
  });

  it('abort deletes what was written (and nothing beside it)', async () => {
    const root = await flavour.fresh();
    const keep = await savepointIn(root);
    await publishSnapshot(keep, meta(1, [await writeStateFile(keep, 'a.bin', 'keep')]));
    const dir = `${keep.slice(0, -1)}${keep.endsWith('0') ? '1' : '0'}`; // a sibling sharing all but the last character
    await createSnapshotDirectory(dir);
    await writeStateFile(dir, 'a.bin', 'partial');
    await writeStateFile(dir, 'nested/b.bin', 'partial');
    await abortSnapshot(dir);
    expect(await keysUnder(dir)).toEqual([]);
    expect(await keysUnder(keep)).toEqual(['_metadata', 'a.bin']);
    await expect(readSnapshot(dir)).rejects.toThrow(`Cannot find checkpoint or savepoint directory '${dir}'.`);
  });

  it('a missing bucket or container fails when the snapshot is created, naming the URI', async () => {
    const dir = `${flavour.missingRoot}/savepoint-fd7201-000000000001`;
    await expect(createSnapshotDirectory(dir)).rejects.toThrow(/does not exist \(listing .*no-such-.*\/state\/savepoint-fd7201-000000000001\/\)/);
  });

  it("after a coordinator crash, an interrupted snapshot's objects are removed; a completed one is kept", async () => {
    const root = await flavour.fresh();
    const partial = await savepointIn(root);
    await writeStateFile(partial, 'a.bin', 'half');
    const done = await createCheckpointDir(root, JOB, 2);
    await publishSnapshot(done, meta(2, [await writeStateFile(done, 'a.bin', 'all')], 'checkpoint'));
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
    await settleInterrupted([entry(1, partial, forManualSavepoint('canonical')), entry(2, done, forCheckpoint({ persistent: true }))], JOB, (l) =>
      lines.push(l),
    );
    expect(await keysUnder(partial)).toEqual([]);
    expect(await keysUnder(done)).toEqual(['_metadata', 'a.bin']);
    expect(lines).toEqual([`Removed the partial savepoint 1 of job ${JOB} at ${partial}`]);
  });

  it('disposal from the coordinator runs the guard on the store: the newest of a running job is refused, another removed', async () => {
    const root = await flavour.fresh();
    const older = await savepointIn(root);
    await publishSnapshot(older, meta(1, [await writeStateFile(older, 'a.bin', 'one')]));
    const newest = await savepointIn(root);
    await publishSnapshot(newest, meta(2, [await writeStateFile(newest, 'a.bin', 'two')]));
    const jobs = [{ jobId: JOB, status: 'RUNNING', completedSinceRestore: 2, newest }];
    await expect(guardAndRemove(newest, { jobs, roots: [root], cwd: '/' })).rejects.toThrow(/newest/);
    await expect(guardAndRemove(root, { jobs, roots: [root], cwd: '/' })).rejects.toThrow(/configured snapshot root/);
    expect(await guardAndRemove(`${older}/`, { jobs, roots: [root], cwd: '/' })).toBe(older);
    expect(await keysUnder(older)).toEqual([]);
    expect(await keysUnder(newest)).toEqual(['_metadata', 'a.bin']);
  });
});

describe('the settings a TaskManager process receives', () => {
  it('carry the S3 keys and every configured Azure account key, and open the same stores', async () => {
    const wire = storageSettingsWire()!;
    expect(wire.s3).toMatchObject({ endpoint: s3.endpoint, pathStyle: true, accessKey: 'test', secretKey: { value: 'test-secret' } });
    expect(wire.azure.keys.map((k) => k.host)).toEqual([AZURE_HOST]);
    const restored = storageSettingsFromWire(structuredClone(wire));
    // Rendered anywhere (a log line, JSON), the secrets stay hidden, as in the coordinator.
    expect(JSON.stringify(restored)).not.toContain('test-secret');
    expect(`${restored.azure.accountKey(AZURE_HOST)}`).not.toContain(AZURITE_KEY);
    expect(restored.azure.accountKey(`${AZURITE_ACCOUNT}.dfs.core.windows.net`)?.reveal()).toBe(AZURITE_KEY);
    const root = await flavours[1].fresh();
    const store = await openStore(root + '/', restored);
    try {
      await store.write('probe', 'ok');
      expect((await store.read('probe')).toString()).toBe('ok');
    } finally {
      store.close();
    }
  });
});
