/**
 * How far V8 lets the simulator's heap grow past what is live. A simulated
 * mesh makes garbage fast (every frame, message and state copy of hundreds
 * of nodes) over a live set that changes slowly; by default V8 grows the heap
 * to about three times the live set between full collections, and never
 * gives it back: 500 nodes, 140-200 MB live, reached a 1 GB peak. Growing by
 * half at most keeps the peak near the live set, and costs no time measured:
 * a smaller heap is collected more often but touches less memory (grid500's
 * first 40 virtual minutes: 810 -> 438 MB peak, 183 -> 177 s CPU).
 *
 * Process-wide: `lnmesh sim run` sets it when a run starts, as the bench's
 * simulator child does; the library's `runScenario` leaves a host's heap alone.
 */
import { setFlagsFromString } from 'node:v8';

/** The heap may grow to 1.5 times what the last full collection left. */
export const SIM_HEAP_GROWING_PERCENT = 50;

export function limitHeapGrowth(percent = SIM_HEAP_GROWING_PERCENT): void {
  if (!Number.isInteger(percent) || percent < 1 || percent > 1000) throw new RangeError(`heap growing percent: expected a whole number from 1 to 1000, got ${percent}`);
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
