/**
 * The gateway's watchtower. Mesh nodes hand it appointments (through the
 * relay, which has authenticated them by their link key) and get a signed
 * receipt; it scans every transaction of every block and of the mempool for
 * their locators, and answers a breach with the justice transaction (see
 * `Responder`), telling the node with a signed alert.
 *
 * Chain events are handled one at a time, in order, in a queue: a block's
 * scan never interleaves with a reorg's. The blocks scanned are written
 * down (`ResponseStore`), so that `start()` after a restart scans the
 * blocks it missed, undoes what a reorg while it was down took away, and
 * resumes tracking every response still open.
 *
 * Late appointments: an appointment can reach the tower after its breach is
 * already in a block (the node could not reach the gateway, or the tower
 * was down, when the breach confirmed). The tower keeps the locators of the
 * last `locatorCacheBlocks` blocks in memory (`LocatorCache`, rebuilt at
 * start by reading those blocks from the chain), and answers an appointment
 * whose locator is there at once, through the same path as a breach found in
 * a new block. A breach older than that is not matched: the victim's own
 * node, back on its chain feed, must punish it (or a larger cache is needed).
 */
import { hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../../node/core/clock.js';
import { checkArray, checkInteger } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import type { Outpoint, Transaction } from '../../node/bolt3/transaction.js';
import type { SignedBreachAlert } from '../../node/gateway-protocol/alert.js';
import { LOCATOR_LENGTH } from '../../node/gateway-protocol/appointment.js';
import { type TowerSigner, signReceipt } from '../../node/gateway-protocol/receipt.js';
import { MAX_APPOINTMENTS_PER_BATCH, type TowerAppointment } from '../../node/gateway-protocol/gateway-messages.js';
import type { ChainBlock, ChainSource } from '../chain/chain-source.js';
import type { AppointmentStore } from './appointment-store.js';
import { FundingRetention, type RetiredTag } from './funding-retention.js';
import { type CachedBlock, LocatorCache, type LocatorCacheStats, MAX_LOCATOR_CACHE_BLOCKS } from './locator-cache.js';
import { Responder } from './responder.js';
import type { ResponseRecord, ResponseStore } from './response-store.js';
import { transactionHash } from './transaction-hash.js';

export interface WatchtowerComponents {
  readonly store: AppointmentStore;
  readonly responses: ResponseStore;
  readonly chain: ChainSource;
  readonly clock: Clock;
  /** The gateway's key: it signs receipts and alerts. */
  readonly signer: TowerSigner;
  /** Where what the tower survives (a refused broadcast, a failing backend) is told. Default nowhere. */
  readonly logger?: Logger;
}

export interface WatchtowerInit {
  /** Confirmations after which a justice transaction is final and no longer followed. Default 100 (TEOS's "irrevocably resolved"). */
  readonly justiceBuriedDepth?: number;
  /** Confirmations of a watched funding output's spend after which the tag's appointments are dropped. Default 100. */
  readonly fundingBuriedDepth?: number;
  /**
   * How many recent blocks' locators are kept in memory, to answer an
   * appointment that arrives after its breach was mined. Default 288 (two
   * days: a gateway or tower outage of a day, as the simulator's
   * gateway-outage scenario has, plus a day for the nodes' outboxes to
   * drain); 0 turns late matching off. Memory: 16 bytes a transaction, about
   * 48 KB a mainnet block of 3,000 transactions, 14 MB for 288 blocks. Each
   * start reads that many blocks from the chain (a few seconds per hundred
   * mainnet blocks over Core's RPC). Beyond the CSV delay of the channels
   * (2160 blocks by the nodes' default policy) nothing can be punished anyway.
   */
  readonly locatorCacheBlocks?: number;
}

export interface WatchtowerEvents {
  /**
   * A signed breach alert for a node, to deliver through the relay. Sent
   * once; but if no listener is attached, or one throws, it goes again at
   * the next block (or the next start).
   */
  alert: [alert: SignedBreachAlert];
  /** A response was created or changed (detected, broadcast, confirmed deeper, buried, found invalid). */
  response: [record: ResponseRecord];
  /** A tag's appointments were dropped because its funding output's spend is buried. */
  retired: [tag: RetiredTag];
}

/** A component was not given. */
export class WatchtowerConfigError extends Error {
  override name = 'WatchtowerConfigError';
}

export class Watchtower extends EventEmitter<WatchtowerEvents> {
  readonly justiceBuriedDepth: number;
  readonly fundingBuriedDepth: number;
  readonly locatorCacheBlocks: number;
  private readonly responder: Responder;
  /** The locators of the last `locatorCacheBlocks` blocks scanned (or read at start). */
  private readonly recent: LocatorCache;
  private readonly retention: FundingRetention;
  /** The chain events not yet handled, in order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly chainListeners = {
    connect: (block: ChainBlock) => void this.blockConnected(block),
    disconnect: (block: ChainBlock) => void this.blockDisconnected(block),
    transaction: (tx: Transaction) => void this.transactionSeen(tx),
  };
  private started = false;
  private readonly logger: Logger;

  constructor(
    private readonly components: WatchtowerComponents,
    init: WatchtowerInit = {},
  ) {
    super();
    for (const name of ['store', 'responses', 'chain', 'clock', 'signer'] as const) {
      if (!components?.[name]) throw new WatchtowerConfigError(`the watchtower needs a ${name}`);
    }
    this.logger = components.logger ?? silentLogger;
    this.justiceBuriedDepth = checkInteger('justiceBuriedDepth', init.justiceBuriedDepth ?? 100, 1, 10_000);
    this.fundingBuriedDepth = checkInteger('fundingBuriedDepth', init.fundingBuriedDepth ?? 100, 1, 10_000);
    this.locatorCacheBlocks = checkInteger('locatorCacheBlocks', init.locatorCacheBlocks ?? DEFAULT_LOCATOR_CACHE_BLOCKS, 0, MAX_LOCATOR_CACHE_BLOCKS);
    this.recent = new LocatorCache(this.locatorCacheBlocks);
    this.responder = new Responder(components, this.justiceBuriedDepth, {
      response: (record) => this.emit('response', record),
      alert: (alert) => {
        // Nobody listening (the relay not started yet): not delivered; it goes again at the next block.
        if (!this.emit('alert', alert)) throw new Error('no listener takes alerts yet');
      },
      warning: (message) => this.logger.log('warn', message),
    });
    this.retention = new FundingRetention(components.store, this.fundingBuriedDepth);
  }

  /**
   * Listens to the chain, scans the blocks missed since the last run (or
   * starts at the tip, the first time), checks every open response, reads
   * the recent blocks it does not hold in its locator cache, and answers the
   * appointments stored whose breach is in one of them (those that came
   * while it was stopped, or whose answer a crash cut short). Rejects
   * (listening to nothing) when the chain cannot be read for the catch-up;
   * a recent block that cannot be read is only a warning.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { chain } = this.components;
    chain.on('connect', this.chainListeners.connect);
    chain.on('disconnect', this.chainListeners.disconnect);
    chain.on('transaction', this.chainListeners.transaction);
    const catchingUp = this.queue.then(async () => {
      await this.catchUp();
      await this.responder.trackAll();
      await this.fillCache();
      try {
        await this.answerFromCache(this.recent.matching((locator) => this.components.store.lookup(locator).length > 0));
      } catch (error) {
        this.logger.log('warn', `could not answer the appointments whose breach is in a recent block: ${(error as Error).message}`);
      }
    });
    this.queue = catchingUp.catch(() => {});
    try {
      await catchingUp;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops listening and waits for the work under way. The stores stay open (their owner closes them). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const { chain } = this.components;
    chain.off('connect', this.chainListeners.connect);
    chain.off('disconnect', this.chainListeners.disconnect);
    chain.off('transaction', this.chainListeners.transaction);
    await this.idle();
  }

  /** Resolves when every chain event received so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * Stores a batch of `nodeId`'s appointments (all or nothing), with the
   * channel records beside them (`requireChannels`: every tag must have
   * one, stored or here; see `AppointmentStore.add`), and returns the
   * receipt: the gateway's signature (see `node/gateway-protocol/receipt.ts`).
   * Throws `InvalidInputError` naming the bad field, `TowerQuotaError` (its quota) or `TowerFullError` (a stranger, and no room for strangers).
   *
   * An appointment whose breach is already in a recent block is answered
   * at once, after the receipt is signed: the response waits its turn in the
   * chain events' queue (`idle()` resolves when it is done). A stopped tower
   * answers it when it starts.
   */
  submit(nodeId: string, appointments: readonly TowerAppointment[], options: { readonly requireChannels?: boolean } = {}): Uint8Array {
    checkArray('appointments', appointments, 1, MAX_APPOINTMENTS_PER_BATCH);
    this.components.store.add(nodeId, appointments, options);
    const receipt = signReceipt(this.components.signer, Buffer.from(nodeId, 'hex'), appointments);
    if (this.started && this.recent.size > 0) {
      // Looked up in the queue, after the chain events received so far: the receipt waits for nothing.
      const locators = appointments.map((appointment) => appointment.locator);
      void this.enqueue(() => this.answerFromCache(this.cachedBlocksOf(locators)));
    }
    return receipt;
  }

  /** The node closed the tag's channel: its appointments go. Returns how many. */
  dropTag(nodeId: string, tag: Uint8Array): number {
    const dropped = this.components.store.dropTag(nodeId, tag);
    this.retention.forget(nodeId, tag);
    return dropped;
  }

  /** Keeps the tag's appointments until this funding output is spent and buried. */
  watchFunding(nodeId: string, tag: Uint8Array, outpoint: Outpoint): void {
    this.retention.watch(nodeId, tag, outpoint);
  }

  /** Every response, in the store's order. */
  responses(): ResponseRecord[] {
    return this.components.responses.all();
  }

  /** What the locator cache holds now (for status and tests). */
  locatorCache(): LocatorCacheStats {
    return this.recent.stats();
  }

  /** A block joined the best chain (the `connect` listener calls this). */
  blockConnected(block: ChainBlock): Promise<void> {
    return this.enqueue(() => this.connect(block));
  }

  /** A block left the best chain (the `disconnect` listener calls this). */
  blockDisconnected(block: ChainBlock): Promise<void> {
    return this.enqueue(async () => {
      this.disconnectAt(block.height);
      await this.responder.trackAll();
    });
  }

  /** The mempool accepted a transaction (the `transaction` listener calls this). */
  transactionSeen(tx: Transaction): Promise<void> {
    return this.enqueue(async () => {
      // A breach back in the mempool after a reorg: its response may need a broadcast again.
      if (await this.scan(tx)) await this.responder.trackAll();
    });
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job).catch((error: unknown) => {
      this.logger.log('warn', `the watchtower failed to handle a chain event: ${(error as Error).stack ?? String(error)}`);
    });
    this.queue = run;
    return run;
  }

  private async connect(block: ChainBlock): Promise<void> {
    const { responses } = this.components;
    if (responses.scannedAt(block.height) === block.hash) return; // seen already (by a catch-up)
    const last = responses.lastScanned();
    const previousHash = Buffer.from(block.header.subarray(4, 36)).reverse().toString('hex');
    if (last && (last.height !== block.height - 1 || last.hash !== previousHash)) {
      // A gap or a fork we were not told about: ask the chain.
      await this.catchUp();
    } else {
      await this.scanBlock(block);
    }
    await this.responder.trackAll();
  }

  private async scanBlock(block: ChainBlock): Promise<void> {
    this.retention.blockConnected(block);
    const hashes = block.transactions.map((tx) => transactionHash(tx));
    this.recent.blockConnected(block, hashes);
    for (const [i, tx] of block.transactions.entries()) await this.scan(tx, hashes[i]!);
    this.components.responses.markScanned(block);
    for (const retired of this.retention.retireBuried(block.height)) this.emit('retired', retired);
  }

  /** Looks a transaction's locator up and answers every appointment under it. True when it was a breach already answered, still followed. */
  private async scan(tx: Transaction, txHash = transactionHash(tx)): Promise<boolean> {
    let known = false;
    for (const appointment of this.components.store.lookup(txHash.subarray(0, LOCATOR_LENGTH))) {
      if (await this.responder.respond(tx, txHash, appointment)) known = true;
    }
    return known;
  }

  /** Walks back to where our scanned blocks and the chain agree, then scans forward to the tip. */
  private async catchUp(): Promise<void> {
    const { chain, responses } = this.components;
    const tip = await chain.tip();
    let last = responses.lastScanned();
    if (!last) {
      // A new tower starts at the tip: appointments are only for breaches still to come.
      responses.markScanned(tip);
      return;
    }
    while (last && (last.height > tip.height || (await this.hashAt(last.height)) !== last.hash)) {
      this.disconnectAt(last.height);
      last = responses.lastScanned();
    }
    if (!last) {
      this.logger.log('warn', `a reorg deeper than the blocks the tower remembers: scanning again from ${Math.max(0, tip.height - 1000)}`);
      this.recent.clear();
    }
    for (let height = last ? last.height + 1 : Math.max(0, tip.height - 1000); height <= tip.height; height++) {
      const block = await chain.blockAt(height);
      if (!block) break; // the chain moved under us; its events will tell
      await this.scanBlock(block);
    }
  }

  private disconnectAt(height: number): void {
    this.components.responses.unmarkScanned(height);
    this.retention.blockDisconnected(height);
    this.recent.blockDisconnected(height);
  }

  /**
   * Reads the recent blocks the cache lacks (after a restart: all but those
   * the catch-up scanned), newest first, down to `locatorCacheBlocks` below
   * the last block scanned. A block that cannot be read ends the filling
   * with a warning: late appointments for breaches below it go unmatched.
   */
  private async fillCache(): Promise<void> {
    const top = this.components.responses.lastScanned();
    if (!top) return;
    const lowest = Math.max(0, top.height - this.locatorCacheBlocks + 1);
    for (let height = top.height; height >= lowest && this.started; height--) {
      if (this.recent.at(height)) continue;
      let block: ChainBlock | undefined;
      try {
        block = await this.components.chain.blockAt(height);
      } catch (error) {
        this.logger.log('warn', `could not read block ${height} to remember its transactions (appointments for breaches at or below it will not be matched late): ${(error as Error).message}`);
        return;
      }
      if (!block) return; // the chain is shorter than what we scanned: its disconnect events are queued
      this.recent.add(block, block.transactions.map((tx) => transactionHash(tx)));
    }
  }

  /** The cached blocks holding a transaction under one of these locators, with those locators. */
  private cachedBlocksOf(locators: readonly Uint8Array[]): { block: CachedBlock; locators: Uint8Array[] }[] {
    const byHeight = new Map<number, { block: CachedBlock; locators: Uint8Array[] }>();
    for (const locator of locators) {
      for (const block of this.recent.find(locator)) {
        const entry = byHeight.get(block.height) ?? { block, locators: [] };
        entry.locators.push(locator);
        byHeight.set(block.height, entry);
      }
    }
    return [...byHeight.values()].sort((a, b) => a.block.height - b.block.height);
  }

  /**
   * Answers late appointments: reads each block again from the chain, and
   * scans its transactions under these locators exactly as a new block's
   * (the responder skips breaches already answered), then checks every open
   * response as after a block. A block the chain no longer has at that
   * height is skipped: the reorg's events are coming, and the new branch is
   * scanned with these appointments stored.
   */
  private async answerFromCache(hits: readonly { block: CachedBlock; locators: readonly Uint8Array[] }[]): Promise<void> {
    let scanned = false;
    for (const { block: cached, locators } of hits) {
      const block = await this.components.chain.blockAt(cached.height);
      if (!block || block.hash !== cached.hash) continue;
      const wanted = new Set(locators.map((locator) => Buffer.from(locator).toString('hex')));
      for (const tx of block.transactions) {
        const txHash = transactionHash(tx);
        if (!wanted.has(Buffer.from(txHash.subarray(0, LOCATOR_LENGTH)).toString('hex'))) continue;
        await this.scan(tx, txHash);
        scanned = true;
      }
    }
    if (scanned) await this.responder.trackAll();
  }

  private async hashAt(height: number): Promise<string | undefined> {
    const header = await this.components.chain.headerAt(height);
    return header ? blockHash(header) : undefined;
  }
}

/** Blocks whose locators are kept for late appointments, by default: two days. */
export const DEFAULT_LOCATOR_CACHE_BLOCKS = 288;

/** A block's hash in display order, from its 80-byte header. */
function blockHash(header: Uint8Array): string {
  return hash('sha256', hash('sha256', header, 'buffer'), 'buffer').reverse().toString('hex');
}
