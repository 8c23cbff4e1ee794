// Ctrl-C (SIGINT) and SIGTERM while a command waits on the cluster: stop at once, restore the terminal, and
// say that the operation may still complete there (with the trigger id to reattach). main.ts installs the
// handlers; the waiting code registers what it waits for and what to clean up.

/** What this process waits for: an asynchronous operation (by trigger id), or a job an attached run watches. */
export type Waiting =
  | {
      /** e.g. "savepoint" */
      what: string;
      triggerId: string;
      /** How to reattach, e.g. "flink savepoint status <jobId> <triggerId>". */
      reattach?: string;
    }
  | { job: string };

let waiting: Waiting | undefined;
const cleanups = new Set<() => void>();

/** Marks the operation this process waits for; returns a function that unmarks it. */
export function markWaiting(operation: Waiting): () => void {
  waiting = operation;
  return () => {
    if (waiting === operation) waiting = undefined;
  };
}

/** Registers something to undo on a signal (a spinner that hid the cursor); returns its removal. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

const releases = new Set<() => Promise<void>>();

/** Registers something to release before exiting on a signal (a lease in a store); returns its removal. */
export function onInterruptRelease(release: () => Promise<void>): () => void {
  releases.add(release);
  return () => releases.delete(release);
}

/** Runs the releases registered, for at most `timeoutMs` (the process is about to exit). */
export async function releaseOnInterrupt(timeoutMs = 3000): Promise<void> {
  const all = Promise.allSettled([...releases].map((release) => release()));
  releases.clear();
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Runs the cleanups and returns the lines to print on stderr and the exit code for this signal. */
export function interrupted(signal: keyof typeof SIGNAL_EXIT_CODES): { lines: string[]; code: number } {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // best effort: the process is ending
    }
  }
  cleanups.clear();
  const name = signal === 'SIGINT' ? 'Interrupted' : 'Terminated';
  const lines = !waiting
    ? [`${name}.`]
    : 'job' in waiting
      ? [
          `${name}: stopped waiting; job ${waiting.job} keeps running on the cluster (an attached run only watches it).`,
          `Stop it with: flink stop ${waiting.job} (or flink cancel ${waiting.job})`,
        ]
      : [
          `${name}: stopped waiting; the ${waiting.what} may still complete on the cluster (trigger id ${waiting.triggerId}).`,
          ...(waiting.reattach ? [`Reattach with: ${waiting.reattach}`] : []),
        ];
  return { lines, code: SIGNAL_EXIT_CODES[signal] };
}
