/**
 * A duty-cycle limiter for one sub-band: within any sliding window (an hour
 * by default) the transmitter may be on the air for at most a fraction of
 * it (1% in most of Europe's 868 MHz band). Regulations count per sub-band,
 * so a radio that hops sub-bands keeps one limiter per sub-band.
 *
 * The check is conservative: a past transmission counts whole as long as
 * any part of it lies in the window that ends with the new transmission.
 */
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError } from '../../node/core/input.js';

export interface DutyCyclePolicy {
  /** The sliding window, in milliseconds. */
  readonly windowMs: number;
  /** The share of the window the transmitter may be on the air, in (0, 1]; 1 means no limit. */
  readonly maxFraction: number;
}

const HOUR_MS = 3_600_000;

/** Europe, 863-870 MHz (ETSI EN 300 220): 1% per sub-band, over an hour. */
export const EU868: DutyCyclePolicy = { windowMs: HOUR_MS, maxFraction: 0.01 };
/** North America, 902-928 MHz (FCC part 15): no duty cycle, dwell time and hopping rules instead. */
export const US915: DutyCyclePolicy = { windowMs: HOUR_MS, maxFraction: 1 };

/**
 * The EU868 duty cycle of the sub-band holding a frequency (the LoRaWAN
 * sub-bands of ERC Recommendation 70-03): 0.1% in 868.7-869.2 MHz, 10% in
 * 869.4-869.65 MHz, 1% elsewhere in 863-870 MHz.
 */
export function eu868Policy(frequencyHz: number): DutyCyclePolicy {
  if (frequencyHz < 863_000_000 || frequencyHz > 870_000_000) {
    throw new InvalidInputError('frequencyHz', `${frequencyHz} Hz is outside the EU868 band (863-870 MHz)`);
  }
  if (frequencyHz >= 868_700_000 && frequencyHz <= 869_200_000) return { windowMs: HOUR_MS, maxFraction: 0.001 };
  if (frequencyHz >= 869_400_000 && frequencyHz <= 869_650_000) return { windowMs: HOUR_MS, maxFraction: 0.1 };
  return EU868;
}

/** Thrown for a transmission longer than the whole budget of the window: it can never be sent. */
export class DutyCycleError extends Error {
  override name = 'DutyCycleError';
}

interface Transmission {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * The transmissions of the last window, oldest first, as pairs of numbers in
 * one typed array: a busy radio sends thousands of frames an hour, and a
 * simulated mesh has thousands of radios (an object per frame was 8 MB of
 * grid500's heap after 15 virtual minutes).
 */
class TransmissionLog {
  private times = new Float64Array(32);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  at(index: number): Transmission {
    const at = 2 * (this.head + index);
    return { startMs: this.times[at]!, endMs: this.times[at + 1]! };
  }

  endAt(index: number): number {
    return this.times[2 * (this.head + index) + 1]!;
  }

  push(startMs: number, endMs: number): void {
    if (2 * (this.head + this.count + 1) > this.times.length) this.makeRoom();
    const at = 2 * (this.head + this.count++);
    this.times[at] = startMs;
    this.times[at + 1] = endMs;
  }

  /** Forgets the `count` oldest. */
  dropOldest(count: number): void {
    this.head += count;
    this.count -= count;
  }

  toArray(): Transmission[] {
    return Array.from({ length: this.count }, (_, index) => this.at(index));
  }

  /** Moves what is kept to the front, and grows by half when more than three quarters are kept. */
  private makeRoom(): void {
    const kept = this.times.subarray(2 * this.head, 2 * (this.head + this.count));
    const full = 2 * this.count > 0.75 * this.times.length;
    const times = full ? new Float64Array(2 * Math.ceil(0.75 * this.times.length)) : this.times;
    times.set(kept);
    this.times = times;
    this.head = 0;
  }
}

export class DutyCycleLimiter {
  private readonly transmissions = new TransmissionLog();

  constructor(
    private readonly clock: Clock,
    readonly policy: DutyCyclePolicy = EU868,
  ) {
    if (!(policy.windowMs > 0) || !Number.isFinite(policy.windowMs)) throw new InvalidInputError('windowMs', `${policy.windowMs} is not a positive duration`);
    if (!(policy.maxFraction > 0 && policy.maxFraction <= 1)) throw new InvalidInputError('maxFraction', `${policy.maxFraction} is outside (0, 1]`);
  }

  /** Airtime allowed in one window, in milliseconds. */
  get budgetMs(): number {
    return this.policy.windowMs * this.policy.maxFraction;
  }

  /** Airtime spent in the window that ends now (the parts of transmissions inside it). */
  usedMs(): number {
    this.forgetOld();
    const now = this.clock.now();
    const since = now - this.policy.windowMs;
    return this.transmissions.toArray().reduce((sum, t) => sum + Math.max(0, Math.min(t.endMs, now) - Math.max(t.startMs, since)), 0);
  }

  /**
   * The earliest time (on the clock, at or after now) at which a
   * transmission of `airtimeMs` keeps every window's airtime within budget.
   */
  whenCanSend(airtimeMs: number): number {
    if (!(airtimeMs >= 0) || !Number.isFinite(airtimeMs)) throw new InvalidInputError('airtimeMs', `${airtimeMs} is not a duration`);
    const now = this.clock.now();
    if (this.policy.maxFraction >= 1) return now;
    if (airtimeMs > this.budgetMs) {
      throw new DutyCycleError(
        `a transmission of ${airtimeMs.toFixed(1)} ms exceeds the whole duty-cycle budget (${this.budgetMs.toFixed(1)} ms per ${this.policy.windowMs} ms): use a faster data rate or a smaller frame`,
      );
    }
    this.forgetOld();
    // Sending at `start` counts every transmission ending after start + airtime - window.
    const counted = this.transmissions.toArray().filter((t) => t.endMs > now + airtimeMs - this.policy.windowMs).sort((a, b) => a.endMs - b.endMs);
    let used = counted.reduce((sum, t) => sum + (t.endMs - t.startMs), 0);
    let start = now;
    for (const transmission of counted) {
      if (used + airtimeMs <= this.budgetMs) break;
      used -= transmission.endMs - transmission.startMs;
      start = Math.max(start, transmission.endMs + this.policy.windowMs - airtimeMs);
    }
    return start;
  }

  /** Records a transmission that started (or will start) at `startMs`. */
  record(startMs: number, airtimeMs: number): void {
    if (!(airtimeMs >= 0) || !Number.isFinite(airtimeMs)) throw new InvalidInputError('airtimeMs', `${airtimeMs} is not a duration`);
    this.forgetOld(); // also where there is no limit (US915): nothing else would trim the list
    this.transmissions.push(startMs, startMs + airtimeMs);
  }

  /** Drops transmissions that can no longer fall in any window from now on. */
  private forgetOld(): void {
    const horizon = this.clock.now() - this.policy.windowMs;
    // Transmissions are recorded in time order: the old ones are at the front.
    let old = 0;
    while (old < this.transmissions.length && this.transmissions.endAt(old) <= horizon) old++;
    this.transmissions.dropOldest(old);
  }
}
