// A job's exception history, as Flink's JobManager keeps it (pure): one root exception per task failure,
// newest first, bounded like Flink's web.exception-history-size (default 16). The server's view of it is
// server/views/exceptions.ts.
import type { RootException } from './job-record.js';

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

export function exceptionEntry(failure: FailureFacts): RootException {
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
export function withException(history: readonly RootException[] | undefined, entry: RootException): RootException[] {
  return [entry, ...(history ?? [])].slice(0, EXCEPTION_HISTORY_SIZE);
}

/** The first line of a root exception's trace: what the CLI shows as the cause. */
export function rootCauseLine(history: readonly RootException[] | undefined): string | undefined {
  return history?.[0]?.stacktrace.split('\n')[0];
}
