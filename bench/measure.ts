/**
 * Repeats an operation until enough time has passed for a stable rate,
 * and returns operations per second.
 */
import { performance } from 'node:perf_hooks';

export function operationsPerSecond(operation: () => unknown, minimumMilliseconds = 1000, minimumRuns = 3): number {
  operation(); // warm up
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minimumMilliseconds || runs < minimumRuns) {
    operation();
    runs++;
    elapsed = performance.now() - start;
  }
  return (runs * 1000) / elapsed;
}

/** A rate for an operation done `count` times per call. */
export function batchPerSecond(batch: () => unknown, count: number, minimumMilliseconds = 1000): number {
  return operationsPerSecond(batch, minimumMilliseconds, 1) * count;
}
