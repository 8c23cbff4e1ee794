// The lifecycle questions the coordinator asks of snapshot properties (instead of "is this a savepoint?").
import { describe, expect, it } from '@jest/globals';
import {
  forCancelWithSavepoint,
  forCheckpoint,
  forManualSavepoint,
  forPeriodicSavepoint,
  forRestoredSnapshot,
  forStopWithSavepoint,
  isListedRestorable,
  joinsCheckpointStore,
  labelOf,
  locationOf,
  logsFailure,
  needsTargetDirectory,
  triggerPriority,
  type SnapshotProperties,
} from '../../../src/domain/snapshot-properties.js';
import { byCompletion, byNewestCompletion, byNewestListed } from '../../../src/domain/ordering.js';

const checkpoint = forCheckpoint({ persistent: false });
const persistent = forCheckpoint({ persistent: true });

describe('snapshot properties', () => {
  const table: Array<[string, SnapshotProperties, { location: string; target: boolean; store: boolean; listed: boolean; label: string }]> = [
    ['checkpoint', checkpoint, { location: 'checkpoint-directory', target: false, store: true, listed: false, label: 'checkpoint' }],
    [
      'persistent checkpoint',
      persistent,
      { location: 'persistent-checkpoint-directory', target: false, store: true, listed: true, label: 'persistent checkpoint' },
    ],
    ['periodic savepoint', forPeriodicSavepoint(), { location: 'target-directory', target: true, store: false, listed: true, label: 'periodic savepoint' }],
    ['manual savepoint', forManualSavepoint(), { location: 'target-directory', target: true, store: false, listed: true, label: 'savepoint' }],
    [
      'stop-with-savepoint',
      forStopWithSavepoint({ drain: false }),
      { location: 'target-directory', target: true, store: false, listed: true, label: 'savepoint' },
    ],
    ['cancel-with-savepoint', forCancelWithSavepoint(), { location: 'target-directory', target: true, store: false, listed: true, label: 'savepoint' }],
  ];
  it.each(table)('%s', (_name, properties, expected) => {
    expect({
      location: locationOf(properties),
      target: needsTargetDirectory(properties),
      store: joinsCheckpointStore(properties),
      listed: isListedRestorable(properties),
      label: labelOf(properties),
    }).toEqual(expected);
  });

  it('a savepoint restored in CLAIM mode joins the checkpoint store; in NO_CLAIM mode it stays outside', () => {
    expect(joinsCheckpointStore(forRestoredSnapshot(forManualSavepoint(), 'CLAIM'))).toBe(true);
    expect(joinsCheckpointStore(forRestoredSnapshot(forManualSavepoint(), 'NO_CLAIM'))).toBe(false);
  });

  it('failures of savepoints are logged, of checkpoints not; savepoints go first, stop and cancel before all', () => {
    expect([checkpoint, persistent, forPeriodicSavepoint(), forManualSavepoint()].map(logsFailure)).toEqual([false, false, true, true]);
    const order = [
      checkpoint,
      forCheckpoint({ persistent: false, trigger: 'manual' }),
      forPeriodicSavepoint(),
      forManualSavepoint(),
      forStopWithSavepoint({ drain: true }),
    ]
      .sort((a, b) => triggerPriority(a) - triggerPriority(b))
      .map((p) => `${p.kind}/${p.trigger}`);
    expect(order).toEqual(['savepoint/stop', 'savepoint/manual', 'savepoint/periodic', 'checkpoint/manual', 'checkpoint/periodic']);
  });
});

describe('ordering by completion', () => {
  it('records: oldest first, the id breaking ties; and the reverse', () => {
    const records = [
      { id: 3, completedAt: 20 },
      { id: 1, completedAt: 10 },
      { id: 2, completedAt: 20 },
    ];
    expect([...records].sort(byCompletion).map((r) => r.id)).toEqual([1, 2, 3]);
    expect([...records].sort(byNewestCompletion).map((r) => r.id)).toEqual([3, 2, 1]);
  });

  it('listings: newest first, entries without a time last, the path breaking ties', () => {
    const entries = [{ path: '/b', completedAt: 5 }, { path: '/z' }, { path: '/a', completedAt: 5 }, { path: '/c', completedAt: 9 }];
    expect([...entries].sort(byNewestListed).map((e) => e.path)).toEqual(['/c', '/a', '/b', '/z']);
  });
});
