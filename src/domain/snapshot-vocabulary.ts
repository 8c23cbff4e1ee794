// The words for snapshots, declared once: what a snapshot is (kind), what started it (trigger) and how its
// state is written (format). Storage records them in `_metadata`, the catalog lists them, the coordinator
// takes them from SnapshotProperties. Flink's REST wire strings ('SAVEPOINT', 'CANONICAL') are mapped to
// these at the REST boundary and stay in the wire types.

export const SNAPSHOT_KINDS = ['checkpoint', 'persistent-checkpoint', 'savepoint'] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

export const SNAPSHOT_TRIGGERS = ['periodic', 'manual', 'stop', 'cancel'] as const;
export type SnapshotTrigger = (typeof SNAPSHOT_TRIGGERS)[number];

export const SNAPSHOT_FORMATS = ['canonical', 'native'] as const;
export type SnapshotFormat = (typeof SNAPSHOT_FORMATS)[number];

/** How logs name a snapshot: "checkpoint", "persistent checkpoint", "savepoint", "periodic savepoint". */
export function snapshotLabel(kind: SnapshotKind, trigger?: SnapshotTrigger): string {
  if (kind === 'savepoint') return trigger === 'periodic' ? 'periodic savepoint' : 'savepoint';
  return kind === 'persistent-checkpoint' ? 'persistent checkpoint' : 'checkpoint';
}
