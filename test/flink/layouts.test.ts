// Storage layouts of real Apache Flink on local disk: one cluster per version serves every case (the state
// backend, changelog, file merging and retention are set per job through the layout job's arguments; the
// restore mode on submission; only the change log's storage is the TaskManager's, so the cluster holds it).
// The cases run side by side on that cluster and each test waits for its own. See harness/layout-cases.ts.
//
// Cross-job cases (CLAIM on 1.20 and 2.3, LEGACY on 1.20, file merging with CLAIM on 2.3) need whole-root
// ownership: the files another job's checkpoint references are kept, and the dispose plan names that checkpoint.
// With RECORD_FIXTURES=1 the snapshots are recorded into fixtures/flink-metadata/<version>/<kind>/.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlinkCluster, VERSIONS } from './harness/flink-cluster.js';
import { changelog, crossJob, forst } from './harness/layout-cases.js';
import { plain, type LayoutEnv, type LayoutStorage, type Outcome } from './harness/layout-scenarios.js';
import { forstClasspath, layoutJobJar } from './harness/layouts.js';

const RECORD = process.env.RECORD_FIXTURES === '1';

function localStorage(root: string): LayoutStorage {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)])));
    return nested.flat();
  };
  return {
    root,
    list: (prefix) => walk(plain(prefix)),
    exists: async (pointer) => existsSync(plain(pointer)),
    write: async (pointer, bytes) => {
      await mkdir(path.dirname(plain(pointer)), { recursive: true });
      await writeFile(plain(pointer), bytes);
    },
  };
}

function walkSync(dir: string): Array<{ path: string; bytes: number }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walkSync(p) : [{ path: p, bytes: statSync(p).size }];
  });
}

/** fixtures/flink-metadata/<version>/<kind>/: the snapshot's _metadata and files.json (what the given folders held). */
function record(version: string, kind: string, snapshotDir: string, folders: string[]): void {
  const target = path.resolve('fixtures/flink-metadata', version, kind);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  copyFileSync(path.join(snapshotDir, '_metadata'), path.join(target, '_metadata'));
  const files = [snapshotDir, ...folders].flatMap(walkSync);
  writeFileSync(path.join(target, 'files.json'), JSON.stringify({ directory: snapshotDir, files }, null, 2) + '\n');
}

type Settled = { outcome: Outcome } | { error: unknown };

describe.each(VERSIONS)('storage layouts of Apache Flink %s on local disk', (version) => {
  const two = !version.startsWith('1.');
  const work = mkdtempSync(path.join(tmpdir(), `flink-layouts-${version}-`));
  let cluster: FlinkCluster | undefined;
  const running = new Map<string, Promise<Settled>>();

  async function outcome(name: string): Promise<Outcome> {
    const r = await running.get(name);
    if (!r) throw new Error(`case ${name} did not start (see beforeAll)`);
    if ('error' in r) throw r.error;
    return r.outcome;
  }

  beforeAll(async () => {
    const checkpoints = path.join(work, 'data', 'checkpoints');
    cluster = await FlinkCluster.start(version, {
      dataDir: path.join(work, 'data'),
      extraClasspath: two ? await forstClasspath(version) : [],
      // The change log's storage is the TaskManager's (Flink reads it from the cluster's configuration only);
      // it lives under the checkpoint root, beside the jobs' shared/ folders, where gc must leave it alone.
      config: [
        // Retention is the JobManager's: two retained checkpoints, so job A keeps one besides the one B restores from.
        'execution.checkpointing.num-retained: 2',
        'state.checkpoints.num-retained: 2',
        ...(two ? ['state.changelog.storage: filesystem', `dstl.dfs.base-path: file://${checkpoints}`] : []),
      ],
    });
    const env: LayoutEnv = {
      version,
      cluster,
      jar: await layoutJobJar(version),
      work,
      storage: localStorage(checkpoints),
      cliArgs: [],
      jobSettings: [],
      record: RECORD ? (kind, snapshot, folders) => record(version, kind, plain(snapshot), folders.map(plain)) : undefined,
    };
    const cases: Record<string, () => Promise<Outcome>> = two
      ? {
          claim: () => crossJob(env, { label: 'claim', kind: 'checkpoint-claim', mode: ['-claimMode', 'claim'], settings: [] }),
          merging: () =>
            crossJob(env, {
              label: 'merging',
              kind: 'checkpoint-file-merging-claim',
              mode: ['-claimMode', 'claim'],
              settings: ['execution.checkpointing.file-merging.enabled=true'],
            }),
          changelog: () => changelog(env, checkpoints),
          forst: () => forst(env),
        }
      : {
          claim: () => crossJob(env, { label: 'claim', kind: 'checkpoint-claim', mode: ['-restoreMode', 'claim'], settings: [] }),
          legacy: () => crossJob(env, { label: 'legacy', kind: 'checkpoint-legacy', mode: ['-restoreMode', 'legacy'], settings: [] }),
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
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  const crossJobCases = two
    ? [
        ['claim', 'CLAIM (-claimMode claim)'],
        ['merging', 'file merging with CLAIM'],
      ]
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

  if (two) {
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
});
