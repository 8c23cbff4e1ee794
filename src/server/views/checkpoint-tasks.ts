// Flink's per-vertex and per-subtask statistics of one snapshot (pure): GET .../checkpoints/details/:id's `tasks`
// and .../details/:id/subtasks/:vertexid, from the subtasks' acknowledgements the coordinator recorded (when each
// arrived, the bytes of the files it wrote). This runtime measures no sync/async phases, alignment or start
// delay: those are 0. A snapshot recorded before acknowledgements were kept counts every subtask of a
// completed snapshot as acknowledged at its completion, with its size unknown (0).
import type { SnapshotEntry } from '../../coordinator/checkpoint-coordinator.js';
import type { JobRecord } from '../../coordinator/job-record.js';
import { summary } from './checkpoints.js';

type Operator = JobRecord['plan']['operators'][number];
type SubtaskAck = NonNullable<SnapshotEntry['subtasks']>[number];

function acksOf(entry: SnapshotEntry, op: Operator): SubtaskAck[] {
  if (entry.subtasks) return entry.subtasks.filter((a) => a.uid === op.uid);
  if (entry.status !== 'COMPLETED') return [];
  return Array.from({ length: op.parallelism }, (_, subtask) => ({ uid: op.uid, subtask, acknowledgedAt: entry.completedAt, bytes: 0 }));
}

export function taskStatistics(entry: SnapshotEntry, op: Operator) {
  const acks = acksOf(entry, op);
  const latest = acks.length ? Math.max(...acks.map((a) => a.acknowledgedAt)) : -1;
  const bytes = acks.reduce((n, a) => n + a.bytes, 0);
  return {
    id: entry.id,
    status: entry.status,
    latest_ack_timestamp: latest,
    checkpointed_size: bytes,
    state_size: bytes,
    end_to_end_duration: latest < 0 ? -1 : Math.max(0, latest - entry.triggeredAt),
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: op.parallelism,
    num_acknowledged_subtasks: acks.length,
  };
}

/** `tasks` of a snapshot's details: per vertex id, its statistics. */
export function tasksOf(entry: SnapshotEntry, record: JobRecord, vertexIdOf: (op: Operator) => string) {
  return Object.fromEntries(record.plan.operators.map((op) => [vertexIdOf(op), taskStatistics(entry, op)]));
}

export function subtaskStatisticsView(entry: SnapshotEntry, op: Operator) {
  const acks = new Map(acksOf(entry, op).map((a) => [a.subtask, a]));
  const done = [...acks.values()];
  const zeros = summary(done.map(() => 0));
  return {
    ...taskStatistics(entry, op),
    summary: {
      checkpointed_size: summary(done.map((a) => a.bytes)),
      state_size: summary(done.map((a) => a.bytes)),
      end_to_end_duration: summary(done.map((a) => Math.max(0, a.acknowledgedAt - entry.triggeredAt))),
      checkpoint_duration: { sync: zeros, async: zeros },
      alignment: { buffered: zeros, processed: zeros, persisted: zeros, duration: zeros },
      start_delay: zeros,
    },
    subtasks: Array.from({ length: op.parallelism }, (_, index) => {
      const ack = acks.get(index);
      if (!ack) return { index, className: 'pending_or_failed', status: 'pending_or_failed' };
      return {
        className: 'completed',
        index,
        ack_timestamp: ack.acknowledgedAt,
        end_to_end_duration: Math.max(0, ack.acknowledgedAt - entry.triggeredAt),
        checkpointed_size: ack.bytes,
        state_size: ack.bytes,
        checkpoint: { sync: 0, async: 0 },
        alignment: { buffered: 0, processed: 0, persisted: 0, duration: 0 },
        start_delay: 0,
        unaligned_checkpoint: false,
        aborted: false,
        status: 'completed',
      };
    }),
  };
}
