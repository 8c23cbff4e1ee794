// The restore pre-flight, as a pure comparison: the operators of a snapshot that hold state against the
// operators of the job about to start from it (by operator id, which for a user-set uid is Flink's hash of it).
// State whose operator is gone would be dropped (allowed only with -n); a new operator starts empty.

export interface SnapshotOperator {
  /** 32 hex digits. */
  id: string;
  uid: string | null;
  name: string | null;
  bytes: number;
  hasState: boolean;
}

export interface PlannedOperator {
  id: string;
  name: string;
}

export interface PreflightReport {
  /** Operators holding state that the new job does not have: their state would be dropped. */
  dropped: SnapshotOperator[];
  /** Operators holding state that the plan does not list, when the plan does not list every operator. */
  unchecked: SnapshotOperator[];
  /** Operators of the new job that the snapshot does not know: they start with empty state. */
  startEmpty: PlannedOperator[];
}

/**
 * `everyOperator`: the plan lists every operator (the local coordinator). Flink's plan lists vertices, whose id
 * is the id of the chain's first operator only: an operator chained behind another is then not "dropped" but
 * "unchecked", because it cannot be told from a removed one.
 */
export function comparePreflight(
  snapshot: readonly SnapshotOperator[],
  planned: readonly PlannedOperator[],
  options: { everyOperator: boolean },
): PreflightReport {
  const plannedIds = new Set(planned.map((p) => p.id));
  const snapshotIds = new Set(snapshot.map((s) => s.id));
  const missing = snapshot.filter((s) => s.hasState && !plannedIds.has(s.id));
  return {
    dropped: options.everyOperator ? missing : [],
    unchecked: options.everyOperator ? [] : missing,
    startEmpty: planned.filter((p) => !snapshotIds.has(p.id)),
  };
}

/** "uid 'counter' (operator 0da08f51…, 1156 bytes)" or "operator 0da08f51… 'name' (1156 bytes)". */
export function describeOperator(op: SnapshotOperator): string {
  const what = op.uid !== null ? `uid '${op.uid}' (operator ${op.id}` : `operator ${op.id}${op.name ? ` '${op.name}'` : ''} (`;
  return `${what}${op.uid !== null ? ', ' : ''}${op.bytes} bytes)`;
}

export function describePlanned(op: PlannedOperator): string {
  return `'${op.name}' (operator ${op.id})`;
}
