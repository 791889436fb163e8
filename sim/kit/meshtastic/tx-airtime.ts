/**
 * The firmware's duty-cycle accounting (src/airtime.cpp): our transmit time
 * in one-minute buckets over a rolling hour (utilizationTX, MINUTES_IN_HOUR
 * buckets), logged when a transmission completes, relays included; the
 * share of the hour used is what Router::send compares with the region's
 * duty cycle. It lives in RAM: a reboot forgets it. `hourMs` shrinks the
 * hour for tests (the buckets shrink with it).
 */
import type { Clock } from '../../../node/core/clock.js';

const MINUTES_IN_HOUR = 60;

export class TxAirtime {
  private buckets = new Map<number, number>();

  constructor(
    private readonly clock: Clock,
    readonly hourMs = 3_600_000,
  ) {}

  private minute(): number {
    return Math.floor(this.clock.now() / (this.hourMs / MINUTES_IN_HOUR));
  }

  log(airtimeMs: number): void {
    const minute = this.minute();
    this.buckets.set(minute, (this.buckets.get(minute) ?? 0) + airtimeMs);
  }

  /** utilizationTXPercent: our airtime in the last 60 buckets, as a percentage of the hour. */
  utilizationPercent(): number {
    const oldest = this.minute() - MINUTES_IN_HOUR + 1;
    let sum = 0;
    for (const [minute, airtime] of this.buckets) {
      if (minute < oldest) this.buckets.delete(minute);
      else sum += airtime;
    }
    return (sum / this.hourMs) * 100;
  }

  clear(): void {
    this.buckets = new Map();
  }
}
