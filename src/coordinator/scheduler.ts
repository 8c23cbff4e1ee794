// Time for the checkpoint coordinator: a clock and the timers beside it (periodic triggers, the minimum pause,
// timeouts). Injected together, so tests drive time by hand instead of sleeping (test/support/manual-scheduler.ts).

/** Cancels a timer; calling it again does nothing. */
export type Cancel = () => void;

export interface Scheduler {
  now(): number;
  /** Runs `fn` once after `ms`. The process may exit while it waits (timers are unref'd). */
  after(ms: number, fn: () => void): Cancel;
  /** Runs `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Cancel;
}

/** Real time: Date.now and unref'd Node timers. */
export const systemScheduler: Scheduler = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
