// The catalog of restorable snapshots (what `flink savepoints` lists, also of jobs that are gone) with the
// CLI's actions: pin/unpin, dispose (its dry-run plan first), restore into a new job. Each action runs the
// CLI's command on the server; refusals read as the CLI words them.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { dashboardGet, dashboardPost, type CatalogEntry, type CommandOutcome, type PruneDecision } from './api.js';
import { formatBytes, formatTime, shortId } from './format.js';
import { OutcomeBanner, runShown, type Shown } from './outcome.js';

type Dialog = { kind: 'dispose' | 'restore' | 'pin'; entry: CatalogEntry } | undefined;

export function SnapshotTable(props: { entries: CatalogEntry[]; retention?: Map<string, PruneDecision>; onChanged: () => void; showJob?: boolean }) {
  const [dialog, setDialog] = useState<Dialog>(undefined);
  const [shown, setShown] = useState<Shown | undefined>(undefined);
  const done = (what: string) => async (run: () => Promise<CommandOutcome>) => {
    await runShown(what, run, setShown);
    props.onChanged();
  };
  const banner = <OutcomeBanner shown={shown} describe={(o) => describeOutcome(shown?.what ?? '', o)} />;
  if (props.entries.length === 0)
    return (
      <div>
        {banner}
        <p class="muted">No restorable snapshots found.</p>
      </div>
    );
  return (
    <div>
      {banner}
      <div class="table-wrap">
        <table class="snapshots">
          <thead>
            <tr>
              {props.showJob && <th scope="col">Job</th>}
              <th scope="col">Kind</th>
              <th scope="col">Trigger</th>
              <th scope="col">Completed</th>
              <th scope="col" class="num">
                Size
              </th>
              <th scope="col">Verified</th>
              <th scope="col">Pinned</th>
              {props.retention && <th scope="col">Next prune</th>}
              <th scope="col">Location</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((e) => {
              const decision = props.retention?.get(e.path);
              return (
                <tr key={e.path} class={e.state === 'complete' ? '' : 'broken'}>
                  {props.showJob && (
                    <td>
                      <a href={`#/jobs/${e.jobId ?? ''}`}>{e.jobName ?? shortId(e.jobId ?? e.jobIdPrefix)}</a>
                    </td>
                  )}
                  <td>
                    <span class={`kind ${e.kind}`}>{e.kind}</span>
                    {e.origin === 'flink' && <span class="muted"> (flink)</span>}
                  </td>
                  <td>{e.trigger ?? '-'}</td>
                  <td>{formatTime(e.completedAt)}</td>
                  <td class="num">{formatBytes(e.sizeBytes)}</td>
                  <td>{e.state !== 'complete' ? `${e.state}: ${e.problem ?? ''}` : e.verified === 'full' ? 'verified (checksums)' : 'structure only'}</td>
                  <td>{e.pinned ? 'pinned' : '-'}</td>
                  {props.retention && <td class={decision?.action === 'dispose' ? 'warn' : ''}>{decision ? `${decision.action}: ${decision.reason}` : '-'}</td>}
                  <td class="path">
                    <code>{e.path}</code>
                  </td>
                  <td class="actions">
                    {e.pinned ? (
                      <button type="button" onClick={() => done('Unpin')(() => dashboardPost('/snapshots/unpin', { path: e.path }))}>
                        Unpin
                      </button>
                    ) : (
                      <button type="button" onClick={() => setDialog({ kind: 'pin', entry: e })}>
                        Pin…
                      </button>
                    )}
                    <button type="button" onClick={() => setDialog({ kind: 'dispose', entry: e })}>
                      Dispose…
                    </button>
                    <button type="button" onClick={() => setDialog({ kind: 'restore', entry: e })} disabled={e.state !== 'complete'}>
                      Restore…
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {dialog?.kind === 'pin' && <PinDialog entry={dialog.entry} close={() => setDialog(undefined)} run={done('Pin')} />}
      {dialog?.kind === 'dispose' && <DisposeDialog entry={dialog.entry} close={() => setDialog(undefined)} run={done('Dispose')} />}
      {dialog?.kind === 'restore' && <RestoreDialog entry={dialog.entry} close={() => setDialog(undefined)} run={done('Restore')} />}
    </div>
  );
}

function describeOutcome(what: string, o: CommandOutcome): string {
  const doc = o.document ?? {};
  if (what === 'Restore' && typeof doc.jobId === 'string') return `Restored into a new job: ${doc.jobId}`;
  if (what === 'Dispose')
    return `Disposed ${((doc.disposed as Array<{ directory: string | null; pointer: string }>) ?? []).map((d) => d.directory ?? d.pointer).join(', ')}`;
  if (what === 'Pin' || what === 'Unpin') return `${what === 'Pin' ? 'Pinned' : 'Unpinned'} ${String(doc.path ?? '')}`;
  return `${what}: done.`;
}

/** A modal dialog (native <dialog>: focus moves into it, Escape closes it). */
function Modal(props: { title: string; close: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onClose={props.close}>
      <h2 id="dialog-title">{props.title}</h2>
      {props.children}
    </dialog>
  );
}

function PinDialog(props: { entry: CatalogEntry; close: () => void; run: (r: () => Promise<CommandOutcome>) => Promise<void> }) {
  const [reason, setReason] = useState('');
  return (
    <Modal title="Pin snapshot" close={props.close}>
      <p>
        A pinned snapshot is never disposed by prune, retention or dispose (unless forced). <code>{props.entry.path}</code>
      </p>
      <form method="dialog" onSubmit={() => void props.run(() => dashboardPost('/snapshots/pin', { path: props.entry.path, reason }))}>
        <label>
          Reason (optional) <input type="text" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} autoFocus />
        </label>
        <div class="buttons">
          <button type="submit" class="primary">
            Pin
          </button>
          <button type="button" onClick={props.close}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

interface PlanStep {
  pointer: string;
  directory: string | null;
  bytes: number | null;
  reason: string;
  sharedFiles: Array<{ path: string; bytes: number; action: string; reason: string }>;
}

function DisposeDialog(props: { entry: CatalogEntry; close: () => void; run: (r: () => Promise<CommandOutcome>) => Promise<void> }) {
  const [plan, setPlan] = useState<CommandOutcome | undefined>(undefined);
  const [failed, setFailed] = useState<string | undefined>(undefined);
  useEffect(() => {
    dashboardPost('/snapshots/dispose-plan', { path: props.entry.path }).then(setPlan, (e: Error) => setFailed(e.message));
  }, [props.entry.path]);
  const steps = (plan?.document?.plan as PlanStep[] | undefined) ?? [];
  const refused = plan && plan.exitCode !== 0;
  return (
    <Modal title="Dispose snapshot" close={props.close}>
      {!plan && !failed && <p class="pending">Planning (flink dispose --dry-run)…</p>}
      {failed && <p class="error">{failed}</p>}
      {refused && (
        <div class="error" role="alert">
          <p>{plan.error?.message}</p>
          {plan.error?.hint && <p class="hint">{plan.error.hint}</p>}
        </div>
      )}
      {plan && !refused && (
        <div class="plan">
          <p>The dry run plans this; nothing has been deleted yet:</p>
          <ul>
            {steps.map((s) => (
              <li key={s.pointer}>
                <code>{s.directory ?? s.pointer}</code>
                {s.bytes !== null && ` (${formatBytes(s.bytes)})`}: {s.reason}
                {s.sharedFiles.length > 0 && (
                  <ul>
                    {s.sharedFiles.map((f) => (
                      <li key={f.path}>
                        {f.action} <code>{f.path}</code> ({formatBytes(f.bytes)}): {f.reason}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <form method="dialog" onSubmit={() => void props.run(() => dashboardPost('/snapshots/dispose', { path: props.entry.path }))}>
        <div class="buttons">
          <button type="submit" class="danger" disabled={!plan || Boolean(refused)}>
            Dispose
          </button>
          <button type="button" onClick={props.close} autoFocus>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

function RestoreDialog(props: { entry: CatalogEntry; close: () => void; run: (r: () => Promise<CommandOutcome>) => Promise<void> }) {
  const [job, setJob] = useState('');
  const [args, setArgs] = useState('');
  const [allowNonRestored, setAllowNonRestored] = useState(false);
  const [parallelism, setParallelism] = useState('');
  useEffect(() => {
    if (!props.entry.jobId) return;
    dashboardGet<{ job: string; args: string[] } | null>(`/jobs/${props.entry.jobId}/program`).then(
      (program) => {
        if (!program) return;
        setJob(program.job);
        setArgs(program.args.join('\n'));
      },
      () => {},
    );
  }, [props.entry.jobId]);
  const submit = () =>
    void props.run(() =>
      dashboardPost('/snapshots/restore', {
        path: props.entry.path,
        job,
        args: args.split('\n').filter((a) => a !== ''),
        allowNonRestoredState: allowNonRestored,
        ...(parallelism ? { parallelism: Number(parallelism) } : {}),
      }),
    );
  return (
    <Modal title="Restore into a new job" close={props.close}>
      <p>
        From <code>{props.entry.path}</code> (flink restore).
      </p>
      <form method="dialog" onSubmit={submit}>
        <label>
          Job module or jar (a path on the server's machine)
          <input type="text" required value={job} onInput={(e) => setJob((e.target as HTMLInputElement).value)} autoFocus />
        </label>
        <label>
          Arguments, one per line
          <textarea rows={4} value={args} onInput={(e) => setArgs((e.target as HTMLTextAreaElement).value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={allowNonRestored} onChange={(e) => setAllowNonRestored((e.target as HTMLInputElement).checked)} /> Allow non-restored
          state (-n)
        </label>
        <label>
          Parallelism (optional)
          <input type="number" min={1} value={parallelism} onInput={(e) => setParallelism((e.target as HTMLInputElement).value)} />
        </label>
        <div class="buttons">
          <button type="submit" class="primary">
            Restore
          </button>
          <button type="button" onClick={props.close}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
