/**
 * The chain, fed to LDK through its `Confirm` interface (the ChannelManager's
 * and the ChainMonitor's): each block's transactions, then the new best
 * block. `Confirm` rather than `Listen` because `Listen` must be handed the
 * header of every block it disconnects, and after a restart the blocks of a
 * branch that was replaced while we were away are gone from the chain
 * source; `Confirm` needs only the txids LDK cares about.
 *
 * One serial queue: the catch-up at start and the chain's `connect` and
 * `disconnect` events never interleave, and a block is never skipped (a gap
 * is filled from `blockAt`) nor fed twice as a new best block (a `connect`
 * at or below what was fed is one the catch-up already fed).
 */
import { bytesToHex } from '../../node/core/hex.js';
import type { Logger } from '../../node/core/logger.js';
import type { ChainBlock, ChainSource } from '../chain/chain-source.js';
import type { Confirm } from 'lightningdevkit';
import type { Ldk } from './ldk.js';

/** How far below what LDK saw the chain is rescanned after a reorg that happened while we were away. */
export const REORG_RESCAN_DEPTH = 144;

/** A block height and hash (display order), where LDK's view of the chain stands. */
export interface FedBlock {
  readonly height: number;
  readonly hash: string;
}

/** The hash (display order) of the block an 80-byte header names as its parent. */
export function previousHash(header: Uint8Array): string {
  return bytesToHex(header.slice(4, 36).reverse());
}

/** A display-order hash in LDK's (internal) byte order. */
export function internalOrder(displayHash: string): Uint8Array {
  return Uint8Array.from(Buffer.from(displayHash, 'hex').reverse());
}

export class LdkChainFeed {
  private queue: Promise<void> = Promise.resolve();
  private readonly onConnect = (block: ChainBlock) => void this.enqueue(() => this.connected(block)).catch(() => undefined);
  private readonly onDisconnect = (block: ChainBlock) => void this.enqueue(() => this.disconnected(block)).catch(() => undefined);

  constructor(
    private readonly ldk: Ldk,
    private readonly chain: ChainSource,
    private readonly confirms: readonly Confirm[],
    private fed: FedBlock,
    private readonly logger: Logger,
  ) {}

  /** Where LDK stands now. */
  get best(): FedBlock {
    return this.fed;
  }

  /** Follows the chain's events and catches up to its tip; resolves once caught up, rejects (and stops) if it cannot. */
  async start(): Promise<void> {
    this.chain.on('connect', this.onConnect);
    this.chain.on('disconnect', this.onDisconnect);
    try {
      await this.enqueue(() => this.catchUp());
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops following; resolves once what was queued has run. */
  async stop(): Promise<void> {
    this.chain.off('connect', this.onConnect);
    this.chain.off('disconnect', this.onDisconnect);
    await this.queue;
  }

  /** Resolves once every event received so far has been fed. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Runs `job` after those queued; the queue goes on if it fails (logged), and the caller sees the failure. */
  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job);
    this.queue = run.catch((error: unknown) => {
      this.logger.log('error', 'cannot feed the chain to LDK; the next block retries', { error: String(error) });
    });
    return run;
  }

  private async connected(block: ChainBlock): Promise<void> {
    if (block.height <= this.fed.height) return; // the catch-up fed it already
    if (block.height === this.fed.height + 1 && previousHash(block.header) === this.fed.hash) this.feed(block);
    else await this.catchUp();
  }

  private async disconnected(block: ChainBlock): Promise<void> {
    if (block.height > this.fed.height) return; // never fed
    // A disconnected block is told before it leaves `blockAt`: its transactions are unconfirmed here.
    for (const tx of block.transactions) this.eachConfirm((confirm) => confirm.transaction_unconfirmed(tx.getHash()));
    this.fed = { height: block.height - 1, hash: previousHash(block.header) };
  }

  /**
   * Brings LDK from where it stands to the chain's tip, first undoing a reorg
   * it missed. Blocks at or below what LDK saw are rescanned for their
   * transactions only: a best block below a confirmed funding would look to
   * LDK like the funding reorged out, and it would close the channel.
   */
  private async catchUp(): Promise<void> {
    const seen = this.fed;
    let from = seen.height + 1;
    const here = await this.chain.blockAt(seen.height);
    if (here?.hash !== seen.hash) from = await this.unconfirmStale();
    const tip = await this.chain.tip();
    let last: ChainBlock | undefined;
    for (let height = from; height <= tip.height; height++) {
      const block = await this.chain.blockAt(height);
      if (!block) break; // the chain shrank under us: its `disconnect` events follow
      if (height <= seen.height) this.confirmTransactions(block);
      else this.feed(block);
      last = block;
    }
    // A chain now shorter than what LDK saw: its tip is the best block.
    const tipBlock = last;
    if (tipBlock && tipBlock.height <= seen.height) {
      this.eachConfirm((confirm) => confirm.best_block_updated(tipBlock.header, tipBlock.height));
      this.fed = { height: tipBlock.height, hash: tipBlock.hash };
    }
  }

  /** After a reorg while away: unconfirms what LDK saw in blocks no longer in the chain; returns where to rescan from. */
  private async unconfirmStale(): Promise<number> {
    let lowest = this.fed.height;
    for (const confirm of this.confirms) {
      for (const relevant of confirm.get_relevant_txids()) {
        const height = relevant.get_b();
        const seenIn = relevant.get_c();
        if (!(seenIn instanceof this.ldk.Option_ThirtyTwoBytesZ_Some)) continue;
        const now = await this.chain.blockAt(height);
        if (now && bytesToHex(internalOrder(now.hash)) === bytesToHex(seenIn.some)) continue;
        confirm.transaction_unconfirmed(relevant.get_a());
        lowest = Math.min(lowest, height);
      }
    }
    this.logger.log('warn', 'the chain reorganized while LDK was away; rescanning', { was: this.fed, from: lowest - REORG_RESCAN_DEPTH });
    return Math.max(0, lowest - REORG_RESCAN_DEPTH);
  }

  private feed(block: ChainBlock): void {
    this.confirmTransactions(block);
    this.eachConfirm((confirm) => confirm.best_block_updated(block.header, block.height));
    this.fed = { height: block.height, hash: block.hash };
  }

  private confirmTransactions(block: ChainBlock): void {
    const txdata = block.transactions.map((tx, index) => this.ldk.TwoTuple_usizeTransactionZ.constructor_new(index, tx.toBuffer()));
    this.eachConfirm((confirm) => confirm.transactions_confirmed(block.header, txdata, block.height));
  }

  private eachConfirm(call: (confirm: Confirm) => void): void {
    for (const confirm of this.confirms) call(confirm);
  }
}
