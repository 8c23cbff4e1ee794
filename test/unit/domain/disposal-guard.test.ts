// The one disposal guard's pure rules: each refusal, and what --force does and does not override.
import { describe, expect, it } from '@jest/globals';
import {
  judgeDisposal,
  judgeInUse,
  protectedSnapshots,
  refusalError,
  snapshotKey,
  type JobFacts,
  type TargetFacts,
} from '../../../src/domain/disposal-guard.js';

const SP = '/data/savepoints/savepoint-fd7201-0123456789ab';
const CHK = '/data/ckpt/fd72014d4c864993a2e5a9287b4a9c5d/chk-7';
const ours = (extra: Partial<TargetFacts> = {}): TargetFacts => ({ directory: SP, content: 'ours', ...extra });
const job = (extra: Partial<JobFacts> = {}): JobFacts => ({ jobId: 'fd72014d4c864993a2e5a9287b4a9c5d', status: 'RUNNING', completedSinceRestore: 0, ...extra });

describe('judgeDisposal', () => {
  it("allows a snapshot of ours, or Flink's, that no running job needs", () => {
    expect(judgeDisposal(ours(), [])).toBeUndefined();
    expect(judgeDisposal(ours({ content: 'flink' }), [job({ newest: CHK })])).toBeUndefined();
    expect(judgeDisposal(ours({ content: 'disposing' }), [])).toBeUndefined(); // a half-disposed one is finished
  });

  it.each<[string, Partial<TargetFacts>, string, RegExp]>([
    ['.. segments', { dotDot: true }, 'dot-dot', /'\.\.' segments/],
    ['a root', { root: 'a configured snapshot root' }, 'root', /is a configured snapshot root, not one snapshot/],
    ['the target being a symbolic link', { symlinkTo: '/home/user' }, 'symlink', /is a symbolic link to \/home\/user/],
    ['a real path outside its directory', { escapesTo: '/home/user' }, 'symlink', /outside its directory/],
    ['nothing there', { content: 'missing' }, 'missing', /does not exist/],
    ['no snapshot name and no _metadata', { content: 'not-a-snapshot' }, 'not-a-snapshot', /not a snapshot directory/],
    [
      'a junk _metadata',
      { content: 'junk', contentProblem: '_metadata is not a snapshot metadata file (unknown format)' },
      'junk-metadata',
      /not a snapshot \(_metadata is not/,
    ],
    [
      'an incomplete directory a writer holds',
      { content: 'incomplete', liveWriter: 'it changed 3 s ago' },
      'incomplete',
      /may still be being written \(it changed 3 s ago\)/,
    ],
  ])('refuses %s, even with --force', (_name, facts, rule, message) => {
    for (const force of [false, true]) {
      const refusal = judgeDisposal(ours(facts), [], { force });
      expect(refusal).toMatchObject({ rule, overridable: false });
      expect(refusal!.message).toMatch(message);
    }
  });

  it('refuses a pinned snapshot, saying how to unpin or force; --force overrides it', () => {
    const refusal = judgeDisposal(ours({ pinned: true }), []);
    expect(refusal).toMatchObject({ rule: 'pinned', overridable: true, message: expect.stringContaining('is pinned') });
    expect(refusal!.hint).toContain(`flink savepoints unpin ${SP}`);
    expect(refusal!.hint).toContain('--force --reason');
    expect(judgeDisposal(ours({ pinned: true }), [], { force: true })).toBeUndefined();
  });

  it('refuses an incomplete leftover no writer holds; --force overrides it', () => {
    const leftover = ours({ content: 'incomplete' });
    expect(judgeDisposal(leftover, [])).toMatchObject({ rule: 'incomplete', overridable: true, hint: expect.stringContaining('--force') });
    expect(judgeDisposal(leftover, [], { force: true })).toBeUndefined();
  });

  it('refuses what a running job restored from and has not checkpointed past; --force does not override it', () => {
    for (const status of ['RUNNING', 'RESTARTING', 'INITIALIZING', 'SUSPENDED']) {
      for (const force of [false, true]) {
        expect(judgeDisposal(ours(), [job({ status, restoredFrom: `file:${SP}` })], { force })).toMatchObject({ rule: 'restored-from', overridable: false });
      }
    }
    // Once it completed a checkpoint past it, or once the job ended for good, it may go.
    expect(judgeDisposal(ours(), [job({ restoredFrom: SP, completedSinceRestore: 1, newest: CHK })])).toBeUndefined();
    for (const status of ['FINISHED', 'CANCELED', 'FAILED']) expect(judgeDisposal(ours(), [job({ status, restoredFrom: SP, newest: SP })])).toBeUndefined();
  });

  it('refuses the newest restorable snapshot of a running job (e.g. its only checkpoint), even pinned and forced', () => {
    const refusal = judgeDisposal({ directory: CHK, content: 'ours', pinned: true }, [job({ newest: `file://${CHK}/_metadata` })], { force: true });
    expect(refusal).toMatchObject({ rule: 'newest', overridable: false });
    expect(refusal!.message).toContain('newest restorable snapshot of job fd72014d4c864993a2e5a9287b4a9c5d (RUNNING)');
  });

  it('an in-use incomplete directory is refused as in use, not as a leftover --force could remove', () => {
    expect(judgeDisposal({ directory: CHK, content: 'incomplete' }, [job({ newest: CHK })], { force: true })).toMatchObject({ rule: 'newest' });
  });
});

describe('judgeInUse (paths only the cluster can reach)', () => {
  it('compares path strings of any scheme', () => {
    const s3 = 's3://bucket/savepoints/savepoint-fd7201-0123456789ab';
    expect(judgeInUse(`${s3}/`, [job({ newest: `${s3}/_metadata` })])).toMatchObject({ rule: 'newest' });
    expect(judgeInUse(s3, [job({ restoredFrom: s3 })])).toMatchObject({ rule: 'restored-from' });
    expect(judgeInUse(s3, [job({ newest: 's3://bucket/savepoints/savepoint-fd7201-000000000000' })])).toBeUndefined();
  });
});

describe('protectedSnapshots (what prune keeps for running jobs)', () => {
  it('restored-from until checkpointed past, and the newest restorable', () => {
    const set = protectedSnapshots([
      job({ restoredFrom: `file:///a/savepoint-fd7201-0123456789ab`, newest: '/a/savepoint-fd7201-0123456789ab' }),
      job({ status: 'CANCELED', newest: '/b/x' }),
      job({ restoredFrom: '/c/y', completedSinceRestore: 2, newest: '/c/z/' }),
    ]);
    expect([...set].sort()).toEqual(['/a/savepoint-fd7201-0123456789ab', '/c/z']);
  });
});

describe('snapshotKey', () => {
  it.each([
    ['file:/x/savepoint-a', '/x/savepoint-a'],
    ['file:///x/savepoint-a/_metadata', '/x/savepoint-a'],
    ['/x//savepoint-a/', '/x/savepoint-a'],
    ['file:/x/with%20space', '/x/with space'],
    ['s3://b/p/', 's3://b/p'],
  ])('%s -> %s', (pointer, key) => expect(snapshotKey(pointer)).toBe(key));
});

describe('a refusal as an error kind (the exit-code table maps it)', () => {
  it('a path dispose does not take is a usage error, a missing one not found, a protected snapshot a refused operation', () => {
    const kindOf = (facts: Partial<TargetFacts>, jobs: JobFacts[] = []) => {
      const refusal = judgeDisposal({ directory: '/sp/savepoint-fd7201-0123456789ab', content: 'ours', ...facts }, jobs);
      return refusal && refusalError(refusal).kind;
    };
    expect(kindOf({ content: 'not-a-snapshot' })).toBe('usage');
    expect(kindOf({ content: 'junk' })).toBe('usage');
    expect(kindOf({ root: 'the home directory' })).toBe('usage');
    expect(kindOf({ dotDot: true })).toBe('usage');
    expect(kindOf({ symlinkTo: '/elsewhere' })).toBe('usage');
    expect(kindOf({ content: 'missing' })).toBe('not-found');
    expect(kindOf({ pinned: true })).toBe('operation-failed');
    expect(kindOf({ content: 'incomplete' })).toBe('operation-failed');
    expect(kindOf({}, [{ jobId: 'j', status: 'RUNNING', completedSinceRestore: 1, newest: '/sp/savepoint-fd7201-0123456789ab' }])).toBe('operation-failed');
    expect(kindOf({})).toBeUndefined();
  });
});
