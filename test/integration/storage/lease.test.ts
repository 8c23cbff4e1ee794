// The lease kept in the store itself, on a local directory, S3 (S3Mock) and Azure (Azurite): a second holder is
// refused in one line naming the first; an expired lease is taken over and its old holder finds out on its next
// renewal; two takers racing for one expired lease end with one holder; a disposal of a snapshot a restore lease
// names backs out leaving it whole; a restore of a snapshot being disposed, or gone, is refused and leaves no lease.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LockedError, SnapshotDisposedError } from '../../../src/domain/errors.js';
import type { HeldLease, LeaseHolder, SnapshotStorage } from '../../../src/storage/index.js';
import { DELETE_LEASE_KEY, readLease } from '../../../src/storage/lease.js';
import { aroundThisFile, threeStores, withoutFacts } from '../../support/stores.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const stores = threeStores();
let storage: SnapshotStorage;

aroundThisFile(stores, (opened) => (storage = opened));

let pid = 1000;
const someone = (command: string, host = 'host-a'): LeaseHolder => ({ holder: `holder-${++pid}`, host, pid, user: 'ops', command });

async function snapshot(base: string): Promise<string> {
  const dir = await storage.writer.createSavepoint(base, JOB);
  const file = await storage.writer.writeStateFile(dir, 's', 'x'.repeat(1000));
  await storage.writer.publish(dir, {
    ...{ id: 1, kind: 'savepoint', trigger: 'manual', format: 'canonical', jobId: JOB, jobName: 'j', jobFingerprint: 'f', operators: [] },
    ...{ toolVersion: 't', triggeredAt: 1, completedAt: 2, files: [file] },
  });
  return dir;
}

describe.each(stores.flavours)('the store lease on $name', (flavour) => {
  let root = '';
  beforeAll(async () => (root = await flavour.fresh()));
  const options = { durationMs: 60_000, settleMs: 200 };

  it('one deleting run per root: the second is refused in one line naming the first; released, it is free again', async () => {
    const base = `${root}/exclusive`;
    await snapshot(base); // the root exists (a local root that does not exist gets no lease)
    const [first] = (await storage.leaseRootsForDelete([base], someone('savepoints prune', 'host-a'), options))!;
    const refusal = await storage.leaseRootsForDelete([base], someone('dispose', 'host-b'), options).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(LockedError);
    const message = (refusal as Error).message;
    expect(message).toMatch(
      /^The delete lease of .*exclusive\/ is held by pid \d+ on host-a \(user ops: flink savepoints prune\), expires \S+Z \(in \d+ s\); nothing was deleted\.$/,
    );
    expect(message).not.toContain('\n');
    await first.release();
    expect(await readLease(first.store, DELETE_LEASE_KEY)).toBeUndefined();
    const [again] = (await storage.leaseRootsForDelete([base], someone('dispose', 'host-b'), options))!;
    await again.release();
  });

  it('an expired lease is taken over; its old holder learns it on the next renewal and stops renewing', async () => {
    const base = `${root}/takeover`;
    await snapshot(base);
    const warnings: string[] = [];
    const now = Date.now();
    const [stale] = (await storage.leaseRootsForDelete([base], someone('savepoints gc', 'host-a'), {
      ...options,
      now: () => now - 120_000, // taken two lifetimes ago by its clock, never renewed since
      warn: (l) => warnings.push(l),
    }))!;
    const notes: string[] = [];
    const [taker] = (await storage.leaseRootsForDelete([base], someone('dispose', 'host-b'), { ...options, note: (l) => notes.push(l) }))!;
    expect(notes).toEqual([
      expect.stringMatching(/^Taking over the delete lease of .*: pid \d+ on host-a \(user ops: flink savepoints gc\), expired .* ago\)\.$/),
    ]);
    expect(await stale.renew()).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/^Lost the lease .*_flink-cli\.lease to pid \d+ on host-b/)]);
    expect((await readLease(taker.store, DELETE_LEASE_KEY))?.lease?.holder).toBe(taker.lease.holder);
    await stale.release(); // not its own any more: leaves the taker's alone
    expect((await readLease(taker.store, DELETE_LEASE_KEY))?.lease?.holder).toBe(taker.lease.holder);
    expect(await taker.renew()).toBe(true);
    await taker.release();
  });

  it('two runs racing to take over one expired lease: exactly one holds it', async () => {
    const base = `${root}/race`;
    await snapshot(base);
    for (let round = 0; round < 3; round++) {
      const [dead] = (await storage.leaseRootsForDelete([base], someone('dispose', 'gone'), { ...options, now: () => Date.now() - 120_000 }))!;
      void dead; // its process died: never renewed, never released
      const outcomes = await Promise.allSettled(
        ['host-a', 'host-b'].map((host) => storage.leaseRootsForDelete([base], someone('savepoints prune', host), { ...options, note: () => {} })),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(LockedError);
      const [held] = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<SnapshotStorage['leaseRootsForDelete']>>>).value!;
      expect((await readLease(held.store, DELETE_LEASE_KEY))?.lease?.holder).toBe(held.lease.holder);
      await held.release();
    }
  });

  it('a disposal of a snapshot a restore lease names backs out: refused in one line, the snapshot whole, no marker left', async () => {
    const base = `${root}/restoring`;
    const dir = await snapshot(base);
    const before = withoutFacts(await stores.keysUnder(dir));
    const restore = (await storage.leaseForRestore(`${dir}/_metadata`, someone('restore latest', 'host-r'), options)) as HeldLease;
    const refusal = await storage.dispose(dir, { roots: [base], jobs: [] }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(LockedError);
    expect((refusal as Error).message).toMatch(
      /^Refusing to dispose .*savepoint-fd7201-\w+: a restore reads it \(pid \d+ on host-r \(user ops: flink restore latest\), expires .*\); nothing was deleted\.$/,
    );
    expect(withoutFacts(await stores.keysUnder(dir))).toEqual(before);
    expect((await storage.scan([base])).find((e) => e.path === dir)?.state).toBe('complete');
    await restore.release();
    expect(await storage.dispose(dir, { roots: [base], jobs: [] })).toBe(dir);
    expect(await stores.keysUnder(dir)).toEqual([]);
  });

  it('a restore of a snapshot being disposed (its marker) is refused, one that is gone gets no lease; neither leaves one; leases are never listed as snapshots', async () => {
    const base = `${root}/disposing`;
    const dir = await snapshot(base);
    const kept = await snapshot(base);
    const name = path.posix.basename(dir);
    await stores.put(base, `${name}/_disposing`, `${new Date().toISOString()}\n`);
    const [deleter] = (await storage.leaseRootsForDelete([base], someone('dispose', 'host-d'), options))!;
    const refusal = await storage.leaseForRestore(dir, someone('restore latest'), options).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(SnapshotDisposedError);
    expect((refusal as SnapshotDisposedError).kind).toBe('locked');
    expect((refusal as Error).message).toMatch(
      /^Refusing to restore from .*savepoint-fd7201-\w+: it is being disposed by pid \d+ on host-d \(user ops: flink dispose\), expires .*; nothing was started\.$/,
    );
    await stores.remove(base, [`${name}/_metadata`, `${name}/_disposing`]);
    // Gone: no lease is taken, the restore's own checks report it (restore latest picks again).
    expect(await storage.leaseForRestore(dir, someone('restore'), options)).toBe('absent');
    expect((await stores.keysUnder(base)).filter((k) => k.startsWith('_flink-cli.'))).toEqual(['_flink-cli.lease']);
    expect((await storage.scan([base])).map((e) => e.path)).not.toContain(`${base}/_flink-cli.lease`);
    expect((await storage.scan([base])).find((e) => e.path === kept)?.state).toBe('complete');
    await deleter.release();
    expect((await stores.keysUnder(base)).filter((k) => k.startsWith('_flink-cli.'))).toEqual([]);
  });

  it("the coordinator's retention disposes under the root's delete lease on an object store: refused while a command holds it", async () => {
    const base = `${root}/retention`;
    const dir = await snapshot(base);
    const [command] = (await storage.leaseRootsForDelete([base], someone('savepoints prune', 'cron-host'), options))!;
    const guard = { roots: [base], jobs: [] };
    if (flavour.name === 'local directory') {
      // One host's disk: the retention does not take the root lease (the restore-lease check still applies).
      expect(await storage.disposeUnderLease(dir, guard, 'coordinator retention')).toBe(dir);
    } else {
      await expect(storage.disposeUnderLease(dir, guard, 'coordinator retention')).rejects.toThrow(
        /^The delete lease of .*retention\/ is held by pid \d+ on cron-host \(user ops: flink savepoints prune\), expires .*; nothing was deleted\.$/,
      );
      expect(withoutFacts(await stores.keysUnder(dir))).toEqual(['_metadata', 's']);
      await command.release();
      expect(await storage.disposeUnderLease(dir, guard, 'coordinator retention')).toBe(dir);
    }
    await command.release();
    expect(await stores.keysUnder(dir)).toEqual([]);
    expect((await stores.keysUnder(base)).filter((k) => k.startsWith('_flink-cli.'))).toEqual([]);
  });

  if (flavour.name === 'local directory') {
    it('a local root that does not exist gets no lease and is not created', async () => {
      const missing = `${root}/not-there`;
      expect(await storage.leaseRootsForDelete([missing], someone('savepoints prune'), options)).toEqual([]);
      expect(existsSync(missing)).toBe(false);
    });
  }
});
