// Disposal of snapshot files, tracked (as Flink's CheckpointsCleaner does): the coordinator asks which entries
// are being disposed, so a retention pass never plans one twice, and close() awaits every disposal started.

export class SnapshotCleaner<T> {
  private readonly disposing = new Set<T>();
  private readonly running = new Set<Promise<void>>();

  /** Whether the files of `entry` are being deleted right now. */
  isDisposing(entry: T): boolean {
    return this.disposing.has(entry);
  }

  /** How many disposals are running. */
  get pending(): number {
    return this.disposing.size;
  }

  /**
   * Disposes each entry not already being disposed, one after another (`remove` does the I/O and its own
   * error handling); resolves when this batch is done. Returns the entries it took on.
   */
  dispose(entries: readonly T[], remove: (entry: T) => Promise<void>): { taken: T[]; done: Promise<void> } {
    const taken = [...new Set(entries)].filter((e) => !this.disposing.has(e));
    for (const entry of taken) this.disposing.add(entry);
    const done = (async () => {
      for (const entry of taken) {
        try {
          await remove(entry);
        } catch {
          // `remove` reports its own failures; the next entry still goes
        } finally {
          this.disposing.delete(entry);
        }
      }
    })();
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { taken, done };
  }

  /** Tracks follow-up work of a disposal (recording it) so that idle() waits for it too; returns `work`. */
  track<W>(work: Promise<W>): Promise<W> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.finally(() => this.running.delete(settled));
    return work;
  }

  /** Resolves once every disposal started so far (and any started while waiting) has settled. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
