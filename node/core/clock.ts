/**
 * The `Clock`: where time comes from. Core logic never calls `Date.now` or
 * `setTimeout` itself, so that the simulator can run a whole mesh on virtual
 * time, deterministically.
 */

export interface Clock {
  /** Milliseconds since some fixed origin (the epoch for the system clock). */
  now(): number;
  /** Calls `callback` once, `ms` from now. Returns a function that cancels it. */
  setTimer(ms: number, callback: () => void): () => void;
}

/** The real clock: `Date.now` and `setTimeout`. Timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
