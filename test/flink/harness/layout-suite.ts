// The tests of the storage-layout suite, defined once for every place a cluster writes to (local disk per version,
// S3Mock for 2.3.0: see layout-envs.ts). Clusters and cases start from the test file's beforeAll (start()): the
// cases of one cluster run side by side on it (each job gets its own settings: state backend, changelog, file
// merging; the restore mode on submission), and clusters overlap as the test file orders them. Each test waits
// for its case and asserts on what it saw (see layout-cases.ts).
import { expect, it } from '@jest/globals';
import { changelog, crossJob, forst } from './layout-cases.js';
import { plain, type LayoutEnv, type Outcome } from './layout-scenarios.js';

type Settled = { outcome: Outcome } | { error: unknown };

export interface LayoutSetup {
  env: LayoutEnv;
  /** Where the change log (dstl) of the changelog job goes: the cluster's dstl.dfs.base-path (2.x). */
  dstlRoot?: string;
  stop(): Promise<void>;
}

/** One environment's cluster, its cases and their tests. */
export class LayoutSuite {
  private readonly two: boolean;
  private readonly running = new Map<string, Promise<Settled>>();
  private ready?: Promise<LayoutSetup>;

  constructor(
    readonly version: string,
    private readonly setup: () => Promise<LayoutSetup>,
  ) {
    this.two = !version.startsWith('1.');
  }

  /**
   * Starts the cluster once `after` settled, then every case, without waiting for them (failures surface in the
   * tests). Returns when this cluster is up (or failed to come up).
   */
  start(after: Promise<unknown> = Promise.resolve()): Promise<unknown> {
    this.ready = after.catch(() => undefined).then(() => this.setup());
    const cases: Record<string, (env: LayoutEnv, dstlRoot: string) => Promise<Outcome>> = this.two
      ? {
          claim: (env) => crossJob(env, { label: 'claim', kind: 'checkpoint-claim', mode: ['-claimMode', 'claim'], settings: [], shares: true }),
          merging: (env) =>
            crossJob(env, {
              label: 'merging',
              kind: 'checkpoint-file-merging-claim',
              mode: ['-claimMode', 'claim'],
              settings: ['execution.checkpointing.file-merging.enabled=true'],
              shares: false,
            }),
          changelog: (env, dstlRoot) => changelog(env, dstlRoot),
          forst: (env) => forst(env),
        }
      : {
          claim: (env) => crossJob(env, { label: 'claim', kind: 'checkpoint-claim', mode: ['-restoreMode', 'claim'], settings: [], shares: true }),
          legacy: (env) => crossJob(env, { label: 'legacy', kind: 'checkpoint-legacy', mode: ['-restoreMode', 'legacy'], settings: [], shares: true }),
        };
    for (const [name, run] of Object.entries(cases))
      this.running.set(
        name,
        this.ready
          .then((r) => run(r.env, r.dstlRoot ?? r.env.storage.root))
          .then(
            (outcome) => ({ outcome }),
            (error: unknown) => ({ error }),
          ),
      );
    return this.ready;
  }

  /** Settles when every case of this suite has (after start()). */
  async settled(): Promise<void> {
    await Promise.all(this.running.values());
  }

  /** Waits for every case, then stops the cluster. */
  async stop(): Promise<void> {
    await Promise.all(this.running.values());
    const ready = await this.ready?.catch(() => undefined);
    await ready?.stop();
  }

  private async outcome(name: string): Promise<Outcome> {
    const r = await this.running.get(name);
    if (!r) throw new Error(`case ${name} did not start (start() in beforeAll)`);
    if ('error' in r) throw r.error;
    return r.outcome;
  }

  /** Declares the tests (inside a describe). */
  tests(): void {
    const crossJobCases = this.two
      ? [['claim', 'CLAIM (-claimMode claim)']]
      : [
          ['claim', 'CLAIM (-restoreMode claim)'],
          ['legacy', 'LEGACY (-restoreMode legacy)'],
        ];

    it.each(crossJobCases)(
      "%s: %s — B's checkpoint references A's files; gc and dispose of A keep them (the plan names B's checkpoint); B's checkpoint restores",
      async (name) => {
        const { problems, facts } = await this.outcome(name);
        expect(facts.needed).not.toHaveLength(0);
        expect({ problems, facts }).toMatchObject({ problems: [] });
      },
      15 * 60_000,
    );

    if (!this.two) return;

    it(
      "file merging with CLAIM: B's checkpoint holds its state in its own merged files (segments counted per physical file); cleaning up A leaves it whole; it restores",
      async () => {
        const { problems, facts } = await this.outcome('merging');
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
        const { problems, facts } = await this.outcome('changelog');
        expect(facts.dstl).not.toHaveLength(0);
        expect({ problems, facts }).toMatchObject({ problems: [] });
      },
      15 * 60_000,
    );

    it(
      'ForSt with its live database under the checkpoint root: gc never touches the database folder; the checkpoint verifies and restores',
      async () => {
        const { problems, facts } = await this.outcome('forst');
        expect(String(facts.database)).toMatch(/\/shared\/op_[^/]+\/db\/$/);
        expect({ problems, facts }).toMatchObject({ problems: [] });
      },
      15 * 60_000,
    );
  }
}
