// The pure lifecycle rules, with plain arrays and explicit times (no clock, no I/O).
import { describe, expect, it } from '@jest/globals';
import {
  addAndSubsume,
  discardOnJobEnd,
  enqueue,
  nextRequest,
  retainPeriodicSavepoints,
  type SnapshotRecord,
  type TriggerRequest,
} from '../../../src/coordinator/policies.js';
import {
  forCancelWithSavepoint,
  forCheckpoint,
  forManualSavepoint,
  forPeriodicSavepoint,
  forRestoredSnapshot,
  forStopWithSavepoint,
  shouldDiscardOnJobEnd,
  type EndStatus,
  type SnapshotProperties,
} from '../../../src/domain/snapshot-properties.js';

const rec = (id: number, properties: SnapshotProperties, completedAt = id * 1000): SnapshotRecord => ({ id, pointer: `/s/${id}`, properties, completedAt });
const ckpt = (id: number) => rec(id, forCheckpoint({ persistent: false }));
const persistent = (id: number) => rec(id, forCheckpoint({ persistent: true }));

describe('discard on job end, by properties', () => {
  const table: Array<[string, SnapshotProperties, Record<EndStatus, boolean>]> = [
    ['checkpoint', forCheckpoint({ persistent: false }), { FINISHED: true, CANCELED: true, FAILED: true, SUSPENDED: false }],
    ['persistent checkpoint', forCheckpoint({ persistent: true }), { FINISHED: false, CANCELED: false, FAILED: false, SUSPENDED: false }],
    ['periodic savepoint', forPeriodicSavepoint(), { FINISHED: false, CANCELED: false, FAILED: false, SUSPENDED: false }],
    ['manual savepoint', forManualSavepoint(), { FINISHED: false, CANCELED: false, FAILED: false, SUSPENDED: false }],
    ['stop-with-savepoint', forStopWithSavepoint({ drain: true }), { FINISHED: false, CANCELED: false, FAILED: false, SUSPENDED: false }],
    ['cancel-with-savepoint', forCancelWithSavepoint(), { FINISHED: false, CANCELED: false, FAILED: false, SUSPENDED: false }],
  ];
  it.each(table)('%s', (_name, properties, expected) => {
    for (const status of ['FINISHED', 'CANCELED', 'FAILED', 'SUSPENDED'] as EndStatus[])
      expect([status, shouldDiscardOnJobEnd(properties, status)]).toEqual([status, expected[status]]);
  });

  it('a failing job keeps its persistent checkpoint and its savepoints, and loses plain checkpoints', () => {
    const all = [ckpt(1), persistent(2), rec(3, forManualSavepoint()), rec(4, forPeriodicSavepoint())];
    expect(discardOnJobEnd(all, 'FAILED').map((r) => r.id)).toEqual([1]);
  });
});

describe('completed checkpoint store (bounded FIFO)', () => {
  it('keeps the newest num-retained and discards the subsumed ones', () => {
    let store: SnapshotRecord[] = [];
    const discarded: number[] = [];
    for (let id = 1; id <= 5; id++) {
      const plan = addAndSubsume(store, ckpt(id), 2);
      store = plan.retained;
      discarded.push(...plan.discard.map((r) => r.id));
    }
    expect(store.map((r) => r.id)).toEqual([4, 5]);
    expect(discarded).toEqual([1, 2, 3]);
  });

  it('persistent checkpoints are subsumed like regular ones (FLIP-10)', () => {
    const plan = addAndSubsume([persistent(1)], persistent(2), 1);
    expect([plan.retained.map((r) => r.id), plan.discard.map((r) => r.id)]).toEqual([[2], [1]]);
  });

  it('a restored snapshot in NO_CLAIM mode is never discarded; in CLAIM mode it is subsumed and discarded', () => {
    const noClaim = rec(7, forRestoredSnapshot(forManualSavepoint(), 'NO_CLAIM'), 0);
    expect(addAndSubsume([noClaim], ckpt(1), 1)).toMatchObject({ removed: [noClaim], discard: [] });
    const claim = rec(7, forRestoredSnapshot(forManualSavepoint(), 'CLAIM'), 0);
    expect(addAndSubsume([claim], ckpt(1), 1).discard).toEqual([claim]);
  });

  it('orders by completion time, not id (ids restart after a restore)', () => {
    const plan = addAndSubsume([rec(9, forCheckpoint({ persistent: false }), 100)], rec(1, forCheckpoint({ persistent: false }), 200), 1);
    expect(plan.retained.map((r) => r.id)).toEqual([1]);
  });

  it('num-retained below 1 still keeps the newest', () => {
    expect(addAndSubsume([ckpt(1)], ckpt(2), 0).retained.map((r) => r.id)).toEqual([2]);
  });
});

describe('periodic savepoints (bounded, FLIP-10)', () => {
  it('disposes the oldest periodic savepoint once a newer one completed beyond the maximum', () => {
    const periodic = [1, 2, 3].map((id) => rec(id, forPeriodicSavepoint()));
    const plan = retainPeriodicSavepoints(periodic, rec(4, forPeriodicSavepoint()), 3);
    expect([plan.retained.map((r) => r.id), plan.discard.map((r) => r.id)]).toEqual([[2, 3, 4], [1]]);
  });

  it('never disposes the newest, even with a maximum of 0', () => {
    expect(retainPeriodicSavepoints([], rec(1, forPeriodicSavepoint()), 0).discard).toEqual([]);
  });

  it('manual savepoints are never disposed automatically', () => {
    const manual = rec(1, forManualSavepoint());
    const plan = retainPeriodicSavepoints([manual], rec(2, forPeriodicSavepoint()), 1);
    expect(plan.discard).toEqual([]);
  });
});

describe('trigger requests', () => {
  const req = (key: string, properties: SnapshotProperties, requestedAt: number): TriggerRequest => ({ key, properties, requestedAt });
  const periodicCkpt = (t: number) => req(`c${t}`, forCheckpoint({ persistent: false }), t);

  it('savepoints before checkpoints; stop/cancel before manual before periodic; oldest first within a group', () => {
    let queue: TriggerRequest[] = [];
    for (const r of [
      periodicCkpt(1),
      req('periodic-sp', forPeriodicSavepoint(), 2),
      req('manual-sp', forManualSavepoint(), 3),
      req('stop', forStopWithSavepoint({ drain: false }), 4),
      req('manual-ck', forCheckpoint({ persistent: false, trigger: 'manual' }), 0),
    ]) {
      queue = enqueue(queue, r).queue;
    }
    const order: string[] = [];
    while (queue.length > 0) {
      const next = nextRequest(queue, { inFlight: false, minPauseMs: 0, now: 10 });
      order.push(next.start!.key);
      queue = next.queue;
    }
    expect(order).toEqual(['stop', 'manual-sp', 'periodic-sp', 'manual-ck', 'c1']);
  });

  it('nothing starts while a snapshot is in flight', () => {
    expect(nextRequest([periodicCkpt(1)], { inFlight: true, minPauseMs: 0, now: 5 }).start).toBeUndefined();
  });

  it('periodic requests coalesce; manual ones do not', () => {
    const once = enqueue([], periodicCkpt(1)).queue;
    expect(enqueue(once, periodicCkpt(2))).toMatchObject({ dropped: [{ key: 'c2' }] });
    const manual = enqueue([], req('m1', forManualSavepoint(), 1)).queue;
    expect(enqueue(manual, req('m2', forManualSavepoint(), 2)).queue.map((r) => r.key)).toEqual(['m1', 'm2']);
  });

  it('the minimum pause holds back checkpoints but not savepoints', () => {
    const queue = [periodicCkpt(1), req('sp', forManualSavepoint(), 2)];
    const within = nextRequest(queue, { inFlight: false, lastCompletedAt: 100, minPauseMs: 50, now: 120 });
    expect(within.start?.key).toBe('sp');
    const onlyCkpt = nextRequest([periodicCkpt(1)], { inFlight: false, lastCompletedAt: 100, minPauseMs: 50, now: 120 });
    expect(onlyCkpt.start).toBeUndefined();
    expect(nextRequest([periodicCkpt(1)], { inFlight: false, lastCompletedAt: 100, minPauseMs: 50, now: 150 }).start?.key).toBe('c1');
  });
});
