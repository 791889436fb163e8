/**
 * The simulator's clock: discrete-event virtual time. Every node, the
 * gateway and the media take it as their `Clock`; nothing waits for real
 * time, so thirty days of a mesh run in minutes, and the same seed replays
 * the same run event for event.
 *
 * - Time is whole milliseconds, like `Date.now()`: a delay is rounded up, so
 *   a timer never fires early, and code that makes a `BigInt` or an integer
 *   field of the time keeps working.
 * - Events run in (time, order of scheduling): ties run first come, first
 *   served, the same in every run.
 * - After each event, the scheduler lets what it started run before the next
 *   one (the node code is partly async: promise continuations, queued
 *   microtasks): one turn of the event loop, by default, which empties the
 *   microtask queue. Only then does time move on.
 * - A callback that throws (or an `at` callback whose promise rejects) does
 *   not stop the run: it becomes an `error` record and a count.
 * - The event log: `log(kind, detail)` records what happened; every record,
 *   and the time and order of every event run, fold into a running SHA-256,
 *   `eventLogHash()`, which two runs of the same seed must agree on. Only the
 *   last records are kept in memory (`recentRecords`), or streamed to
 *   `onRecord`: a month of a mesh would not fit.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Clock } from '../node/core/clock.js';
import { InvalidInputError, describe } from '../node/core/input.js';
import { EventQueue, type QueuedEvent } from './event-queue.js';

/** A misuse of the scheduler itself (a run started inside a run). */
export class SchedulerError extends Error {
  override name = 'SchedulerError';
}

/** One line of the event log. */
export interface EventRecord {
  /** Virtual time, in milliseconds. */
  readonly timeMs: number;
  /** A short tag: 'error', 'link-down', 'payment', ... */
  readonly kind: string;
  readonly detail: string;
}

/**
 * What an event does. A `setTimer` callback's promise, if it returns one, is
 * not waited for (node code must never block time); an `at` callback's is:
 * see `at`.
 */
export type EventCallback = () => void | Promise<void>;

export interface SchedulerOptions {
  /** Virtual time at the start, in whole milliseconds. Default 0; `Date.UTC(2025, 0, 1)` gives dates that look real. */
  readonly startMs?: number;
  /** How many of the latest records `recentRecords` keeps. Default 1000. */
  readonly keepRecords?: number;
  /** Called with each record as it is logged: for a report that wants them all, written out as they come. */
  readonly onRecord?: (record: EventRecord) => void;
  /**
   * Waits until what an event started has run as far as it can without more
   * time. Default: one turn of the event loop (`setImmediate`), after which
   * the microtask queue is empty. Code that waits for real I/O needs more.
   */
  readonly settle?: () => Promise<void>;
}

export interface SchedulerCounters {
  /** Events run (timers and `at` events; cancelled ones not). */
  eventsRun: number;
  /** Events whose callback threw or rejected. */
  errors: number;
  /** Events scheduled. */
  scheduled: number;
  /** Events cancelled before they ran. */
  cancelled: number;
  /** Records logged, errors included. */
  records: number;
}

interface ScheduledEvent extends QueuedEvent {
  readonly callback: EventCallback;
  /** Given for `at` events; node timers have none. */
  readonly label: string | undefined;
  /** Run or cancelled: it will not run (again). */
  done: boolean;
}

/** Cancelled events are left in the queue and skipped; past this many, they are swept out. */
const SWEEP_CANCELLED_AT = 4096;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Scheduler implements Clock {
  readonly counters: SchedulerCounters = { eventsRun: 0, errors: 0, scheduled: 0, cancelled: 0, records: 0 };
  private time: number;
  private sequence = 0;
  private readonly queue = new EventQueue<ScheduledEvent>();
  private cancelledInQueue = 0;
  private running = false;
  private readonly hash: Hash = createHash('sha256');
  private readonly eventBytes = Buffer.alloc(17);
  private readonly records: EventRecord[] = [];
  private recordsStart = 0;
  private readonly keepRecords: number;
  private readonly onRecord: ((record: EventRecord) => void) | undefined;
  private readonly settle: () => Promise<void>;

  constructor(options: SchedulerOptions = {}) {
    this.time = options.startMs ?? 0;
    if (!Number.isSafeInteger(this.time)) throw new InvalidInputError('startMs', `expected whole milliseconds, got ${describe(this.time)}`);
    this.keepRecords = options.keepRecords ?? 1000;
    if (!Number.isSafeInteger(this.keepRecords) || this.keepRecords < 0) throw new InvalidInputError('keepRecords', `expected a count, got ${describe(this.keepRecords)}`);
    this.onRecord = options.onRecord;
    this.settle = options.settle ?? nextTurn;
  }

  now(): number {
    return this.time;
  }

  /** Calls `callback` `ms` from now (rounded up to whole milliseconds; 0 runs after what is already due now). */
  setTimer(ms: number, callback: () => void): () => void {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new InvalidInputError('ms', `a timer needs a finite delay, got ${describe(ms)}`);
    return this.schedule(this.time + Math.max(0, Math.ceil(ms)), undefined, callback);
  }

  /**
   * Calls `callback` at virtual time `timeMs` (rounded up; not in the past).
   * For the simulation's own events (a payment, a link cut, a block): the
   * label names it in the error record if it fails. If the callback returns
   * a promise, time stands still until it settles, so a block can be mined
   * or a node restarted at one instant; such a callback must therefore never
   * wait for a later event, or the run waits forever.
   */
  at(timeMs: number, label: string, callback: EventCallback): () => void {
    if (typeof timeMs !== 'number' || !Number.isFinite(timeMs)) throw new InvalidInputError('timeMs', `expected a time, got ${describe(timeMs)}`);
    if (timeMs < this.time) throw new InvalidInputError('timeMs', `${timeMs} is in the past (now is ${this.time}) for the event ${JSON.stringify(label)}`);
    if (typeof label !== 'string') throw new InvalidInputError('label', `expected a string, got ${describe(label)}`);
    return this.schedule(Math.ceil(timeMs), label, callback);
  }

  /** Runs every event due up to `endTimeMs` included, then leaves the clock at `endTimeMs`. */
  async runUntil(endTimeMs: number): Promise<void> {
    this.checkEnd('endTimeMs', endTimeMs);
    await this.advance(endTimeMs, () => true);
  }

  /**
   * Runs events while `predicate()` holds (checked before each one), for at
   * most `limitMs` of virtual time from now. Returns true when the predicate
   * stopped holding, false when the limit came first (the clock is then at
   * the limit, even with nothing left to run).
   */
  async runWhile(predicate: () => boolean, limitMs: number): Promise<boolean> {
    if (typeof limitMs !== 'number' || !Number.isSafeInteger(limitMs) || limitMs < 0) throw new InvalidInputError('limitMs', `expected whole milliseconds, got ${describe(limitMs)}`);
    return this.advance(this.time + limitMs, predicate);
  }

  /** Appends a record to the event log and folds it into `eventLogHash`. */
  log(kind: string, detail: string): void {
    const record: EventRecord = { timeMs: this.time, kind, detail };
    this.counters.records++;
    this.hash.update(JSON.stringify([record.timeMs, kind, detail]) + '\n');
    if (this.keepRecords > 0) {
      if (this.records.length < this.keepRecords) this.records.push(record);
      else {
        this.records[this.recordsStart] = record;
        this.recordsStart = (this.recordsStart + 1) % this.keepRecords;
      }
    }
    this.onRecord?.(record);
  }

  /** SHA-256, hex, of everything logged and every event run so far. */
  eventLogHash(): string {
    return this.hash.copy().digest('hex');
  }

  /** The latest records (at most `keepRecords`), oldest first. */
  recentRecords(): EventRecord[] {
    return [...this.records.slice(this.recordsStart), ...this.records.slice(0, this.recordsStart)];
  }

  /** Events scheduled and not yet run or cancelled. */
  get pendingEvents(): number {
    return this.queue.size - this.cancelledInQueue;
  }

  /** Time of the next event to run, or undefined when none is pending. */
  nextEventTimeMs(): number | undefined {
    return this.nextLive()?.timeMs;
  }

  private schedule(timeMs: number, label: string | undefined, callback: EventCallback): () => void {
    if (typeof callback !== 'function') throw new InvalidInputError('callback', `expected a function, got ${describe(callback)}`);
    const event: ScheduledEvent = { timeMs, sequence: this.sequence++, callback, label, done: false };
    this.queue.push(event);
    this.counters.scheduled++;
    return () => {
      if (event.done) return;
      event.done = true;
      this.counters.cancelled++;
      this.cancelledInQueue++;
      if (this.cancelledInQueue > SWEEP_CANCELLED_AT && this.cancelledInQueue * 2 > this.queue.size) {
        this.queue.retain((queued) => !queued.done);
        this.cancelledInQueue = 0;
      }
    };
  }

  private async advance(endTimeMs: number, keepGoing: () => boolean): Promise<boolean> {
    if (this.running) throw new SchedulerError('the scheduler is already running: runUntil and runWhile cannot be called from an event');
    this.running = true;
    try {
      await this.settle();
      for (;;) {
        if (!keepGoing()) return true;
        const next = this.nextLive();
        if (next === undefined || next.timeMs > endTimeMs) break;
        this.queue.pop();
        next.done = true;
        this.time = next.timeMs;
        const waiting = this.run(next);
        if (waiting) await waiting;
        await this.settle();
      }
      this.time = Math.max(this.time, endTimeMs);
      return !keepGoing();
    } finally {
      this.running = false;
    }
  }

  /** Runs one event; returns a promise only for an `at` callback that returned one. */
  private run(event: ScheduledEvent): Promise<void> | undefined {
    this.counters.eventsRun++;
    this.eventBytes.writeDoubleLE(event.timeMs, 1);
    this.eventBytes.writeDoubleLE(event.sequence, 9);
    this.hash.update(this.eventBytes);
    let result: void | Promise<void>;
    try {
      result = event.callback();
    } catch (error) {
      this.fail(event, error);
      return undefined;
    }
    if (!isPromise(result)) return undefined;
    const settled = result.then(
      () => undefined,
      (error: unknown) => this.fail(event, error),
    );
    return event.label === undefined ? undefined : settled;
  }

  private fail(event: ScheduledEvent, error: unknown): void {
    this.counters.errors++;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.log('error', `${event.label ?? 'timer'}: ${message}`);
  }

  /** The next event not cancelled, dropping cancelled ones from the top of the queue. */
  private nextLive(): ScheduledEvent | undefined {
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined || !next.done) return next;
      this.queue.pop();
      this.cancelledInQueue--;
    }
  }

  private checkEnd(field: string, endTimeMs: number): void {
    if (typeof endTimeMs !== 'number' || !Number.isSafeInteger(endTimeMs)) throw new InvalidInputError(field, `expected whole milliseconds, got ${describe(endTimeMs)}`);
    if (endTimeMs < this.time) throw new InvalidInputError(field, `${endTimeMs} is before now (${this.time})`);
  }
}

function isPromise(value: unknown): value is Promise<void> {
  return typeof value === 'object' && value !== null && typeof (value as Promise<void>).then === 'function';
}
