/**
 * How long the transport stops asking the radio after it refused a frame
 * for its duty cycle or a full queue. A refusal costs no airtime, only a
 * few hundred bytes on the serial line, so waiting is about not pestering
 * the radio (each refusal is a warning line and a client notification on
 * its side), not about the air.
 *
 * The firmware keeps its own airtime in one-minute buckets over a rolling
 * hour (airtime.cpp) and refuses while the hour's share is over the
 * region's duty cycle (Router::send): the refusal can only lift when a
 * bucket rolls out, at a minute boundary we cannot see. So the wait starts
 * short (the boundary may be seconds away) and doubles with each refusal
 * in a row, up to a minute (once a minute is as often as the answer can
 * change); the first frame the radio takes resets it. A full queue is
 * refused until the radio announces a freed slot, or a short while passes.
 */
import type { Clock } from '../../node/core/clock.js';

export type BusyReason = 'duty cycle' | 'queue full';

export interface BusyBackoffTimes {
  /** The first wait after a duty-cycle refusal; each refusal in a row doubles it. */
  readonly dutyCycleFirstMs: number;
  /** The longest wait after a duty-cycle refusal. */
  readonly dutyCycleMaxMs: number;
  /** The wait after a full-queue refusal, unless the radio says a slot freed first. */
  readonly queueFullMs: number;
}

/** 15 s, 30 s, then 60 s between tries while the radio refuses for its duty cycle; 2 s for a full queue. */
export const DEFAULT_BUSY_BACKOFF: BusyBackoffTimes = { dutyCycleFirstMs: 15_000, dutyCycleMaxMs: 60_000, queueFullMs: 2000 };

export class BusyBackoff {
  private busy: { untilMs: number; why: BusyReason } | undefined;
  private nextDutyCycleMs: number;

  constructor(
    private readonly clock: Clock,
    readonly times: BusyBackoffTimes,
  ) {
    this.nextDutyCycleMs = times.dutyCycleFirstMs;
  }

  /** Why sends are refused at once, and until when; undefined when the radio may be asked. */
  refusing(): { untilMs: number; why: BusyReason } | undefined {
    return this.busy && this.clock.now() < this.busy.untilMs ? this.busy : undefined;
  }

  /** The radio refused a frame for `why`: the time to try again (never earlier than a back-off already running). */
  refused(why: BusyReason): number {
    let waitMs = this.times.queueFullMs;
    if (why === 'duty cycle') {
      waitMs = this.nextDutyCycleMs;
      this.nextDutyCycleMs = Math.min(this.nextDutyCycleMs * 2, this.times.dutyCycleMaxMs);
    }
    const untilMs = Math.max(this.clock.now() + waitMs, this.refusing()?.untilMs ?? 0);
    this.busy = { untilMs, why: this.refusing()?.why === 'duty cycle' ? 'duty cycle' : why };
    return untilMs;
  }

  /** The radio took a frame: under its duty cycle again, so the next refusal waits the first time again. */
  taken(): void {
    this.nextDutyCycleMs = this.times.dutyCycleFirstMs;
  }

  /** The radio reports its queue with `free` slots: a full-queue back-off ends when one is free. */
  queueReported(free: number): void {
    if (this.busy?.why === 'queue full' && free > 0) this.busy = undefined;
  }

  /** The radio rebooted: a fresh queue, and (in the firmware) its airtime forgotten. */
  reset(): void {
    this.busy = undefined;
    this.nextDutyCycleMs = this.times.dutyCycleFirstMs;
  }
}
