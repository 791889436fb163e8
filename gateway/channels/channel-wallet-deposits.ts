/**
 * What pays the gateway's mesh channels' wallet on chain comes back to it:
 * each block's transactions paying its script (the channels' cooperative
 * closes, sweeps and justice, and the transfers of `fundChannelWallet` once
 * they confirm; a coin known already is not counted again). The height
 * read last is kept in the channels' store, so that blocks connected while
 * the gateway was stopped are read at start; a new wallet starts at the
 * tip. The height is written with a block's coins, every HEIGHT_WRITE_EVERY
 * blocks and at close, not at each block: a regtest gateway mining a
 * thousand blocks at once would wait on a thousand syncs. Taking a block
 * twice (a restart before its height was written, a reorg's new branch)
 * counts nothing twice. A coin of a block a reorg takes
 * away stays counted, as a node's proven deposit does.
 */
import { type Logger, silentLogger } from '../../node/core/logger.js';
import type { Persister, RecordStore } from '../../node/persist/persister.js';
import type { NodeWallet } from '../../node/wallet/node-wallet.js';
import type { ChainBlock, ChainSource } from '../chain/chain-source.js';

/** The `counter` record that keeps the height read last. */
const HEIGHT_READ = 'channelWalletHeightRead';
/** Blocks without coins read between two writes of the height: at most that many read again after a restart. */
const HEIGHT_WRITE_EVERY = 144;

export interface ChannelWalletDepositsComponents {
  readonly wallet: NodeWallet;
  readonly chain: Pick<ChainSource, 'on' | 'off' | 'tip' | 'blockAt'>;
  readonly store: Pick<RecordStore, 'get'> & Pick<Persister, 'put'>;
  /** Told of each transaction that added coins. */
  readonly deposited?: (txid: string, satoshis: number) => void;
  readonly logger?: Logger;
}

export class ChannelWalletDeposits {
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** The height read last and not yet written. */
  private unwritten: number | undefined;
  private readonly onConnect = (block: ChainBlock) => void this.enqueue(async () => this.take(block));

  constructor(private readonly components: ChannelWalletDepositsComponents) {}

  /** Reads the blocks connected since the last height read, then each new one; resolves once caught up. */
  async start(): Promise<void> {
    this.components.chain.on('connect', this.onConnect);
    await this.enqueue(() => this.catchUp());
  }

  /** Stops listening; a block still queued is not read (the store may close next). */
  close(): void {
    if (this.unwritten !== undefined && !this.closed) this.components.store.put('counter', HEIGHT_READ, this.unwritten);
    this.closed = true;
    this.components.chain.off('connect', this.onConnect);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch((error: Error) => (this.components.logger ?? silentLogger).log('warn', `the channel wallet could not read a block: ${error.message}`));
    return this.queue;
  }

  private async catchUp(): Promise<void> {
    const { chain, store } = this.components;
    const tip = await chain.tip();
    const last = store.get('counter', HEIGHT_READ);
    if (last === undefined) return store.put('counter', HEIGHT_READ, tip.height);
    for (let height = last + 1; height <= tip.height && !this.closed; height++) {
      const block = await chain.blockAt(height);
      if (block) this.take(block);
    }
  }

  private take(block: ChainBlock): void {
    if (this.closed) return;
    const { wallet, store, deposited } = this.components;
    let coins = false;
    for (const tx of block.transactions) {
      const added = wallet.addOutputsOf(tx);
      if (added > 0) deposited?.(tx.getId(), added);
      coins ||= added > 0;
    }
    if (coins || block.height % HEIGHT_WRITE_EVERY === 0) {
      store.put('counter', HEIGHT_READ, block.height);
      this.unwritten = undefined;
    } else {
      this.unwritten = block.height;
    }
  }
}
