// Where the storage-layout suite's clusters write: local disk (one cluster per version) or S3 (S3Mock on
// loopback with Flink's flink-s3-fs-presto plugin, 2.3.0). Retention and the change log's storage are the
// cluster's: Flink reads execution.checkpointing.num-retained in the JobManager and dstl.dfs.* in the TaskManager
// from the cluster's configuration only; everything else is set per job. The change log lives under the
// checkpoint root, beside the jobs' shared/ folders (<root>/<job>/dstl/), where gc must leave it alone.
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startS3Mock } from '../../support/object-stores.js';
import { FlinkCluster } from './flink-cluster.js';
import { plain, type LayoutStorage } from './layout-scenarios.js';
import type { LayoutSetup } from './layout-suite.js';
import { forstClasspath, layoutJobJar, s3PrestoJar, sharedClasspath } from './layouts.js';

const RECORD = process.env.RECORD_FIXTURES === '1';
/** Several clusters share two cores (and a developer's machine may be busier still): boots may take minutes. */
const BOOT_TIMEOUT_MS = 300_000;
/** Two retained checkpoints, so job A keeps one besides the one B restores from (1.20's and 2.x's key). */
const RETENTION = ['execution.checkpointing.num-retained: 2', 'state.checkpoints.num-retained: 2'];

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

/** A cluster of `version` writing to local disk; with RECORD_FIXTURES=1 its cases record the golden files. */
export async function localSetup(version: string): Promise<LayoutSetup> {
  const two = !version.startsWith('1.');
  const work = mkdtempSync(path.join(tmpdir(), `flink-layouts-${version}-`));
  const checkpoints = path.join(work, 'data', 'checkpoints');
  const [jar, forst] = await Promise.all([layoutJobJar(version), two ? forstClasspath(version) : [], sharedClasspath(version)]);
  const cluster = await FlinkCluster.start(version, {
    dataDir: path.join(work, 'data'),
    bootTimeoutMs: BOOT_TIMEOUT_MS,
    extraClasspath: forst,
    config: [...RETENTION, ...(two ? ['state.changelog.storage: filesystem', `dstl.dfs.base-path: file://${checkpoints}`] : [])],
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
}

const BUCKET = 'flink-layouts';

function s3Storage(client: S3Client, root: string): LayoutStorage {
  const key = (pointer: string) => pointer.replace(`s3://${BUCKET}/`, '');
  return {
    root,
    list: async (prefix) => {
      const found: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key(prefix), ContinuationToken: token }));
        for (const o of page.Contents ?? []) found.push(`s3://${BUCKET}/${o.Key}`);
        token = page.NextContinuationToken;
      } while (token);
      return found;
    },
    exists: (pointer) =>
      client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key(pointer) })).then(
        () => true,
        () => false,
      ),
    write: async (pointer, bytes) => {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(pointer), Body: bytes }));
    },
  };
}

/**
 * A cluster of `version` with checkpoints, the change log and ForSt's primary directory under
 * s3://<bucket>/checkpoints on S3Mock; our CLI reads them through its S3 adapter with the same keys
 * (s3.endpoint, s3.path.style.access, s3.access-key, s3.secret-key) in its configuration.
 */
export async function s3Setup(version: string): Promise<LayoutSetup> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const work = mkdtempSync(path.join(tmpdir(), 'flink-layouts-s3-'));
  const [s3, jar, forst] = await Promise.all([startS3Mock(), layoutJobJar(version), forstClasspath(version), sharedClasspath(version)]);
  const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const root = `s3://${BUCKET}/checkpoints`;
  const s3Keys = [`s3.endpoint: ${s3.endpoint}`, 's3.path.style.access: true', 's3.access-key: test', 's3.secret-key: test-secret'];
  const conf = path.join(work, 'conf');
  mkdirSync(conf, { recursive: true });
  writeFileSync(path.join(conf, 'config.yaml'), [...s3Keys, `execution.checkpointing.dir: ${root}`, ''].join('\n'));
  let cluster: FlinkCluster;
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    cluster = await FlinkCluster.start(version, {
      checkpointUri: root,
      savepointUri: `s3://${BUCKET}/savepoints`,
      plugins: { 's3-fs-presto': s3PrestoJar(version) },
      bootTimeoutMs: BOOT_TIMEOUT_MS,
      extraClasspath: forst,
      config: [...s3Keys, ...RETENTION, 'state.changelog.storage: filesystem', `dstl.dfs.base-path: ${root}`],
    });
  } catch (error) {
    client.destroy();
    await s3.stop();
    throw error;
  }
  return {
    env: { version, cluster, jar, work, storage: s3Storage(client, root), cliArgs: ['--config-dir', conf], jobSettings: [] },
    dstlRoot: root,
    stop: async () => {
      await cluster.stop();
      client.destroy();
      await s3.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
