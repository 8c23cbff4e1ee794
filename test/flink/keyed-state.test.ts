// `flink savepoints state` and `diff` against real Apache Flink: one cluster per version runs the state job
// (job/harness/StateJob.java) four times at once — hashmap and RocksDB, with and without snapshot compression,
// set per job in its Configuration — takes a canonical savepoint of each, and decodes it key by key to the
// values the job's rule gives (test/support/state-job.ts). A native savepoint is refused with exit code 2.
// With RECORD_FIXTURES=1 the savepoints are copied to fixtures/keyed-state/<version>/<variant>/, the golden
// files of test/unit/storage/keyed-state-golden.test.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { operatorIdForUid } from '../../src/domain/operator-id.js';
import { decodeFlinkMetadata } from '../../src/storage/flink-metadata/index.js';
import { keyedOperators, lookupKey } from '../../src/storage/keyed-state/reader.js';
import { StoreCache } from '../../src/storage/keyed-state/source.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectedValues, flinkKeyGroup, OPERATORS, STATE_NAMES, TIMER_AT, type StateJobOperator } from '../support/state-job.js';
import { FlinkCluster, VERSIONS } from './harness/flink-cluster.js';
import { stateJobJar } from './harness/state-job.js';

const BIN = path.resolve('bin/flink');
const JOB_RE = /^Job has been submitted with JobID ([0-9a-f]{32})$/m;
const PATH_RE = /^Savepoint completed\. Path: (\S+)$/m;
const RECORD = process.env.RECORD_FIXTURES === '1';
const EVENTS = 40;
const VARIANTS = [
  { name: 'hashmap-plain', backend: 'hashmap', compressed: false },
  { name: 'hashmap-snappy', backend: 'hashmap', compressed: true },
  { name: 'rocksdb-plain', backend: 'rocksdb', compressed: false },
  { name: 'rocksdb-snappy', backend: 'rocksdb', compressed: true },
];

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
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

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const localPath = (pointer: string) => pointer.replace(/^file:(\/\/)?/, '/').replace(/^\/\/+/, '/');
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

describe.each(VERSIONS)('savepoints state against Apache Flink %s', (version) => {
  const flink2 = !version.startsWith('1.');
  const work = mkdtempSync(path.join(tmpdir(), `flink-state-${version}-`));
  let cluster: FlinkCluster;
  const savepoints = new Map<string, string>();
  let nativeSavepoint = '';

  beforeAll(async () => {
    const jar = await stateJobJar(version);
    cluster = await FlinkCluster.start(version, {
      dataDir: work,
      config: ['execution.checkpointing.data-inline-threshold: 0b', 'state.storage.fs.memory-threshold: 0b'],
    });
    // All four jobs at once (one slot each): submit, wait until every event is applied, savepoint, cancel.
    await Promise.all(
      VARIANTS.map(async (variant) => {
        const progress = path.join(work, `${variant.name}.txt`);
        const args = [variant.name, progress, variant.backend, variant.compressed ? 'compressed' : 'plain'];
        const submitted = await ours(['run', '-d', '-m', cluster.address, jar, ...args], work);
        expect(submitted.stderr).toBe('');
        const jobId = JOB_RE.exec(submitted.stdout)![1];
        await until(`${variant.name}: all events applied`, async () => (lines(progress) >= 2 * EVENTS ? true : undefined));
        const taken = await ours(['savepoint', jobId, path.join(work, 'sp', variant.name), '-m', cluster.address], work);
        expect(taken.exitCode).toBe(0);
        savepoints.set(variant.name, localPath(PATH_RE.exec(taken.stdout)![1]));
        if (variant.name === 'rocksdb-plain') {
          const native = await ours(['savepoint', jobId, path.join(work, 'sp-native'), '-type', 'native', '-m', cluster.address], work);
          expect(native.exitCode).toBe(0);
          nativeSavepoint = localPath(PATH_RE.exec(native.stdout)![1]);
        }
        expect((await ours(['cancel', jobId, '-m', cluster.address], work)).exitCode).toBe(0);
        if (RECORD) {
          const target = path.resolve('fixtures/keyed-state', version, variant.name);
          rmSync(target, { recursive: true, force: true });
          cpSync(savepoints.get(variant.name)!, target, { recursive: true });
        }
      }),
    );
  }, 10 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it.each(VARIANTS.map((v) => v.name))('%s: every key of both operators decodes to what the job wrote', async (variant) => {
    const dir = savepoints.get(variant)!;
    // Every key through the reader in-process (as `--key` reads it), one key and the summary through the CLI.
    const metadata = decodeFlinkMetadata(readFileSync(path.join(dir, '_metadata')), { snapshotDir: dir });
    const stores = new StoreCache({ s3: { pathStyle: false }, azure: { accountKey: () => undefined } });
    for (const operator of Object.keys(OPERATORS) as StateJobOperator[]) {
      const op = keyedOperators(metadata, dir).find((o) => o.id === operatorIdForUid(operator))!;
      for (const [index, key] of OPERATORS[operator].keys.entries()) {
        const { found, problems } = await lookupKey(op, stores, key);
        expect(problems).toEqual([]);
        const byState = new Map(found.map((s) => [s.state, s]));
        const expected = expectedValues(operator, index, flink2);
        for (const [state, value] of Object.entries(expected)) expect([state, byState.get(state)?.value]).toEqual([state, value]);
        for (const state of STATE_NAMES) expect(byState.get(state)?.keyGroup).toBe(flinkKeyGroup(operator, key));
        expect(byState.get('ttl-count')?.value).toEqual({ value: (expected.count as number) * 10, lastAccessTimestamp: expect.any(Number) });
        expect(byState.get('opaque')?.value).toMatchObject({ undecoded: expect.stringContaining('Kryo') });
        expect(byState.get('_timer_state/processing_user-timers')?.value).toEqual([{ timestamp: TIMER_AT, namespace: null }]);
      }
    }
    stores.close();
    const run = await ours(['savepoints', 'state', dir, '--uid', 'by-long', '--key', '9007199254740993', '--json'], work);
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    const doc = JSON.parse(run.stdout) as { states: Array<{ uid: string; state: string; value: unknown }> };
    expect(doc.states.find((s) => s.state === 'profile')).toMatchObject({ uid: 'by-long', value: expectedValues('by-long', 4, flink2).profile });
    const summary = await ours(['savepoints', 'state', dir, '--uid', 'by-string', '--uid', 'by-long', '--json'], work); // 1.20's _metadata names no uids
    expect([summary.exitCode, summary.stderr]).toEqual([0, '']);
    const report = JSON.parse(summary.stdout) as {
      operators: Array<{ uid: string; compressed: boolean; states: Array<{ name: string; keys: number; entries: number }> }>;
    };
    expect(report.operators.map((o) => [o.uid, o.compressed]).sort()).toEqual([
      ['by-long', variant.endsWith('snappy')],
      ['by-string', variant.endsWith('snappy')],
    ]);
    for (const o of report.operators) for (const name of STATE_NAMES) expect(o.states.find((s) => s.name === name)).toMatchObject({ keys: 6, entries: 6 });
  });

  it('a native savepoint holds RocksDB files: one line, exit code 2', async () => {
    const run = await ours(['savepoints', 'state', nativeSavepoint], work);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/canonical/);
  });
});
