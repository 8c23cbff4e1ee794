// One job: status and the CLI's actions (trigger a savepoint, stop with a savepoint), its snapshot history as
// charts (duration and size over time; checkpoints, savepoints and failures told apart), its exceptions, and
// its restorable snapshots with the retention preview (what `savepoints prune --keep N` would dispose next).
import { useMemo, useRef, useState } from 'preact/hooks';
import {
  dashboardGet,
  dashboardPost,
  rest,
  type CatalogEntry,
  type CheckpointEntry,
  type CheckpointStats,
  type CommandOutcome,
  type ExceptionEntry,
  type JobSummary,
  type PruneDecision,
} from './api.js';
import { SnapshotChart, type ChartPoint } from './chart.js';
import { formatBytes, formatDuration, formatTime } from './format.js';
import { usePolled } from './hooks.js';
import { StatusBadge } from './jobs.js';
import { OutcomeBanner, runShown, type Shown } from './outcome.js';
import { SnapshotTable } from './snapshots.js';

const KEEP_KEY = 'flink-dashboard-keep';

function points(history: CheckpointEntry[], y: (e: CheckpointEntry) => number): ChartPoint[] {
  return history.map((e) => ({
    x: e.trigger_timestamp,
    y: e.status === 'FAILED' ? 0 : y(e),
    kind: e.is_savepoint ? 'savepoint' : 'checkpoint',
    failed: e.status === 'FAILED',
    label: `${e.is_savepoint ? 'Savepoint' : 'Checkpoint'} ${e.id} ${e.status.toLowerCase()} at ${formatTime(e.trigger_timestamp)}: ${formatDuration(e.end_to_end_duration)}, ${formatBytes(e.state_size)}${e.failure_message ? ` (${e.failure_message})` : ''}`,
  }));
}

/** Savepoints the catalog knows that left Flink's short history (or came before this page): their sizes. */
function olderSavepoints(entries: CatalogEntry[], history: CheckpointEntry[]): ChartPoint[] {
  const inHistory = new Set(history.map((e) => e.external_path?.replace(/^file:/, '')));
  return entries
    .filter((e) => e.kind === 'savepoint' && e.completedAt && !inHistory.has(e.path))
    .map((e) => ({
      x: e.completedAt!,
      y: e.sizeBytes,
      kind: 'savepoint',
      failed: false,
      label: `Savepoint ${e.path} completed at ${formatTime(e.completedAt)}: ${formatBytes(e.sizeBytes)}`,
    }));
}

export function JobView(props: { jobId: string; catalog: CatalogEntry[] | undefined; reloadCatalog: () => void }) {
  const { jobId } = props;
  const job = usePolled(() => rest<JobSummary & { vertices: unknown[] }>(`/jobs/${jobId}`), [jobId], 3000);
  // Flink's history holds the newest few; what this page saw stays on its charts while it is open.
  const seen = useRef(new Map<number, CheckpointEntry>());
  const stats = usePolled(
    async () => {
      const s = await rest<CheckpointStats>(`/jobs/${jobId}/checkpoints`);
      for (const e of s.history) seen.current.set(e.id, e);
      return s;
    },
    [jobId],
    3000,
  );
  const exceptions = usePolled(() => rest<{ exceptionHistory: { entries: ExceptionEntry[] } }>(`/jobs/${jobId}/exceptions?maxExceptions=20`), [jobId], 5000);
  const [keep, setKeep] = useState(() => Number(localStorage.getItem(KEEP_KEY) ?? 5) || 5);
  const retention = usePolled(
    async () => {
      const o = await dashboardGet<CommandOutcome>(`/retention?job=${jobId}&keep=${keep}`);
      return new Map(((o.document?.decisions as PruneDecision[] | undefined) ?? []).map((d) => [d.path, d]));
    },
    [jobId, keep],
    60_000,
  );
  const [shown, setShown] = useState<Shown | undefined>(undefined);
  const history = useMemo(() => [...seen.current.values()].sort((a, b) => a.trigger_timestamp - b.trigger_timestamp), [stats.data]);
  const entries = (props.catalog ?? []).filter((e) => e.jobId === jobId || (!e.jobId && e.jobIdPrefix !== null && jobId.startsWith(e.jobIdPrefix)));
  const gone = job.error !== undefined && job.data === undefined;
  const running = job.data?.state === 'RUNNING';
  const act = (what: string, path: string) => async () => {
    await runShown(what, () => dashboardPost(path), setShown);
    void job.reload();
    void stats.reload();
    props.reloadCatalog();
    void retention.reload();
  };

  return (
    <section aria-labelledby="job-title">
      <p>
        <a href="#/">← Jobs</a>
      </p>
      <h2 id="job-title">
        {job.data?.name ?? entries[0]?.jobName ?? 'Job'} <code class="jobid">{jobId}</code> {job.data && <StatusBadge state={job.data.state} />}
      </h2>
      {gone && <p class="muted">This job is no longer on the cluster; its restorable snapshots are listed below.</p>}
      {job.data && (
        <>
          <p class="facts">
            Started {formatTime(job.data['start-time'])} · running for {formatDuration(job.data.duration)}
          </p>
          <div class="buttons">
            <button type="button" class="primary" disabled={!running} onClick={act('Savepoint', `/jobs/${jobId}/savepoint`)}>
              Trigger savepoint
            </button>
            <button type="button" disabled={!running} onClick={act('Stop with savepoint', `/jobs/${jobId}/stop`)}>
              Stop with savepoint
            </button>
          </div>
          <OutcomeBanner shown={shown} describe={(o) => `${shown?.what} completed: ${String(o.document?.location ?? '')}`} />
          <h3>Checkpoints and savepoints</h3>
          {stats.data && (
            <p class="facts">
              {stats.data.counts.completed} completed · {stats.data.counts.failed} failed · {stats.data.counts.in_progress} in progress
            </p>
          )}
          <div class="charts">
            <SnapshotChart
              title="Duration"
              points={points(history, (e) => e.end_to_end_duration)}
              format={formatDuration}
              formatX={(x) => new Date(x).toLocaleTimeString()}
            />
            <SnapshotChart
              title="Size"
              points={[...points(history, (e) => e.state_size), ...olderSavepoints(entries, history)]}
              format={formatBytes}
              formatX={(x) => new Date(x).toLocaleTimeString()}
            />
          </div>
          <h3>Exceptions</h3>
          <Exceptions entries={exceptions.data?.exceptionHistory.entries ?? []} />
        </>
      )}
      <h3>Restorable snapshots</h3>
      <label class="keep">
        Next prune keeps the newest{' '}
        <input
          type="number"
          min={1}
          value={keep}
          onChange={(e) => {
            const n = Math.max(1, Number((e.target as HTMLInputElement).value) || 1);
            localStorage.setItem(KEEP_KEY, String(n));
            setKeep(n);
          }}
        />{' '}
        savepoints
      </label>
      <SnapshotTable
        entries={entries}
        retention={retention.data}
        onChanged={() => {
          props.reloadCatalog();
          void retention.reload();
        }}
      />
    </section>
  );
}

function Exceptions({ entries }: { entries: ExceptionEntry[] }) {
  if (entries.length === 0) return <p class="muted">No exceptions.</p>;
  return (
    <ul class="exceptions">
      {entries.map((e, i) => (
        <li key={i}>
          <details>
            <summary>
              {formatTime(e.timestamp)} · {e.exceptionName}
              {e.taskName ? ` in ${e.taskName}` : ''}: {e.stacktrace.split('\n')[0]}
            </summary>
            <pre>{e.stacktrace}</pre>
          </details>
        </li>
      ))}
    </ul>
  );
}
