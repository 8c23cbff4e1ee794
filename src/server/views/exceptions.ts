// GET /jobs/:jobid/exceptions in Flink 1.20's shape, from the exception history the job record keeps.
import type { RootException } from '../../coordinator/job-record.js';
import type { JobExceptionsInfoWithHistory } from '../../rest-api/types.js';

export function exceptionsView(history: readonly RootException[] | undefined, maxExceptions?: number): JobExceptionsInfoWithHistory {
  const all = history ?? [];
  const entries = maxExceptions === undefined ? [...all] : all.slice(0, maxExceptions);
  const root = all[0];
  return {
    'root-exception': root?.stacktrace ?? null,
    timestamp: root?.timestamp ?? null,
    'all-exceptions': [],
    truncated: false,
    exceptionHistory: { entries, truncated: entries.length < all.length },
  };
}
