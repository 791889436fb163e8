/**
 * Payment latencies in bounded memory: exact count, minimum, maximum and
 * mean; percentiles from logarithmic buckets 1% wide (so within 1% of the
 * true value, from a millisecond to years, in about two thousand buckets);
 * and a systematic sample for the page's histogram, which keeps every
 * latency until it is full and then every second, fourth, ... one, evenly
 * over the run and the same for the same seed.
 */
import { InvalidInputError } from '../../../node/core/input.js';

const BUCKET_GROWTH = 1.01;
const LOG_GROWTH = Math.log(BUCKET_GROWTH);

export class LatencyDistribution {
  private readonly buckets = new Map<number, number>();
  private kept: number[] = [];
  /** Keep one latency of every `stride`; doubles each time the sample fills. */
  private stride = 1;
  private countValue = 0;
  private sum = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;

  constructor(readonly maxSamples = 2000) {
    if (!Number.isSafeInteger(maxSamples) || maxSamples < 2) throw new InvalidInputError('maxSamples', `${maxSamples} is not an integer of at least 2`);
  }

  record(latencyMs: number): void {
    if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) throw new InvalidInputError('latencyMs', `${latencyMs} is not a duration`);
    const bucket = bucketOf(latencyMs);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    if (this.countValue % this.stride === 0) {
      this.kept.push(latencyMs);
      if (this.kept.length > this.maxSamples) {
        this.kept = this.kept.filter((_, index) => index % 2 === 0);
        this.stride *= 2;
      }
    }
    this.countValue++;
    this.sum += latencyMs;
    this.minValue = Math.min(this.minValue, latencyMs);
    this.maxValue = Math.max(this.maxValue, latencyMs);
  }

  get count(): number {
    return this.countValue;
  }

  get min(): number | undefined {
    return this.countValue > 0 ? this.minValue : undefined;
  }

  get max(): number | undefined {
    return this.countValue > 0 ? this.maxValue : undefined;
  }

  get mean(): number | undefined {
    return this.countValue > 0 ? this.sum / this.countValue : undefined;
  }

  /** The latency below which a share `quantile` (in [0, 1]) of payments settled (nearest rank), within 1% of (1 ms + it); the last rank is the exact maximum. */
  percentile(quantile: number): number | undefined {
    if (!(quantile >= 0 && quantile <= 1)) throw new InvalidInputError('quantile', `${quantile} is outside [0, 1]`);
    if (this.countValue === 0) return undefined;
    const rank = Math.max(1, Math.ceil(quantile * this.countValue));
    if (rank === this.countValue) return this.maxValue;
    let seen = 0;
    for (const bucket of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(bucket)!;
      if (seen >= rank) return Math.min(this.maxValue, Math.max(this.minValue, bucketMiddle(bucket)));
    }
    return this.maxValue;
  }

  /** The kept latencies, in the order they were recorded. */
  sample(): number[] {
    return [...this.kept];
  }
}

/** Bucket i holds latencies whose (1 + ms) lies in [1.01^i, 1.01^(i+1)): the + 1 gives 0 ms a bucket. */
function bucketOf(latencyMs: number): number {
  return Math.floor(Math.log1p(latencyMs) / LOG_GROWTH);
}

function bucketMiddle(bucket: number): number {
  return Math.exp((bucket + 0.5) * LOG_GROWTH) - 1;
}
