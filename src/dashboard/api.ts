// How the page talks to its server: Flink's REST API under /v1 (served by the local coordinator, or passed on to
// the cluster by `flink ui`), and the dashboard's API (/dashboard/api), which runs the CLI's commands. With a
// token-guarded server, the token the user typed is sent as a bearer token (kept for this tab only).
import type { CommandOutcome, DashboardInfo } from '../rest-api/dashboard.js';

export type { CommandOutcome, DashboardInfo };

const TOKEN_KEY = 'flink-dashboard-token';

export class Unauthorized extends Error {}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

function headers(json: boolean): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return { Accept: 'application/json', ...(json ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
}

async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) throw new Unauthorized('This server needs its token.');
  const data = (await response.json().catch(() => ({}))) as T & { errors?: string[] };
  if (!response.ok) throw new Error(data.errors?.join(' ') ?? `HTTP ${response.status}`);
  return data;
}

/** A GET of Flink's REST API. */
export const rest = <T>(path: string) => request<T>('GET', `/v1${path}`);
export const dashboardGet = <T>(path: string) => request<T>('GET', `/dashboard/api${path}`);
export const dashboardPost = (path: string, body: unknown = {}) => request<CommandOutcome>('POST', `/dashboard/api${path}`, body);

// Flink's REST shapes the page reads (field names as Flink sends them).
export interface JobSummary {
  jid: string;
  name: string;
  state: string;
  'start-time': number;
  'end-time': number;
  duration: number;
  tasks: Record<string, number>;
}

export interface CheckpointEntry {
  id: number;
  status: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS';
  is_savepoint: boolean;
  checkpoint_type?: string;
  trigger_timestamp: number;
  latest_ack_timestamp: number;
  end_to_end_duration: number;
  state_size: number;
  checkpointed_size?: number;
  external_path?: string;
  failure_message?: string | null;
}

export interface CheckpointStats {
  counts: { total: number; completed: number; failed: number; in_progress: number; restored: number };
  history: CheckpointEntry[];
}

export interface ExceptionEntry {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
  taskName: string | null;
}

/** One snapshot of `flink savepoints --json`. */
export interface CatalogEntry {
  path: string;
  kind: string;
  origin: string;
  trigger: string | null;
  format: string | null;
  jobId: string | null;
  jobIdPrefix: string | null;
  jobName: string | null;
  completedAt: number | null;
  sizeBytes: number;
  state: string;
  problem: string | null;
  pinned: boolean;
  verified: string | null;
}

export interface PruneDecision {
  path: string;
  action: 'keep' | 'dispose';
  reason: string;
}
