// The catalog on a local directory, S3 and Azure: one flat listing of a root grouped into savepoints and
// <job id>/chk-<n> checkpoints (a job's shared/ and unrelated keys belong to none), a root that is one snapshot
// or one job's folder; ours described from the facts beside their _metadata, Flink's from the listing (read on
// a local disk only, where that is as cheap as listing).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SnapshotStorage } from '../../../src/storage/index.js';
import { encodeMetadata } from '../../../src/storage/metadata.js';
import { aroundThisFile, threeStores } from '../../support/stores.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const stores = threeStores();
let storage: SnapshotStorage;

aroundThisFile(stores, (opened) => (storage = opened));

describe.each(stores.flavours)('the catalog on $name', (flavour) => {
  it('groups a flat listing into savepoints and <job id>/chk-<n> checkpoints, skipping shared/ and unrelated keys', async () => {
    const root = await flavour.fresh();
    const ours = await storage.writer.createSavepoint(root, JOB);
    await storage.writer.publish(ours, {
      ...{ id: 1, kind: 'savepoint', trigger: 'manual', format: 'canonical', jobId: JOB, jobName: 'n', jobFingerprint: 'f' },
      ...{ operators: [], toolVersion: 't', triggeredAt: 1, completedAt: 1, files: [] },
    });
    await stores.put(root, 'savepoint-ab12cd-000000000002/_metadata', 'not a metadata file'); // another job's, corrupt
    const flink = readFileSync('fixtures/flink-metadata/1.20.5/checkpoint-hashmap/_metadata'); // checkpoint 10
    await stores.put(root, `${JOB}/chk-10/_metadata`, flink);
    await stores.put(root, `${JOB}/shared/file`, 'x');
    await stores.put(root, 'README', 'unrelated');
    const all = await storage.scan([root]);
    const byName = new Map(all.map((e) => [path.basename(e.path), e]));
    expect([...byName.keys()].sort()).toEqual(['chk-10', 'savepoint-ab12cd-000000000002', path.basename(ours)].sort());
    expect(byName.get(path.basename(ours))).toMatchObject({ path: ours, origin: 'ours', state: 'complete', snapshotId: 1, verified: 'quick' });
    expect(byName.get('chk-10')).toMatchObject({ path: `${root}/${JOB}/chk-10`, origin: 'flink', state: 'complete', jobId: JOB, kind: 'checkpoint' });
    if (flavour.name === 'local directory') {
      // Read where reading costs what listing does: the junk is seen.
      expect(byName.get('savepoint-ab12cd-000000000002')).toMatchObject({ state: 'corrupt' });
    } else {
      // No request per snapshot: a _metadata without our facts is taken as listed, and verification finds the rest.
      expect(byName.get('savepoint-ab12cd-000000000002')).toMatchObject({ state: 'complete', verified: 'listed' });
      expect(await storage.verify(`${root}/savepoint-ab12cd-000000000002`, 'quick')).toMatchObject({ state: 'corrupt' });
    }
    // A root that is one snapshot, or one job's checkpoint folder.
    expect((await storage.scan([`${root}/${JOB}/chk-10`])).map((e) => [e.jobId, e.snapshotId])).toEqual([[JOB, 10]]);
    expect((await storage.scan([`${root}/${JOB}`])).map((e) => [e.jobId, e.snapshotId])).toEqual([[JOB, 10]]);
    // Nothing there: nothing listed (a local root that does not exist, an empty prefix).
    expect(await storage.scan([`${root}/nothing-here`])).toEqual([]);
  });

  if (flavour.missingRoot) {
    it('a bucket or container that does not exist is an error naming it, never "nothing found"', async () => {
      await expect(storage.scan([flavour.missingRoot!])).rejects.toThrow(/does not exist \(listing .*no-such-/);
    });
  }
});

describe('legacy snapshots of ours (written before the facts)', () => {
  it('on a local disk they are read and described in full', async () => {
    const root = await stores.flavours[0].fresh();
    const meta = encodeMetadata({
      formatVersion: 1,
      id: 4,
      kind: 'persistent-checkpoint',
      trigger: 'periodic',
      format: 'canonical',
      jobId: JOB,
      jobName: 'old',
      jobFingerprint: 'f',
      operators: [],
      toolVersion: 't',
      triggeredAt: 1,
      completedAt: 5,
      files: [],
    });
    await stores.put(root, `${JOB}/chk-4/_metadata`, meta);
    expect(await storage.scan([root])).toMatchObject([
      { kind: 'persistent-checkpoint', trigger: 'periodic', jobName: 'old', completedAt: 5, state: 'complete' },
    ]);
  });
});
