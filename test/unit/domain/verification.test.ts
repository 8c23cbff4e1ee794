// Decisions fed with verification results (pure): "latest" and prune's newest kept never land on a snapshot
// that failed full verification, and only the candidates a decision needs are verified.
import { describe, expect, it } from '@jest/globals';
import { latestRestorable, pickVerified, type CatalogEntry, type Verification } from '../../../src/domain/catalog.js';
import { newestKept, planPrune } from '../../../src/domain/retention.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const NOW = Date.UTC(2026, 10, 24, 12);

function savepoint(name: string, ageMin: number, extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    path: `/sp/${name}`,
    kind: 'savepoint',
    jobId: JOB,
    completedAt: NOW - ageMin * 60_000,
    sizeBytes: 100,
    state: 'complete',
    origin: 'ours',
    verified: 'quick',
    ...extra,
  };
}

const corrupt: Verification = { level: 'full', state: 'corrupt', problem: 'state file a.jsonl fails its checksum (corrupt)' };
const intact: Verification = { level: 'full', state: 'complete' };

/** A verifier answering from a table of results, recording what it was asked. */
function table(results: Record<string, Verification>) {
  const asked: string[] = [];
  return { asked, verify: async (e: CatalogEntry) => (asked.push(e.path.slice(4)), results[e.path.slice(4)] ?? intact) };
}

describe('pickVerified with latestRestorable', () => {
  it('skips a newest snapshot that fails full verification and picks the next that passes', async () => {
    const { asked, verify } = table({ c: corrupt });
    const skipped: string[] = [];
    const { picked, entries } = await pickVerified(
      [savepoint('a', 30), savepoint('c', 10), savepoint('b', 20)],
      (l) => latestRestorable(l, { now: NOW }),
      verify,
      (e) => skipped.push(`${e.path}: ${e.problem}`),
    );
    expect(picked).toMatchObject({ path: '/sp/b', verified: 'full', state: 'complete' });
    expect(skipped).toEqual([`/sp/c: ${corrupt.problem}`]);
    expect(entries.find((e) => e.path === '/sp/c')).toMatchObject({ state: 'corrupt', verified: 'full', problem: corrupt.problem });
    expect(asked).toEqual(['c', 'b']); // the oldest is never read
  });

  it('finds nothing when every candidate fails, verifying each once', async () => {
    const { asked, verify } = table({ a: corrupt, b: { level: 'full', state: 'incomplete', problem: 'directory no longer exists' } });
    const { picked } = await pickVerified([savepoint('a', 2), savepoint('b', 1)], (l) => latestRestorable(l, { now: NOW }), verify);
    expect(picked).toBeUndefined();
    expect(asked).toEqual(['b', 'a']);
  });

  it('does not verify again what was already fully verified; accepts what can only be checked quickly', async () => {
    const { asked, verify } = table({ remote: { level: 'quick', state: 'complete' } });
    expect((await pickVerified([savepoint('a', 1, { verified: 'full' })], (l) => latestRestorable(l, { now: NOW }), verify)).picked?.path).toBe('/sp/a');
    expect((await pickVerified([savepoint('remote', 1, { verified: undefined })], (l) => latestRestorable(l, { now: NOW }), verify)).picked).toMatchObject({
      path: '/sp/remote',
      verified: 'quick',
    });
    expect(asked).toEqual(['remote']);
  });
});

describe('planPrune fed with verification results', () => {
  const plan = async (entries: CatalogEntry[], keep: number, results: Record<string, Verification>) => {
    const { asked, verify } = table(results);
    const checked = await pickVerified(entries, (l) => newestKept(l, { jobId: JOB }), verify);
    const decisions = planPrune(checked.entries, { jobId: JOB }, { keep, now: NOW }, new Set());
    return { asked, plan: Object.fromEntries(decisions.map((d) => [d.entry.path.slice(4), `${d.action}: ${d.reason}`])) };
  };

  it('newest corrupt: the next intact one is the newest kept, the corrupt one is kept with its reason, nothing intact is disposed', async () => {
    const { plan: p, asked } = await plan(
      [savepoint('new', 1), savepoint('mid', 2), savepoint('old', 3), savepoint('gone', 4, { state: 'incomplete', disposing: true })],
      1,
      { new: corrupt },
    );
    expect(p).toEqual({
      new: `keep: corrupt (${corrupt.problem}): inspect it and dispose it by hand`,
      mid: 'keep: newest complete savepoint',
      old: 'keep: intact while /sp/new fails full verification: nothing intact is disposed until that one is inspected and disposed by hand',
      gone: 'dispose: an earlier disposal did not finish',
    });
    expect(asked).toEqual(['new', 'mid']);
  });

  it('once the corrupt one is disposed by hand, retention applies again', async () => {
    const { plan: p } = await plan([savepoint('mid', 2), savepoint('old', 3)], 1, {});
    expect(p).toEqual({ mid: 'keep: newest complete savepoint', old: 'dispose: beyond --keep 1 (number 2 by completion time)' });
  });

  it('the two newest corrupt: the third is the newest kept', async () => {
    const { plan: p, asked } = await plan([savepoint('a', 1), savepoint('b', 2), savepoint('c', 3), savepoint('d', 4)], 1, { a: corrupt, b: corrupt });
    expect(p).toMatchObject({
      a: expect.stringMatching(/^keep: corrupt/),
      b: expect.stringMatching(/^keep: corrupt/),
      c: 'keep: newest complete savepoint',
      d: expect.stringMatching(/^keep: intact while \/sp\/a fails/),
    });
    expect(asked).toEqual(['a', 'b', 'c']);
  });

  it('a corrupt entry found at the quick level (a missing or truncated file) does not hold retention back', () => {
    const decisions = planPrune(
      [savepoint('new', 1, { state: 'corrupt' }), savepoint('mid', 2), savepoint('old', 3)],
      { jobId: JOB },
      { keep: 1, now: NOW },
      new Set(),
    );
    expect(decisions.map((d) => `${d.entry.path} ${d.action}`)).toEqual(['/sp/new keep', '/sp/mid keep', '/sp/old dispose']);
  });

  it('without verification results the quick listing decides (what prune did before full verification)', () => {
    const decisions = planPrune([savepoint('new', 1), savepoint('mid', 2)], { jobId: JOB }, { keep: 1, now: NOW }, new Set());
    expect(decisions.map((d) => `${d.entry.path} ${d.action}`)).toEqual(['/sp/new keep', '/sp/mid dispose']);
  });
});
