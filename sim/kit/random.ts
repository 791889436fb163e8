/**
 * Randomness for tests and benches: real random bytes where any will do, and
 * a small seeded generator where a run (a lossy medium) must repeat exactly.
 * The simulator's own, forkable generator is `sim/random.ts`.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';

export const randomBytes = (length: number) => new Uint8Array(nodeRandomBytes(length));

/** mulberry32: a small seeded generator, so a lossy run is the same every time. */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let value = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
