/**
 * The chain, as the gateway's mesh channels hear it: every block of the
 * gateway's own `ChainSource`, whole (rust-lightning's `Confirm` fed by a
 * full node, no `Filter` needed): `transactionsConfirmed` then
 * `bestBlockUpdated` for each block that joins the best chain,
 * `blockDisconnected` for each that leaves it, and mempool transactions as
 * `transactionUnconfirmedSeen` (a revoked commitment is answered before it
 * confirms).
 *
 * Events are not replayed across a restart: the blocks delivered are kept
 * (their hashes, the last `KEPT_BLOCKS`), and at start, or when an event
 * shows a gap, the feed walks back to where they and the chain agree
 * (disconnecting what left) and delivers every block from there to the
 * tip. New channels start at the tip: blocks below the first one delivered
 * hold nothing of theirs. A block is recorded after the channels took it: a crash in between
 * delivers it again, which the channels take as a repeat.
 */
import type { Transaction } from '../../node/bolt3/transaction.js';
import { hashToHex, headerHash } from '../../node/chain/block-header.js';
import type { ChainListener } from '../../node/chain/chain-listener.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import type { Persister, RecordStore, RecordWrite } from '../../node/persist/persister.js';
import type { ChainBlock, ChainSource } from '../chain/chain-source.js';

/** Blocks whose hashes are kept: a reorg deeper than this while stopped is delivered from this far below the tip. */
export const KEPT_BLOCKS = 144;

/** What the feed delivers to: the channel manager. */
export interface ChannelChainListener extends ChainListener {
  /** False while catching up after a start, true once at the tip (payments to us wait meanwhile). */
  setChainSynced?(synced: boolean): void;
  /** The backend's tip, before a catch-up delivers the blocks up to it: claims due by then go out at once. */
  chainTipSeen?(height: number): void;
}

export interface ChannelChainFeedComponents {
  readonly chain: ChainSource;
  readonly listener: ChannelChainListener;
  /** Where the blocks delivered are kept: the channels' own store, so that both come back together. */
  readonly store: Pick<Persister, 'getAll'> & RecordStore;
  /** The backend's estimate to confirm within `FEE_TARGET_BLOCKS`, after each block and the catch-up (when it has one): the channels' fees. */
  readonly feerateSeen?: (feeratePerKw: number) => void;
  readonly logger?: Logger;
}

/** The target of the fee estimate passed on, as the nodes' chain feed asks it. */
export const FEE_TARGET_BLOCKS = 6;

const idOf = (height: number) => String(height).padStart(10, '0');

export class ChannelChainFeed {
  private queue: Promise<void> = Promise.resolve();
  private started = false;
  private readonly logger: Logger;
  private readonly listeners = {
    connect: (block: ChainBlock) => void this.enqueue(() => this.connect(block)),
    disconnect: (block: ChainBlock) => void this.enqueue(async () => this.disconnect(block)),
    transaction: (tx: Transaction) => void this.enqueue(async () => this.components.listener.transactionUnconfirmedSeen?.(tx)),
  };

  constructor(private readonly components: ChannelChainFeedComponents) {
    this.logger = components.logger ?? silentLogger;
  }

  /** Listens to the chain and catches up with it; resolves once the channels are at the tip. Rejects (listening to nothing) if the chain cannot be read. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { chain, listener } = this.components;
    listener.setChainSynced?.(false);
    // The last height delivered before the stop: what the channels check expiries against until the catch-up ends.
    const last = this.lastDelivered();
    if (last) listener.bestBlockUpdated(last.height, last.hash);
    chain.on('connect', this.listeners.connect);
    chain.on('disconnect', this.listeners.disconnect);
    chain.on('transaction', this.listeners.transaction);
    const catchingUp = this.queue.then(async () => {
      await this.catchUp();
      await this.passFeerate();
    });
    this.queue = catchingUp.catch(() => {});
    try {
      await catchingUp;
    } catch (error) {
      await this.stop();
      throw error;
    }
    listener.setChainSynced?.(true);
  }

  /** Stops listening and waits for the block being delivered. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const { chain } = this.components;
    chain.off('connect', this.listeners.connect);
    chain.off('disconnect', this.listeners.disconnect);
    chain.off('transaction', this.listeners.transaction);
    await this.idle();
  }

  /** Resolves once every chain event received so far is delivered. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** The last block delivered to the channels, if any. */
  lastDelivered(): { height: number; hash: string } | undefined {
    let last: { height: number; hash: string } | undefined;
    for (const [id, { hash }] of this.components.store.getAll('blockDelivered')) {
      const height = Number(id);
      if (!last || height > last.height) last = { height, hash };
    }
    return last;
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job).catch((error: unknown) => {
      this.logger.log('warn', `the channels could not take a chain event: ${(error as Error).stack ?? String(error)}`);
    });
    this.queue = run;
    return run;
  }

  private async connect(block: ChainBlock): Promise<void> {
    const last = this.lastDelivered();
    if (last?.height === block.height && last.hash === block.hash) return; // delivered already (by a catch-up)
    const previousHash = Buffer.from(block.header.subarray(4, 36)).reverse().toString('hex');
    if (last && (last.height !== block.height - 1 || last.hash !== previousHash)) await this.catchUp(); // a gap or a fork we were not told of
    else this.deliver(block);
    await this.passFeerate();
  }

  private async passFeerate(): Promise<void> {
    const { chain, feerateSeen } = this.components;
    if (!feerateSeen) return;
    const feeratePerKw = await chain.estimateFeerate(FEE_TARGET_BLOCKS);
    if (feeratePerKw !== undefined) feerateSeen(feeratePerKw);
  }

  private disconnect(block: ChainBlock): void {
    const last = this.lastDelivered();
    if (last && (last.height !== block.height || last.hash !== block.hash)) return; // not the tip we delivered: the next connect catches up
    // Below the first block delivered (the channels started above it) there is no record to remove; the channels are told all the same.
    if (last) this.undeliver(block.height);
    else this.components.listener.blockDisconnected(block.height);
  }

  private deliver(block: ChainBlock): void {
    const { listener, store } = this.components;
    listener.transactionsConfirmed(block.height, block.hash, block.transactions);
    listener.bestBlockUpdated(block.height, block.hash);
    const writes: RecordWrite[] = [{ kind: 'blockDelivered', id: idOf(block.height), value: { hash: block.hash } }];
    if (block.height >= KEPT_BLOCKS) writes.push({ kind: 'blockDelivered', id: idOf(block.height - KEPT_BLOCKS), value: undefined });
    store.write(writes);
  }

  private async hashAt(height: number): Promise<string | undefined> {
    const header = await this.components.chain.headerAt(height);
    return header ? hashToHex(headerHash(header)) : undefined;
  }

  private undeliver(height: number): void {
    this.components.listener.blockDisconnected(height);
    this.components.store.write([{ kind: 'blockDelivered', id: idOf(height), value: undefined }]);
  }

  /** Walks back to where the blocks delivered and the chain agree, then delivers every block from there to the tip. */
  private async catchUp(): Promise<void> {
    const { chain, listener, store } = this.components;
    const tip = await chain.tip();
    listener.chainTipSeen?.(tip.height);
    let last = this.lastDelivered();
    if (!last) {
      // New channels start at the tip: nothing of theirs is in older blocks.
      listener.bestBlockUpdated(tip.height, tip.hash);
      store.write([{ kind: 'blockDelivered', id: idOf(tip.height), value: { hash: tip.hash } }]);
      return;
    }
    const remembered = store.getAll('blockDelivered').size;
    let lowestUndone = last.height + 1;
    while (last && (last.height > tip.height || (await this.hashAt(last.height)) !== last.hash)) {
      this.undeliver((lowestUndone = last.height));
      last = this.lastDelivered();
    }
    // Past the blocks remembered: the channels started at the lowest one, or it is a reorg deeper than KEPT_BLOCKS.
    const from = last ? last.height + 1 : lowestUndone;
    if (!last && remembered >= KEPT_BLOCKS) this.logger.log('warn', `a reorg deeper than the ${KEPT_BLOCKS} blocks the channels remember: what left below ${from} was not undone`);
    for (let height = from; height <= tip.height; height++) {
      const block = await chain.blockAt(height);
      if (!block) break; // the chain moved under us; its events will tell
      this.deliver(block);
    }
  }
}
