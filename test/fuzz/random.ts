/**
 * A small seeded random source for the fuzz run (sfc32). Every input gets its
 * own source, derived from the run's seed, the target's name and the input's
 * index, so that any one input can be made again on its own: a failure is
 * replayed from three numbers, without running the inputs before it.
 */

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seeds: number[]) {
    this.a = seeds[0] ?? 0x9e3779b9;
    this.b = seeds[1] ?? 0x243f6a88;
    this.c = seeds[2] ?? 0xb7e15162;
    this.d = 1;
    // Mix the seeds in: nearby seeds must not give nearby streams.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A uniform unsigned 32-bit integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, below). */
  below(below: number): number {
    return below <= 1 ? 0 : this.next() % below;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }

  /** Mostly small, sometimes up to `max`: short inputs find most bugs, long ones the rest. */
  length(max: number): number {
    const roll = this.below(10);
    if (roll < 5) return this.below(Math.min(max, 16) + 1);
    if (roll < 8) return this.below(Math.min(max, 256) + 1);
    return this.below(max + 1);
  }
}

/** FNV-1a of a string: a target's name as a number to seed from. */
export function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The source for input `index` of `target` in the run seeded `seed`. */
export function inputRandom(seed: number, target: string, index: number): Random {
  return new Random(seed >>> 0, hashName(target), index >>> 0);
}

/** The run's seed: FUZZ_SEED when set (decimal or 0x hex), else a fresh one. */
export function runSeed(text: string | undefined, fresh: () => number): number {
  if (text === undefined || text.trim() === '') return fresh() >>> 0;
  const seed = Number(text.trim());
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new Error(`FUZZ_SEED must be an integer in [0, 2^32), got ${JSON.stringify(text)}`);
  return seed;
}
