/** Randomness is passed in, never reached for globally, so that the simulator can replay a run from its seed. */

/** A source of randomness; core code never calls a global one. */
export type RandomBytes = (length: number) => Uint8Array;

/** A random number from 0 to 2^32 - 1: four bytes, big-endian. */
export function randomUint32(randomBytes: RandomBytes): number {
  const [a, b, c, d] = randomBytes(4);
  return ((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0;
}
