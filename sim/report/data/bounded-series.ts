/**
 * A step series (a value that holds from one sample to the next: an outbox's
 * depth, a channel's balance) kept within a fixed number of points, however
 * long the run.
 *
 * Samples come in time order. A sample equal to the one before adds nothing
 * to a step line, so it is dropped. When the series outgrows its capacity,
 * time is cut into buckets of equal width and each bucket keeps at most
 * three of its points: its lowest, its highest (by the first value) and its
 * last. Peaks and dips survive, the value at the end of each bucket is
 * exact, and a change moves by less than one bucket. The width doubles each
 * time the series fills again, so the work per sample stays constant.
 */
import { InvalidInputError } from '../../../node/core/input.js';

/** `[atMs, value, ...more values]`; the first value decides peaks and dips. */
export type SeriesPoint = [atMs: number, value: number, ...more: number[]];

/** Fewer points than this cannot keep three per bucket over more than one bucket. */
export const MIN_SERIES_CAPACITY = 6;

export class BoundedSeries<Point extends SeriesPoint> {
  private points: Point[] = [];
  /** 0 until the first compaction: until then every distinct sample is kept. */
  private bucketMs = 0;
  private currentCapacity: number;

  constructor(capacity: number) {
    this.currentCapacity = checkCapacity(capacity);
  }

  get capacity(): number {
    return this.currentCapacity;
  }

  get length(): number {
    return this.points.length;
  }

  /** Width of the buckets merged so far, in milliseconds (0 while nothing has been merged). */
  get resolutionMs(): number {
    return this.bucketMs;
  }

  /** Lowers or raises the capacity; lowering it merges at once, so memory is freed now. */
  setCapacity(capacity: number): void {
    this.currentCapacity = checkCapacity(capacity);
    this.compactToCapacity();
  }

  push(point: Point): void {
    const atMs = point[0];
    if (!Number.isFinite(atMs)) throw new InvalidInputError('atMs', `${atMs} is not a time`);
    for (const value of point) if (!Number.isFinite(value)) throw new InvalidInputError('value', `${value} is not a finite number`);
    const last = this.points.at(-1);
    if (last !== undefined) {
      if (atMs < last[0]) throw new InvalidInputError('atMs', `${atMs} is earlier than the previous sample (${last[0]}): samples must come in time order`);
      if (sameValues(last, point)) return;
    }
    const copy = [...point] as Point;
    if (this.bucketMs > 0 && last !== undefined && this.bucketOf(last[0]) === this.bucketOf(atMs)) {
      const bucketStart = this.tailBucketStart();
      const bucket = this.points.slice(bucketStart);
      bucket.push(copy);
      this.points.length = bucketStart;
      for (const kept of keepExtremesAndLast(bucket)) this.points.push(kept);
    } else {
      this.points.push(copy);
    }
    if (this.points.length > this.currentCapacity) this.compactToCapacity();
  }

  /** A copy of the points, in time order. */
  toArray(): Point[] {
    return this.points.map((point) => [...point] as Point);
  }

  private compactToCapacity(): void {
    while (this.points.length > this.currentCapacity) {
      const first = this.points[0]![0];
      const last = this.points.at(-1)![0];
      // The first width leaves the series half full, so the next compaction is a whole span of time away.
      const bucketCount = Math.max(1, Math.floor(this.currentCapacity / 6));
      this.bucketMs = this.bucketMs > 0 ? this.bucketMs * 2 : Math.max(1, Math.ceil((last - first) / bucketCount));
      const compacted: Point[] = [];
      let bucket: Point[] = [];
      for (const point of this.points) {
        if (bucket.length > 0 && this.bucketOf(bucket[0]![0]) !== this.bucketOf(point[0])) {
          compacted.push(...keepExtremesAndLast(bucket));
          bucket = [];
        }
        bucket.push(point);
      }
      compacted.push(...keepExtremesAndLast(bucket));
      this.points = compacted;
    }
  }

  private bucketOf(atMs: number): number {
    return Math.floor(atMs / this.bucketMs);
  }

  /** Index of the first point in the last point's bucket (at most three back). */
  private tailBucketStart(): number {
    const bucket = this.bucketOf(this.points.at(-1)![0]);
    let start = this.points.length - 1;
    while (start > 0 && this.bucketOf(this.points[start - 1]![0]) === bucket) start--;
    return start;
  }
}

/** The lowest, the highest and the last point of a bucket, in time order, each once. */
function keepExtremesAndLast<Point extends SeriesPoint>(bucket: Point[]): Point[] {
  let lowest = 0;
  let highest = 0;
  for (let i = 1; i < bucket.length; i++) {
    if (bucket[i]![1] < bucket[lowest]![1]) lowest = i;
    if (bucket[i]![1] > bucket[highest]![1]) highest = i;
  }
  const kept: Point[] = [];
  for (let i = 0; i < bucket.length; i++) if (i === lowest || i === highest || i === bucket.length - 1) kept.push(bucket[i]!);
  return kept;
}

function sameValues(a: SeriesPoint, b: SeriesPoint): boolean {
  if (a.length !== b.length) return false;
  for (let i = 1; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkCapacity(capacity: number): number {
  if (!Number.isSafeInteger(capacity) || capacity < MIN_SERIES_CAPACITY) {
    throw new InvalidInputError('capacity', `${capacity} is not an integer of at least ${MIN_SERIES_CAPACITY}`);
  }
  return capacity;
}
