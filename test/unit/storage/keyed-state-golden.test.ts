// The golden savepoints of real Flink 1.20.5 and 2.3.0 (fixtures/keyed-state/, written by the real-Flink suite's
// state job on the hashmap and RocksDB backends, with and without snapshot compression) decoded key by key to
// the values the job's rule gives, and summarised: every state of both operators, six keys each.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeFlinkMetadata } from '../../../src/storage/flink-metadata/index.js';
import { keyedOperators, lookupKey, summarizeOperator } from '../../../src/storage/keyed-state/reader.js';
import { StoreCache } from '../../../src/storage/keyed-state/source.js';
import { operatorIdForUid } from '../../../src/domain/operator-id.js';
import { expectedValues, flinkKeyGroup, OPERATORS, STATE_NAMES, TIMER_AT, type StateJobOperator } from '../../support/state-job.js';

const ROOT = path.resolve('fixtures/keyed-state');
const cases = readdirSync(ROOT).flatMap((version) => readdirSync(path.join(ROOT, version)).map((variant) => [version, variant] as const));
const settings = { s3: { pathStyle: false }, azure: { accountKey: () => undefined } };

function open(version: string, variant: string) {
  const dir = path.join(ROOT, version, variant);
  const metadata = decodeFlinkMetadata(readFileSync(path.join(dir, '_metadata')), { snapshotDir: dir });
  const byUid = (uid: StateJobOperator) => keyedOperators(metadata, dir).find((o) => o.id === operatorIdForUid(uid))!;
  return { byUid, stores: new StoreCache(settings) };
}

describe.each(cases)('golden savepoint of Flink %s, %s', (version, variant) => {
  const flink2 = !version.startsWith('1.');

  it.each(Object.keys(OPERATORS) as StateJobOperator[])('%s: every key decodes to what the job wrote, in its Flink key group', async (uid) => {
    const { byUid, stores } = open(version, variant);
    const op = byUid(uid);
    expect(op.maxParallelism).toBe(OPERATORS[uid].maxParallelism);
    for (const [index, key] of OPERATORS[uid].keys.entries()) {
      const { found, problems } = await lookupKey(op, stores, key);
      expect(problems).toEqual([]);
      const byState = new Map(found.map((f) => [f.state, f]));
      for (const [state, value] of Object.entries(expectedValues(uid, index, flink2))) expect([state, byState.get(state)?.value]).toEqual([state, value]);
      for (const f of found) expect([f.state, f.keyGroup]).toEqual([f.state, flinkKeyGroup(uid, key)]);
      expect(byState.get('ttl-count')?.value).toEqual({
        lastAccessTimestamp: expect.any(Number),
        value: 10 * (expectedValues(uid, index, flink2).count as number),
      });
      expect(byState.get('opaque')?.value).toEqual({ undecoded: 'Kryo (harness.StateJob$Opaque)', bytes: expect.stringMatching(/^[0-9a-f]+$/) });
      expect(byState.get('_timer_state/processing_user-timers')?.value).toEqual([{ timestamp: TIMER_AT, namespace: null }]);
      if (!flink2) expect(byState.get('basket')?.value).toEqual({ counts: { undecoded: 'Kryo (java.util.Map)', bytes: expect.any(String) } });
      expect(found.map((f) => f.key)).toEqual(found.map(() => (uid === 'by-long' && Number.isSafeInteger(Number(key)) ? Number(key) : key)));
    }
    stores.close();
  });

  it('summary: six keys and six entries in each state of each operator, on six key groups; serializers named', async () => {
    const { byUid, stores } = open(version, variant);
    for (const uid of Object.keys(OPERATORS) as StateJobOperator[]) {
      const report = await summarizeOperator(byUid(uid), stores, { top: 2 });
      expect(report.problems).toEqual([]);
      expect(report.compressed).toBe(variant.endsWith('snappy'));
      expect(report.keySerializer).toBe(uid === 'by-string' ? 'String' : 'Long');
      const byName = new Map(report.states.map((s) => [s.name, s]));
      for (const name of [...STATE_NAMES, '_timer_state/processing_user-timers']) {
        const s = byName.get(name)!;
        expect([name, s.keys, s.entries, s.keyGroupsUsed]).toEqual([name, 6, 6, 6]);
        expect(s.keyGroups.map((g) => g.keyGroup)).toEqual(OPERATORS[uid].keys.map((k) => flinkKeyGroup(uid, k)).sort((a, b) => a - b));
        expect(s.bytes).toBe(s.keyGroups.reduce((n, g) => n + g.bytes, 0));
      }
      expect(byName.get('_timer_state/event_user-timers')).toMatchObject({ entries: 0, keys: 0, skew: null });
      expect(byName.get('per-kind')!.serializers).toEqual({
        key: uid === 'by-string' ? 'String' : 'Long',
        namespace: 'VoidNamespace',
        userKey: 'String',
        value: 'Long',
      });
      expect(byName.get('history')!.serializers.value).toBe('String');
      expect(byName.get('average')!.serializers.value).toBe('Tuple2<Long, Long>');
      expect(byName.get('ttl-count')!.serializers.value).toBe('TTL<Long>');
      expect(byName.get('avro')!.serializers.value).toBe('Avro GenericRecord');
      expect(JSON.parse(byName.get('avro')!.avroSchema!)).toMatchObject({ type: 'record', name: 'Visit', namespace: 'harness' });
      expect(byName.get('profile')!.pojoFields!.map((f) => f.name)).toEqual(Object.keys(expectedValues(uid, 0, flink2).profile as object).sort());
      expect(byName.get('basket')!.pojoFields).toEqual(
        flink2
          ? [
              { name: 'counts', serializer: 'Nullable<Map<Nullable<String>, Integer>>' },
              { name: 'items', serializer: 'Nullable<List<Nullable<String>>>' },
            ]
          : [
              { name: 'counts', serializer: 'Kryo (java.util.Map)' },
              { name: 'items', serializer: 'Kryo (java.util.List)' },
            ],
      );
      expect(report.top).toHaveLength(2);
      expect(report.top![0].bytes).toBeGreaterThanOrEqual(report.top![1].bytes);
    }
    stores.close();
  });
});
