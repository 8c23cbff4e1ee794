// The tests of the storage-layout suite, defined once for every place a cluster writes to (layouts.test.ts:
// local disk, per version; layouts-s3.test.ts: S3Mock, 2.3.0). The cases run side by side on one cluster (each
// job gets its own settings: state backend, changelog, file merging; the restore mode on submission), started
// in beforeAll; each test waits for its case and asserts on what it saw (see layout-cases.ts).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { changelog, crossJob, forst } from './layout-cases.js';
import { plain, type LayoutEnv, type Outcome } from './layout-scenarios.js';

type Settled = { outcome: Outcome } | { error: unknown };

export interface LayoutSetup {
  env: LayoutEnv;
  /** Where the change log (dstl) of the changelog job goes: the cluster's dstl.dfs.base-path (2.x). */
  dstlRoot?: string;
  stop(): Promise<void>;
}

/** Declares the suite's hooks and tests for one cluster of `version`; call inside a describe. */
export function layoutSuite(version: string, setup: () => Promise<LayoutSetup>): void {
  const two = !version.startsWith('1.');
  const running = new Map<string, Promise<Settled>>();
  let stop: (() => Promise<void>) | undefined;

  async function outcome(name: string): Promise<Outcome> {
    const r = await running.get(name);
    if (!r) throw new Error(`case ${name} did not start (see beforeAll)`);
    if ('error' in r) throw r.error;
    return r.outcome;
  }

  beforeAll(async () => {
    const ready = await setup();
    stop = ready.stop;
    const { env } = ready;
    const cases: Record<string, () => Promise<Outcome>> = two
      ? {
          claim: () => crossJob(env, { label: 'claim', kind: 'checkpoint-claim', mode: ['-claimMode', 'claim'], settings: [], shares: true }),
          merging: () =>
            crossJob(env, {
              label: 'merging',
              kind: 'checkpoint-file-merging-claim',
              mode: ['-claimMode', 'claim'],
              settings: ['execution.checkpointing.file-merging.enabled=true'],
              shares: false,
            }),
          changelog: () => changelog(env, ready.dstlRoot ?? env.storage.root),
          forst: () => forst(env),
        }
      : {
          claim: () => crossJob(env, { label: 'claim', kind: 'checkpoint-claim', mode: ['-restoreMode', 'claim'], settings: [], shares: true }),
          legacy: () => crossJob(env, { label: 'legacy', kind: 'checkpoint-legacy', mode: ['-restoreMode', 'legacy'], settings: [], shares: true }),
        };
    for (const [name, start] of Object.entries(cases))
      running.set(
        name,
        start().then(
          (o) => ({ outcome: o }),
          (error: unknown) => ({ error }),
        ),
      );
  }, 15 * 60_000);

  afterAll(async () => {
    await Promise.all(running.values());
    await stop?.();
  }, 180_000);

  const crossJobCases = two
    ? [['claim', 'CLAIM (-claimMode claim)']]
    : [
        ['claim', 'CLAIM (-restoreMode claim)'],
        ['legacy', 'LEGACY (-restoreMode legacy)'],
      ];

  it.each(crossJobCases)(
    "%s: %s — B's checkpoint references A's files; gc and dispose of A keep them (the plan names B's checkpoint); B's checkpoint restores",
    async (name) => {
      const { problems, facts } = await outcome(name);
      expect(facts.needed).not.toHaveLength(0);
      expect({ problems, facts }).toMatchObject({ problems: [] });
    },
    15 * 60_000,
  );

  if (!two) return;

  it(
    "file merging with CLAIM: B's checkpoint holds its state in its own merged files (segments counted per physical file); cleaning up A leaves it whole; it restores",
    async () => {
      const { problems, facts } = await outcome('merging');
      // What 2.3.0 does: the restored state is written again into B's own merged files; none of A's is referenced.
      const jobB = String(facts.jobB);
      const filesOfB = facts.filesOfB as Array<{ path: string }>;
      expect(filesOfB.length).toBeGreaterThan(0);
      expect(filesOfB.filter((f) => !plain(f.path).includes(`/${jobB}/`))).toEqual([]);
      expect(filesOfB.some((f) => plain(f.path).includes(`/${jobB}/shared/job_${jobB}_op_`))).toBe(true);
      expect({ problems, facts }).toMatchObject({ problems: [] });
    },
    15 * 60_000,
  );

  it(
    'changelog state backend: dstl files listed and verified, --latest finds the checkpoint, NO_CLAIM refused before submitting, nothing referenced deleted, CLAIM restore runs',
    async () => {
      const { problems, facts } = await outcome('changelog');
      expect(facts.dstl).not.toHaveLength(0);
      expect({ problems, facts }).toMatchObject({ problems: [] });
    },
    15 * 60_000,
  );

  it(
    'ForSt with its live database under the checkpoint root: gc never touches the database folder; the checkpoint verifies and restores',
    async () => {
      const { problems, facts } = await outcome('forst');
      expect(String(facts.database)).toMatch(/\/shared\/op_[^/]+\/db\/$/);
      expect({ problems, facts }).toMatchObject({ problems: [] });
    },
    15 * 60_000,
  );
}
