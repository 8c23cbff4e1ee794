// A clock and timers that move only when the test says so (the checkpoint coordinator's Scheduler).
import type { Cancel, Scheduler } from '../../src/coordinator/scheduler.js';

interface Timer {
  at: number;
  every?: number;
  fn: () => void;
}

export class ManualScheduler implements Scheduler {
  private readonly timers = new Set<Timer>();

  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.add({ at: this.time + Math.max(0, ms), fn });
  }

  every(ms: number, fn: () => void): Cancel {
    return this.add({ at: this.time + ms, every: ms, fn });
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due on the way, earliest first. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.time = due.at;
      if (due.every === undefined) this.timers.delete(due);
      else due.at += due.every;
      due.fn();
    }
    this.time = end;
  }

  private add(timer: Timer): Cancel {
    this.timers.add(timer);
    return () => void this.timers.delete(timer);
  }
}
