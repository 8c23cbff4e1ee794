// The one way the CLI waits for a condition it has to ask about again (a job to run or end, a daemon to answer
// or exit): ask, and ask again after a pause, until there is an answer or the time is up.

export interface PollOptions {
  /** Pause between two questions. */
  intervalMs: number;
  /** Give up after this long (from now); Infinity waits as long as it takes. */
  timeoutMs?: number;
  /** Or give up at this time (Date.now() clock); the earlier of the two applies. */
  deadline?: number;
}

/**
 * Calls `check` until it returns something other than undefined, and returns that; undefined when the time ran
 * out first. `check` runs at least once, and once more after the last pause; an error it throws ends the wait
 * (that is how a check says "never").
 */
export async function pollUntil<T>(check: () => T | undefined | Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const deadline = Math.min(options.deadline ?? Infinity, Date.now() + (options.timeoutMs ?? Infinity));
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
