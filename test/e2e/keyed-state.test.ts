// `flink savepoints state` and `diff` as a user runs them: golden savepoints of real Flink (fixtures/keyed-state/),
// a native savepoint and a hashmap checkpoint (refused, exit 2), and the local coordinator's own keyed state,
// written by the runtime's keyed-state backend.
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { KeyedStateBackend } from '../../src/runtime/keyed-state.js';
import { keyGroupOf, keyText } from '../../src/runtime/key-groups.js';
import { localStorage } from '../support/storage.js';
import { emptyDir, fixture, runFlink } from './helpers.js';

const SP = (version: string, variant: string) => fixture('keyed-state', version, variant);
const NO_CLUSTER = ['-m', '127.0.0.1:1'];

interface StateDoc {
  path: string;
  origin: string;
  operators: Array<{
    uid: string | null;
    compressed: boolean;
    top?: Array<{ key: unknown; bytes: number }>;
    states: Array<{ name: string; kind: string; keys: number; entries: number; skew: number; keyGroups: unknown[] }>;
  }>;
}

describe('savepoints state on golden Flink savepoints', () => {
  it('summary as JSON: operators by uid, states with keys, entries, key groups; --state and --top select', async () => {
    const r = await runFlink([
      'savepoints',
      'state',
      SP('2.3.0', 'rocksdb-snappy'),
      '--json',
      '--state',
      'count',
      '--state',
      'profile',
      '--top',
      '2',
      ...NO_CLUSTER,
    ]);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const doc = JSON.parse(r.stdout) as StateDoc & { version: number };
    expect(doc).toMatchObject({ version: 1, origin: 'flink', path: SP('2.3.0', 'rocksdb-snappy') });
    expect(doc.operators.map((o) => o.uid).sort()).toEqual(['by-long', 'by-string']);
    for (const op of doc.operators) {
      expect(op.compressed).toBe(true);
      expect(op.states.map((s) => [s.name, s.kind, s.keys, s.entries, s.keyGroups.length])).toEqual([
        ['count', 'VALUE', 6, 6, 6],
        ['profile', 'VALUE', 6, 6, 6],
      ]);
      expect(op.top).toHaveLength(2);
    }
  });

  it('piped: tab-separated lines, no histogram; on --human a histogram column', async () => {
    const plain = await runFlink(['savepoints', 'state', SP('1.20.5', 'hashmap-plain'), '--uid', 'by-string', '--state', 'count', ...NO_CLUSTER]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toContain('Operator by-string (43c502db369b106061a4c7c72c012f5f): key String, parallelism 1, max parallelism 128, 1 file(s)');
    expect(plain.stdout).toMatch(/^count\tVALUE\t6\t6\t150\t6\/128\t25\.6\tLong$/m);
    const human = await runFlink(['savepoints', 'state', SP('1.20.5', 'hashmap-plain'), '--uid', 'by-string', '--state', 'count', '--human', ...NO_CLUSTER]);
    expect(human.stdout).toMatch(/SPREAD/);
    expect(human.stdout).toMatch(/[▁▂▃▄▅▆▇█]/);
  });

  it('--key: the decoded value of each selected state; an unknown key is exit 5, a key of the wrong type exit 2', async () => {
    const r = await runFlink([
      'savepoints',
      'state',
      SP('1.20.5', 'rocksdb-snappy'),
      '--uid',
      'by-string',
      '--key',
      'ключ-ü',
      '--state',
      'per-kind',
      '--state',
      'history',
      '--json',
      ...NO_CLUSTER,
    ]);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const doc = JSON.parse(r.stdout) as { key: string; states: Array<{ uid: string; state: string; value: unknown; keyGroup: number }> };
    expect(doc.key).toBe('ключ-ü');
    expect(doc.states.map((s) => [s.uid, s.state, s.value])).toEqual([
      ['by-string', 'per-kind', { a: 147 }],
      ['by-string', 'history', ['e3', 'e9', 'e15', 'e21', 'e27', 'e33', 'e39']],
    ]);
    const missing = await runFlink(['savepoints', 'state', SP('1.20.5', 'rocksdb-snappy'), '--uid', 'by-string', '--key', 'nobody', ...NO_CLUSTER]);
    expect(missing.exitCode).toBe(5);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const wrongType = await runFlink(['savepoints', 'state', SP('1.20.5', 'rocksdb-snappy'), '--uid', 'by-long', '--key', 'user-1', ...NO_CLUSTER]);
    expect(wrongType.exitCode).toBe(2);
    expect(wrongType.stderr).toContain("Key 'user-1' is not a Long");
    const badTop = await runFlink(['savepoints', 'state', SP('1.20.5', 'rocksdb-snappy'), '--top', '0', ...NO_CLUSTER]);
    expect(badTop.exitCode).toBe(2);
  });

  it('--operator selects by id; an id or uid that matches nothing is warned about; nothing selected is exit 5', async () => {
    const byLong = '3ffbd17d44a5df52af31dfcc7200cd35';
    const r = await runFlink([
      'savepoints',
      'state',
      SP('2.3.0', 'rocksdb-plain'),
      '--operator',
      byLong,
      '--uid',
      'nope',
      '--state',
      'sum',
      '--json',
      ...NO_CLUSTER,
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("No operator with keyed state has uid 'nope'");
    expect((JSON.parse(r.stdout) as StateDoc).operators.map((o) => [o.uid, o.states.map((s) => s.name)])).toEqual([['by-long', ['sum']]]);
    const none = await runFlink(['savepoints', 'state', SP('2.3.0', 'rocksdb-plain'), '--uid', 'nope', ...NO_CLUSTER]);
    expect(none.exitCode).toBe(5);
    const bad = await runFlink(['savepoints', 'state', SP('2.3.0', 'rocksdb-plain'), '--operator', 'xyz', ...NO_CLUSTER]);
    expect(bad.exitCode).toBe(2);
  });

  it.each([
    ['2.3.0', 'savepoint-native', /hashmap backend's native format/],
    ['1.20.5', 'checkpoint-rocksdb-incremental', /RocksDB's own files/],
    ['1.20.5', 'checkpoint-hashmap', /hashmap backend's native format/],
  ])('Flink %s %s: refused in one line naming a canonical savepoint, exit code 2', async (version, name, what) => {
    const r = await runFlink(['savepoints', 'state', fixture('flink-metadata', version, name), ...NO_CLUSTER]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(what);
    expect(r.stderr).toContain('take a canonical savepoint');
  });

  it('diff: 1.20.5 against 2.3.0 names the POJO whose fields changed serializers; --keys counts changed keys', async () => {
    const r = await runFlink(['savepoints', 'diff', SP('1.20.5', 'hashmap-plain'), SP('2.3.0', 'hashmap-plain'), '--keys', '--json', ...NO_CLUSTER]);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const doc = JSON.parse(r.stdout) as {
      operators: Array<{
        uid: string;
        change: string;
        states: Array<{ name: string; change: string; serializers: Array<{ role: string }> }>;
        keys: Record<string, unknown>;
      }>;
    };
    const byString = doc.operators.find((o) => o.uid === 'by-string')!;
    expect(byString.change).toBe('present');
    const basket = byString.states.find((s) => s.name === 'basket')!;
    expect(basket.change).toBe('changed');
    expect(basket.serializers.map((s) => s.role)).toEqual(['value fields']);
    expect(byString.states.find((s) => s.name === 'count')!.change).toBe('unchanged');
    // Every key's basket (Kryo → Flink's collection serializers) and TTL timestamp differ between the two runs.
    expect(byString.keys).toMatchObject({ added: 0, removed: 0, changed: 6, unchanged: 0 });
    const same = await runFlink(['savepoints', 'diff', SP('2.3.0', 'rocksdb-plain'), SP('2.3.0', 'rocksdb-plain'), '--keys', ...NO_CLUSTER]);
    expect(same.exitCode).toBe(0);
    expect(same.stdout).toContain('keys: 0 added, 0 removed, 0 changed, 6 unchanged');
  });
});

/** Our snapshot with keyed state the runtime's backend wrote: value state "count" and map state "seen". */
async function ourSnapshot(keys: Record<string, number>): Promise<string> {
  const backend = new KeyedStateBackend({ start: 0, end: 127 }, 128, 'counter');
  const count = backend.valueState<number>('count', 0);
  const seen = backend.mapState<string, number>('seen');
  for (const [key, n] of Object.entries(keys)) {
    const text = keyText(key);
    backend.setCurrentKey(key, text, keyGroupOf(text, 128));
    count.update(n);
    seen.put('a', n);
    seen.put('b', n * 2);
  }
  const { chunks, entries } = backend.snapshotChunks();
  const dir = await localStorage.writer.createSavepoint(emptyDir('ours-'), 'fd72014d4c864993a2e5a9287b4a9c5d');
  const file = await localStorage.writer.writeStateFile(
    dir,
    'counter-0.keyed.jsonl',
    (async function* () {
      yield* chunks;
    })(),
  );
  await localStorage.writer.publish(dir, {
    id: 3,
    kind: 'savepoint',
    trigger: 'manual',
    format: 'canonical',
    jobId: 'fd72014d4c864993a2e5a9287b4a9c5d',
    jobName: 'Event counter',
    jobFingerprint: 'f',
    operators: [
      {
        uid: 'counter',
        parallelism: 1,
        maxParallelism: 128,
        state: { format: 'flink-ts-operator-state', version: 1, subtasks: [{ index: 0, kind: 'keyed', keyGroups: [0, 127], file: file.name, entries }] },
      },
    ],
    toolVersion: '0.1.0',
    triggeredAt: 1,
    completedAt: 2,
    files: [file],
  });
  return dir;
}

describe("the local coordinator's keyed state", () => {
  it('summary, --key and diff --keys in the same model as Flink savepoints', async () => {
    const a = await ourSnapshot({ 'user-1': 1, 'user-2': 2, 'user-3': 3 });
    const b = await ourSnapshot({ 'user-1': 1, 'user-2': 20, 'user-4': 4 });
    const r = await runFlink(['savepoints', 'state', a, '--json', '--top', '1', ...NO_CLUSTER]);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const doc = JSON.parse(r.stdout) as StateDoc;
    expect(doc.origin).toBe('ours');
    expect(doc.operators[0].uid).toBe('counter');
    expect(doc.operators[0].states.map((s) => [s.name, s.kind, s.keys, s.entries])).toEqual([
      ['count', 'VALUE', 3, 3],
      ['seen', 'MAP', 3, 6],
    ]);
    expect(doc.operators[0].top).toHaveLength(1);
    const key = await runFlink(['savepoints', 'state', a, '--key', 'user-2', '--json', ...NO_CLUSTER]);
    const found = JSON.parse(key.stdout) as { states: Array<{ state: string; value: unknown; keyGroup: number }> };
    expect(found.states.map((s) => [s.state, s.value, s.keyGroup])).toEqual([
      ['count', 2, keyGroupOf(keyText('user-2'), 128)],
      ['seen', { a: 2, b: 4 }, keyGroupOf(keyText('user-2'), 128)],
    ]);
    const diff = await runFlink(['savepoints', 'diff', a, b, '--keys', '--json', ...NO_CLUSTER]);
    expect([diff.exitCode, diff.stderr]).toEqual([0, '']);
    const keys = (
      JSON.parse(diff.stdout) as {
        operators: Array<{ keys: { added: number; removed: number; changed: number; unchanged: number; samples: Record<string, unknown[]> } }>;
      }
    ).operators[0].keys;
    expect(keys).toMatchObject({ added: 1, removed: 1, changed: 1, unchanged: 1, samples: { added: ['user-4'], removed: ['user-3'], changed: ['user-2'] } });
    expect(path.isAbsolute(a)).toBe(true);
  });
});
