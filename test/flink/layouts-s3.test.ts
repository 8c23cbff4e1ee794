// Storage layouts of real Apache Flink 2.3.0 on S3 (S3Mock on loopback, Flink's flink-s3-fs-presto plugin):
// the same cases as on local disk (harness/layout-suite.ts), with checkpoints, the change log (dstl) and ForSt's
// primary directory all under s3://<bucket>/checkpoints, and our CLI reading them through its S3 adapter with the
// same keys (s3.endpoint, s3.path.style.access, s3.access-key, s3.secret-key) in its configuration.
import { describe } from '@jest/globals';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startS3Mock } from '../support/object-stores.js';
import { FlinkCluster, VERSIONS } from './harness/flink-cluster.js';
import type { LayoutStorage } from './harness/layout-scenarios.js';
import { layoutSuite } from './harness/layout-suite.js';
import { forstClasspath, layoutJobJar, s3PrestoJar } from './harness/layouts.js';

const VERSION = '2.3.0';
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

const maybe = VERSIONS.includes(VERSION) ? describe : describe.skip;

maybe(`storage layouts of Apache Flink ${VERSION} on S3 (S3Mock, flink-s3-fs-presto)`, () => {
  layoutSuite(VERSION, async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const work = mkdtempSync(path.join(tmpdir(), 'flink-layouts-s3-'));
    const [s3, jar, forst] = await Promise.all([startS3Mock(), layoutJobJar(VERSION), forstClasspath(VERSION)]);
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const root = `s3://${BUCKET}/checkpoints`;
    const s3Keys = [`s3.endpoint: ${s3.endpoint}`, 's3.path.style.access: true', 's3.access-key: test', 's3.secret-key: test-secret'];
    const conf = path.join(work, 'conf');
    mkdirSync(conf, { recursive: true });
    writeFileSync(path.join(conf, 'config.yaml'), [...s3Keys, `execution.checkpointing.dir: ${root}`, ''].join('\n'));
    const cluster = await FlinkCluster.start(VERSION, {
      checkpointUri: root,
      savepointUri: `s3://${BUCKET}/savepoints`,
      plugins: { 's3-fs-presto': s3PrestoJar(VERSION) },
      extraClasspath: forst,
      config: [...s3Keys, 'execution.checkpointing.num-retained: 2', 'state.changelog.storage: filesystem', `dstl.dfs.base-path: ${root}`],
    }).catch(async (error: unknown) => {
      client.destroy();
      await s3.stop();
      throw error;
    });
    return {
      env: { version: VERSION, cluster, jar, work, storage: s3Storage(client, root), cliArgs: ['--config-dir', conf], jobSettings: [] },
      dstlRoot: root,
      stop: async () => {
        await cluster.stop();
        client.destroy();
        await s3.stop();
        rmSync(work, { recursive: true, force: true });
      },
    };
  });
});
