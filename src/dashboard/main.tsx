// The dashboard's page: jobs, one job (status, actions, snapshot charts, exceptions, snapshots), and the
// catalog of every restorable snapshot. Routes are the URL's hash (#/, #/jobs/<id>, #/snapshots).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { dashboardGet, rest, setToken, Unauthorized, type CatalogEntry, type CommandOutcome, type DashboardInfo } from './api.js';
import { usePolled, useRoute } from './hooks.js';
import { JobView } from './job.js';
import { JobsView } from './jobs.js';
import { SnapshotTable } from './snapshots.js';

const THEME_KEY = 'flink-dashboard-theme';

function ThemeToggle() {
  const [theme, setTheme] = useState<string>(() => localStorage.getItem(THEME_KEY) ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(THEME_KEY, theme);
  }, [theme]);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" class="theme" onClick={() => setTheme(next)} aria-label={`Switch to the ${next} theme`}>
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
}

function TokenForm() {
  const [token, set] = useState('');
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(token);
        location.reload();
      }}
    >
      <p>This coordinator accepts requests with its token only (coordinator.rest.token).</p>
      <label>
        Token <input type="password" value={token} onInput={(e) => set((e.target as HTMLInputElement).value)} autoFocus required />
      </label>
      <button type="submit" class="primary">
        Continue
      </button>
    </form>
  );
}

function App() {
  const route = useRoute();
  const info = usePolled(() => dashboardGet<DashboardInfo>('/info'), [], 60_000);
  const config = usePolled(() => rest<{ 'flink-version': string }>('/config'), [], 60_000);
  // Listing verifies the newest snapshots by checksum: asked each minute and after every action, not more.
  const catalog = usePolled(() => dashboardGet<CommandOutcome>('/catalog'), [], 60_000);
  const entries = (catalog.data?.document?.snapshots as CatalogEntry[] | undefined) ?? undefined;
  const job = /^\/jobs\/([0-9a-f]{6,32})$/.exec(route);
  if (info.error instanceof Unauthorized || config.error instanceof Unauthorized) return <TokenForm />;
  return (
    <>
      <header>
        <h1>
          <a href="#/">Flink</a>
        </h1>
        <nav aria-label="Views">
          <a href="#/" aria-current={route === '/' ? 'page' : undefined}>
            Jobs
          </a>
          <a href="#/snapshots" aria-current={route === '/snapshots' ? 'page' : undefined}>
            Snapshots
          </a>
        </nav>
        <span class="cluster">
          {info.data && config.data
            ? info.data.mode === 'coordinator'
              ? `local coordinator ${config.data['flink-version']}`
              : `${info.data.target} · Flink ${config.data['flink-version']}`
            : ''}
        </span>
        <ThemeToggle />
      </header>
      <main>
        {route === '/snapshots' ? (
          <section aria-labelledby="catalog-title">
            <h2 id="catalog-title">Restorable snapshots of every job</h2>
            {catalog.data?.notes.map((n) => (
              <p class="muted" key={n}>
                {n}
              </p>
            ))}
            {catalog.data?.error && <p class="error">{catalog.data.error.message}</p>}
            {entries ? <SnapshotTable entries={entries} showJob onChanged={() => void catalog.reload()} /> : <p class="pending">Scanning…</p>}
          </section>
        ) : job ? (
          <JobView jobId={job[1]} catalog={entries} reloadCatalog={() => void catalog.reload()} />
        ) : (
          <JobsView catalog={entries} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
