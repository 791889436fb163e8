/**
 * The locators of every transaction of the last few blocks, in memory, so
 * that an appointment reaching the tower after its breach was mined (the
 * node could not reach the gateway, or the tower was down, when the breach
 * confirmed) is matched at once instead of never. The Eye of Satoshi keeps
 * the same (its `LocatorCache`, 6 blocks by default).
 *
 * A locator is the first 16 bytes of a txid in internal byte order, as the
 * appointments' are. Each block's locators sit in one buffer, sorted, and
 * are found by binary search (a fraction of a microsecond a block; about
 * 0.1 ms a locator over 288 blocks of 3,000 transactions): 16 bytes a transaction plus about 300 bytes a
 * block (its entry, hash and buffer header), so about 48 KB for a mainnet
 * block of 3,000 transactions, 14 MB for the default 288 blocks (about
 * 40 MB if every block held 9,000 of the smallest transactions). A map of
 * strings would cost five to ten times that.
 *
 * The cache only says where a transaction with that locator was: the
 * watchtower reads the block again from the chain to get the transaction
 * itself (a rare event: a late appointment that matches), and checks that
 * the chain still has that block.
 */
import { checkBytes, checkInteger } from '../../node/core/input.js';
import { LOCATOR_LENGTH } from '../../node/gateway-protocol/appointment.js';

/** A cached block: where a locator was found. */
export interface CachedBlock {
  readonly height: number;
  /** Display order, as `ChainBlock.hash`. */
  readonly hash: string;
}

export interface LocatorCacheStats {
  readonly blocks: number;
  readonly lowest?: number;
  readonly highest?: number;
  /** Locators held (one per transaction). */
  readonly locators: number;
  /** Bytes of the locator buffers (the per-block overhead comes on top). */
  readonly bytes: number;
}

interface Entry extends CachedBlock {
  /** The block's locators, sorted (see `sortedLocators`), LOCATOR_LENGTH bytes each. */
  readonly sorted: Sorted;
}

/** The most blocks the cache may span: BIP 68's limit, beyond which no CSV delay reaches. */
export const MAX_LOCATOR_CACHE_BLOCKS = 65_535;

export class LocatorCache {
  private readonly entries = new Map<number, Entry>();
  private highest: number | undefined;

  /** `depth`: how many blocks, counting down from the highest cached; 0 caches nothing. */
  constructor(readonly depth: number) {
    checkInteger('depth', depth, 0, MAX_LOCATOR_CACHE_BLOCKS);
  }

  /**
   * A block joined the best chain: whatever was cached at its height or above
   * (a branch that lost) goes, it is cached, and blocks `depth` below it go.
   * `txHashes`: its transactions' hashes (internal order), as the scan computed them.
   */
  blockConnected(block: CachedBlock, txHashes: readonly Uint8Array[]): void {
    this.blockDisconnected(block.height);
    this.add(block, txHashes);
  }

  /**
   * Caches a block read from the chain (at start, below the blocks already
   * cached), replacing what was at its height; ignored when it is `depth` or
   * more below the highest block cached.
   */
  add(block: CachedBlock, txHashes: readonly Uint8Array[]): void {
    checkInteger('height', block.height, 0, 0xffffffff);
    if (this.depth === 0) return;
    if (this.highest !== undefined && block.height <= this.highest - this.depth) return;
    this.entries.set(block.height, { height: block.height, hash: block.hash, sorted: sortedLocators(txHashes) });
    if (this.highest === undefined || block.height > this.highest) {
      this.highest = block.height;
      for (const height of this.entries.keys()) if (height <= this.highest - this.depth) this.entries.delete(height);
    }
  }

  /** The block at `height` left the best chain: it and everything cached above it go. */
  blockDisconnected(height: number): void {
    if (this.highest === undefined || height > this.highest) return;
    for (const cached of this.entries.keys()) if (cached >= height) this.entries.delete(cached);
    this.highest = undefined;
    for (const cached of this.entries.keys()) if (this.highest === undefined || cached > this.highest) this.highest = cached;
  }

  /** Blocks cached. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.highest = undefined;
  }

  /** The cached block at `height`, if any. */
  at(height: number): CachedBlock | undefined {
    const entry = this.entries.get(height);
    return entry && { height: entry.height, hash: entry.hash };
  }

  /** The cached blocks holding a transaction with this locator (one, unless a txid prefix repeats), oldest first. */
  find(locator: Uint8Array): CachedBlock[] {
    // A copy, aligned: its head is read as the sorted locators' are.
    const target = Buffer.alloc(LOCATOR_LENGTH);
    target.set(checkBytes('locator', locator, LOCATOR_LENGTH));
    const targetHead = wordsOf(target)[0]!;
    const found: CachedBlock[] = [];
    for (const entry of this.entries.values()) {
      if (indexOf(entry.sorted, target, targetHead) >= 0) found.push({ height: entry.height, hash: entry.hash });
    }
    return found.sort((a, b) => a.height - b.height);
  }

  /** Every cached locator for which `wanted` says yes, by block, oldest first. */
  matching(wanted: (locator: Uint8Array) => boolean): { block: CachedBlock; locators: Uint8Array[] }[] {
    const found: { block: CachedBlock; locators: Uint8Array[] }[] = [];
    for (const entry of [...this.entries.values()].sort((a, b) => a.height - b.height)) {
      const locators: Uint8Array[] = [];
      const all = entry.sorted.locators;
      for (let offset = 0; offset < all.length; offset += LOCATOR_LENGTH) {
        const locator = all.subarray(offset, offset + LOCATOR_LENGTH);
        if (wanted(locator)) locators.push(Uint8Array.from(locator));
      }
      if (locators.length > 0) found.push({ block: { height: entry.height, hash: entry.hash }, locators });
    }
    return found;
  }

  stats(): LocatorCacheStats {
    let bytes = 0;
    let lowest: number | undefined;
    for (const entry of this.entries.values()) {
      bytes += entry.sorted.locators.length;
      if (lowest === undefined || entry.height < lowest) lowest = entry.height;
    }
    return {
      blocks: this.entries.size,
      ...(lowest !== undefined && { lowest }),
      ...(this.highest !== undefined && { highest: this.highest }),
      locators: bytes / LOCATOR_LENGTH,
      bytes,
    };
  }
}

/**
 * The locators of these transaction hashes in one buffer, sorted: by their
 * first four bytes read as a host-order signed 32-bit number (a typed-array
 * read, where a native bytewise compare costs a call), then bytewise on a
 * tie. Any order serves, as long as the search follows the same.
 */
function sortedLocators(txHashes: readonly Uint8Array[]): Sorted {
  const count = txHashes.length;
  const unsorted = Buffer.alloc(count * LOCATOR_LENGTH);
  txHashes.forEach((txHash, i) => unsorted.set(txHash.subarray(0, LOCATOR_LENGTH), i * LOCATOR_LENGTH));
  const unsortedWords = wordsOf(unsorted);
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((a, b) => unsortedWords[a * WORDS]! - unsortedWords[b * WORDS]! || unsorted.compare(unsorted, b * LOCATOR_LENGTH, (b + 1) * LOCATOR_LENGTH, a * LOCATOR_LENGTH, (a + 1) * LOCATOR_LENGTH));
  // Buffer.alloc: its own memory, 4-byte aligned for the word view, and no small block's locators pinning a shared 8 KB pool slab.
  const locators = Buffer.alloc(count * LOCATOR_LENGTH);
  order.forEach((from, to) => unsorted.copy(locators, to * LOCATOR_LENGTH, from * LOCATOR_LENGTH, (from + 1) * LOCATOR_LENGTH));
  return { locators, words: wordsOf(locators) };
}

interface Sorted {
  readonly locators: Buffer;
  /** The same memory as 32-bit words: word `i * WORDS` is the head of locator `i`. */
  readonly words: Int32Array;
}

const WORDS = LOCATOR_LENGTH / 4;

function wordsOf(bytes: Buffer): Int32Array {
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

/** Where `target` is among the sorted locators, or -1. */
function indexOf({ locators, words }: Sorted, target: Buffer, targetHead: number): number {
  let low = 0;
  let high = locators.length / LOCATOR_LENGTH - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const head = words[middle * WORDS]!;
    const order = head !== targetHead ? head - targetHead : locators.compare(target, 0, LOCATOR_LENGTH, middle * LOCATOR_LENGTH, (middle + 1) * LOCATOR_LENGTH);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
