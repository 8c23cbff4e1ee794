// Two hosts, one bucket: two `flink` runs with separate homes and state dirs (nothing local in common) work on one
// S3Mock bucket and one Azurite container at once. Each round seeds two savepoints; one host restores the latest
// (`restore latest`, into the local coordinator) while the other disposes that very savepoint, then prunes and
// collects garbage (`savepoints prune`, `savepoints gc`, with the cluster out of its sight: only the store lease
// keeps them apart). Counted: restores that read a snapshot being deleted (a restore that failed reading it, or a
// job that did not come up from it), snapshots listed restorable that are half-deleted, refusals that are not one
// line, leases left behind. Rounds alternate the roles. Real processes run PROCESS_ROUNDS rounds per store; the
// same commands, called in this process through the CLI's entry (runCli: the code bin/flink runs), make up the
// rest of ROUNDS (each real process costs a node start and an SDK load).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/app.js';
import { createTestIO } from '../../src/cli/io.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { storageSettings } from '../../src/config/storage.js';
import { SnapshotStorage } from '../../src/storage/index.js';
import { azureConfigLines, freshBucket, freshContainer, s3ConfigLines, startAzurite, startS3Mock, type RunningServer } from '../support/object-stores.js';
import { emptyDir, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';

const ROUNDS = Number(process.env.LEASE_ROUNDS ?? 50);
const PROCESS_ROUNDS = Math.min(ROUNDS, Number(process.env.LEASE_PROCESS_ROUNDS ?? 5));
const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const GC_JOB = 'ab72014d4c864993a2e5a9287b4a9c5d';
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const RESTORED_RE = /Restoring from the latest savepoint (\S+) /g;
const UNREACHABLE = ['-m', '127.0.0.1:1'];
const COUNTER = path.resolve('fixtures/jobs/counter.ts');
const SEED = Number(process.env.LEASE_SEED ?? Math.floor(Math.random() * 100_000));
/** mulberry32: a small seeded generator, so that a failing run can be repeated with LEASE_SEED. */
const random = (() => {
  let a = SEED;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
})();

const work = emptyDir('lease-concurrency-');
let s3: RunningServer;
let azurite: RunningServer;
let coordinator = '';
let storeLines: string[] = [];
let storage: SnapshotStorage;

interface Host {
  name: string;
  conf: string;
  home: string;
}

interface Figures {
  rounds: number;
  processRounds: number;
  restored: number;
  restoreRefused: number;
  disposed: number;
  disposeRefused: number;
  pruneRefused: number;
  gcRefused: number;
  restoresFromDeleted: number;
  halfDeletedListed: number;
  multiLineRefusals: number;
  leasesLeft: number;
  seconds: number;
}
const figures: Record<string, Figures> = {};

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  [s3, azurite] = await Promise.all([startS3Mock(), startAzurite()]);
  storeLines = [...s3ConfigLines(s3.endpoint), ...azureConfigLines(azurite.endpoint)];
  const dynamic = storeLines.map((line) => line.replace(/^([^:]+): /, '$1='));
  storage = new SnapshotStorage({ settings: storageSettings(resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic })) });
  await preload();
  coordinator = await startLocalCoordinator(path.join(work, 'coordinator-conf'), work, [
    `coordinator.dir: ${path.join(work, 'coordinator-state')}`,
    ...storeLines,
  ]);
}, 240_000);

afterAll(async () => {
  if (coordinator) await runFlink(['-m', coordinator, '--config-dir', path.join(work, 'coordinator-conf'), 'cluster', 'stop'], { cwd: work });
  storage?.close();
  await Promise.all([s3?.stop(), azurite?.stop()]);
  process.stdout.write(`lease concurrency (seed ${SEED}): ${JSON.stringify(figures)}\n`);
}, 60_000);

/**
 * The CLI loads a command's modules on first use; jest's module registry fails two concurrent first imports of one
 * module ("not in cache"), which bin/flink never meets. Loading them once, one after the other, first avoids it.
 */
async function preload(): Promise<void> {
  const skip = new Set(['main.ts', 'boot.ts']);
  for (const dir of ['cli', 'cli/commands', 'cli/services', 'cli/output', 'storage', 'storage/stores', 'domain', 'client', 'config']) {
    for (const file of readdirSync(path.resolve('src', dir)).filter((f) => f.endsWith('.ts') && !skip.has(f))) {
      await import(path.resolve('src', dir, file));
    }
  }
}

/** A host: its own home, state dir and configuration (the same bucket and roots). */
function host(name: string, root: string, checkpoints: string): Host {
  const dir = emptyDir(`${name}-`);
  const conf = path.join(dir, 'conf');
  mkdirSync(conf, { recursive: true });
  writeFileSync(
    path.join(conf, 'config.yaml'),
    [
      ...storeLines,
      `coordinator.dir: ${path.join(dir, 'state')}`,
      `state.savepoints.dir: ${root}`,
      `execution.checkpointing.dir: ${checkpoints}`,
      'savepoints.lease-duration: 20 s',
      '',
    ].join('\n'),
  );
  return { name, conf, home: path.join(dir, 'home') };
}

/** Runs one command on a host: a real bin/flink process, or the same entry in this process. */
async function run(h: Host, args: string[], real: boolean): Promise<RunResult> {
  const argv = ['--config-dir', h.conf, ...args];
  if (real) return runFlink(argv, { cwd: work, env: { HOME: h.home } });
  const io = createTestIO();
  const exitCode = await runCli(argv, { io, env: { HOME: h.home, PATH: process.env.PATH, LANG: 'C.UTF-8' }, cwd: work });
  return { exitCode, stdout: io.stdoutText(), stderr: io.stderrText() };
}

let seeded = 0;
/** One of our savepoints, as the coordinator writes one (state files, then _metadata). */
async function seedSavepoint(root: string): Promise<string> {
  const id = ++seeded;
  const dir = await storage.writer.createSavepoint(root, JOB);
  const files = [await storage.writer.writeStateFile(dir, 'state/a.bin', `a${id}`.repeat(500)), await storage.writer.writeStateFile(dir, 'state/b.bin', 'b')];
  await storage.writer.publish(dir, {
    ...{ id, kind: 'savepoint', trigger: 'manual', format: 'canonical', jobId: JOB, jobName: 'Event counter', jobFingerprint: 'f', operators: [] },
    ...{ toolVersion: 'test', triggeredAt: Date.now() - 10, completedAt: Date.now(), files },
  });
  return dir;
}

/** A retained checkpoint of another job, and a file of its shared/ folder no checkpoint references (gc's). */
async function seedCheckpoint(checkpoints: string, id: number): Promise<void> {
  const dir = await storage.writer.createCheckpoint(checkpoints, GC_JOB, id);
  const file = await storage.writer.writeStateFile(dir, 'state', 'c');
  await storage.writer.publish(dir, {
    ...{ id, kind: 'checkpoint', trigger: 'periodic', format: 'canonical', jobId: GC_JOB, jobName: 'Other', jobFingerprint: 'g', operators: [] },
    ...{ toolVersion: 'test', triggeredAt: Date.now() - 10, completedAt: Date.now(), files: [file] },
  });
}

/** The error lines of a failed command: exactly one "Error:" line and nothing after it is a one-line refusal. */
function oneLine(r: RunResult): boolean {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  const at = lines.findIndex((l) => l.startsWith('Error: '));
  return at >= 0 && at === lines.length - 1;
}

/** The rounds on one store; the problems found (none expected). */
async function race(name: string, fresh: () => Promise<string>): Promise<string[]> {
  const started = Date.now();
  const base = await fresh();
  const root = `${base}/savepoints`;
  const checkpoints = `${base}/checkpoints`;
  const hosts = [host('host-a', root, checkpoints), host('host-b', root, checkpoints)];
  const f: Figures = {
    ...{ rounds: ROUNDS, processRounds: PROCESS_ROUNDS, restored: 0, restoreRefused: 0, disposed: 0, disposeRefused: 0, pruneRefused: 0 },
    ...{ gcRefused: 0, restoresFromDeleted: 0, halfDeletedListed: 0, multiLineRefusals: 0, leasesLeft: 0, seconds: 0 },
  };
  figures[name] = f;
  const problems: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const roundStarted = Date.now();
    const real = round < PROCESS_ROUNDS;
    const [restorer, deleter] = round % 2 === 0 ? hosts : [hosts[1], hosts[0]];
    await seedSavepoint(root);
    const newest = await seedSavepoint(root);
    await seedCheckpoint(checkpoints, round + 1);
    const out = path.join(work, `out-${name.slice(0, 2)}-${round}`);
    // Who starts first, and by how much, varies (seeded): a restore that went first holds its snapshot; a
    // disposal that went first leaves the restore a snapshot being disposed, or the one before it.
    const head = Math.floor(random() * 2500);
    const restoreFirst = random() < 0.5;
    const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const [restore, deleting] = await Promise.all([
      later(restoreFirst ? 0 : head).then(() =>
        run(restorer, ['-m', coordinator, 'restore', 'latest', '--from-job', JOB, '-d', COUNTER, '--out', out, '--sequence', '50', '--rate', '1000'], real),
      ),
      (async () => {
        await later(restoreFirst ? head : 0);
        const dispose = await run(deleter, [...UNREACHABLE, 'dispose', '--offline', newest], real);
        const [prune, gc] = await Promise.all([
          run(deleter, [...UNREACHABLE, 'savepoints', 'prune', '--job', JOB, '--keep', '3', '--offline'], real),
          run(restorer, [...UNREACHABLE, 'savepoints', 'gc', '--job', GC_JOB, '--min-age', '0', '--offline'], real),
        ]);
        return { dispose, prune, gc };
      })(),
    ]);
    // The restore: it started a job from a snapshot that was whole, or it was refused in one line.
    if (restore.exitCode === 0) {
      f.restored++;
      const jobId = JOB_RE.exec(restore.stdout)?.[1];
      const from = [...restore.stderr.matchAll(RESTORED_RE)].pop()?.[1]; // the last pick (it picks again after a disposal)
      if (!jobId || !from) problems.push(`round ${round}: restore said ${restore.stdout} ${restore.stderr}`);
      const state = await run(restorer, ['-m', coordinator, 'list', '-a', '--json'], false);
      const job = (JSON.parse(state.stdout).jobs as Array<{ id: string; state: string }>).find((j) => j.id === jobId);
      if (job?.state !== 'RUNNING' && job?.state !== 'FINISHED') {
        f.restoresFromDeleted++;
        problems.push(`round ${round}: the job restored from ${from} is ${job?.state}`);
      }
      if (jobId) await run(restorer, ['-m', coordinator, 'cancel', jobId], false);
    } else if (restore.exitCode === 7 || (restore.exitCode === 5 && /disposed meanwhile/.test(restore.stderr))) {
      f.restoreRefused++;
    } else {
      // Anything else is a restore that went ahead and met a snapshot being deleted (a file gone, a checksum).
      f.restoresFromDeleted++;
      problems.push(`round ${round}: restore exited ${restore.exitCode}: ${restore.stderr}`);
    }
    if (restore.exitCode !== 0 && !oneLine(restore)) f.multiLineRefusals++;
    const { dispose, prune, gc } = deleting;
    if (dispose.exitCode === 0) f.disposed++;
    else if (dispose.exitCode === 7) f.disposeRefused++;
    else problems.push(`round ${round}: dispose exited ${dispose.exitCode}: ${dispose.stderr}`);
    // A prune refused a disposal a restore holds: that savepoint stays, and the prune says so (exit 1, one line).
    if (prune.exitCode === 7 || (prune.exitCode === 1 && /a restore reads it/.test(prune.stderr))) f.pruneRefused++;
    else if (prune.exitCode !== 0 && prune.exitCode !== 8) problems.push(`round ${round}: prune exited ${prune.exitCode}: ${prune.stderr}`);
    if (gc.exitCode === 7) f.gcRefused++;
    else if (gc.exitCode !== 0) problems.push(`round ${round}: gc exited ${gc.exitCode}: ${gc.stderr}`);
    for (const r of [dispose, prune, gc]) if (r.exitCode !== 0 && r.exitCode !== 8 && !oneLine(r)) f.multiLineRefusals++;
    // Nothing half-deleted is listed as restorable; every lease is gone once its command ended.
    for (const entry of await storage.scan([root, checkpoints])) {
      if (entry.state !== 'complete') continue;
      const verified = await storage.verify(entry.path, 'full');
      if (verified.state !== 'complete') {
        f.halfDeletedListed++;
        problems.push(`round ${round}: ${entry.path} listed complete: ${JSON.stringify(verified)}`);
      }
    }
    const leases = (await listedKeys(root)).concat(await listedKeys(checkpoints)).filter((k) => k.includes('_flink-cli.'));
    f.leasesLeft += leases.length;
    if (leases.length > 0) problems.push(`round ${round}: leases left: ${leases.join(', ')}`);
    if (process.env.LEASE_DEBUG)
      process.stdout.write(
        `${name} round ${round} (${real ? 'processes' : 'in-process'}): ${Date.now() - roundStarted} ms, restore ${restore.exitCode} dispose ${deleting.dispose.exitCode} prune ${deleting.prune.exitCode} gc ${deleting.gc.exitCode}\n`,
      );
  }
  f.seconds = Math.round((Date.now() - started) / 1000);
  return problems;
}

it(`${ROUNDS} rounds on S3 and on Azure at once: restore latest against dispose, prune and gc, nothing restored from a snapshot being deleted`, async () => {
  const problems = await Promise.all([
    race('S3 (S3Mock)', () => freshBucket(s3.endpoint, 'lease-race')),
    race('Azure Blob (Azurite)', () => freshContainer(azurite.endpoint, 'lease-race')),
  ]);
  expect(problems.flat()).toEqual([]);
  for (const f of Object.values(figures)) {
    expect(f.restoresFromDeleted).toBe(0);
    expect(f.halfDeletedListed).toBe(0);
    expect(f.multiLineRefusals).toBe(0);
    expect(f.leasesLeft).toBe(0);
    // Both orders happened: restores that held their snapshot against a disposal, and disposals that went first.
    expect(f.restored).toBeGreaterThan(0);
    expect(f.disposeRefused).toBeGreaterThan(0);
    expect(f.disposed).toBeGreaterThan(0);
    expect(f.disposed + f.disposeRefused).toBe(ROUNDS);
  }
}, 1_200_000);

async function listedKeys(location: string): Promise<string[]> {
  const store = await storage.pool.at(location);
  const page = await store.list('', { delimiter: '/' });
  return page.objects.map((o) => o.key);
}
