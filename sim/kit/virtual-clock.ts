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
import { EventQueue } from '../event-queue.js';

/** Lets queued promise callbacks and microtask deliveries run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Timer {
  /** When it falls due, and its place among timers due at the same time (the simulator's event queue orders by both). */
  readonly timeMs: number;
  readonly sequence: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private time: number;
  private readonly timers = new EventQueue<Timer>();
  private sequence = 0;
  private live = 0;

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer: Timer = { timeMs: this.time + Math.max(0, ms), sequence: this.sequence++, callback, cancelled: false };
    this.timers.push(timer);
    this.live++;
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true; // left in the queue, skipped when it comes up
      this.live--;
    };
  }

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.live;
  }

  /** Moves time forward by `ms`, firing due timers one at a time, each after what came before has settled. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.takeDue(end);
      if (!due) break;
      this.time = due.timeMs;
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
    const due: Timer[] = [];
    for (let timer = this.takeDue(this.time); timer; timer = this.takeDue(this.time)) due.push(timer);
    for (const timer of due) timer.callback();
  }

  /** Jumps to `atMs` (`tick` to an instant rather than by a span). */
  tickTo(atMs: number): void {
    this.tick(atMs - this.time);
  }

  /** Takes the earliest live timer due at or before `end` out of the queue (it then counts as fired). */
  private takeDue(end: number): Timer | undefined {
    for (let next = this.timers.peek(); next && next.timeMs <= end; next = this.timers.peek()) {
      this.timers.pop();
      if (next.cancelled) continue;
      next.cancelled = true; // fired: a later cancel does nothing
      this.live--;
      return next;
    }
    return undefined;
  }
}
