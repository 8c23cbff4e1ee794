// One short, read-only look at the configured REST endpoint (GET /config): for `flink --version` and
// `flink doctor`. Bounded by a short timeout and no retries, so an unreachable cluster costs a moment only.
import { FlinkCliError } from '../../domain/errors.js';
import type { DashboardConfig } from '../../rest-api/types.js';
import type { CommandContext } from '../context.js';

export const PROBE_TIMEOUT_MS = 1500;

export interface ClusterProbe {
  url: string;
  reachable: boolean;
  /** 'local' for this project's coordinator, 'flink' for Apache Flink. */
  kind?: 'local' | 'flink';
  flinkVersion?: string;
  coordinatorVersion?: string;
  /** Why it is not reachable (one line). */
  error?: string;
  /** What to do about it, when the cause is known (e.g. a certificate problem). */
  hint?: string;
  /** The server's HTTP Date (ms) and the local clock before and after the request, for clock skew. */
  serverDate?: number;
  sentAt?: number;
  receivedAt?: number;
}

export async function probeCluster(ctx: CommandContext, timeoutMs = PROBE_TIMEOUT_MS): Promise<ClusterProbe> {
  const [config, { endpointFromConfig }, { quickGet }] = await Promise.all([ctx.config(), import('../endpoint.js'), import('../../client/quick-get.js')]);
  const endpoint = endpointFromConfig(config, ctx.env);
  const sentAt = Date.now();
  try {
    const response = await quickGet<DashboardConfig>(endpoint, '/config', timeoutMs);
    const receivedAt = Date.now();
    const date = Date.parse(response.date ?? '');
    const local = response.body['flink-cli-coordinator'];
    return {
      url: endpoint.baseUrl,
      reachable: true,
      kind: local ? 'local' : 'flink',
      flinkVersion: response.body['flink-version'],
      coordinatorVersion: local?.version,
      serverDate: Number.isNaN(date) ? undefined : date,
      sentAt,
      receivedAt,
    };
  } catch (error) {
    // A TLS problem (certificate, store, password) is already one line naming its cause.
    if (error instanceof FlinkCliError) return { url: endpoint.baseUrl, reachable: false, error: error.message, hint: error.hint };
    return { url: endpoint.baseUrl, reachable: false, error: `Could not reach ${endpoint.baseUrl} (${(error as Error).message}).` };
  }
}

/** The cluster's line of `flink --version`. */
export function describeCluster(probe: ClusterProbe): string {
  if (!probe.reachable) return `not reachable at ${probe.url}`;
  if (probe.kind === 'local') {
    // The local coordinator reports its own version as flink-version; say it once.
    const api = probe.flinkVersion && probe.flinkVersion !== probe.coordinatorVersion ? ` (Flink ${probe.flinkVersion} REST API)` : '';
    return `local coordinator ${probe.coordinatorVersion}${api} at ${probe.url}`;
  }
  return `${probe.flinkVersion ? `Flink ${probe.flinkVersion}` : 'Flink (version unknown)'} at ${probe.url}`;
}
