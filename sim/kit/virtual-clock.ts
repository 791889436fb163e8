/**
 * The kit's one virtual clock: time that moves only when a test says so, so
 * a scenario of days runs in milliseconds and reads the same every run.
 *
 * Two ways to move it, for the two kinds of code under test:
 * - `advance(ms)` (async) fires due timers one at a time, each at its own
 *   time, and lets the promises it triggers settle before the next: for
 *   links, routers and meshes, whose timers start more work.
 * - `tick(ms)` (sync) jumps to the end and fires the timers that were due, in
 *   order (those they set wait for the next move): for code that only reads
 *   the time or polls, where a test steps through exact instants.
 */
import type { Clock } from '../../node/core/clock.js';

/** Lets queued promise callbacks and microtask deliveries run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Timer {
  at: number;
  order: number;
  callback: () => void;
}

export class VirtualClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private order = 0;

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), order: this.order++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers one at a time, each after what came before has settled. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((timer) => timer.at <= end).sort(byDue)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
    await settle();
  }

  /** Advances in steps until `done()` or `limitMs` have passed; returns whether `done()` held. */
  async runUntil(done: () => boolean, limitMs: number, stepMs = 1000): Promise<boolean> {
    const end = this.time + limitMs;
    while (!done() && this.time < end) await this.advance(Math.min(stepMs, end - this.time));
    return done();
  }

  /** Jumps `ms` on at once, then fires the timers that fell due, in order; nothing waits. */
  tick(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((timer) => timer.at <= this.time).sort(byDue);
    this.timers = this.timers.filter((timer) => timer.at > this.time);
    for (const timer of due) timer.callback();
  }

  /** Jumps to `atMs` (`tick` to an instant rather than by a span). */
  tickTo(atMs: number): void {
    this.tick(atMs - this.time);
  }
}

const byDue = (a: Timer, b: Timer) => a.at - b.at || a.order - b.order;
