// Flink's asynchronous operations (savepoint, stop, checkpoint, disposal): a trigger returns an id; the
// status is polled with backoff until COMPLETED. Timing out on the client never cancels the operation:
// the error carries the trigger id so the user can reattach.
import { TimeoutError } from '../domain/errors.js';
import type { AsyncOperationResult } from '../rest-api/types.js';

export interface PollOptions {
  /** Give up waiting after this long (the operation continues on the cluster). */
  timeoutMs: number;
  /** Called after every poll that is still in progress. */
  onProgress?: () => Promise<void> | void;
  /** What the timeout message calls the operation, e.g. "Savepoint". */
  what: string;
  triggerId: string;
  /** How to reattach, e.g. "flink savepoint status <jobId> <triggerId>". */
  reattach?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Backoff: first delay and cap, in ms (Flink's client uses 10 ms doubling to 2 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export async function pollUntilComplete<Operation>(fetchStatus: () => Promise<AsyncOperationResult<Operation>>, options: PollOptions): Promise<Operation> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 10;
  const maxDelay = options.maxDelayMs ?? 2000;
  const timedOut = () =>
    new TimeoutError(
      `${options.what} did not complete within ${formatSeconds(options.timeoutMs)}; it may still be running (trigger id ${options.triggerId}).`,
      { triggerId: options.triggerId, hint: options.reattach ? `Reattach with: ${options.reattach}` : undefined },
    );
  for (;;) {
    // A status request that hangs does not outlast the wait the user asked for.
    const result = await withinDeadline(fetchStatus(), Math.max(1000, deadline - now()), timedOut);
    if (result.status.id === 'COMPLETED') return (result.operation ?? {}) as Operation;
    if (options.onProgress) await options.onProgress();
    const remaining = deadline - now();
    if (remaining <= 0) throw timedOut();
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, maxDelay);
  }
}

function withinDeadline<T>(pending: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  pending.catch(() => {}); // a late failure of an abandoned request is not an unhandled rejection
  return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
