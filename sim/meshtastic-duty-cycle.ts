/**
 * A Meshtastic radio's duty cycle, counted as the firmware counts it
 * (`AirTime`, firmware src/airtime.cpp): the time of each packet sent is
 * added, when sending completes, to the bucket of its minute since boot; the
 * hour is the 60 buckets of the current minute and the 59 before (a bucket is
 * emptied as its minute starts). `Router::send` refuses a packet while the
 * hour's sum is over the region's share (`hourlyTxPercent > dutyCycle`): so a
 * packet is allowed at or under the limit, and may take it over by its own
 * airtime. Budget, window and `whenCanSend` mirror `DutyCycleLimiter`
 * (`transports/lora/duty-cycle.ts`), so the medium drives either.
 */
import type { Clock } from '../node/core/clock.js';
import { InvalidInputError } from '../node/core/input.js';

const MINUTE_MS = 60_000;
const MINUTES_IN_HOUR = 60;

export class MeshtasticDutyCycle {
  /** Airtime sent, in ms, by minute since boot (time 0 of the clock); only the last hour's are kept. */
  private readonly minutes = new Map<number, number>();

  constructor(
    private readonly clock: Clock,
    /** The region's share of the hour, in percent; 100 means no limit. */
    readonly dutyCyclePercent: number,
  ) {
    if (!(dutyCyclePercent > 0 && dutyCyclePercent <= 100)) throw new InvalidInputError('dutyCyclePercent', `${dutyCyclePercent} is outside (0, 100]`);
  }

  /** Airtime allowed in one hour, in ms. */
  get budgetMs(): number {
    return (MINUTES_IN_HOUR * MINUTE_MS * this.dutyCyclePercent) / 100;
  }

  /** The hour's sum as the firmware has it now (`utilizationTXPercent`, in ms). */
  usedMs(): number {
    return this.usedAtMinute(this.minuteOf(this.clock.now()));
  }

  /** The earliest time at or after now at which the firmware accepts a packet; `airtimeMs` does not matter to it. */
  whenCanSend(_airtimeMs: number): number {
    const now = this.clock.now();
    if (this.dutyCyclePercent >= 100) return now;
    let minute = this.minuteOf(now);
    if (this.usedAtMinute(minute) <= this.budgetMs) return now;
    // The sum only falls as old minutes' buckets are emptied: at the start of a later minute.
    do minute++;
    while (this.usedAtMinute(minute) > this.budgetMs);
    return minute * MINUTE_MS;
  }

  /** Records a packet sent from `startMs` for `airtimeMs`: counted in the minute its sending completes. */
  record(startMs: number, airtimeMs: number): void {
    if (!(airtimeMs >= 0) || !Number.isFinite(airtimeMs)) throw new InvalidInputError('airtimeMs', `${airtimeMs} is not a duration`);
    const minute = this.minuteOf(startMs + airtimeMs);
    this.minutes.set(minute, (this.minutes.get(minute) ?? 0) + airtimeMs);
    for (const old of this.minutes.keys()) if (old <= minute - MINUTES_IN_HOUR) this.minutes.delete(old);
  }

  private usedAtMinute(minute: number): number {
    let sum = 0;
    for (const [at, ms] of this.minutes) if (at > minute - MINUTES_IN_HOUR && at <= minute) sum += ms;
    return sum;
  }

  private minuteOf(timeMs: number): number {
    return Math.floor(timeMs / MINUTE_MS);
  }
}
