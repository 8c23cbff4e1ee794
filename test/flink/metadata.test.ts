// `savepoints inspect` against real Apache Flink clusters: the operator ids of a real savepoint are the ids
// Flink's REST lists for the job's vertices, `--uid` maps by Flink's own hash, `--verify` names a deleted file
// of a retained RocksDB incremental checkpoint. With RECORD_FIXTURES=1 it writes the golden fixtures of the
// metadata reader into fixtures/flink-metadata/<version>/ (each `_metadata` plus files.json: the files the
// snapshot directory, and a checkpoint's shared/ and taskowned/, held, with their sizes).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlinkCluster, testJobJar, VERSIONS } from './harness/flink-cluster.js';

const BIN = path.resolve('bin/flink');
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const PATH_RE = /^Savepoint completed\. Path: (\S+)$/m;
const RECORD = process.env.RECORD_FIXTURES === '1';
const UIDS = ['numbers', 'extra', 'extra-map', 'counter', 'sink'];

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}
interface Report {
  version: 1;
  path: string;
  origin: string;
  metadataVersion: number;
  checkpointId: number;
  bytes: number;
  operators: Array<{ id: string; uid: string | null; parallelism: number; maxParallelism: number; bytes: number }>;
  files: Array<{ path: string; bytes: number }>;
  verified: boolean | null;
  missing: string[];
}

async function ours(args: string[], cwd: string): Promise<Run> {
  const r = await execa(process.execPath, [BIN, ...args], {
    cwd,
    reject: false,
    env: { HOME: cwd, PATH: process.env.PATH },
    extendEnv: false,
    timeout: 120_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * The test job's counts file after a restore from a checkpoint older than its last line: no key skips a count
 * (its first new count is at most one past its last old one; then they run on by one), and every key continues
 * from the restored state instead of starting at 1 again.
 */
function restoredFromState(file: string, linesBefore: number): boolean {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(','));
  const last = new Map<string, number>();
  for (const [key, n] of lines.slice(0, linesBefore)) last.set(key, Number(n));
  const after = new Map<string, number[]>();
  for (const [key, n] of lines.slice(linesBefore)) after.set(key, [...(after.get(key) ?? []), Number(n)]);
  // The job's 4 keys are all counted within its first second, so every key is in any checkpoint's state.
  return after.size > 0 && [...after].every(([key, c]) => c[0] > 1 && c[0] <= (last.get(key) ?? 0) + 1 && c.every((v, i) => i === 0 || v === c[i - 1] + 1));
}

const localPath = (pointer: string) => pointer.replace(/^file:(\/\/)?/, '/').replace(/^\/\/+/, '/');

function walk(dir: string): Array<{ path: string; bytes: number }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [{ path: p, bytes: statSync(p).size }];
  });
}

/** Copies `_metadata` and writes files.json (the snapshot's files, plus a checkpoint's shared/ and taskowned/). */
function recordFixture(version: string, name: string, snapshotDir: string, checkpoint: boolean): void {
  if (!RECORD) return;
  const target = path.resolve('fixtures/flink-metadata', version, name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  copyFileSync(path.join(snapshotDir, '_metadata'), path.join(target, '_metadata'));
  const jobDir = path.dirname(snapshotDir);
  const files = [...walk(snapshotDir), ...(checkpoint ? [...walk(path.join(jobDir, 'shared')), ...walk(path.join(jobDir, 'taskowned'))] : [])];
  writeFileSync(path.join(target, 'files.json'), JSON.stringify({ directory: snapshotDir, files }, null, 2) + '\n');
}

describe.each(VERSIONS)('inspect against Apache Flink %s', (version) => {
  let hashmap: FlinkCluster;
  let rocksdb: FlinkCluster;
  let jar = '';
  const work = mkdtempSync(path.join(tmpdir(), `flink-meta-work-${version}-`));

  async function startJob(cluster: FlinkCluster, name: string, minCheckpoints: number): Promise<string> {
    const r = await ours(['run', '-d', '-m', cluster.address, jar, name, path.join(work, `${name}.txt`)], work);
    expect(r.exitCode).toBe(0);
    const jobId = JOB_RE.exec(r.stdout)![1];
    await until(`${minCheckpoints} completed checkpoints`, async () => {
      const stats = await cluster.rest<{ counts: { completed: number } }>(`/jobs/${jobId}/checkpoints`);
      return stats.counts.completed >= minCheckpoints ? true : undefined;
    });
    return jobId;
  }

  /** Cancels the job; the newest retained chk-<n> directory with its _metadata. */
  async function cancelAndFindCheckpoint(cluster: FlinkCluster, jobId: string): Promise<string> {
    expect((await ours(['cancel', jobId, '-m', cluster.address], work)).exitCode).toBe(0);
    await until('the job to be cancelled', async () => ((await cluster.rest<{ state: string }>(`/jobs/${jobId}`)).state === 'CANCELED' ? true : undefined));
    const jobDir = path.join(cluster.checkpointDir, jobId);
    const chk = readdirSync(jobDir)
      .filter((d) => /^chk-\d+$/.test(d) && existsSync(path.join(jobDir, d, '_metadata')))
      .sort((a, b) => Number(b.slice(4)) - Number(a.slice(4)))[0];
    expect(chk).toBeDefined();
    return path.join(jobDir, chk);
  }

  async function inspect(dir: string, extra: string[] = []): Promise<{ run: Run; report: Report }> {
    const run = await ours(['savepoints', 'inspect', dir, '--json', ...UIDS.flatMap((u) => ['--uid', u]), ...extra], work);
    return { run, report: JSON.parse(run.stdout) as Report };
  }

  beforeAll(async () => {
    jar = await testJobJar(version);
    // Every chunk of state goes to a file (no inlining into _metadata), so the fixtures hold file handles.
    const noInline = ['state.storage.fs.memory-threshold: 0b', 'execution.checkpointing.data-inline-threshold: 0b'];
    hashmap = await FlinkCluster.start(version, { dataDir: path.join(work, 'hashmap'), config: noInline });
    rocksdb = await FlinkCluster.start(version, {
      dataDir: path.join(work, 'rocksdb'),
      config: [
        ...noInline,
        'state.backend.type: rocksdb',
        'execution.checkpointing.incremental: true',
        'state.backend.incremental: true',
        'execution.checkpointing.num-retained: 3',
      ],
    });
  }, 15 * 60_000);

  afterAll(async () => {
    await Promise.all([hashmap?.stop(), rocksdb?.stop()]);
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("savepoints (canonical, native) and a retained hashmap checkpoint: ids are the job vertices', --uid maps, --verify passes", async () => {
    const jobId = await startJob(hashmap, 'meta-hashmap', 1);
    const job = await hashmap.rest<{ vertices: Array<{ id: string; name: string }> }>(`/jobs/${jobId}`);
    const canonical = await ours(['savepoint', jobId, path.join(work, 'sp'), '-m', hashmap.address], work);
    expect(canonical.exitCode).toBe(0);
    const canonicalDir = localPath(PATH_RE.exec(canonical.stdout)![1]);
    const native = await ours(['savepoint', jobId, path.join(work, 'sp-native'), '-type', 'native', '-m', hashmap.address], work);
    expect(native.exitCode).toBe(0);
    const nativeDir = localPath(PATH_RE.exec(native.stdout)![1]);

    for (const dir of [canonicalDir, nativeDir]) {
      const { run, report } = await inspect(dir, ['--verify']);
      expect(run.exitCode).toBe(0);
      expect(report).toMatchObject({ origin: 'flink', path: dir, verified: true, missing: [] });
      expect(report.metadataVersion).toBe(version.startsWith('1.') ? 4 : 6);
      const ids = report.operators.map((o) => o.id);
      for (const vertex of job.vertices) expect(ids).toContain(vertex.id);
      const counterVertex = job.vertices.find((v) => v.name.startsWith('counter'))!;
      expect(report.operators.find((o) => o.uid === 'counter')?.id).toBe(counterVertex.id);
      expect(report.operators.map((o) => o.uid).sort()).toEqual([...UIDS].sort());
      expect(report.files.length).toBeGreaterThan(0);
    }
    recordFixture(version, 'savepoint-canonical', canonicalDir, false);
    recordFixture(version, 'savepoint-native', nativeDir, false);

    const chk = await cancelAndFindCheckpoint(hashmap, jobId);
    const { run, report } = await inspect(chk, ['--verify']);
    expect(run.exitCode).toBe(0);
    expect(report.verified).toBe(true);
    expect(report.checkpointId).toBe(Number(path.basename(chk).slice(4)));
    recordFixture(version, 'checkpoint-hashmap', chk, true);
  });

  it('a retained RocksDB incremental checkpoint: shared files listed; a deleted one makes --verify fail naming it', async () => {
    const jobId = await startJob(rocksdb, 'meta-rocksdb', 3);
    const chk = await cancelAndFindCheckpoint(rocksdb, jobId);
    recordFixture(version, 'checkpoint-rocksdb-incremental', chk, true);
    const { run, report } = await inspect(chk, ['--verify']);
    expect(run.exitCode).toBe(0);
    expect(report.verified).toBe(true);
    const shared = report.files.filter((f) => localPath(f.path).startsWith(path.join(path.dirname(chk), 'shared') + '/'));
    expect(shared.length).toBeGreaterThan(0);
    const victim = localPath(shared[0].path);
    unlinkSync(victim);
    const broken = await inspect(chk, ['--verify']);
    expect(broken.run.exitCode).toBe(1);
    expect(broken.report.verified).toBe(false);
    expect(broken.report.missing.map(localPath)).toEqual([victim]);
    expect(broken.run.stderr).toContain(victim);
    expect(broken.run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('RocksDB incremental: dispose of the oldest retained checkpoint frees only its own shared files; the rest verify and restore; gc; --latest skips a damaged one', async () => {
    const name = 'meta-rocksdb-dispose';
    const countsFile = path.join(work, `${name}.txt`);
    const jobId = await startJob(rocksdb, name, 4);
    const newest = await cancelAndFindCheckpoint(rocksdb, jobId);
    const jobDir = path.dirname(newest);
    const retained = readdirSync(jobDir)
      .filter((d) => /^chk-\d+$/.test(d) && existsSync(path.join(jobDir, d, '_metadata')))
      .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
      .map((d) => path.join(jobDir, d));
    expect(retained.length).toBeGreaterThanOrEqual(2);
    const [oldest, ...newer] = retained;
    const referencedByNewer = new Set<string>();
    for (const dir of newer) for (const f of (await inspect(dir)).report.files) referencedByNewer.add(localPath(f.path));

    const plan = await ours(['dispose', '--dry-run', '--json', oldest, '-m', rocksdb.address], work);
    expect(plan.exitCode).toBe(0);
    const shared = JSON.parse(plan.stdout).plan[0].sharedFiles as Array<{ path: string; action: string; reason: string }>;
    expect(shared.length).toBeGreaterThan(0);
    for (const f of shared) expect(f.action).toBe(referencedByNewer.has(f.path) ? 'keep' : 'delete');
    expect((await ours(['dispose', oldest, '-m', rocksdb.address], work)).exitCode).toBe(0);
    expect(existsSync(oldest)).toBe(false);
    for (const f of shared) expect(existsSync(f.path)).toBe(f.action === 'keep');
    for (const dir of newer) expect((await inspect(dir, ['--verify'])).run.exitCode).toBe(0);

    // gc: a planted orphan older than --min-age goes; nothing any retained checkpoint references.
    const orphan = path.join(jobDir, 'shared', 'planted-orphan');
    writeFileSync(orphan, 'x'.repeat(100));
    const old = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(orphan, old, old);
    const gc = await ours(['savepoints', 'gc', '--job', jobId, '--dir', rocksdb.checkpointDir, '--json', '-m', rocksdb.address], work);
    expect(gc.exitCode).toBe(0);
    expect(JSON.parse(gc.stdout).files.map((f: { path: string }) => f.path)).toEqual([orphan]);
    expect(existsSync(orphan)).toBe(false);
    for (const f of referencedByNewer) expect(existsSync(f)).toBe(true);

    // The oldest remaining checkpoint restores: the counts continue.
    const before = readFileSync(countsFile, 'utf8').split('\n').filter(Boolean).length;
    const restored = await ours(['run', '-d', '-s', newer[0], '-m', rocksdb.address, jar, name, countsFile], work);
    expect(restored.exitCode).toBe(0);
    const newJob = JOB_RE.exec(restored.stdout)![1];
    await until('more counts', async () => (readFileSync(countsFile, 'utf8').split('\n').filter(Boolean).length > before + 20 ? true : undefined));
    expect(restoredFromState(countsFile, before)).toBe(true);
    expect((await ours(['cancel', newJob, '-m', rocksdb.address], work)).exitCode).toBe(0);

    // A deleted file of the newest checkpoint: --verify names it, --latest skips to the next one.
    if (newer.length >= 2) {
      const last = newer[newer.length - 1];
      const own = (await inspect(last)).report.files.map((f) => localPath(f.path)).find((p) => p.startsWith(`${last}/`))!;
      unlinkSync(own);
      const verify = await inspect(last, ['--verify']);
      expect(verify.run.exitCode).toBe(1);
      expect(verify.run.stderr).toContain(own);
      const latest = await ours(['savepoints', '--latest', jobId, '--dir', rocksdb.checkpointDir, '-m', rocksdb.address], work);
      expect(latest.exitCode).toBe(0);
      expect(latest.stdout.trim()).toBe(newer[newer.length - 2]);
      expect(latest.stderr).toContain(`skipping ${last}: referenced file ${own}: missing`);
    }
  });

  it('a retained checkpoint with file merging (FLIP-306): segment handles, verified', async () => {
    const merging = await FlinkCluster.start(version, { dataDir: path.join(work, 'merging'), config: ['execution.checkpointing.file-merging.enabled: true'] });
    try {
      const jobId = await startJob(merging, 'meta-merging', 2);
      const chk = await cancelAndFindCheckpoint(merging, jobId);
      recordFixture(version, 'checkpoint-file-merging', chk, true);
      const { run, report } = await inspect(chk, ['--verify']);
      expect(run.exitCode).toBe(0);
      expect(report.verified).toBe(true);
      expect(report.files.length).toBeGreaterThan(0);
    } finally {
      await merging.stop();
    }
  });
});
