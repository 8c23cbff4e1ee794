// Storage layouts of real Apache Flink on local disk, one cluster per version serving every case (see
// harness/layout-suite.ts). Retention and the change log's storage are the cluster's: Flink reads
// execution.checkpointing.num-retained in the JobManager and dstl.dfs.* in the TaskManager from the cluster's
// configuration only; everything else is set per job. The change log lives under the checkpoint root, beside
// the jobs' shared/ folders (<root>/<job>/dstl/), where gc must leave it alone.
//
// Cross-job cases (CLAIM on 1.20 and 2.3, LEGACY on 1.20) need whole-root ownership: the files another job's
// checkpoint references are kept, and the dispose plan names that checkpoint.
// With RECORD_FIXTURES=1 the snapshots are recorded into fixtures/flink-metadata/<version>/<kind>/.
import { describe } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlinkCluster, VERSIONS } from './harness/flink-cluster.js';
import { plain, type LayoutStorage } from './harness/layout-scenarios.js';
import { layoutSuite } from './harness/layout-suite.js';
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

describe.each(VERSIONS)('storage layouts of Apache Flink %s on local disk', (version) => {
  const two = !version.startsWith('1.');
  layoutSuite(version, async () => {
    const work = mkdtempSync(path.join(tmpdir(), `flink-layouts-${version}-`));
    const checkpoints = path.join(work, 'data', 'checkpoints');
    const [jar, forst] = await Promise.all([layoutJobJar(version), two ? forstClasspath(version) : []]);
    const cluster = await FlinkCluster.start(version, {
      dataDir: path.join(work, 'data'),
      extraClasspath: forst,
      config: [
        // Two retained checkpoints, so job A keeps one besides the one B restores from.
        'execution.checkpointing.num-retained: 2',
        'state.checkpoints.num-retained: 2',
        ...(two ? ['state.changelog.storage: filesystem', `dstl.dfs.base-path: file://${checkpoints}`] : []),
      ],
    });
    return {
      env: {
        version,
        cluster,
        jar,
        work,
        storage: localStorage(checkpoints),
        cliArgs: [],
        jobSettings: [],
        record: RECORD ? (kind, snapshot, folders) => record(version, kind, plain(snapshot), folders.map(plain)) : undefined,
      },
      dstlRoot: checkpoints,
      stop: async () => {
        await cluster.stop();
        rmSync(work, { recursive: true, force: true });
      },
    };
  });
});
