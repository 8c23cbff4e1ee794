// The one exit-code table. `flink help exit-codes` and the README print it; main.ts is the only place
// that turns an error into a code.
import type { ErrorKind } from '../domain/errors.js';

export interface ExitCodeRow {
  code: number;
  kind: ErrorKind | 'ok' | 'interrupted' | 'terminated';
  meaning: string;
}

export const EXIT_CODES: readonly ExitCodeRow[] = [
  { code: 0, kind: 'ok', meaning: 'Success.' },
  { code: 1, kind: 'operation-failed', meaning: 'The operation ran and failed (savepoint failed, disposal refused: pinned or in use, job did not start).' },
  {
    code: 2,
    kind: 'usage',
    meaning: "Usage error: unknown command or option, bad argument (a malformed job id; a path dispose does not take: not a snapshot, a root, '..').",
  },
  { code: 3, kind: 'config', meaning: 'Configuration error: malformed or missing configuration file or value; the coordinator refuses this token or OS user.' },
  { code: 4, kind: 'unreachable', meaning: 'The coordinator (local or Flink JobManager) could not be reached.' },
  { code: 5, kind: 'not-found', meaning: 'Not found: unknown job, trigger, snapshot or path.' },
  { code: 6, kind: 'timeout', meaning: 'Timed out waiting; the operation may still be running (reattach with the printed trigger id).' },
  {
    code: 7,
    kind: 'locked',
    meaning:
      "Another run holds this job's savepoint lock (an overlapping cron or CI run), or a lease in the snapshot store (a deleting command or a restore, on any host); nothing was done.",
  },
  { code: 8, kind: 'nothing-to-do', meaning: 'Nothing to do (savepoints prune found nothing beyond the rules; unpin of a snapshot that is not pinned).' },
  { code: 70, kind: 'internal', meaning: 'Internal error in this tool (please report it; rerun with --debug for a stack trace).' },
  { code: 130, kind: 'interrupted', meaning: 'Interrupted (Ctrl-C); a waited-for operation may still complete (the note names its trigger id).' },
  { code: 143, kind: 'terminated', meaning: 'Terminated (SIGTERM); as for 130.' },
];

export function exitCodeFor(kind: ErrorKind): number {
  const row = EXIT_CODES.find((r) => r.kind === kind);
  return row ? row.code : 70;
}

export function renderExitCodeTable(): string {
  const lines = ['Exit codes of flink:', ''];
  for (const row of EXIT_CODES) lines.push(`  ${String(row.code).padStart(3)}  ${row.meaning}`);
  lines.push('', "Apache Flink's own CLI exits 1 on every error; scripts that only test for non-zero keep working.");
  return lines.join('\n') + '\n';
}
