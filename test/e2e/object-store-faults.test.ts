// bin/flink against S3 (S3Mock) and Azure Blob (Azurite) through a fault-injecting proxy (test/support/
// fault-proxy.ts): listings, dispose and prune under a seeded schedule of throttling, connection resets at
// every point, truncated listing pages and partial batch deletes; throttling that does not end; the server
// killed half-way through a disposal and started again. Whatever happens, each command either does what it
// says or fails with one line and exit 1, no snapshot is lost, and none is half-deleted while listed as
// restorable: the next dispose or prune finishes what an interrupted one began. And the local coordinator's
// create-only state files on S3 survive answers lost after the object was stored.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import { storageSettings } from '../../src/config/storage.js';
import { encodeMetadata, factsName, factsOf, FORMAT_VERSION } from '../../src/storage/metadata.js';
import { listAll, openStore, type ObjectStore } from '../../src/storage/object-store.js';
import { isBatchDelete, seededSchedule, startFaultProxy, type FaultKind, type FaultProxy, type Schedule } from '../support/fault-proxy.js';
import {
  azureConfigLines,
  freshBucket,
  freshContainer,
  s3ConfigLines,
  startAzurite,
  startS3Mock,
  type RunningServer,
  type ServerOptions,
} from '../support/object-stores.js';
import { savepointMetadata } from '../support/storage.js';
import { until } from '../support/until.js';
import { emptyDir, listedJobState, runFlink, startLocalCoordinator, type RunResult } from './helpers.js';

const JOB = 'fd72014d4c864993a2e5a9287b4a9c5d';
const NO_COORDINATOR = ['-m', '127.0.0.1:1'];
const FAST_RETRIES = ['s3.retry.interval: 5 ms', 'fs.azure.io.retry.backoff.interval: 5 ms'];
const STATE_FILES = ['state/op-0.bin', 'state/op-1.bin', 'state/op-2.bin'];

interface Flavour {
  name: string;
  kind: 's3' | 'azure';
  start(options: ServerOptions): Promise<RunningServer>;
  fresh(endpoint: string, name: string): Promise<string>;
  /** What finishes the interrupted disposal after the restart. */
  finisher: 'dispose' | 'prune';
  /** Where the server keeps its data (it survives a crash and a restart). */
  dataRoot: string;
  /** The running server (replaced when it is started again) and the proxy in front of it, for the whole file. */
  server?: RunningServer;
  proxy?: FaultProxy;
}

const flavours: Flavour[] = [
  { name: 'S3 (S3Mock)', kind: 's3', start: startS3Mock, fresh: freshBucket, finisher: 'dispose', dataRoot: mkdtempSync(path.join(tmpdir(), 'faults-s3-')) },
  {
    name: 'Azure Blob (Azurite)',
    kind: 'azure',
    start: startAzurite,
    fresh: freshContainer,
    finisher: 'prune',
    dataRoot: mkdtempSync(path.join(tmpdir(), 'faults-azure-')),
  },
];

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = await Promise.allSettled(flavours.map((f) => f.start({ root: f.dataRoot })));
  started.forEach((r, i) => {
    if (r.status === 'fulfilled') flavours[i].server = r.value;
  });
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  for (const flavour of flavours) flavour.proxy = await startFaultProxy(flavour.server!.endpoint, flavour.kind);
}, 240_000);
afterAll(async () => {
  for (const flavour of flavours) {
    countFaults(flavour.proxy);
    await flavour.proxy?.close();
  }
  await Promise.all(flavours.map((f) => f.server?.stop()));
  for (const flavour of flavours) rmSync(flavour.dataRoot, { recursive: true, force: true });
  process.stdout.write(`object-store faults through the CLI: ${JSON.stringify(figures)}\n`);
}, 60_000);

/** Figures of the whole run, for the README's reliability section. */
const figures = { commands: 0, succeeded: 0, refused: 0, injected: {} as Record<string, number>, retried: 0 };
function countFaults(proxy: FaultProxy | undefined): void {
  if (!proxy) return;
  for (const [kind, n] of Object.entries(proxy.injected())) figures.injected[kind] = (figures.injected[kind] ?? 0) + n;
  figures.retried += proxy.retried();
}

const sp = (n: number) => `savepoint-fd7201-${String(n).padStart(12, '0')}`;

/** One of our savepoints, as the coordinator publishes one (state files, then _metadata). */
async function putSavepoint(store: ObjectStore, name: string, id: number, files = STATE_FILES): Promise<void> {
  const entries = await Promise.all(
    files.map(async (file, i) => {
      const data = Buffer.from(`state ${i} of savepoint ${id} `.repeat(40));
      await store.write(`${name}/${file}`, data);
      return { name: file, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
    }),
  );
  const completedAt = 1_700_000_000_000 + id * 1000;
  const meta = savepointMetadata(id, entries, { jobId: JOB, triggeredAt: completedAt - 10, completedAt });
  const bytes = encodeMetadata({ formatVersion: FORMAT_VERSION, ...meta });
  // The facts a listing reads (kind, job, completion time, state files) beside _metadata, as the writer puts them.
  await store.write(`${name}/${factsName(factsOf(meta, bytes.length))}`, Buffer.alloc(0));
  await store.write(`${name}/_metadata`, bytes);
}

async function keysUnder(store: ObjectStore, prefix: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const page of listAll(store, prefix)) for (const o of page.objects) keys.add(o.key.slice(prefix.length));
  return keys;
}

type Condition = 'complete' | 'marked' | 'gone' | 'half-deleted';

/** What the store holds of one savepoint, looked at straight (no proxy). */
async function conditionOf(store: ObjectStore, name: string, files = STATE_FILES): Promise<Condition> {
  const keys = await keysUnder(store, `${name}/`);
  if (keys.size === 0) return 'gone';
  if (keys.has('_metadata')) return files.every((f) => keys.has(f)) ? 'complete' : 'half-deleted';
  return keys.has('_disposing') ? 'marked' : 'half-deleted';
}

/** A failed command says so in one line: one error line, no stack trace (notes and hints may come with it). */
function expectOneLineFailure(r: RunResult): void {
  expect(r.exitCode).toBe(1);
  expect(r.stderr.split('\n').filter((l) => /^Error/.test(l))).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** Prune's "nothing to do" (exit 8) is a success too: an earlier run already did it. */
const succeeded = (r: RunResult) => r.exitCode === 0 || r.exitCode === 8;

describe.each(flavours)('bin/flink on $name through a fault-injecting proxy', (flavour) => {
  let direct: ObjectStore;
  let root = '';
  let conf = '';
  const flink = (args: string[]): Promise<RunResult> => runFlink(['--config-dir', conf, ...NO_COORDINATOR, ...args]);
  const openDirect = async () => {
    const keys = flavour.kind === 's3' ? s3ConfigLines(flavour.server!.endpoint) : azureConfigLines(flavour.server!.endpoint);
    return openStore(
      `${root}/`,
      storageSettings(
        resolveConfig({ loaded: { source: 'none', files: [], entries: [], warnings: [] }, dynamic: keys.map((l) => l.replace(/^([^:]+): /, '$1=')) }),
      ),
    );
  };
  /** Runs a command under `schedule`, counting it in the figures. */
  const underFaults = async (schedule: Schedule | undefined, args: string[]): Promise<RunResult> => {
    const proxy = flavour.proxy!;
    proxy.schedule(schedule);
    try {
      const r = await flink(args);
      figures.commands++;
      if (succeeded(r)) figures.succeeded++;
      else figures.refused++;
      return r;
    } finally {
      proxy.schedule(undefined);
    }
  };

  beforeAll(async () => {
    root = await flavour.fresh(flavour.server!.endpoint, `faults-${flavour.kind}`);
    conf = emptyDir('conf-');
    const keys = flavour.kind === 's3' ? s3ConfigLines(flavour.proxy!.endpoint) : azureConfigLines(flavour.proxy!.endpoint);
    writeFileSync(path.join(conf, 'config.yaml'), [...keys, ...FAST_RETRIES, `state.savepoints.dir: ${root}/savepoints`, ''].join('\n'));
    direct = await openDirect();
  }, 60_000);
  afterAll(() => direct?.close());

  it('seeded faults over listings, disposals and prunes: each command does what it says or fails in one line; nothing lost or half-deleted', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `savepoints/${sp(i + 1)}`);
    for (const [i, name] of names.entries()) await putSavepoint(direct, name, i + 1);
    // Every kind of fault, at a rate that makes most commands meet several; a well-framed cut-off body only
    // where it is a listing page or a batch answer (an object's body cut short with a matching length is
    // something only a broken server sends: reads are checked against the listed sizes and checksums).
    const seeded = seededSchedule({ seed: 0x5eed + flavour.kind.length, rate: 0.3 });
    const schedule: Schedule = (r) => {
      const fault = seeded(r);
      const objectGet = r.method === 'GET' && !/[?&](list-type=2|comp=list)/.test(r.url);
      return fault && fault.kind === 'truncate' && objectGet ? { ...fault, kind: 'reset-response' as FaultKind } : fault;
    };
    const commandsBefore = { ...figures };
    const targeted = new Set<string>();
    const checkInvariants = async () => {
      for (const name of names) {
        const condition = await conditionOf(direct, name);
        expect({ name, condition }).not.toEqual({ name, condition: 'half-deleted' });
        if (!targeted.has(name)) expect({ name, condition }).toEqual({ name, condition: 'complete' }); // never lost
      }
    };
    const complete = async () => {
      const found: string[] = [];
      for (const name of names) if ((await conditionOf(direct, name)) === 'complete') found.push(`${root}/${name}`);
      return found.sort();
    };

    for (let round = 0; round < 3; round++) {
      // A listing under faults is the whole listing, or an error: never a shorter list.
      const listed = await underFaults(schedule, ['--json', 'savepoints', JOB, '--dir', `${root}/savepoints`]);
      if (listed.exitCode === 0) {
        const entries = JSON.parse(listed.stdout).snapshots as Array<{ path: string; state: string }>;
        expect(
          entries
            .filter((e) => e.state === 'complete')
            .map((e) => e.path)
            .sort(),
        ).toEqual(await complete());
      } else expectOneLineFailure(listed);

      const victim = names[round * 2];
      targeted.add(victim);
      const disposed = await underFaults(schedule, ['dispose', '--offline', `${root}/${victim}`]);
      if (disposed.exitCode === 0) expect(await conditionOf(direct, victim)).toBe('gone');
      else expectOneLineFailure(disposed);
      await checkInvariants();

      const keep = 8 - round * 2;
      const newest = names.slice(-keep);
      for (const name of names) if (!newest.includes(name)) targeted.add(name);
      const pruned = await underFaults(schedule, ['savepoints', 'prune', '--job', JOB, '--keep', String(keep), '--offline']);
      if (succeeded(pruned)) {
        for (const name of names)
          expect({ name, condition: await conditionOf(direct, name) }).toEqual({ name, condition: newest.includes(name) ? 'complete' : 'gone' });
      } else expectOneLineFailure(pruned);
      await checkInvariants();
    }
    // Without faults, the next prune finishes every disposal an interrupted command began.
    const finished = await underFaults(undefined, ['savepoints', 'prune', '--job', JOB, '--keep', '4', '--offline']);
    expect(succeeded(finished)).toBe(true);
    for (const name of names)
      expect({ name, condition: await conditionOf(direct, name) }).toEqual({ name, condition: names.slice(-4).includes(name) ? 'complete' : 'gone' });
    expect(Object.values(flavour.proxy!.injected()).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    // Retries carry nearly every command through (five attempts each request); a refusal is the rare exception.
    const ran = figures.commands - commandsBefore.commands;
    expect(figures.succeeded - commandsBefore.succeeded).toBeGreaterThanOrEqual(ran - 2);
  }, 300_000);

  it('throttling that does not end: dispose is refused in one line (exit 1), the snapshot stays intact; the next dispose finishes', async () => {
    const name = `savepoints/${sp(20)}`;
    await putSavepoint(direct, name, 20);
    const r = await underFaults((req) => (isBatchDelete(req) ? { kind: 'busy', at: 0 } : undefined), ['dispose', '--offline', `${root}/${name}`]);
    expectOneLineFailure(r);
    expect(r.stderr).toContain(`${root}/${name}`);
    expect(r.stderr).toMatch(flavour.kind === 's3' ? /SlowDown/ : /ServerBusy/);
    expect(r.stderr).toContain('gave up after 5 attempts');
    // The marker is written, _metadata was never deleted: intact, and listed as what it is.
    expect(await conditionOf(direct, name)).toBe('complete');
    const again = await underFaults(undefined, ['dispose', '--offline', `${root}/${name}`]);
    expect(again.exitCode).toBe(0);
    expect(await conditionOf(direct, name)).toBe('gone');
  }, 120_000);

  it(`the server killed half-way through a disposal: one line, the listing shows it unfinished (never restorable), and the next ${flavour.finisher} finishes it`, async () => {
    const name = `savepoints/${sp(30)}`;
    const files = Array.from({ length: 30 }, (_, i) => `state/op-${i}.bin`);
    await putSavepoint(direct, name, 30, files);
    await putSavepoint(direct, `savepoints/${sp(29)}`, 29);
    // The second batch delete of the disposal (the first deleted _metadata) finds the server dead.
    let batches = 0;
    const proxy = flavour.proxy!;
    proxy.onRequest(async (req) => {
      if (isBatchDelete(req) && ++batches === 2) await flavour.server!.crash!();
    });
    let r: RunResult;
    try {
      r = await underFaults(undefined, ['dispose', '--offline', `${root}/${name}`]);
    } finally {
      proxy.onRequest(undefined);
    }
    expectOneLineFailure(r);
    expect(r.stderr).toContain(root);

    flavour.server = await flavour.start({ root: flavour.dataRoot });
    proxy.retarget(flavour.server.endpoint);
    direct.close();
    direct = await openDirect();
    expect(await conditionOf(direct, name, files)).toBe('marked');

    const listed = await flink(['--json', 'savepoints', JOB, '--dir', `${root}/savepoints`, '--all']);
    expect(listed.exitCode).toBe(0);
    const entry = (JSON.parse(listed.stdout).snapshots as Array<{ path: string; state: string; problem?: string }>).find((e) => e.path === `${root}/${name}`);
    expect(entry).toMatchObject({ state: 'incomplete', problem: expect.stringContaining('a disposal started and did not finish') });
    const latest = await flink(['savepoints', JOB, '--latest', '--dir', `${root}/savepoints`]);
    expect(latest.stdout).toBe(`${root}/savepoints/${sp(29)}\n`);

    const finish =
      flavour.finisher === 'dispose'
        ? await flink(['dispose', '--offline', `${root}/${name}`])
        : await flink(['savepoints', 'prune', '--job', JOB, '--keep', '10', '--offline']);
    expect(finish.exitCode).toBe(0);
    expect(await conditionOf(direct, name, files)).toBe('gone');
    expect(await conditionOf(direct, `savepoints/${sp(29)}`)).toBe('complete');
  }, 300_000);
});

describe('the local coordinator writing to S3 through a proxy that loses answers after the object was stored', () => {
  const work = emptyDir('coordinator-faults-');
  const conf = path.join(work, 'conf');
  const s3 = flavours[0];
  let address = '';
  const flink = (args: string[]): Promise<RunResult> => runFlink(['--config-dir', conf, '-m', address, ...args], { cwd: work });

  beforeAll(async () => {
    const root = await freshBucket(s3.server!.endpoint, 'coordinator-faults');
    address = await startLocalCoordinator(conf, work, [
      `coordinator.dir: ${path.join(work, 'state')}`,
      `state.savepoints.dir: ${root}/savepoints`,
      `state.checkpoints.dir: ${root}/checkpoints`,
      ...s3ConfigLines(s3.proxy!.endpoint),
      ...FAST_RETRIES,
    ]);
  }, 240_000);
  afterAll(async () => {
    if (address) await flink(['cluster', 'stop']);
  }, 60_000);

  it('state files are written create-only; a create repeated after its answer was lost is the same write: the savepoint completes, whole', async () => {
    const out = path.join(work, 'out');
    const run = await flink(['run', '-d', path.resolve('fixtures/jobs/counter.ts'), '--out', out, '--sequence', '100000', '--rate', '400', '--users', '4']);
    expect(run.exitCode).toBe(0);
    const jobId = /JobID ([0-9a-f]{32})/.exec(run.stdout)![1];
    await until('RUNNING', async () => ((await listedJobState(flink, jobId)) === 'RUNNING' ? true : undefined));
    // Every second upload is stored, and its answer lost before the status line: the SDK sends it again.
    const proxy = s3.proxy!;
    const lostBefore = proxy.injected()['reset-response'];
    let puts = 0;
    proxy.schedule((req) => (req.method === 'PUT' && ++puts % 2 === 1 ? { kind: 'reset-response', at: 0.05 } : undefined));
    let r: RunResult;
    try {
      r = await flink(['savepoint', jobId]);
    } finally {
      proxy.schedule(undefined);
    }
    expect(proxy.injected()['reset-response']).toBeGreaterThan(lostBefore);
    expect(r.stderr).not.toContain('Already exists');
    expect(r.exitCode).toBe(0);
    const savepoint = /^Savepoint completed\. Path: (\S+)$/m.exec(r.stdout)![1];
    const listed = await flink(['savepoints', jobId, '--json']);
    expect((JSON.parse(listed.stdout).snapshots as Array<{ path: string; state: string }>).find((e) => e.path === savepoint)).toMatchObject({
      state: 'complete',
    });
    expect((await flink(['cancel', jobId])).exitCode).toBe(0);
  }, 180_000);
});
