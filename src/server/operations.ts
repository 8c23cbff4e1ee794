// Asynchronous operations by trigger id (savepoint, stop, checkpoint, disposal), as Flink's REST handlers
// keep them: a trigger registers the operation and returns at once; the status endpoint reads the result;
// re-posting the same trigger id does not start a second operation; results expire after a while.

export type OperationState<T> = { status: 'IN_PROGRESS' } | { status: 'COMPLETED'; value: T } | { status: 'FAILED'; error: Error };

interface Entry {
  state: OperationState<unknown>;
  finishedAt?: number;
}

export class OperationCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly retentionMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts `run` unless an operation with this key exists; returns whether it started a new one. */
  start<T>(key: string, run: () => Promise<T>): boolean {
    this.expire();
    if (this.entries.has(key)) return false;
    const entry: Entry = { state: { status: 'IN_PROGRESS' } };
    this.entries.set(key, entry);
    let promise: Promise<T>;
    try {
      promise = run();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => {
        entry.state = { status: 'COMPLETED', value };
        entry.finishedAt = this.now();
      },
      (error: unknown) => {
        entry.state = { status: 'FAILED', error: error instanceof Error ? error : new Error(String(error)) };
        entry.finishedAt = this.now();
      },
    );
    return true;
  }

  get<T>(key: string): OperationState<T> | undefined {
    this.expire();
    return this.entries.get(key)?.state as OperationState<T> | undefined;
  }

  private expire(): void {
    const limit = this.now() - this.retentionMs;
    for (const [key, entry] of this.entries) if (entry.finishedAt !== undefined && entry.finishedAt < limit) this.entries.delete(key);
  }
}
