// The pure reference counting of one job's retained checkpoints: what disposing one frees in shared/, and gc.
import { describe, expect, it } from '@jest/globals';
import {
  gcRefusal,
  isForStDatabaseFile,
  planGc,
  planOwnedFiles,
  referenceCounts,
  type CheckpointRefs,
  type OwnedFile,
} from '../../../src/domain/shared-state.js';

const job = '/ckpt/6aedfb019476eb1e3b817201c1a5c4dd';
const shared = (name: string) => `${job}/shared/${name}`;

describe('referenceCounts', () => {
  it('counts each checkpoint once per file, whatever it lists twice', () => {
    const counts = referenceCounts([
      { name: 'chk-1', files: ['a', 'a', 'b'] },
      { name: 'chk-2', files: ['b'] },
      { name: 'chk-3', problem: 'x' },
    ]);
    expect(Object.fromEntries(counts)).toEqual({ a: ['chk-1'], b: ['chk-1', 'chk-2'] });
  });
});

describe('planOwnedFiles', () => {
  const outside = (p: string, bytes = 10, keepBecause?: string): OwnedFile => ({ path: p, bytes, own: false, ...(keepBecause ? { keepBecause } : {}) });
  const own = (p: string, bytes = 10): OwnedFile => ({ path: p, bytes, own: true });
  const target = [outside(shared('a'), 1), outside(shared('b'), 2), outside(shared('c'), 4), own(`${job}/chk-5/private`), outside(shared('a'), 1)];

  it('deletes exactly the shared files no other retained snapshot references; keeps the rest, naming who needs them', () => {
    const others: CheckpointRefs[] = [
      { name: 'chk-5', files: target.map((f) => f.path) }, // itself: never counts
      { name: 'chk-6', files: [shared('b')] },
      { name: 'chk-7', files: [shared('b'), shared('d')] },
    ];
    expect(planOwnedFiles('chk-5', target, others)).toEqual([
      { path: shared('a'), bytes: 1, action: 'delete', reason: 'shared: referenced only by chk-5' },
      { path: shared('b'), bytes: 2, action: 'keep', reason: 'shared: also referenced by chk-6, chk-7', neededBy: ['chk-6', 'chk-7'] },
      { path: shared('c'), bytes: 4, action: 'delete', reason: 'shared: referenced only by chk-5' },
    ]);
  });

  it("keeps every unreferenced shared file while another snapshot's references are unknown", () => {
    const plans = planOwnedFiles('chk-5', target, [
      { name: 'chk-9', problem: 'truncated' },
      { name: 'chk-6', files: [shared('b')] },
    ]);
    expect(plans.map((p) => [p.path, p.action])).toEqual([
      [shared('a'), 'keep'],
      [shared('b'), 'keep'],
      [shared('c'), 'keep'],
    ]);
    expect(plans[0].reason).toBe('shared: the references of chk-9 are unknown (truncated)');
    expect(plans[1].reason).toBe('shared: also referenced by chk-6');
  });

  it("another job's snapshot (a CLAIM restore) keeps what it references, its own files included, naming where it is; the rest of the folder goes unplanned", () => {
    const claimer = '9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a/chk-2';
    const where = `/ckpt/${claimer}`;
    const plans = planOwnedFiles(
      'chk-5',
      [own(`${job}/chk-5/private`), own(`${job}/chk-5/other`), outside(shared('a')), outside(shared('b'))],
      [{ name: claimer, location: where, files: [`${job}/chk-5/private`, shared('a')] }],
    );
    expect(plans).toEqual([
      { path: `${job}/chk-5/private`, bytes: 10, action: 'keep', reason: `own file: also referenced by ${claimer}`, neededBy: [where] },
      { path: shared('a'), bytes: 10, action: 'keep', reason: `shared: also referenced by ${claimer}`, neededBy: [where] },
      { path: shared('b'), bytes: 10, action: 'delete', reason: 'shared: referenced only by chk-5' },
    ]);
  });

  it('a file that is not ours to delete stays, whoever references it', () => {
    expect(planOwnedFiles('chk-5', [outside(shared('a'), 3, "job x is RUNNING: its files are its JobManager's")], [])).toEqual([
      { path: shared('a'), bytes: 3, action: 'keep', reason: "shared: job x is RUNNING: its files are its JobManager's" },
    ]);
  });

  it('a snapshot with no files outside its folder, none of them referenced, plans nothing', () => {
    expect(planOwnedFiles('chk-1', [own(`${job}/chk-1/x`)], [])).toEqual([]);
  });

  it('names at most three users', () => {
    const others = ['chk-10', 'chk-2', 'chk-3', 'chk-4', 'chk-9'].map((name) => ({ name, files: [shared('a')] }));
    expect(planOwnedFiles('chk-1', [outside(shared('a'))], others)[0].reason).toBe('shared: also referenced by chk-2, chk-3, chk-4 and 2 more');
  });
});

describe('planGc', () => {
  const hour = 3_600_000;
  const now = 100 * hour;
  const stored = (name: string, ageHours: number) => ({ path: shared(name), bytes: 7, modifiedAt: now - ageHours * hour });

  it('reclaims unreferenced files older than --min-age and than the newest checkpoint; never a referenced one', () => {
    const checkpoints: CheckpointRefs[] = [
      { name: 'chk-3', files: [shared('used-old')], completedAt: now - 5 * hour },
      { name: 'chk-4', files: [shared('used-new')], completedAt: now - 2 * hour },
    ];
    const plan = planGc(
      [stored('used-old', 50), stored('used-new', 3), stored('orphan-old', 50), stored('orphan-young', 0.5), stored('orphan-after-newest', 1.5)],
      checkpoints,
      { minAgeMs: hour, now },
    );
    expect(plan.files).toEqual([
      { path: shared('orphan-old'), bytes: 7, action: 'delete', reason: 'referenced by none of the 2 retained checkpoint(s) and savepoint(s)' },
    ]);
    expect(plan.young.map((f) => f.path)).toEqual([shared('orphan-young'), shared('orphan-after-newest')]);
    expect(plan.cutoff).toBe(now - 2 * hour);
  });

  it('without retained checkpoints only --min-age limits; a zero --min-age still spares files newer than the newest checkpoint', () => {
    expect(planGc([stored('x', 2)], [], { minAgeMs: hour, now }).files.map((f) => f.reason)).toEqual(['no retained checkpoint or savepoint references it']);
    const plan = planGc([stored('x', 2), stored('y', 0)], [{ name: 'chk-1', files: [], completedAt: now - hour }], { minAgeMs: 0, now });
    expect(plan.files.map((f) => f.path)).toEqual([shared('x')]);
  });

  it("another job's retained checkpoint referencing a file keeps it; the cutoff is the job's own newest checkpoint", () => {
    const plan = planGc(
      [stored('claimed', 50), stored('orphan', 50), stored('after-own-newest', 3)],
      [
        { name: 'chk-1', files: [], completedAt: now - 4 * hour },
        { name: '9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a9a/chk-8', files: [shared('claimed')], completedAt: now - 0.1 * hour },
      ],
      { minAgeMs: hour, now, jobCheckpoints: [{ name: 'chk-1', files: [], completedAt: now - 4 * hour }] },
    );
    expect(plan.files.map((f) => f.path)).toEqual([shared('orphan')]);
    expect(plan.young.map((f) => f.path)).toEqual([shared('after-own-newest')]);
  });

  it("never reclaims a file of a ForSt database folder (the running database's until a checkpoint references it), however old", () => {
    const db = 'op_AsyncKeyedProcessOperator_0da08f51eaa85fc298e176a139b3649a__1_1__attempt_0/db';
    const plan = planGc(
      [stored(`${db}/0f3c-live`, 50), stored('orphan-old', 50)],
      [{ name: 'chk-9', files: [shared(`${db}/in-chk`)], completedAt: now - hour }],
      {
        minAgeMs: 0,
        now,
      },
    );
    expect(plan.files.map((f) => f.path)).toEqual([shared('orphan-old')]);
    expect(plan.database.map((f) => f.path)).toEqual([shared(`${db}/0f3c-live`)]);
    expect(isForStDatabaseFile('s3://b/checkpoints/j/shared/op_KeyedProcessOperator_ab__2_4__attempt_1/db/x.sst')).toBe(true);
    expect(isForStDatabaseFile('/ckpt/j/shared/db/x')).toBe(false);
  });

  it("refuses while a retained checkpoint's references are unknown", () => {
    const checkpoints = [{ name: 'chk-2', problem: 'unsupported handle type 99 in version 6' }];
    expect(gcRefusal(checkpoints)).toBe('the _metadata of chk-2 cannot be read (unsupported handle type 99 in version 6), so what it references is unknown');
    expect(() => planGc([stored('x', 50)], checkpoints, { minAgeMs: hour, now })).toThrow(/chk-2 cannot be read/);
  });
});
