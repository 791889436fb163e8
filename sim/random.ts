/**
 * The simulator's randomness: one seed, and from it every random choice of a
 * run (losses, workload arrivals, the nodes' keys and nonces), so that the
 * same seed replays the same run. Secrecy does not matter here; repeatability
 * does.
 *
 * The generator is xoshiro128** 1.1 (Blackman and Vigna, "Scrambled linear
 * pseudorandom number generators", 2018; reference code at
 * https://prng.di.unimi.it/xoshiro128starstar.c): 128 bits of state, period
 * 2^128 - 1, fast with 32-bit integer arithmetic. Its state comes from
 * SHA-256 of the seed and a path of labels, so `fork(label)` gives a stream of
 * its own that does not depend on how much any other stream was used: adding
 * a node, or a node drawing one more number, leaves the others' streams as
 * they were.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidInputError, describe } from '../node/core/input.js';

/** What a run is seeded with: an integer (as on the command line) or any string. */
export type Seed = number | string;

const TWO_TO_32 = 4294967296;

export class SeededRandom {
  /** The labels from the root generator to this one. */
  readonly path: readonly string[];
  private readonly seed: Seed;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: Seed, path: readonly string[] = []) {
    if (typeof seed === 'number' ? !Number.isSafeInteger(seed) : typeof seed !== 'string') {
      throw new InvalidInputError('seed', `expected an integer or a string, got ${describe(seed)}`);
    }
    this.seed = seed;
    this.path = [...path];
    // The number 7 and the string "7" are the same seed: the command line gives a string.
    const digest = sha256(new TextEncoder().encode(JSON.stringify(['lnmesh-sim', String(seed), ...this.path])));
    const words = new DataView(digest.buffer, digest.byteOffset, 16);
    this.s0 = words.getUint32(0, true);
    this.s1 = words.getUint32(4, true);
    this.s2 = words.getUint32(8, true);
    this.s3 = words.getUint32(12, true);
    // The all-zero state is the one xoshiro cannot leave; SHA-256 will not give it, but be sure.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator with a raw xoshiro128** state, for checking against the reference code. */
  static fromState(state: readonly [number, number, number, number]): SeededRandom {
    const random = new SeededRandom(0, ['raw state']);
    [random.s0, random.s1, random.s2, random.s3] = state.map((word) => word >>> 0) as [number, number, number, number];
    return random;
  }

  /** An independent stream named `label`, derived from the seed and this generator's path, not from its position. */
  fork(label: string): SeededRandom {
    if (typeof label !== 'string') throw new InvalidInputError('label', `expected a string, got ${describe(label)}`);
    return new SeededRandom(this.seed, [...this.path, label]);
  }

  /** The next 32 random bits, as an unsigned integer. */
  readonly uint32 = (): number => {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const shifted = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= shifted;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  };

  /** Uniform in [0, 1), in steps of 2^-32 (fine enough for loss rates and arrival times). */
  readonly next = (): number => this.uint32() / TWO_TO_32;

  /** A uniform integer in [min, max], both included; the range may span at most 2^32 values. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new InvalidInputError('range', `expected integers min <= max, got [${describe(min)}, ${describe(max)}]`);
    }
    const span = max - min + 1;
    if (span > TWO_TO_32) throw new InvalidInputError('range', `[${min}, ${max}] spans more than 2^32 values`);
    // Rejection keeps every value equally likely: draws in the incomplete last block are redrawn.
    const limit = TWO_TO_32 - (TWO_TO_32 % span);
    for (;;) {
      const draw = this.uint32();
      if (draw < limit) return min + (draw % span);
    }
  }

  /** True with probability `probability` (0 never, 1 always). */
  chance(probability: number): boolean {
    if (!(probability >= 0 && probability <= 1)) throw new InvalidInputError('probability', `${describe(probability)} is outside [0, 1]`);
    return probability > 0 && this.next() < probability;
  }

  /** `length` random bytes: the simulated nodes' `randomBytes`, for keys and nonces that repeat with the seed. */
  readonly bytes = (length: number): Uint8Array => {
    if (!Number.isSafeInteger(length) || length < 0) throw new InvalidInputError('length', `expected a byte count, got ${describe(length)}`);
    const bytes = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 4) {
      let word = this.uint32();
      for (let i = offset; i < Math.min(offset + 4, length); i++) {
        bytes[i] = word & 0xff;
        word >>>= 8;
      }
    }
    return bytes;
  };

  /** The time to the next arrival of a Poisson process with mean interval `meanMs` (exponentially distributed). */
  exponential(meanMs: number): number {
    if (!(meanMs > 0) || !Number.isFinite(meanMs)) throw new InvalidInputError('meanMs', `expected a positive duration, got ${describe(meanMs)}`);
    // 1 - next() is in (0, 1]: the logarithm is finite.
    return -meanMs * Math.log(1 - this.next());
  }

  /** One element of `items`, each equally likely. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidInputError('items', 'cannot pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}
