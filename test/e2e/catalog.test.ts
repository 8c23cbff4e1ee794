// The catalog, latest, pins, prune and dispose on a local directory, S3 (S3Mock), Azure Blob (Azurite) and HDFS
// (MiniDFSCluster, reached with Hadoop's own configuration), via bin/flink with the cluster gone: the same answers on every store, from one listing of each root
// (ours described by the facts beside their _metadata, no request per snapshot), and a store that cannot be
// read is an error naming the URI and the action, never "nothing found".
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { decodeFlinkMetadata } from '../../src/storage/flink-metadata/index.js';
import { encodeFlinkMetadata } from '../../bench/flink-metadata-encoder.mjs';
import type { SnapshotStorage } from '../../src/storage/index.js';
import { openStore } from '../../src/storage/stores/index.js';
import { siteXml } from '../support/hdfs.js';
import { AZURE_HOST } from '../support/object-stores.js';
import { savepointMetadata } from '../support/storage.js';
import { aroundThisFile, threeStores, type StoreFlavour } from '../support/stores.js';
import { emptyDir, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const NO_COORDINATOR = ['-m', '127.0.0.1:1'];
const stores = threeStores({ hdfs: true });
const flavours = stores.flavours;
let storage: SnapshotStorage;
jest.setTimeout(120_000);

aroundThisFile(stores, (opened) => (storage = opened));

function confWith(lines: string[]): string {
  const dir = emptyDir('conf-');
  writeFileSync(path.join(dir, 'config.yaml'), [...lines, ''].join('\n'));
  return dir;
}

/** One of our savepoints, written the way the coordinator publishes one (state files, the facts, _metadata last). */
async function putSavepoint(dir: string, id: number, completedAt: number, options: { corrupt?: boolean } = {}): Promise<void> {
  await storage.writer.create(dir);
  const file = await storage.writer.writeStateFile(dir, 'state/op-0.bin', Buffer.from(`state of savepoint ${id} `.repeat(20)));
  await storage.writer.publish(dir, savepointMetadata(id, [file], { jobId: JOB, triggeredAt: completedAt - 10, completedAt }));
  if (options.corrupt) {
    // Same size: only full verification sees it.
    const data = await stores.get(dir, file.name);
    data[3] ^= 0xff;
    await stores.put(dir, file.name, data);
  }
}

/**
 * A retained checkpoint the way Flink lays one out: <jobId>/chk-<n>/_metadata, a whole version-4 _metadata
 * (the properties of a real 1.20.5 checkpoint, this id, no operator state: so it references no file and
 * passes full verification), and a file in the job's shared/.
 */
async function putFlinkCheckpoint(checkpoints: string, id: number): Promise<void> {
  const real = readFileSync(path.resolve('fixtures/flink-metadata/1.20.5/checkpoint-hashmap/_metadata'));
  const model = decodeFlinkMetadata(real);
  const properties = real.subarray(encodeFlinkMetadata(model, { propertiesBytes: Buffer.alloc(0) }).length);
  await stores.put(
    checkpoints,
    `${JOB}/chk-${id}/_metadata`,
    encodeFlinkMetadata({ ...model, checkpointId: id, masterStates: [], operators: [] }, { propertiesBytes: properties }),
  );
  await stores.put(checkpoints, `${JOB}/shared/some-shared-file`, 'shared');
}

const keysUnder = (location: string) => stores.keysUnder(location);

const sp = (n: number) => `savepoint-fd7201-00000000000${n}`;

describe.each(flavours)('the catalog on $name, with the cluster gone', (flavour: StoreFlavour) => {
  let root = '';
  let conf = '';
  const flink = (args: string[]): Promise<RunResult> => runFlink(['--config-dir', conf, ...NO_COORDINATOR, ...args], { env: flavour.env() });

  beforeAll(async () => {
    root = await flavour.fresh();
    conf = confWith([...flavour.configLines(), `state.savepoints.dir: ${root}/savepoints`, `execution.checkpointing.dir: ${root}/checkpoints`]);
    await putSavepoint(`${root}/savepoints/${sp(1)}`, 1, 1_700_000_001_000);
    await putSavepoint(`${root}/savepoints/${sp(2)}`, 2, 1_700_000_002_000);
    await putSavepoint(`${root}/savepoints/${sp(3)}`, 3, 1_700_000_003_000);
    await putSavepoint(`${root}/savepoints/${sp(4)}`, 4, 1_700_000_004_000, { corrupt: true });
    await stores.put(`${root}/savepoints`, `${sp(5)}/state/op-0.bin`, 'never published'); // no _metadata: incomplete
    await putFlinkCheckpoint(`${root}/checkpoints`, 7);
  }, 120_000);

  it('lists savepoints and retained checkpoints from the store alone, with their state', async () => {
    const r = await flink(['--json', 'savepoints', JOB, '--all']);
    expect(r.stderr).toContain('listing from storage only');
    expect(r.exitCode).toBe(0);
    const listed = JSON.parse(r.stdout).snapshots as Array<{ path: string; state: string; origin: string; snapshotId: number; problem: string | null }>;
    const byPath = new Map(listed.map((e) => [e.path, e]));
    for (const n of [1, 2, 3]) expect(byPath.get(`${root}/savepoints/${sp(n)}`)).toMatchObject({ state: 'complete', origin: 'ours', snapshotId: n });
    // Same sizes, so the quick level of a listing passes it; --latest's full verification does not (below).
    expect(byPath.get(`${root}/savepoints/${sp(4)}`)).toMatchObject({ state: 'complete', verified: 'quick' });
    expect(byPath.get(`${root}/savepoints/${sp(5)}`)).toMatchObject({ state: 'incomplete', problem: expect.stringContaining('no _metadata') });
    expect(byPath.get(`${root}/checkpoints/${JOB}/chk-7`)).toMatchObject({ state: 'complete', origin: 'flink', snapshotId: 7 });
    expect(listed).toHaveLength(6);
  });

  it('--latest skips the corrupt newest savepoint and picks the newest intact one', async () => {
    const r = await flink(['savepoints', JOB, '--latest']);
    expect(r.exitCode).toBe(0);
    // Savepoints and retained checkpoints compete; the Flink checkpoint has the time of its _metadata
    // object (now), so it is the newest restorable one.
    expect(r.stdout).toBe(`${root}/checkpoints/${JOB}/chk-7\n`);
    const dir = await flink(['savepoints', JOB, '--latest', '--dir', `${root}/savepoints`, '-D', 'execution.checkpointing.dir=']);
    expect(dir.stdout).toBe(`${root}/savepoints/${sp(3)}\n`);
    expect(dir.stderr).toContain(`skipping ${root}/savepoints/${sp(4)}: state file state/op-0.bin fails its checksum`);
  });

  it('dispose removes a snapshot from the store; pin protects one from prune --keep', async () => {
    const disposed = await flink(['dispose', '--offline', `${root}/savepoints/${sp(4)}`]);
    expect(disposed.stderr).not.toContain('not on this machine');
    expect(disposed.exitCode).toBe(0);
    expect(disposed.stdout).toContain(`Disposed ${root}/savepoints/${sp(4)}`);
    expect(await keysUnder(`${root}/savepoints/${sp(4)}`)).toEqual([]);

    const pinned = await flink(['savepoints', 'pin', `${root}/savepoints/${sp(1)}`, '--reason', 'before the upgrade']);
    expect(pinned.exitCode).toBe(0);
    expect(await keysUnder(`${root}/savepoints/${sp(1)}`)).toContain('_pinned');

    const pruned = await flink(['savepoints', 'prune', '--job', JOB, '--keep', '1', '--offline']);
    expect(pruned.exitCode).toBe(0);
    expect(await keysUnder(`${root}/savepoints/${sp(2)}`)).toEqual([]); // pruned
    expect(await keysUnder(`${root}/savepoints/${sp(3)}`)).toContain('_metadata'); // the newest, kept
    expect(await keysUnder(`${root}/savepoints/${sp(1)}`)).toContain('_metadata'); // pinned, kept
    const listed = JSON.parse((await flink(['--json', 'savepoints', JOB])).stdout).snapshots as Array<{ path: string; pinned: boolean }>;
    expect(listed.find((e) => e.path.endsWith(sp(1)))).toMatchObject({ pinned: true, pin: { reason: 'before the upgrade' } });
    // Pinned again without a reason, the reason stays.
    expect((await flink(['savepoints', 'pin', `${root}/savepoints/${sp(1)}`])).stdout).toContain('(before the upgrade)');
  });

  it('an interrupted disposal is recognised in the listing and finished by the next dispose', async () => {
    // What an interrupted disposal leaves: the marker, no _metadata, state files not yet deleted.
    const name = `savepoints/${sp(6)}`;
    await putSavepoint(`${root}/${name}`, 6, 1_700_000_006_000);
    await stores.put(`${root}/${name}`, '_disposing', new Date().toISOString());
    await stores.remove(`${root}/${name}`, ['_metadata']);
    const listed = JSON.parse((await flink(['--json', 'savepoints', JOB, '--all'])).stdout).snapshots as Array<{
      path: string;
      state: string;
      problem: string;
    }>;
    expect(listed.find((e) => e.path.endsWith(sp(6)))).toMatchObject({
      state: 'incomplete',
      problem: expect.stringContaining('a disposal started and did not finish'),
    });
    const r = await flink(['dispose', '--offline', `${root}/${name}`]);
    expect(r.exitCode).toBe(0);
    expect(await keysUnder(`${root}/${name}`)).toEqual([]);
  });

  const missingRoot = flavour.missingRoot; // object stores: a local directory that does not exist is only empty
  if (missingRoot) {
    it('a bucket or container that does not exist is an error naming it, never "nothing found"', async () => {
      const r = await flink(['savepoints', JOB, '--dir', missingRoot]);
      expect(r.exitCode).toBe(5);
      expect(r.stderr).toContain(missingRoot);
      expect(r.stderr).toMatch(/listing/);
      expect(r.stdout + r.stderr).not.toContain('No restorable snapshots found');
      const dispose = await flink(['dispose', '--offline', `${missingRoot}/${sp(1)}`]);
      expect(dispose.exitCode).toBe(5);
      expect(dispose.stderr).toContain(missingRoot);
    });
  }
});

describe('denied credentials', () => {
  it('Azure: a wrong account key is access denied naming the URI and the action (exit 1), the key never printed', async () => {
    const root = await flavours[2].fresh();
    const wrong = Buffer.from('not the right key of this account').toString('base64');
    const conf = confWith([flavours[2].configLines()[0], `fs.azure.account.key.${AZURE_HOST}: ${wrong}`]);
    const r = await runFlink(['--config-dir', conf, ...NO_COORDINATOR, 'savepoints', JOB, '--dir', `${root}/savepoints`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`Access denied listing ${root}/savepoints/`);
    expect(r.stdout + r.stderr).not.toContain(wrong);
  });

  it('S3: a server answering 403 SignatureDoesNotMatch is access denied (exit 1), for listing and for dispose', async () => {
    // S3Mock accepts any credentials, so a loopback server answers as S3 answers a wrong secret.
    const server: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        req.method === 'HEAD' ? undefined : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>denied</Message></Error>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const conf = confWith([
        `s3.endpoint: http://127.0.0.1:${port}`,
        's3.path.style.access: true',
        's3.access-key: AKIA',
        's3.secret-key: super-secret-value',
      ]);
      const r = await runFlink(['--config-dir', conf, ...NO_COORDINATOR, 'savepoints', JOB, '--dir', 's3://bucket/savepoints']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain('Access denied listing s3://bucket/savepoints/: SignatureDoesNotMatch');
      const d = await runFlink(['--config-dir', conf, ...NO_COORDINATOR, 'dispose', '--offline', `s3://bucket/savepoints/${sp(1)}`]);
      expect(d.exitCode).toBe(1);
      expect(d.stderr).toContain(`Access denied listing s3://bucket/savepoints/${sp(1)}/`);
      for (const x of [r, d]) expect(x.stdout + x.stderr).not.toContain('super-secret-value');
    } finally {
      server.close();
    }
  });
});

describe('a scheme without an adapter', () => {
  it('savepoints --dir gs://... says the scheme is not supported yet (exit 2), never an empty scan', async () => {
    const r = await runFlink([...NO_COORDINATOR, 'savepoints', JOB, '--dir', 'gs://bucket/savepoints']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('gs:// is not supported yet (gs://bucket/savepoints)');
    expect(r.stdout + r.stderr).not.toContain('No restorable snapshots found');
  });
});

describe('a configured object-store root this machine cannot list, the coordinator answering', () => {
  it("is a warning naming the URI, and the coordinator's list stands (exit 0); as --dir it is an error", async () => {
    const work = emptyDir('reachable-');
    const conf = path.join(work, 'conf');
    const keys = flavours[1].configLines();
    // The coordinator itself writes local directories; the CLI's own configuration names the bucket.
    // Its own state directory: every runFlink gets a fresh HOME, so `cluster stop` must find the pid file here.
    const address = await startLocalCoordinator(conf, work, [
      `coordinator.dir: ${path.join(work, 'state')}`,
      ...keys,
      `state.savepoints.dir: ${path.join(work, 'sp')}`,
      `execution.checkpointing.dir: ${path.join(work, 'ckpt')}`,
    ]);
    try {
      const r = await runFlink(
        ['--config-dir', conf, '-m', address, '-D', 'execution.checkpointing.savepoint-dir=s3://no-such-bucket/savepoints', 'savepoints', JOB],
        { cwd: work },
      );
      expect(r.stderr).toContain('s3://no-such-bucket/savepoints');
      expect(r.stderr).toContain('listing what the coordinator reports');
      expect(r.exitCode).not.toBe(1);
      const dir = await runFlink(['--config-dir', conf, '-m', address, 'savepoints', JOB, '--dir', 's3://no-such-bucket/other'], { cwd: work });
      expect(dir.exitCode).toBe(5);
    } finally {
      await runFlink(['--config-dir', conf, '-m', address, 'cluster', 'stop'], { cwd: work });
    }
  });
});

describe("HDFS with Hadoop's own configuration", () => {
  const hadoopConf = (core: Record<string, string>) => {
    const dir = emptyDir('hadoop-conf-');
    writeFileSync(path.join(dir, 'core-site.xml'), siteXml(core));
    return dir;
  };

  it('a Kerberos-secured cluster is one line saying so (exit 3), for listing and for dispose, nothing sent', async () => {
    const dir = hadoopConf({ 'fs.defaultFS': 'hdfs://prod', 'hadoop.security.authentication': 'kerberos' });
    const line = `the cluster uses kerberos authentication (hadoop.security.authentication: kerberos, ${path.join(dir, 'core-site.xml')}), which is not supported yet; only simple authentication (HADOOP_USER_NAME) is`;
    const r = await runFlink([...NO_COORDINATOR, 'savepoints', JOB, '--dir', 'hdfs:///flink/savepoints'], { env: { HADOOP_CONF_DIR: dir } });
    expect(r.exitCode).toBe(3);
    const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('Error'));
    expect(errorLines(r.stderr)).toEqual([`Error: hdfs:///flink/savepoints: ${line}`]);
    const d = await runFlink([...NO_COORDINATOR, 'dispose', '--offline', `hdfs://prod/flink/savepoints/savepoint-fd7201-000000000001`], {
      env: { HADOOP_CONF_DIR: dir },
    });
    expect(d.exitCode).toBe(3);
    expect(errorLines(d.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(`^Error: hdfs://prod/flink/savepoints/(savepoint-fd7201-000000000001/?)?: ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
      ),
    ]);
  });

  it('hdfs:///path without fs.defaultFS says what to set (exit 3)', async () => {
    const r = await runFlink([...NO_COORDINATOR, 'savepoints', JOB, '--dir', 'hdfs:///flink/savepoints']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('Error'))).toEqual([
      'Error: hdfs:///flink/savepoints names no NameNode and fs.defaultFS is no hdfs:// URI (it is not set); set it in core-site.xml in HADOOP_CONF_DIR, or give hdfs://<namenode>:<port>/...',
    ]);
  });

  it("a directory HADOOP_USER_NAME may not read is access denied (exit 1), naming HDFS's reason; as its owner it lists", async () => {
    const hdfs = stores.servers.find((s) => s.kind === 'hdfs')!;
    const root = await hdfs.fresh('owned');
    const store = await openStore(`${root}/`, hdfs.settings());
    await store.write(`savepoints/${sp(1)}/_metadata`, 'not ours, not Flink: corrupt');
    store.close();
    const active = hdfs.hdfs!.namenodes.find((n) => n.state === 'active')!;
    const dir = new URL(root).pathname;
    const chmod = await fetch(`http://127.0.0.1:${active.http}/webhdfs/v1${dir}?op=SETPERMISSION&permission=700&user.name=${hdfs.hdfs!.user}`, {
      method: 'PUT',
    });
    expect(chmod.status).toBe(200);
    const denied = await runFlink([...NO_COORDINATOR, 'savepoints', JOB, '--all', '--dir', `${root}/savepoints`], {
      env: { ...hdfs.env(), HADOOP_USER_NAME: 'intruder' },
    });
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toContain(`Error: Access denied listing ${root}/savepoints/: Permission denied: user=intruder, access=EXECUTE, inode="${dir}"`);
    expect(denied.stderr).toContain("(requests act as user 'intruder': HADOOP_USER_NAME)");
    const owner = await runFlink([...NO_COORDINATOR, '--json', 'savepoints', JOB, '--all', '--dir', `${root}/savepoints`], { env: hdfs.env() });
    expect(owner.exitCode).toBe(0);
    expect(JSON.parse(owner.stdout).snapshots).toEqual([expect.objectContaining({ path: `${root}/savepoints/${sp(1)}`, state: 'corrupt' })]);
  });
});
