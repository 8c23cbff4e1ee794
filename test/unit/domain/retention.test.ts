// The pure retention rules of `savepoint --keep` and `savepoints prune`, with a fixed clock.
import { describe, expect, it } from '@jest/globals';
import type { CatalogEntry } from '../../../src/domain/catalog.js';
import { planPrune } from '../../../src/domain/retention.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const OTHER = '0123456789abcdef0123456789abcdef';
const NOW = Date.UTC(2026, 10, 24, 12);
const MINUTE = 60_000;

/** A complete savepoint of JOB that completed `ageMin` minutes before NOW. */
function savepoint(name: string, ageMin: number, extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    path: `/sp/${name}`,
    kind: 'savepoint',
    jobId: JOB,
    completedAt: NOW - ageMin * MINUTE,
    sizeBytes: 100,
    state: 'complete',
    origin: 'ours',
    ...extra,
  };
}

const plan = (
  entries: CatalogEntry[],
  keep: number,
  options: { maxAgeMs?: number; protectedPaths?: string[]; scope?: { jobId?: string; jobName?: string } } = {},
) =>
  Object.fromEntries(
    planPrune(entries, options.scope ?? { jobId: JOB }, { keep, maxAgeMs: options.maxAgeMs, now: NOW }, new Set(options.protectedPaths ?? [])).map((d) => [
      d.entry.path.slice(4),
      `${d.action}: ${d.reason}`,
    ]),
  );

describe('planPrune', () => {
  it('keeps the newest N by completion time and disposes the rest, whatever the listing order', () => {
    expect(plan([savepoint('c', 30), savepoint('a', 10), savepoint('d', 40), savepoint('b', 20)], 2)).toEqual({
      a: 'keep: newest complete savepoint',
      b: 'keep: within --keep 2',
      c: 'dispose: beyond --keep 2 (number 3 by completion time)',
      d: 'dispose: beyond --keep 2 (number 4 by completion time)',
    });
  });

  it('never disposes the newest complete savepoint, not even with --keep 0 or when it is older than --max-age', () => {
    expect(plan([savepoint('a', 600), savepoint('b', 700)], 0, { maxAgeMs: 60 * MINUTE })).toEqual({
      a: 'keep: newest complete savepoint',
      b: 'dispose: beyond --keep 1 (number 2 by completion time)',
    });
  });

  it('--max-age disposes older savepoints within --keep', () => {
    expect(plan([savepoint('a', 1), savepoint('b', 30), savepoint('c', 90)], 5, { maxAgeMs: 60 * MINUTE })).toEqual({
      a: 'keep: newest complete savepoint',
      b: 'keep: within --keep 5',
      c: 'dispose: older than --max-age 1 h 0 min (1 h 30 min)',
    });
  });

  it('keeps pinned savepoints and those a running job restored from and has not checkpointed since', () => {
    expect(plan([savepoint('a', 1), savepoint('b', 2, { pinned: true }), savepoint('c', 3), savepoint('d', 4)], 1, { protectedPaths: ['/sp/c'] })).toEqual({
      a: 'keep: newest complete savepoint',
      b: 'keep: pinned',
      c: 'keep: a running job restored from it and has not completed a checkpoint since',
      d: 'dispose: beyond --keep 1 (number 4 by completion time)',
    });
  });

  it('never disposes incomplete or corrupt entries, and they do not count as the newest', () => {
    expect(
      plan([savepoint('new-incomplete', 0, { state: 'incomplete' }), savepoint('broken', 1, { state: 'corrupt' }), savepoint('a', 2), savepoint('b', 3)], 1),
    ).toEqual({
      'new-incomplete': 'keep: incomplete: may still be in progress',
      broken: 'keep: corrupt: inspect it and dispose it by hand',
      a: 'keep: newest complete savepoint',
      b: 'dispose: beyond --keep 1 (number 2 by completion time)',
    });
  });

  it('disposes again a savepoint whose disposal did not finish; it never counts as the newest', () => {
    const halfGone = savepoint('half-gone', 0, { state: 'incomplete', disposing: true, completedAt: undefined });
    expect(plan([halfGone, savepoint('a', 1), savepoint('b', 2)], 5)).toEqual({
      'half-gone': 'dispose: an earlier disposal did not finish',
      a: 'keep: newest complete savepoint',
      b: 'keep: within --keep 5',
    });
  });

  it("touches nothing of another job, and no checkpoints (they belong to the coordinator's store)", () => {
    const entries = [savepoint('a', 1), savepoint('b', 2), savepoint('other', 3, { jobId: OTHER }), savepoint('chk', 4, { kind: 'persistent-checkpoint' })];
    expect(plan(entries, 1)).toEqual({ a: 'keep: newest complete savepoint', b: 'dispose: beyond --keep 1 (number 2 by completion time)' });
  });

  it('matches Flink savepoints by the job id prefix in their directory name, and by job name', () => {
    const flink = (name: string, age: number) => savepoint(name, age, { jobId: undefined, jobIdPrefix: JOB.slice(0, 6), origin: 'flink' });
    expect(plan([flink('a', 1), flink('b', 2)], 1)).toEqual({
      a: 'keep: newest complete savepoint',
      b: 'dispose: beyond --keep 1 (number 2 by completion time)',
    });
    const named = [savepoint('a', 1, { jobName: 'counter' }), savepoint('b', 2, { jobName: 'counter', jobId: OTHER }), savepoint('c', 3, { jobName: 'other' })];
    expect(plan(named, 1, { scope: { jobName: 'counter' } })).toEqual({
      a: 'keep: newest complete savepoint',
      b: 'dispose: beyond --keep 1 (number 2 by completion time)',
    });
  });

  it('without a job id or name in scope, plans nothing', () => {
    expect(plan([savepoint('a', 1), savepoint('b', 2)], 1, { scope: {} })).toEqual({});
  });
});
