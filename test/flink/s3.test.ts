// Real Flink on S3 (issue 15): a Flink 2.3.0 cluster with Flink's flink-s3-fs-presto plugin (from Maven
// Central, in plugins/s3-fs-presto/ as Flink's distribution lays it out) writes savepoints and retained
// checkpoints to S3Mock on loopback. With the cluster gone, our CLI lists them from S3 alone, picks the
// latest, prunes with --keep and disposes one; `restore latest` on a fresh cluster continues the counts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { startS3Mock, type RunningServer } from '../support/object-stores.js';
import { FlinkCluster, testJobJar, VERSIONS } from './harness/flink-cluster.js';

const VERSION = '2.3.0';
const BIN = path.resolve('bin/flink');
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const PATH_RE = /^Savepoint completed\. Path: (\S+)$/m;
const BUCKET = 'flink-state';

/** Flink's S3 plugin of the same version, from Maven Central (cached in ~/.m2). */
function prestoJar(version: string): string {
  const jar = path.join(homedir(), '.m2', 'repository', 'org', 'apache', 'flink', 'flink-s3-fs-presto', version, `flink-s3-fs-presto-${version}.jar`);
  if (!existsSync(jar))
    execFileSync('mvn', ['-q', '-B', 'dependency:get', `-Dartifact=org.apache.flink:flink-s3-fs-presto:${version}`, '-Dtransitive=false'], {
      stdio: 'inherit',
    });
  return jar;
}

function counts(file: string): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  if (!existsSync(file)) return byKey;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [key, n] = line.split(',');
    byKey.set(key, [...(byKey.get(key) ?? []), Number(n)]);
  }
  return byKey;
}
const total = (file: string) => [...counts(file).values()].flat().length;
const continuous = (file: string) => [...counts(file).values()].every((c) => c.every((v, i) => v === i + 1));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const maybe = VERSIONS.includes(VERSION) ? describe : describe.skip;

maybe(`Apache Flink ${VERSION} with flink-s3-fs-presto on S3 (S3Mock)`, () => {
  let s3: RunningServer;
  let cluster: FlinkCluster | undefined;
  let jar = '';
  const work = mkdtempSync(path.join(tmpdir(), 'flink-real-s3-'));
  const conf = path.join(work, 'conf');
  const countsFile = path.join(work, 'counts.txt');
  const s3Keys = () => [`s3.endpoint: ${s3.endpoint}`, 's3.path.style.access: true', 's3.access-key: test', 's3.secret-key: test-secret'];
  const clusterOptions = () => ({
    checkpointUri: `s3://${BUCKET}/checkpoints`,
    savepointUri: `s3://${BUCKET}/savepoints`,
    plugins: { 's3-fs-presto': prestoJar(VERSION) },
    config: s3Keys(),
  });

  /** Our CLI with a configuration holding only Flink's own keys (the same ones the cluster uses). */
  async function ours(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await execa(process.execPath, [BIN, '--config-dir', conf, ...args], {
      cwd: work,
      reject: false,
      stripFinalNewline: false,
      env: { HOME: work, PATH: process.env.PATH },
      extendEnv: false,
      timeout: 120_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  async function keys(prefix: string): Promise<string[]> {
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key!);
    } finally {
      client.destroy();
    }
  }

  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    [s3, jar] = await Promise.all([startS3Mock(), testJobJar(VERSION)]);
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    execFileSync('mkdir', ['-p', conf]);
    writeFileSync(
      path.join(conf, 'config.yaml'),
      [...s3Keys(), `state.savepoints.dir: s3://${BUCKET}/savepoints`, `execution.checkpointing.dir: s3://${BUCKET}/checkpoints`, ''].join('\n'),
    );
  }, 15 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    await s3?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  let jobId = '';
  let otherJob = '';
  let stopSavepoint = '';
  const manual: string[] = [];

  it(
    'the cluster writes savepoints and retained checkpoints to S3 through the plugin',
    async () => {
      cluster = await FlinkCluster.start(VERSION, clusterOptions());
      const m = ['-m', cluster.address];
      const r = await ours(['run', '-d', ...m, jar, 'harness-counter', countsFile]);
      expect(r.exitCode).toBe(0);
      jobId = JOB_RE.exec(r.stdout)![1];
      await until('a completed checkpoint', async () =>
        (await cluster!.rest<{ counts: { completed: number } }>(`/jobs/${jobId}/checkpoints`)).counts.completed > 0 ? true : undefined,
      );
      for (let i = 0; i < 3; i++) {
        const sp = await ours(['savepoint', jobId, ...m]);
        expect([sp.exitCode, sp.stderr]).toEqual([0, expect.any(String)]);
        manual.push(PATH_RE.exec(sp.stdout)![1]);
        await new Promise((resolve) => setTimeout(resolve, 1100)); // S3 modification times have second precision
      }
      expect(manual.every((p) => p.startsWith(`s3://${BUCKET}/savepoints/savepoint-${jobId.slice(0, 6)}-`))).toBe(true);
      await until('some counts', async () => (total(countsFile) > 20 ? true : undefined));
      const stop = await ours(['stop', jobId, ...m]);
      expect(stop.exitCode).toBe(0);
      stopSavepoint = PATH_RE.exec(stop.stdout)![1];
      await until('FINISHED', async () => ((await cluster!.rest<{ state: string }>(`/jobs/${jobId}`)).state === 'FINISHED' ? true : undefined));
      // A finished job's checkpoints are discarded; a cancelled one's are retained (RETAIN_ON_CANCELLATION).
      const other = await ours(['run', '-d', ...m, jar, 'harness-counter', path.join(work, 'counts-other.txt')]);
      otherJob = JOB_RE.exec(other.stdout)![1];
      await until('a completed checkpoint', async () =>
        (await cluster!.rest<{ counts: { completed: number } }>(`/jobs/${otherJob}/checkpoints`)).counts.completed > 0 ? true : undefined,
      );
      expect((await ours(['cancel', otherJob, ...m])).exitCode).toBe(0);
      await until('CANCELED', async () => ((await cluster!.rest<{ state: string }>(`/jobs/${otherJob}`)).state === 'CANCELED' ? true : undefined));
      await cluster.stop();
      cluster = undefined;
      expect(await keys(`savepoints/${path.posix.basename(stopSavepoint)}/_metadata`)).toHaveLength(1);
      expect((await keys(`checkpoints/${otherJob}/`)).some((k) => /\/chk-\d+\/_metadata$/.test(k))).toBe(true);
    },
    10 * 60_000,
  );

  it('with the cluster gone: listed from S3 alone, the latest picked, pruned with --keep, one disposed', async () => {
    const gone = ['-m', '127.0.0.1:1'];
    const listed = await ours(['--json', 'savepoints', jobId, '--all', ...gone]);
    expect(listed.exitCode).toBe(0);
    const snapshots = JSON.parse(listed.stdout).snapshots as Array<{ path: string; kind: string; origin: string; state: string }>;
    for (const p of [...manual, stopSavepoint])
      expect(snapshots.find((s) => s.path === p)).toMatchObject({ kind: 'savepoint', origin: 'flink', state: 'complete' });
    const retained = JSON.parse((await ours(['--json', 'savepoints', otherJob, '--all', ...gone])).stdout).snapshots as typeof snapshots;
    expect(
      retained.some(
        (s) =>
          s.kind === 'checkpoint' &&
          s.origin === 'flink' &&
          s.state === 'complete' &&
          new RegExp(`^s3://${BUCKET}/checkpoints/${otherJob}/chk-\\d+$`).test(s.path),
      ),
    ).toBe(true);

    const latest = await ours(['savepoints', jobId, '--latest', ...gone]);
    expect(latest.stdout).toBe(`${stopSavepoint}\n`);

    const pruned = await ours(['savepoints', 'prune', '--job', jobId, '--keep', '3', '--offline', ...gone]);
    expect(pruned.exitCode).toBe(0);
    expect(await keys(`savepoints/${path.posix.basename(manual[0])}/`)).toEqual([]); // the oldest of four went
    for (const p of [...manual.slice(1), stopSavepoint]) expect(await keys(`savepoints/${path.posix.basename(p)}/_metadata`)).toHaveLength(1);

    const disposed = await ours(['dispose', '--offline', manual[1], ...gone]);
    expect(disposed.exitCode).toBe(0);
    expect(await keys(`savepoints/${path.posix.basename(manual[1])}/`)).toEqual([]);
  });

  it(
    'restore latest on a fresh cluster continues the counts from the S3 savepoint',
    async () => {
      cluster = await FlinkCluster.start(VERSION, clusterOptions());
      const before = total(countsFile);
      // rare-checkpoints (one an hour): a savepoint taken below stays the job's newest restorable snapshot.
      const restored = await ours([
        'restore',
        'latest',
        '--from-job',
        jobId,
        '-d',
        '-m',
        cluster.address,
        jar,
        'harness-counter',
        countsFile,
        'rare-checkpoints',
      ]);
      expect([restored.exitCode, restored.stderr]).toEqual([0, expect.any(String)]);
      const newJob = JOB_RE.exec(restored.stdout)![1];
      await until('more counts', async () => (total(countsFile) > before + 20 ? true : undefined));
      expect(continuous(countsFile)).toBe(true);
      // With the cluster reachable, the in-use guard applies to s3:// too: the running job's newest savepoint.
      const sp = await until('a savepoint of the restored job', async () => {
        const r = await ours(['savepoint', newJob, '-m', cluster!.address]);
        return r.exitCode === 0 ? PATH_RE.exec(r.stdout)![1] : undefined;
      });
      expect(sp.startsWith(`s3://${BUCKET}/savepoints/`)).toBe(true);
      const refused = await ours(['dispose', sp, '-m', cluster.address]);
      expect([refused.exitCode, refused.stderr]).toEqual([1, expect.stringContaining(`it is the newest restorable snapshot of job ${newJob} (RUNNING)`)]);
      expect(await keys(`savepoints/${path.posix.basename(sp)}/_metadata`)).toHaveLength(1);
      await ours(['cancel', newJob, '-m', cluster.address]);
    },
    10 * 60_000,
  );
});
