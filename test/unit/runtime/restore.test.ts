import { describe, expect, test } from '@jest/globals';
import { OperationError } from '../../../src/domain/errors.js';
import type { StreamExecutionEnvironment } from '../../../src/runtime/api.js';
import { Environment } from '../../../src/runtime/environment.js';
import type { OperatorState } from '../../../src/runtime/protocol.js';
import { planRestore } from '../../../src/runtime/restore.js';
import type { OperatorSnapshotInfo } from '../../../src/storage/index.js';

function plan(define: (env: StreamExecutionEnvironment) => void, parallelism = 1) {
  const env = new Environment({ parallelism });
  define(env);
  void env.execute();
  return env.result!.plan;
}

const job =
  (procUid = 'proc') =>
  (env: StreamExecutionEnvironment) =>
    env
      .fromSequence(0)
      .uid('src')
      .keyBy((n) => n)
      .process({ processElement: () => undefined })
      .uid(procUid)
      .sinkToFile('/o')
      .uid('sink');

function state(kind: OperatorState['kind'], subtasks: OperatorState['subtasks']): OperatorState {
  return { format: 'flink-ts-operator-state', version: 1, kind, subtasks };
}

const snapshot: OperatorSnapshotInfo[] = [
  {
    uid: 'src',
    parallelism: 2,
    maxParallelism: 128,
    state: state('source', [
      { index: 0, kind: 'source', splits: [{ type: 'sequence', next: 10, step: 2 }] },
      { index: 1, kind: 'source', splits: [{ type: 'sequence', next: 11, step: 2 }] },
    ]),
  },
  {
    uid: 'proc',
    parallelism: 2,
    maxParallelism: 128,
    state: state('keyed', [
      { index: 0, kind: 'keyed', keyGroups: [0, 63], file: 'a.jsonl', entries: 5 },
      { index: 1, kind: 'keyed', keyGroups: [64, 127], file: 'b.jsonl', entries: 5 },
    ]),
  },
  {
    uid: 'sink',
    parallelism: 2,
    maxParallelism: 128,
    state: state('file-sink', [
      { index: 0, kind: 'file-sink', pending: ['.part-x-0-0.inprogress'] },
      { index: 1, kind: 'file-sink', pending: [] },
    ]),
  },
];

describe('planRestore', () => {
  test('matches by uid and redistributes to a new parallelism', () => {
    const result = planRestore(plan(job(), 3), snapshot, false);
    expect(result.restored).toEqual(['src', 'proc', 'sink']);
    expect(result.operators[0]).toEqual({
      kind: 'source',
      perSubtask: [[{ type: 'sequence', next: 10, step: 2 }], [{ type: 'sequence', next: 11, step: 2 }], []],
    });
    // Subtask ranges of 3: [0,42] [43,85] [86,127]: the middle one overlaps both old files.
    expect(result.operators[1]).toEqual({ kind: 'keyed', perSubtask: [['a.jsonl'], ['a.jsonl', 'b.jsonl'], ['b.jsonl']] });
    expect(result.operators[2]).toEqual({ kind: 'file-sink', perSubtask: [['.part-x-0-0.inprogress'], [], []] });
  });

  test('state whose uid is gone is an error unless allowNonRestoredState', () => {
    const changed = plan(job('proc-v2'));
    expect(() => planRestore(changed, snapshot, false)).toThrow(OperationError);
    expect(() => planRestore(changed, snapshot, false)).toThrow(/uid "proc" that the job no longer has/);
    const result = planRestore(changed, snapshot, true);
    expect(result.notRestored).toEqual(['proc']);
    expect(result.restored).toEqual(['src', 'sink']);
  });

  test('operators without state in the snapshot never block a restore', () => {
    const stateless: OperatorSnapshotInfo[] = [...snapshot, { uid: 'gone-map', parallelism: 1, maxParallelism: 128 }];
    expect(() => planRestore(plan(job()), stateless, false)).not.toThrow();
  });

  test('a uid now naming a different kind of operator is refused', () => {
    const swapped = plan((env) => env.fromSequence(0).uid('proc').print().uid('sink2'));
    expect(() => planRestore(swapped, [snapshot[1]], false)).toThrow(/holds keyed state in the snapshot but is now a sequence-source/);
  });

  test('keyed state needs the same max parallelism', () => {
    const other = plan((env) => {
      env.setMaxParallelism(64);
      job()(env);
    });
    expect(() => planRestore(other, snapshot, false)).toThrow(/max parallelism 128 but the job now has 64/);
  });
});
