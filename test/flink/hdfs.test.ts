// Real Flink on HDFS: a Flink 2.3.0 cluster with Hadoop's client jars on its classpath (hadoop-client-api and
// hadoop-client-runtime, as bin/config.sh appends HADOOP_CLASSPATH) writes checkpoints and savepoints to a
// MiniDFSCluster on loopback (hdfs://127.0.0.1:<port>/flink/...). With the cluster gone, our CLI reaches the same
// files through WebHDFS with the same HADOOP_CONF_DIR: lists them, picks the latest, inspects and verifies, disposes
// one; `restore latest` on a fresh cluster continues the counts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hadoopClientJars, startHdfs, type RunningHdfs } from '../support/hdfs.js';
import { until } from '../support/until.js';
import { FlinkCluster, testJobJar, VERSIONS, type ClusterOptions } from './harness/flink-cluster.js';

const VERSION = '2.3.0';
const BIN = path.resolve('bin/flink');
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const PATH_RE = /^Savepoint completed\. Path: (\S+)$/m;

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

const maybe = VERSIONS.includes(VERSION) ? describe : describe.skip;

maybe(`Apache Flink ${VERSION} on HDFS (MiniDFSCluster)`, () => {
  let hdfs: RunningHdfs;
  let cluster: FlinkCluster | undefined;
  let jar = '';
  let clusterOptions: ClusterOptions = {};
  const work = mkdtempSync(path.join(tmpdir(), 'flink-real-hdfs-'));
  const conf = path.join(work, 'conf');
  const countsFile = path.join(work, 'counts.txt');
  const timings: Record<string, number> = {};
  const root = () => `${hdfs.uri}/flink`;

  /** Our CLI with Flink's configuration and the cluster's HADOOP_CONF_DIR, nothing else. */
  async function ours(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await execa(process.execPath, [BIN, '--config-dir', conf, ...args], {
      cwd: work,
      reject: false,
      stripFinalNewline: false,
      env: { HOME: work, PATH: process.env.PATH, HADOOP_CONF_DIR: hdfs.confDir },
      extendEnv: false,
      timeout: 120_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** What the NameNode lists under a directory (WebHDFS, as a check independent of our store). */
  async function names(dir: string): Promise<string[]> {
    const active = hdfs.namenodes.find((n) => n.state === 'active')!;
    const r = await fetch(`http://127.0.0.1:${active.http}/webhdfs/v1/flink/${dir}?op=LISTSTATUS&user.name=${hdfs.user}`);
    if (r.status === 404) return [];
    return ((await r.json()) as { FileStatuses: { FileStatus: Array<{ pathSuffix: string }> } }).FileStatuses.FileStatus.map((s) => s.pathSuffix);
  }

  beforeAll(async () => {
    const started = Date.now();
    let jars: string[];
    [hdfs, jar, jars] = await Promise.all([startHdfs(), testJobJar(VERSION), hadoopClientJars()]);
    timings.hdfsStart = hdfs.startMs;
    timings.setup = Date.now() - started;
    clusterOptions = {
      checkpointUri: `${root()}/checkpoints`,
      savepointUri: `${root()}/savepoints`,
      extraClasspath: jars,
      env: { HADOOP_CONF_DIR: hdfs.confDir, HADOOP_USER_NAME: hdfs.user },
    };
    mkdirSync(conf, { recursive: true });
    writeFileSync(
      path.join(conf, 'config.yaml'),
      [`state.savepoints.dir: ${root()}/savepoints`, `execution.checkpointing.dir: ${root()}/checkpoints`, ''].join('\n'),
    );
  }, 15 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    await hdfs?.stop();
    rmSync(work, { recursive: true, force: true });
    process.stderr.write(`HDFS real-Flink timings (ms): ${JSON.stringify(timings)}\n`);
  }, 120_000);

  let jobId = '';
  let cancelled = '';
  let manual = '';
  let stopSavepoint = '';

  it(
    'the cluster writes savepoints and retained checkpoints to hdfs:// through Hadoop’s client',
    async () => {
      const started = Date.now();
      cluster = await FlinkCluster.start(VERSION, clusterOptions);
      timings.flinkStart = Date.now() - started;
      const m = ['-m', cluster.address];
      const [a, b] = await Promise.all([
        ours(['run', '-d', ...m, jar, 'harness-counter', countsFile]),
        ours(['run', '-d', ...m, jar, 'harness-other', path.join(work, 'counts-other.txt')]),
      ]);
      expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
      jobId = JOB_RE.exec(a.stdout)![1];
      cancelled = JOB_RE.exec(b.stdout)![1];
      for (const id of [jobId, cancelled])
        await until(
          'a completed checkpoint',
          async () =>
            (await cluster!.rest<{ counts: { completed: number } }>(`/jobs/${id}/checkpoints`).catch(() => undefined))?.counts.completed ? true : undefined,
          90_000,
          300,
        );
      const sp = await ours(['savepoint', jobId, ...m]);
      expect([sp.exitCode, sp.stderr]).toEqual([0, expect.any(String)]);
      manual = PATH_RE.exec(sp.stdout)![1];
      expect(manual.startsWith(`${root()}/savepoints/savepoint-${jobId.slice(0, 6)}-`)).toBe(true);
      // Retained on cancellation (RETAIN_ON_CANCELLATION); a finished job's checkpoints go.
      expect((await ours(['cancel', cancelled, ...m])).exitCode).toBe(0);
      await until('some counts', async () => (total(countsFile) > 20 ? true : undefined), 90_000, 300);
      const stop = await ours(['stop', jobId, ...m]);
      expect(stop.exitCode).toBe(0);
      stopSavepoint = PATH_RE.exec(stop.stdout)![1];
      await until('both jobs ended', async () => {
        const states = await Promise.all([jobId, cancelled].map((id) => cluster!.rest<{ state: string }>(`/jobs/${id}`).then((j) => j.state)));
        return states[0] === 'FINISHED' && states[1] === 'CANCELED' ? true : undefined;
      });
      await cluster.stop();
      cluster = undefined;
      timings.phase1 = Date.now() - started;
      expect(await names(`savepoints/${path.posix.basename(stopSavepoint)}`)).toContain('_metadata');
      expect((await names(`checkpoints/${cancelled}`)).some((n) => /^chk-\d+$/.test(n))).toBe(true);
    },
    10 * 60_000,
  );

  it('with the cluster gone: listed from HDFS alone, the latest picked, inspected and verified, one disposed', async () => {
    const started = Date.now();
    const gone = ['-m', '127.0.0.1:1'];
    const listed = await ours(['--json', 'savepoints', jobId, '--all', ...gone]);
    expect(listed.exitCode).toBe(0);
    type Listed = Array<{ path: string; kind: string; origin: string; state: string }>;
    const snapshots = JSON.parse(listed.stdout).snapshots as Listed;
    for (const p of [manual, stopSavepoint])
      expect(snapshots.find((s) => s.path === p)).toMatchObject({ kind: 'savepoint', origin: 'flink', state: 'complete' });

    const retained = JSON.parse((await ours(['--json', 'savepoints', cancelled, '--all', ...gone])).stdout).snapshots as Listed;
    const checkpoint = retained.find((s) => s.kind === 'checkpoint' && s.origin === 'flink' && s.state === 'complete');
    expect(checkpoint?.path).toMatch(new RegExp(`^${root().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/checkpoints/${cancelled}/chk-\\d+$`));

    const latest = await ours(['savepoints', jobId, '--latest', ...gone]);
    expect(latest.stdout).toBe(`${stopSavepoint}\n`);

    for (const p of [stopSavepoint, checkpoint!.path]) {
      const inspected = await ours(['savepoints', 'inspect', p, '--verify', '--json', '--uid', 'counter']);
      expect([inspected.exitCode, inspected.stderr]).toEqual([0, '']);
      const doc = JSON.parse(inspected.stdout);
      expect(doc).toMatchObject({ path: p, origin: 'flink', missing: [] });
      expect(doc.operators.some((o: { uid: string | null }) => o.uid === 'counter')).toBe(true);
    }

    const disposed = await ours(['dispose', '--offline', manual, ...gone]);
    expect([disposed.exitCode, disposed.stdout]).toEqual([0, expect.stringContaining(`Disposed ${manual}`)]);
    expect(await names('savepoints')).not.toContain(path.posix.basename(manual));
    expect(await names('savepoints')).toContain(path.posix.basename(stopSavepoint));
    timings.offline = Date.now() - started;
  });

  it(
    'restore latest on a fresh cluster continues the counts from the HDFS savepoint',
    async () => {
      const started = Date.now();
      cluster = await FlinkCluster.start(VERSION, clusterOptions);
      const before = total(countsFile);
      const restored = await ours(['restore', 'latest', '--from-job', jobId, '-d', '-m', cluster.address, jar, 'harness-counter', countsFile]);
      expect([restored.exitCode, restored.stderr]).toEqual([0, expect.stringContaining(stopSavepoint)]);
      const newJob = JOB_RE.exec(restored.stdout)![1];
      await until('more counts', async () => (total(countsFile) > before + 20 ? true : undefined), 90_000, 300);
      expect(continuous(countsFile)).toBe(true);
      expect((await ours(['cancel', newJob, '-m', cluster.address])).exitCode).toBe(0);
      timings.phase3 = Date.now() - started;
    },
    10 * 60_000,
  );
});
