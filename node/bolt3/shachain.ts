/**
 * Per-commitment secrets (BOLT 3, "Per-commitment Secret Requirements").
 *
 * Our own secrets are generated from one seed, so we never store them. The
 * counterparty's revealed secrets are kept in at most 49 entries, because
 * each new secret can re-derive all earlier ones that share its prefix.
 * A secret that cannot re-derive the ones it should is a protocol violation
 * (the peer lied), and is rejected before anything is stored.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidInputError, checkArray, checkBytes, checkInteger } from '../core/input.js';

/** Indexes are 48-bit; the first commitment uses the highest one and they count down. */
export const MAX_SHACHAIN_INDEX = 2 ** 48 - 1;

/** generate_from_seed(seed, I) */
export function generateFromSeed(seed: Uint8Array, index: number): Uint8Array {
  checkBytes('seed', seed, 32);
  checkInteger('index', index, 0, MAX_SHACHAIN_INDEX);
  return deriveSecret(seed, 48, index);
}

/**
 * Flips and hashes the low `bits` bits of `index` into `base`, highest bit
 * first. With `base` the secret of an index that agrees with `index` above
 * those bits and has them all zero, this is the secret of `index`.
 */
export function deriveSecret(base: Uint8Array, bits: number, index: number): Uint8Array {
  let value: Uint8Array = Uint8Array.from(base);
  for (let bit = bits - 1; bit >= 0; bit--) {
    if (Math.floor(index / 2 ** bit) % 2 === 1) {
      value[bit >> 3]! ^= 1 << (bit & 7);
      value = sha256(value);
    }
  }
  return value;
}

/** Number of trailing zero bits of a 48-bit index (48 for index 0). */
function trailingZeros(index: number): number {
  if (index === 0) return 48;
  let count = 0;
  while (Math.floor(index / 2 ** count) % 2 === 0) count++;
  return count;
}

/** For each bucket, the lowest index from `latestIndex` to 2^48-1 with that many trailing zero bits. */
function expectedIndexes(latestIndex: number): Set<number> {
  const indexes = new Set<number>();
  for (let bucket = 0; bucket <= 48; bucket++) {
    const step = 2 ** bucket;
    let multiple = Math.ceil(latestIndex / step);
    if (bucket < 48 && multiple % 2 === 0) multiple++; // an even multiple has more trailing zeros
    const index = multiple * step;
    if (index <= MAX_SHACHAIN_INDEX && trailingZeros(index) === bucket) indexes.add(index);
  }
  return indexes;
}

/** Whether `index` agrees with `prefixOf` on every bit at position `bits` and above. */
function sharesPrefix(index: number, prefixOf: number, bits: number): boolean {
  return Math.floor(index / 2 ** bits) === Math.floor(prefixOf / 2 ** bits);
}

/** Thrown when a revealed secret is inconsistent with earlier ones, or arrives out of order. */
export class ShachainError extends InvalidInputError {
  override name = 'ShachainError';
}

export interface ShachainEntry {
  readonly index: number;
  readonly secret: Uint8Array;
}

/**
 * Compact storage of the counterparty's revealed secrets.
 *
 * Secrets must arrive in order: the first for index 2^48-1 (commitment 0),
 * then each index one less than the previous one.
 * An insert that fails leaves the store as it was.
 */
export class RevocationStore {
  /** entries[b] holds the latest secret whose index has b trailing zeros. */
  private readonly entries: (ShachainEntry | undefined)[] = new Array(49).fill(undefined);
  private lastIndex: number | undefined;

  /**
   * Restores a store from what `entriesForStorage` and `latestIndex` gave.
   * The entries must be exactly those a store holds after taking every
   * secret from 2^48-1 down to `latestIndex` (one per bucket: the lowest index
   * at or above `latestIndex` with that many trailing zero bits), and consistent.
   * A missing entry would silently forget revealed secrets, so it is refused.
   */
  static fromEntries(entries: readonly ShachainEntry[], latestIndex: number | undefined): RevocationStore {
    const key = contentKey(entries, latestIndex);
    if (key !== undefined && recentlyValid.has(key)) return RevocationStore.restore(entries as readonly ShachainEntry[], latestIndex!);
    const store = RevocationStore.checkedFromEntries(entries, latestIndex);
    if (key !== undefined) rememberValid(key);
    return store;
  }

  /** Entries known to pass `checkedFromEntries` (the same content passes the same checks): each in the bucket of its index. */
  private static restore(entries: readonly ShachainEntry[], latestIndex: number): RevocationStore {
    const store = new RevocationStore();
    for (const entry of entries) store.entries[trailingZeros(entry.index)] = { index: entry.index, secret: Uint8Array.from(entry.secret) };
    store.lastIndex = latestIndex;
    return store;
  }

  private static checkedFromEntries(entries: readonly ShachainEntry[], latestIndex: number | undefined): RevocationStore {
    checkArray('entries', entries, 0, 49);
    const store = new RevocationStore();
    if (latestIndex === undefined) {
      if (entries.length > 0) throw new ShachainError('latestIndex', 'missing, but there are entries');
      return store;
    }
    checkInteger('latestIndex', latestIndex, 0, MAX_SHACHAIN_INDEX);
    const expected = expectedIndexes(latestIndex);
    const sorted = [...entries].sort((a, b) => b.index - a.index);
    for (const [position, entry] of sorted.entries()) {
      checkInteger(`entries[${position}].index`, entry?.index, 0, MAX_SHACHAIN_INDEX);
      checkBytes(`entries[${position}].secret`, entry.secret, 32);
      if (!expected.has(entry.index)) throw new ShachainError(`entries[${position}].index`, `a store at index ${latestIndex} holds no entry for ${entry.index}`);
      const bucket = trailingZeros(entry.index);
      if (store.entries[bucket]) throw new ShachainError(`entries[${position}]`, 'two entries share a bucket');
      try {
        store.checkAgainstEntries(entry.secret, entry.index, bucket);
      } catch (error) {
        throw new ShachainError(`entries[${position}].secret`, (error as ShachainError).reason);
      }
      store.entries[bucket] = { index: entry.index, secret: Uint8Array.from(entry.secret) };
    }
    if (sorted.length !== expected.size) {
      throw new ShachainError('entries', `a store at index ${latestIndex} holds ${expected.size} entries, got ${sorted.length}: revealed secrets would be lost`);
    }
    store.lastIndex = latestIndex;
    return store;
  }

  /** insert_secret(secret, I): stores the secret for `index`, or throws and stores nothing. */
  insert(index: number, secret: Uint8Array): void {
    checkInteger('index', index, 0, MAX_SHACHAIN_INDEX);
    checkBytes('secret', secret, 32);
    const expectedIndex = this.lastIndex === undefined ? MAX_SHACHAIN_INDEX : this.lastIndex - 1;
    if (index !== expectedIndex) throw new ShachainError('index', `expected the secret for index ${expectedIndex}, got ${index}`);
    const bucket = trailingZeros(index);
    this.checkAgainstEntries(secret, index, bucket);
    this.entries[bucket] = { index, secret: Uint8Array.from(secret) };
    this.lastIndex = index;
  }

  /** The secret for `index` if it was revealed, re-derived from the stored entries; otherwise undefined. */
  secretFor(index: number): Uint8Array | undefined {
    checkInteger('index', index, 0, MAX_SHACHAIN_INDEX);
    if (this.lastIndex === undefined || index < this.lastIndex) return undefined;
    for (let bucket = 0; bucket < this.entries.length; bucket++) {
      const entry = this.entries[bucket];
      if (entry && sharesPrefix(index, entry.index, bucket)) return deriveSecret(entry.secret, bucket, index);
    }
    return undefined;
  }

  /** The lowest index stored so far (the latest revealed), if any. */
  get latestIndex(): number | undefined {
    return this.lastIndex;
  }

  /**
   * The stored entries (at most 49), for persistence. A store holds only
   * checked entries (each came through `insert` or `fromEntries`), so these,
   * given back to `fromEntries` with `latestIndex`, pass its checks: it is told so.
   */
  entriesForStorage(): ShachainEntry[] {
    const entries = this.entries.flatMap((entry) => (entry ? [{ index: entry.index, secret: Uint8Array.from(entry.secret) }] : []));
    const key = contentKey(entries, this.lastIndex);
    if (key !== undefined) rememberValid(key);
    return entries;
  }

  private checkAgainstEntries(secret: Uint8Array, index: number, bucket: number): void {
    for (let lower = 0; lower < bucket; lower++) {
      const entry = this.entries[lower];
      if (!entry) continue;
      const derived = deriveSecret(secret, bucket, entry.index);
      if (!equalBytes(derived, entry.secret)) {
        throw new ShachainError('secret', `the secret for index ${index} does not derive the earlier secret for index ${entry.index}`);
      }
    }
  }
}

/**
 * Entry sets lately found (or made) consistent, by content: a channel
 * restores its peer's store from its state at every revocation, and checking
 * every entry against the others costs up to a few hundred SHA256 once the
 * store holds a dozen. Bounded: the oldest goes first.
 */
const recentlyValid = new Set<string>();
const RECENTLY_VALID_MAX = 64;

function rememberValid(key: string): void {
  if (recentlyValid.has(key)) return;
  if (recentlyValid.size >= RECENTLY_VALID_MAX) recentlyValid.delete(recentlyValid.values().next().value!);
  recentlyValid.add(key);
}

/** The entries and latest index as one string; undefined unless they are of the shapes the checks take (those are always checked). */
function contentKey(entries: readonly ShachainEntry[], latestIndex: number | undefined): string | undefined {
  if (!Array.isArray(entries) || typeof latestIndex !== 'number') return undefined;
  const parts = [String(latestIndex)];
  for (const entry of entries as readonly unknown[]) {
    const { index, secret } = (entry ?? {}) as Partial<ShachainEntry>;
    if (typeof index !== 'number' || !(secret instanceof Uint8Array) || secret.length !== 32) return undefined;
    parts.push(`${index}:${Buffer.from(secret.buffer, secret.byteOffset, 32).toString('hex')}`);
  }
  return parts.join('|');
}
