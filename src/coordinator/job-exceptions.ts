// A job's exception history, as Flink's JobManager keeps it (pure): one root exception per task failure,
// newest first, bounded like Flink's web.exception-history-size (default 16), and the view
// GET /jobs/:jobid/exceptions serves in Flink 1.20's shape.
import type { JobExceptionsInfoWithHistory, RootExceptionInfo } from '../rest-api/types.js';

export const EXCEPTION_HISTORY_SIZE = 16;

export interface FailureFacts {
  cause: Error;
  at: number;
  taskManagerPid?: number;
}

/** Flink prints a Java stack trace; ours is the JavaScript one, which starts with "<name>: <message>" the same way. */
function stacktraceOf(error: Error): string {
  const head = `${error.name}: ${error.message}`;
  return error.stack?.startsWith(head) ? error.stack : head;
}

export function exceptionEntry(failure: FailureFacts): RootExceptionInfo {
  const pid = failure.taskManagerPid;
  return {
    exceptionName: failure.cause.name,
    stacktrace: stacktraceOf(failure.cause),
    timestamp: failure.at,
    failureLabels: {},
    // A job fails as a whole here (one TaskManager process runs all of its subtasks): no single task to name.
    taskName: null,
    endpoint: pid === undefined ? null : '127.0.0.1',
    taskManagerId: pid === undefined ? null : `local-taskmanager-${pid}`,
    concurrentExceptions: [],
  };
}

/** The history with `entry` added first, bounded. */
export function withException(history: readonly RootExceptionInfo[] | undefined, entry: RootExceptionInfo): RootExceptionInfo[] {
  return [entry, ...(history ?? [])].slice(0, EXCEPTION_HISTORY_SIZE);
}

export function exceptionsView(history: readonly RootExceptionInfo[] | undefined, maxExceptions?: number): JobExceptionsInfoWithHistory {
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

/** The first line of a root exception's trace: what the CLI shows as the cause. */
export function rootCauseLine(history: readonly RootExceptionInfo[] | undefined): string | undefined {
  return history?.[0]?.stacktrace.split('\n')[0];
}
