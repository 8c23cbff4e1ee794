// The jobs the cluster knows, with their status; below them, the jobs that are gone from it but left
// restorable snapshots (from the catalog), each linking to its page.
import { rest, type CatalogEntry, type JobSummary } from './api.js';
import { formatDuration, formatTime, shortId } from './format.js';
import { usePolled } from './hooks.js';

export function StatusBadge({ state }: { state: string }) {
  return <span class={`status ${state.toLowerCase()}`}>{state}</span>;
}

export function JobsView(props: { catalog: CatalogEntry[] | undefined }) {
  const jobs = usePolled(() => rest<{ jobs: JobSummary[] }>('/jobs/overview').then((o) => o.jobs), [], 3000);
  const list = [...(jobs.data ?? [])].sort((a, b) => b['start-time'] - a['start-time']);
  const known = new Set(list.map((j) => j.jid));
  const gone = new Map<string, { name: string; count: number; latest: number }>();
  for (const e of props.catalog ?? []) {
    const id = e.jobId ?? e.jobIdPrefix;
    if (!id || known.has(id) || e.state !== 'complete') continue;
    const g = gone.get(id) ?? { name: e.jobName ?? '', count: 0, latest: 0 };
    gone.set(id, { name: g.name || e.jobName || '', count: g.count + 1, latest: Math.max(g.latest, e.completedAt ?? 0) });
  }
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      {jobs.error && <p class="error">Cannot read the jobs: {jobs.error.message}</p>}
      {jobs.data && list.length === 0 && <p class="muted">No jobs on this cluster.</p>}
      {list.length > 0 && (
        <div class="table-wrap">
          <table class="jobs">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Job ID</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col" class="num">
                  Duration
                </th>
                <th scope="col" class="num">
                  Tasks
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((j) => (
                <tr key={j.jid}>
                  <td>
                    <a href={`#/jobs/${j.jid}`}>{j.name}</a>
                  </td>
                  <td>
                    <code>{j.jid}</code>
                  </td>
                  <td>
                    <StatusBadge state={j.state} />
                  </td>
                  <td>{formatTime(j['start-time'])}</td>
                  <td class="num">{formatDuration(j.duration)}</td>
                  <td class="num">{`${j.tasks.running ?? 0} / ${j.tasks.total ?? 0}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {gone.size > 0 && (
        <>
          <h3>Jobs no longer on the cluster, with restorable snapshots</h3>
          <ul class="gone">
            {[...gone].map(([id, g]) => (
              <li key={id}>
                <a href={`#/jobs/${id}`}>{g.name || shortId(id)}</a> <code>{id}</code>: {g.count} snapshot{g.count === 1 ? '' : 's'}, newest{' '}
                {formatTime(g.latest)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
