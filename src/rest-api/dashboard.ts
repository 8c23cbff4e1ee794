// Wire types of the dashboard's API (/dashboard/api/*, an extension of this project): the CLI's commands run for
// the page, and what they ended with. The server routes it; the CLI's commands answer it.

/** What a command run for the dashboard ended with. */
export interface CommandOutcome {
  exitCode: number;
  /** The command's JSON document (without its "version"), when it printed one. */
  document: Record<string, unknown> | null;
  /** The error as the CLI words it (message and hint), when it failed. */
  error: { kind: string; message: string; hint?: string } | null;
  /** Notes and warnings the command printed on stderr. */
  notes: string[];
}

/** Restore a snapshot into a new job. */
export interface RestoreRequest {
  path: string;
  /** The job module or jar: a path on the machine the dashboard's server runs on. */
  job: string;
  args: string[];
  allowNonRestoredState: boolean;
  parallelism?: number;
}

/** The CLI's commands behind the dashboard's actions and catalog. */
export interface DashboardCommands {
  catalog(): Promise<CommandOutcome>;
  retention(jobId: string, keep: number): Promise<CommandOutcome>;
  savepoint(jobId: string): Promise<CommandOutcome>;
  stop(jobId: string): Promise<CommandOutcome>;
  pin(path: string, reason?: string): Promise<CommandOutcome>;
  unpin(path: string): Promise<CommandOutcome>;
  disposePlan(path: string): Promise<CommandOutcome>;
  dispose(path: string, force?: { reason: string }): Promise<CommandOutcome>;
  restore(request: RestoreRequest): Promise<CommandOutcome>;
}

/** GET /dashboard/api/info: where the page is served from. */
export interface DashboardInfo {
  /** `coordinator`: the local coordinator serves it; `proxy`: `flink ui` for another cluster. */
  mode: 'coordinator' | 'proxy';
  /** The cluster's REST address as the dashboard's server reaches it. */
  target: string;
  toolVersion: string;
}
