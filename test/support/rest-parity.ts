// The GET endpoints Apache Flink's own web dashboard calls (flink-runtime-web's web-dashboard services: status,
// overview, job, metrics, task-manager and job-manager), captured from a running cluster with a keyed job that
// checkpoints. The REST parity tests capture them from real Flink and from the local coordinator and compare
// the shapes (rest-shape.ts).
import { compareShape } from './rest-shape.js';

export interface ParityIds {
  jobId: string;
  /** A vertex after the source (the dashboard opens any; this one has inputs and keyed state downstream). */
  vertexId: string;
  checkpointId: number;
  taskManagerId: string;
  /** A file of GET /jobmanager/logs. */
  logName: string;
  /** The job's application (Flink 2.3: `application-id` of GET /jobs/:id; the job id where none is reported). */
  applicationId: string;
}

export interface ParityEndpoint {
  name: string;
  path: (ids: ParityIds) => string;
  /** Plain text (logs), compared by status and content type only. */
  text?: boolean;
  /**
   * A field the local coordinator answers with an empty list or map where Flink has elements, and why that is
   * the honest answer (it has no such thing to report).
   */
  honestlyEmpty?: Record<string, string>;
  /** The first Flink version that serves the endpoint (older ones answer 404). */
  since?: string;
}

const NO_OPERATOR_METRICS = 'the local coordinator collects no per-operator metrics (no metric reporters, no metric fetcher)';

export const PARITY_ENDPOINTS: ParityEndpoint[] = [
  { name: 'config', path: () => '/config' },
  { name: 'overview', path: () => '/overview' },
  { name: 'jobs', path: () => '/jobs' },
  { name: 'jobs-overview', path: () => '/jobs/overview' },
  { name: 'job', path: (i) => `/jobs/${i.jobId}` },
  { name: 'job-config', path: (i) => `/jobs/${i.jobId}/config` },
  { name: 'job-plan', path: (i) => `/jobs/${i.jobId}/plan` },
  { name: 'job-exceptions', path: (i) => `/jobs/${i.jobId}/exceptions?maxExceptions=10` },
  { name: 'job-accumulators', path: (i) => `/jobs/${i.jobId}/accumulators` },
  { name: 'checkpoints', path: (i) => `/jobs/${i.jobId}/checkpoints` },
  { name: 'checkpoints-config', path: (i) => `/jobs/${i.jobId}/checkpoints/config` },
  { name: 'checkpoint-details', path: (i) => `/jobs/${i.jobId}/checkpoints/details/${i.checkpointId}` },
  { name: 'checkpoint-subtasks', path: (i) => `/jobs/${i.jobId}/checkpoints/details/${i.checkpointId}/subtasks/${i.vertexId}` },
  { name: 'vertex', path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}` },
  { name: 'vertex-subtasktimes', path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/subtasktimes` },
  { name: 'vertex-taskmanagers', path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/taskmanagers` },
  { name: 'vertex-accumulators', path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/accumulators` },
  { name: 'vertex-subtasks-accumulators', path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/subtasks/accumulators` },
  {
    name: 'vertex-watermarks',
    path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/watermarks`,
    honestlyEmpty: { $: 'the local runtime has no event time, so no operator has a watermark' },
  },
  { name: 'vertex-backpressure', path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/backpressure` },
  { name: 'vertex-metrics', path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/metrics`, honestlyEmpty: { $: NO_OPERATOR_METRICS } },
  {
    name: 'vertex-subtasks-metrics',
    path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/subtasks/metrics`,
    honestlyEmpty: { $: NO_OPERATOR_METRICS },
  },
  { name: 'taskmanagers', path: () => '/taskmanagers' },
  {
    name: 'taskmanager',
    path: (i) => `/taskmanagers/${i.taskManagerId}`,
    honestlyEmpty: { '$.metrics.garbageCollectors': "a job's TaskManager process does not report V8's garbage collections" },
  },
  { name: 'taskmanager-logs', path: (i) => `/taskmanagers/${i.taskManagerId}/logs` },
  { name: 'taskmanager-metrics', path: (i) => `/taskmanagers/${i.taskManagerId}/metrics` },
  { name: 'taskmanager-metrics-values', path: (i) => `/taskmanagers/${i.taskManagerId}/metrics?get=Status.JVM.Memory.Heap.Used` },
  { name: 'taskmanager-thread-dump', path: (i) => `/taskmanagers/${i.taskManagerId}/thread-dump` },
  { name: 'taskmanager-log', path: (i) => `/taskmanagers/${i.taskManagerId}/log`, text: true },
  { name: 'jobmanager-config', path: () => '/jobmanager/config' },
  {
    name: 'jobmanager-environment',
    path: () => '/jobmanager/environment',
    honestlyEmpty: { '$.jvm.options': 'the coordinator runs with the options Node.js was given, often none' },
  },
  { name: 'jobmanager-logs', path: () => '/jobmanager/logs' },
  { name: 'jobmanager-log-file', path: (i) => `/jobmanager/logs/${i.logName}`, text: true },
  { name: 'jobmanager-log', path: () => '/jobmanager/log', text: true },
  { name: 'jobmanager-metrics', path: () => '/jobmanager/metrics' },
  { name: 'jobmanager-metrics-values', path: () => '/jobmanager/metrics?get=Status.JVM.Memory.Heap.Used' },
  { name: 'jobmanager-thread-dump', path: () => '/jobmanager/thread-dump' },
  // Flink answers even with rest.flamegraph.enabled false (the default): "disabled", endTimestamp -2, no data.
  { name: 'vertex-flamegraph', path: (i) => `/jobs/${i.jobId}/vertices/${i.vertexId}/flamegraph?type=FULL` },
  // Applications (Flink 2.3): the dashboard's application list, details, exceptions and configuration.
  { name: 'applications-overview', path: () => '/applications/overview', since: '2.3' },
  { name: 'application', path: (i) => `/applications/${i.applicationId}`, since: '2.3' },
  { name: 'application-exceptions', path: (i) => `/applications/${i.applicationId}/exceptions`, since: '2.3' },
  { name: 'application-jobmanager-config', path: (i) => `/applications/${i.applicationId}/jobmanager/config`, since: '2.3' },
];

const versionParts = (v: string) => v.split('.').map((n) => Number.parseInt(n, 10) || 0);
function atLeast(version: string, since: string): boolean {
  const [a, b] = [versionParts(version), versionParts(since)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The endpoints a Flink version serves; without a version, all of them (the local coordinator serves all). */
export function parityEndpoints(version?: string): ParityEndpoint[] {
  return PARITY_ENDPOINTS.filter((e) => version === undefined || e.since === undefined || atLeast(version, e.since));
}

export interface Captured {
  status: number;
  contentType: string;
  body: unknown;
}

async function get(base: string, pathname: string, headers: Record<string, string>): Promise<Captured> {
  const response = await fetch(`${base}/v1${pathname}`, { headers, signal: AbortSignal.timeout(15_000) });
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
  const text = await response.text();
  let body: unknown = text;
  if (contentType === 'application/json') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text; // Flink answers some text endpoints with a JSON content type
    }
  }
  return { status: response.status, contentType, body };
}

/**
 * Flink samples back pressure and fetches metrics on the first request and answers with what it has until
 * then (`"status": "deprecated"`, empty lists): those endpoints are asked again until they have settled. A new
 * checkpoint's details come from a cache refreshed less often than the history that named it (404 until then).
 */
function settled(name: string, captured: Captured): boolean {
  if (name.startsWith('checkpoint-')) return captured.status === 200;
  if (name === 'vertex-backpressure') return (captured.body as { status?: string }).status === 'ok';
  if (/metrics/.test(name)) return Array.isArray(captured.body) && captured.body.length > 0;
  return true;
}

/** The ids of the endpoints above on a cluster running `jobId` with a completed checkpoint. */
export async function parityIds(base: string, jobId: string, headers: Record<string, string> = {}): Promise<ParityIds> {
  const json = async <T>(pathname: string) => (await get(base, pathname, headers)).body as T;
  const job = await json<{ vertices: Array<{ id: string }> }>(`/jobs/${jobId}`);
  const stats = await json<{ latest: { completed: { id: number } } }>(`/jobs/${jobId}/checkpoints`);
  const tms = await json<{ taskmanagers: Array<{ id: string }> }>('/taskmanagers');
  const logs = await json<{ logs: Array<{ name: string }> }>('/jobmanager/logs');
  const details = job as { 'application-id'?: string };
  return {
    applicationId: details['application-id'] ?? jobId,
    jobId,
    vertexId: job.vertices[1].id,
    checkpointId: stats.latest.completed.id,
    taskManagerId: tms.taskmanagers[0].id,
    logName: logs.logs[0]?.name ?? 'none',
  };
}

/**
 * Every endpoint's answer for the job `jobId`. With `waitMs` (real Flink), the metric fetcher's first round is
 * waited for (it fills every metric endpoint, watermarks too), and sampled endpoints are asked until settled.
 * The ids are taken after that wait, so the checkpoint asked for is still in Flink's short history.
 */
export async function captureAll(base: string, jobId: string, options: { waitMs?: number; headers?: Record<string, string>; version?: string } = {}) {
  const headers = options.headers ?? {};
  const warmUp = PARITY_ENDPOINTS.find((e) => e.name === 'vertex-metrics')!;
  const first = await parityIds(base, jobId, headers);
  for (const deadline = Date.now() + (options.waitMs ?? 0); Date.now() < deadline;) {
    if (settled(warmUp.name, await get(base, warmUp.path(first), headers))) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  let ids = await parityIds(base, jobId, headers);
  const result: Record<string, Captured> = {};
  for (const endpoint of parityEndpoints(options.version)) {
    const deadline = Date.now() + (options.waitMs ?? 0);
    let captured = await get(base, endpoint.path(ids), headers);
    while (!settled(endpoint.name, captured) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      // On a loaded machine the checkpoint asked for may have left Flink's short history meanwhile: ask anew.
      if (endpoint.name.startsWith('checkpoint-')) ids = await parityIds(base, jobId, headers);
      captured = await get(base, endpoint.path(ids), headers);
    }
    result[endpoint.name] = captured;
  }
  return result;
}

/**
 * Per endpoint `version` serves, what ours lacks of Flink's shape (an empty list is accepted where the endpoint
 * says why).
 */
export function parityProblems(flink: Record<string, Captured>, ours: Record<string, Captured>, version: string): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  for (const endpoint of parityEndpoints(version)) {
    const f = flink[endpoint.name];
    const o = ours[endpoint.name];
    const found: string[] = [];
    if (!f) found.push('not recorded from Flink');
    else if (!o) found.push('not captured');
    else if (o.status !== f.status) found.push(`status ${o.status}, Flink answers ${f.status}`);
    else if (endpoint.text) {
      if (o.contentType !== f.contentType) found.push(`content type ${o.contentType}, Flink sends ${f.contentType}`);
    } else {
      for (const p of compareShape(f.body, o.body)) {
        if ((p.problem === 'empty list' || p.problem === 'empty map') && endpoint.honestlyEmpty?.[p.path]) continue;
        found.push(`${p.path}: ${p.problem}`);
      }
    }
    problems[endpoint.name] = found;
  }
  return problems;
}
