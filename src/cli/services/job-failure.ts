// Why a job failed, as its JobManager reports it (GET /jobs/:jobid/exceptions): the first line of the
// newest root exception. Undefined when the cluster has no answer (an old Flink, a job without failures).
import type { FlinkApi } from '../../client/rest-client.js';

export async function rootCauseOf(client: FlinkApi, jobId: string): Promise<string | undefined> {
  try {
    const exceptions = await client.exceptions(jobId, 1);
    const trace = exceptions.exceptionHistory?.entries?.[0]?.stacktrace ?? exceptions['root-exception'] ?? undefined;
    return trace?.split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}
