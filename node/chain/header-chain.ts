/**
 * The mesh node's own view of the chain: block headers the gateway sends,
 * each checked here, so that a rogue or broken gateway cannot make the
 * node believe in confirmations that the miners never paid for.
 *
 * Checked for every header: it links to its parent; its compact bits are a
 * valid encoding within the network's proof-of-work limit and equal what
 * Bitcoin Core's difficulty rules give from its ancestors (retargets every
 * 2016 blocks, testnet's 20-minute exception, none on regtest); its hash
 * meets its target; its time is after the median of the previous 11 (not
 * checked for the first ten headers above a checkpoint other than genesis:
 * the node lacks the older ones, and a median of fewer could refuse real
 * headers, whose times do not always increase). A competing
 * branch replaces the best chain only with more work since the fork, and
 * never below the checkpoint.
 *
 * Not checked: a header's time against the node's clock (Core refuses
 * headers more than two hours ahead; a mesh node may have no trustworthy
 * clock, and refusing the real chain would be worse), header versions
 * (BIP 34/65/66 minimums: they cost a forger nothing next to the work),
 * anything inside blocks, and signet's block signatures (in the coinbase),
 * so on signet these checks rest on its low proof of work alone.
 *
 * The chain starts at a checkpoint from the node's config (genesis when
 * none). On networks that retarget it must be the first block of a
 * difficulty period (height a multiple of 2016), so that the node can
 * check the next retarget with headers it holds.
 *
 * Memory: the last `memoryWindow` headers (default 2160: a difficulty
 * period and a day, about 3 MB of heap, measured) stay in memory, enough for every rule
 * (testnet's and regtest's difficulty walks back up to a period); older
 * ones are read from the store when asked for, or when a reorg forks
 * below the window. Every accepted batch is written, atomically,
 * before `addHeaders` returns; a refused one changes nothing.
 */
import { equalBytes } from '@noble/curves/utils.js';
import type { RecordStore } from '../persist/persister.js';
import { InvalidInputError, checkBytes, checkHex, checkInteger, checkObject } from '../core/input.js';
import { type BlockHeader, HEADER_LENGTH, decodeHeader, hashMeetsTarget, hashToHex, headerHash, targetFromBits, workOfTarget } from './block-header.js';
import { type AncestorLookup, MissingAncestorError, expectedBits } from './difficulty.js';
import { HeaderStore, HeaderStoreError } from './header-store.js';
import { verifyMerkleProof } from './merkle.js';
import type { NetworkParams } from './network-params.js';

/** Where the node's chain starts: a header it trusts without checking where it came from. */
export interface Checkpoint {
  readonly height: number;
  /** The 80-byte header at `height`. */
  readonly header: Uint8Array;
}

export type HeaderRejection =
  | 'not an 80-byte header'
  | 'too many headers'
  | 'below the checkpoint'
  | 'does not link'
  | 'invalid bits'
  | 'bits above the proof-of-work limit'
  | 'unexpected bits'
  | 'bad proof of work'
  | 'time not after median time past'
  | 'not more work than the best chain'
  | 'merkle proof does not match';

/** A header (or a proof against one) the chain refuses: the height it was for, and why. */
export class HeaderChainError extends Error {
  override name = 'HeaderChainError';
  constructor(
    readonly height: number,
    readonly reason: HeaderRejection,
    readonly detail?: string,
  ) {
    super(`header at height ${height}: ${reason}${detail ? ` (${detail})` : ''}`);
  }
}

export interface ChainEntry {
  readonly height: number;
  /** Display order hex. */
  readonly hash: string;
  readonly header: BlockHeader;
  /** The 80 bytes. */
  readonly raw: Uint8Array;
  /** Work from the checkpoint (excluded) to this header (included). */
  readonly work: bigint;
}

export interface ChainChange {
  /** Headers that left the best chain in a reorg, tip first. */
  readonly disconnected: readonly ChainEntry[];
  /** Headers that joined it, lowest first. */
  readonly connected: readonly ChainEntry[];
}

/** What proves a transaction is in a block (the gateway sends it; hashes internal order except `blockHash`). */
export interface TransactionProof {
  readonly txid: Uint8Array;
  /** Display order hex. */
  readonly blockHash: string;
  readonly index: number;
  readonly branch: readonly Uint8Array[];
}

export interface HeaderChainOptions {
  readonly network: NetworkParams;
  /** Genesis when absent. */
  readonly checkpoint?: Checkpoint;
  /** Where the chain lives across restarts (the node's `LmdbPersister`). */
  readonly store: RecordStore;
  /** Headers kept in memory: at least a difficulty period and 11 (2027 on the real networks), so that checking a header never reads the disk. */
  readonly memoryWindow?: number;
}

/** A difficulty period: enough for a batch, small enough to hold (160 kB of headers). */
export const MAX_HEADERS_PER_BATCH = 2016;
export const DEFAULT_MEMORY_WINDOW = 2016 + 144;
const MEDIAN_TIME_SPAN = 11;

export class HeaderChain {
  private readonly store: HeaderStore;
  private readonly memoryWindow: number;
  /** The last headers of the best chain, consecutive, ending at the tip. */
  private recent: ChainEntry[] = [];
  private readonly recentHeights = new Map<string, number>();

  private constructor(
    readonly network: NetworkParams,
    readonly checkpoint: ChainEntry,
    records: RecordStore,
    memoryWindow: number,
  ) {
    this.store = new HeaderStore(records);
    this.memoryWindow = memoryWindow;
  }

  /**
   * Opens the chain kept in `store`, or starts it at the checkpoint. A
   * stored chain that does not contain the configured checkpoint (another
   * network, another checkpoint) is set aside and the chain restarts from
   * the checkpoint: headers are public, the gateway sends them again.
   */
  static open(options: HeaderChainOptions): HeaderChain {
    checkObject('options', options);
    const { network } = options;
    // The difficulty rules look back up to a period, the median time eleven headers: from memory, not from disk.
    const memoryWindow = checkInteger('memoryWindow', options.memoryWindow ?? Math.max(DEFAULT_MEMORY_WINDOW, network.retargetInterval + MEDIAN_TIME_SPAN), network.retargetInterval + MEDIAN_TIME_SPAN, 1_000_000);
    const checkpoint = checkpointEntry(network, options.checkpoint ?? { height: 0, header: network.genesisHeader });
    const chain = new HeaderChain(network, checkpoint, options.store, memoryWindow);
    const stored = chain.store.tip();
    const storedCheckpoint = stored && stored.height >= checkpoint.height ? chain.store.headerAt(checkpoint.height) : undefined;
    if (!storedCheckpoint || !equalBytes(storedCheckpoint.header, checkpoint.raw)) {
      chain.store.replace(checkpoint.height - 1, [], [checkpoint]);
    }
    chain.loadWindow();
    return chain;
  }

  get height(): number {
    return this.tip.height;
  }

  get tipHash(): string {
    return this.tip.hash;
  }

  get tip(): ChainEntry {
    return this.recent[this.recent.length - 1]!;
  }

  /** How many headers are held in memory (at most `memoryWindow`); the rest are read from the store. */
  get headersInMemory(): number {
    return this.recent.length;
  }

  /**
   * The median time of the tip and the ten headers before it: what BIP 113
   * lock times and CSV in seconds compare with. Within ten blocks above a
   * checkpoint other than genesis, the median of the headers the node has.
   */
  get medianTimePast(): number {
    return this.medianTimeAt(this.height, (height) => {
      const entry = this.entryAt(height);
      return entry && ancestorTimes(entry);
    });
  }

  /** The best chain's header at `height`, or undefined outside checkpoint..tip. */
  entryAt(height: number): ChainEntry | undefined {
    if (!Number.isSafeInteger(height) || height < this.checkpoint.height || height > this.height) return undefined;
    const first = this.recent[0]!.height;
    if (height >= first) return this.recent[height - first];
    return this.storedEntry(height, this.height);
  }

  private storedEntry(height: number, tipHeight: number): ChainEntry {
    const stored = this.store.headerAt(height);
    if (!stored) throw new HeaderStoreError(`the header store has lost the header at height ${height}, below its tip at ${tipHeight}: remove the chain's records and let the gateway send the headers again`);
    return entryOf(height, stored.header, stored.work);
  }

  headerAt(height: number): BlockHeader | undefined {
    return this.entryAt(height)?.header;
  }

  /** The height of a block of the best chain (display-order hex hash); undefined for any other block. */
  heightOf(blockHash: string): number | undefined {
    checkHex('blockHash', blockHash, 32);
    const hash = blockHash.toLowerCase();
    const recent = this.recentHeights.get(hash);
    if (recent !== undefined) return recent;
    const height = this.store.heightOf(hash);
    if (height === undefined) return undefined;
    return this.entryAt(height)?.hash === hash ? height : undefined;
  }

  /** 1 for the tip, 0 for a block that is not in the best chain (or older than the checkpoint). */
  confirmations(blockHash: string): number {
    const height = this.heightOf(blockHash);
    return height === undefined ? 0 : this.height - height + 1;
  }

  /**
   * Confirmations of a transaction, from a merkle proof against a header
   * of the best chain: 0 when that block is not in it (reorged out, or
   * unknown yet). Throws `HeaderChainError` when the proof does not match
   * the block.
   */
  transactionConfirmations(proof: TransactionProof): number {
    checkObject('proof', proof);
    const height = this.heightOf(proof.blockHash);
    if (height === undefined) return 0;
    if (!verifyMerkleProof(proof.txid, proof.index, proof.branch, this.entryAt(height)!.header.merkleRoot)) {
      throw new HeaderChainError(height, 'merkle proof does not match', `transaction ${hashToHex(proof.txid)} at index ${proof.index}`);
    }
    return this.height - height + 1;
  }

  /**
   * Adds `headers`, the first at `startHeight`. Headers the chain already
   * has are skipped; the rest must extend the best chain or, from a fork
   * above the checkpoint, form a branch with more work than the best
   * chain's since that fork (sent whole, in one call). Returns what left
   * and joined the best chain, once written. Throws `HeaderChainError` for
   * the first header refused; then nothing has changed.
   */
  addHeaders(startHeight: number, headers: readonly Uint8Array[]): ChainChange {
    checkInteger('startHeight', startHeight, 0, 0x7fff_ffff);
    if (!Array.isArray(headers)) throw new InvalidInputError('headers', 'expected an array of 80-byte headers');
    if (headers.length > MAX_HEADERS_PER_BATCH) throw new HeaderChainError(startHeight, 'too many headers', `${headers.length}, at most ${MAX_HEADERS_PER_BATCH} a batch`);
    headers.forEach((raw, index) => {
      if (!(raw instanceof Uint8Array) || raw.length !== HEADER_LENGTH) throw new HeaderChainError(startHeight + index, 'not an 80-byte header');
    });
    if (startHeight < this.checkpoint.height) throw new HeaderChainError(startHeight, 'below the checkpoint', `the checkpoint is at height ${this.checkpoint.height}`);
    if (startHeight > this.height + 1) throw new HeaderChainError(startHeight, 'does not link', `the chain ends at height ${this.height}`);

    // Skip what the best chain already holds.
    let index = 0;
    while (index < headers.length && startHeight + index <= this.height && equalBytes(headers[index]!, this.entryAt(startHeight + index)!.raw)) index++;
    if (index === headers.length) return { disconnected: [], connected: [] };
    const forkHeight = startHeight + index - 1;
    if (forkHeight < this.checkpoint.height) throw new HeaderChainError(forkHeight + 1, 'below the checkpoint', 'it replaces the checkpoint');

    const connected = this.checkBranch(forkHeight, headers.slice(index));
    const last = connected[connected.length - 1]!;
    const disconnected: ChainEntry[] = [];
    if (forkHeight < this.height) {
      if (last.work <= this.tip.work) {
        const since = this.entryAt(forkHeight)!.work;
        throw new HeaderChainError(forkHeight + 1, 'not more work than the best chain', `the branch has ${last.work - since} since height ${forkHeight}, the best chain ${this.tip.work - since}`);
      }
      for (let height = this.height; height > forkHeight; height--) disconnected.push(this.entryAt(height)!);
    }

    this.store.replace(forkHeight, disconnected.map((entry) => entry.hash).reverse(), connected);
    this.applyToWindow(forkHeight, connected);
    return { disconnected, connected };
  }

  /** Checks headers that would follow the best chain's header at `forkHeight`; returns them as entries, or throws for the first bad one. */
  private checkBranch(forkHeight: number, headers: readonly Uint8Array[]): ChainEntry[] {
    const branch: ChainEntry[] = [];
    const ancestorAt: AncestorLookup = (height) => {
      const entry = height > forkHeight ? branch[height - forkHeight - 1] : this.entryAt(height);
      return entry && ancestorTimes(entry);
    };
    let parent = this.entryAt(forkHeight)!;
    for (const raw of headers) {
      const height = parent.height + 1;
      const header = decodeHeader(raw);
      const hashBytes = headerHash(raw);
      const hash = hashToHex(hashBytes);
      if (hashToHex(header.prevHash) !== parent.hash) throw new HeaderChainError(height, 'does not link', `its parent is ${hashToHex(header.prevHash)}, the header at height ${parent.height} is ${parent.hash}`);
      let target: bigint;
      try {
        target = targetFromBits(header.bits);
      } catch (error) {
        throw new HeaderChainError(height, 'invalid bits', (error as Error).message);
      }
      if (target > this.network.powLimit) throw new HeaderChainError(height, 'bits above the proof-of-work limit', `0x${header.bits.toString(16)}`);
      const expected = this.expectedBits(parent, header.time, ancestorAt);
      if (header.bits !== expected) throw new HeaderChainError(height, 'unexpected bits', `0x${header.bits.toString(16)}, the difficulty rules give 0x${expected.toString(16)}`);
      if (!hashMeetsTarget(hashBytes, target)) throw new HeaderChainError(height, 'bad proof of work', `${hash} is above the target of 0x${header.bits.toString(16)}`);
      const median = this.medianTimeAt(parent.height, ancestorAt);
      if (this.knowsMedianTimeAt(parent.height) && header.time <= median) throw new HeaderChainError(height, 'time not after median time past', `${header.time} <= ${median}`);
      const entry = { height, hash, header, raw: raw.slice(), work: parent.work + workOfTarget(target) };
      branch.push(entry);
      parent = entry;
    }
    return branch;
  }

  private expectedBits(parent: ChainEntry, time: number, ancestorAt: AncestorLookup): number {
    try {
      return expectedBits(this.network, ancestorTimes(parent), time, ancestorAt);
    } catch (error) {
      // Only if the checkpoint rule above was bypassed: say so rather than guess a difficulty.
      if (error instanceof MissingAncestorError) throw new HeaderChainError(parent.height + 1, 'unexpected bits', error.message);
      throw error;
    }
  }

  /**
   * Whether the node holds the eleven headers the median time at `height`
   * needs (or all there are, near genesis). With fewer, the median of what
   * it holds could be later than the real one and refuse real headers:
   * timestamps do not always increase.
   */
  private knowsMedianTimeAt(height: number): boolean {
    return this.checkpoint.height === 0 || height - MEDIAN_TIME_SPAN + 1 >= this.checkpoint.height;
  }

  /** The median time of the header at `height` and up to ten before it, no further back than the checkpoint. */
  private medianTimeAt(height: number, ancestorAt: AncestorLookup): number {
    const times: number[] = [];
    for (let at = height; at > height - MEDIAN_TIME_SPAN && at >= this.checkpoint.height; at--) times.push(ancestorAt(at)!.time);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  private loadWindow(): void {
    const tip = this.store.tip()!;
    this.recent = [];
    this.recentHeights.clear();
    for (let height = Math.max(this.checkpoint.height, tip.height - this.memoryWindow + 1); height <= tip.height; height++) this.remember(this.storedEntry(height, tip.height));
  }

  private applyToWindow(forkHeight: number, connected: readonly ChainEntry[]): void {
    if (forkHeight < this.recent[0]!.height) return this.loadWindow();
    while (this.tip.height > forkHeight) this.recentHeights.delete(this.recent.pop()!.hash);
    for (const entry of connected) this.remember(entry);
    while (this.recent.length > this.memoryWindow) this.recentHeights.delete(this.recent.shift()!.hash);
  }

  private remember(entry: ChainEntry): void {
    this.recent.push(entry);
    this.recentHeights.set(entry.hash, entry.height);
  }
}

function entryOf(height: number, raw: Uint8Array, work: bigint): ChainEntry {
  return { height, hash: hashToHex(headerHash(raw)), header: decodeHeader(raw), raw, work };
}

function ancestorTimes(entry: ChainEntry): { height: number; time: number; bits: number } {
  return { height: entry.height, time: entry.header.time, bits: entry.header.bits };
}

/** The checkpoint as an entry, after the checks a header from config deserves. */
function checkpointEntry(network: NetworkParams, checkpoint: Checkpoint): ChainEntry {
  checkObject('checkpoint', checkpoint);
  const height = checkInteger('checkpoint.height', checkpoint.height, 0, 0x7fff_ffff);
  const raw = checkBytes('checkpoint.header', checkpoint.header, HEADER_LENGTH).slice();
  if (height === 0 && !equalBytes(raw, network.genesisHeader)) throw new InvalidInputError('checkpoint.header', `not the ${network.name} genesis header`);
  if (network.retargeting && height % network.retargetInterval !== 0) {
    throw new InvalidInputError('checkpoint.height', `${height} is not the first block of a difficulty period: on ${network.name} use a height that is a multiple of ${network.retargetInterval}, so the node can check the next retarget`);
  }
  const header = decodeHeader(raw);
  let target: bigint;
  try {
    target = targetFromBits(header.bits);
  } catch (error) {
    throw new InvalidInputError('checkpoint.header', (error as Error).message);
  }
  if (target > network.powLimit || !hashMeetsTarget(headerHash(raw), target)) throw new InvalidInputError('checkpoint.header', `not a ${network.name} header: its proof of work does not hold`);
  return entryOf(height, raw, 0n);
}
