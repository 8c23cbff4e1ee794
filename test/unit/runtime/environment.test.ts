import { describe, expect, test } from '@jest/globals';
import type { StreamExecutionEnvironment } from '../../../src/runtime/api.js';
import { Environment, type BuiltJob } from '../../../src/runtime/environment.js';

function build(define: (env: StreamExecutionEnvironment) => void, parallelism?: number): BuiltJob {
  const env = new Environment({ parallelism });
  define(env);
  void env.execute('test job');
  return env.result!;
}

const counter =
  (uidSuffix = '') =>
  (env: StreamExecutionEnvironment) => {
    env
      .fromSequence(1, 10)
      .uid('src' + uidSuffix)
      .map((n) => n * 2)
      .uid('double')
      .keyBy((n) => n % 3)
      .process<number>({ processElement: (n, _ctx, out) => out.collect(n) })
      .uid('proc')
      .setParallelism(4)
      .sinkToFile('/tmp/out')
      .uid('sink');
  };

describe('Environment (build phase)', () => {
  test('builds operators with uids, parallelism and edges', () => {
    const { plan } = build(counter(), 2);
    expect(plan.jobName).toBe('test job');
    expect(plan.maxParallelism).toBe(128);
    expect(plan.operators.map((o) => [o.uid, o.kind, o.parallelism, o.inputs, o.stateKind])).toEqual([
      ['src', 'sequence-source', 2, [], 'source'],
      ['double', 'map', 2, [{ from: 0, partitioning: 'forward' }], null],
      ['proc', 'keyed-process', 4, [{ from: 1, partitioning: 'hash' }], 'keyed'],
      ['sink', 'file-sink', 2, [{ from: 2, partitioning: 'rebalance' }], 'file-sink'],
    ]);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan); // serialisable
  });

  test('the fingerprint depends on the graph and uids, not on parallelism, names or code', () => {
    const a = build(counter(), 1).plan.fingerprint;
    expect(build(counter(), 3).plan.fingerprint).toBe(a);
    expect(
      build((env) => {
        counter()(env);
      }, 1).plan.fingerprint,
    ).toBe(a);
    expect(build(counter('-v2'), 1).plan.fingerprint).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  test('operators without uid get a generated one derived from the graph', () => {
    const { plan } = build((env) =>
      env
        .fromSequence(1, 2)
        .map((n) => n)
        .print(),
    );
    expect(plan.operators.every((o) => o.uidGenerated && o.uid.startsWith('auto-'))).toBe(true);
    expect(new Set(plan.operators.map((o) => o.uid)).size).toBe(3);
  });

  test('a different parallelism downstream rebalances', () => {
    const { plan } = build((env) =>
      env
        .fromSequence(1, 2)
        .setParallelism(1)
        .map((n) => n)
        .setParallelism(3)
        .print(),
    );
    expect(plan.operators[1].inputs).toEqual([{ from: 0, partitioning: 'rebalance' }]);
  });

  test('checkpoint configuration (FLIP-10) is stored in the plan', () => {
    const { plan } = build((env) => {
      env.enableCheckpointing(5000).enablePersistentCheckpoints('/ckpts');
      env.getCheckpointConfig().enablePeriodicSavepoints(2, 'MINUTES', '/sp').setMaximumNumberOfRetainedPeriodicSavepoints(3);
      env.fromSequence(1).print();
    });
    expect(plan.checkpointConfig).toEqual({
      checkpointIntervalMs: 5000,
      persistentCheckpoints: { enabled: true, path: '/ckpts' },
      periodicSavepoints: { enabled: true, intervalMs: 120_000, path: '/sp', maxRetained: 3 },
    });
    const off = build((env) => {
      const config = env.getCheckpointConfig();
      config.enablePersistentCheckpoints('/x').disablePersistentCheckpoints();
      config.enablePeriodicSavepoints(1, 'SECONDS').disablePeriodicSavepoints();
      env.fromSequence(1).print();
    }).plan.checkpointConfig;
    expect(off).toEqual({ persistentCheckpoints: { enabled: false }, periodicSavepoints: { enabled: false } });
  });

  test('invalid settings and graphs are refused', () => {
    const env = new Environment();
    expect(() => env.enableCheckpointing(0)).toThrow(/positive integer/);
    expect(() => env.getCheckpointConfig().enablePeriodicSavepoints(1, 'WEEKS' as never)).toThrow(/unknown time unit/);
    expect(() => env.setMaxParallelism(0)).toThrow(/max parallelism/);
    expect(() => build((e) => e.fromSequence(1, 2).map((n) => n))).toThrow(/no sink/);
    expect(() =>
      build((e) =>
        e
          .fromSequence(1, 2)
          .uid('x')
          .map((n) => n)
          .uid('x')
          .print(),
      ),
    ).toThrow(/uid "x" is used by more than one/);
    expect(() =>
      build((e) => {
        e.setMaxParallelism(4);
        e.fromSequence(1, 2).setParallelism(5).print();
      }),
    ).toThrow(/parallelism must be/);
    void env.fromSequence(1).print();
    void env.execute();
    expect(() => env.fromSequence(1)).toThrow(/already executed/);
  });
});
