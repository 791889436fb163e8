/**
 * How the chain reaches what watches it on a node, and how the node says
 * what to watch: rust-lightning's `chain::Confirm` and `chain::Filter`.
 *
 * A node never sees whole blocks: the gateway sends each block's header and
 * only the transactions that touch what the node registered (`ChainFilter`),
 * each with a merkle proof the node checks against its own header chain.
 * So, as with `Confirm` in rust-lightning, transactions and the tip arrive
 * apart: first the block's relevant transactions, then the new best block.
 * Transactions of a block already passed may still arrive (a watch
 * registered late): a listener takes them as they come.
 *
 * Reorgs arrive as `blockDisconnected`, tip first, before the new branch:
 * whatever confirmed at that height or above is unconfirmed again.
 */
import type { Outpoint, Transaction } from '../bolt3/transaction.js';

export interface ChainListener {
  /** Transactions that matter to this listener, confirmed in the block at `height` of the best chain. */
  transactionsConfirmed(height: number, blockHash: string, transactions: readonly Transaction[]): void;
  /** The best chain's tip is now at `height` (after the transactions of every block up to it were given). */
  bestBlockUpdated(height: number, blockHash: string): void;
  /** The block at `height` left the best chain: what confirmed there is unconfirmed again. */
  blockDisconnected(height: number): void;
  /**
   * A transaction seen before it confirmed (the gateway's mempool spends a
   * watched output): a revoked commitment is best answered at once.
   */
  transactionUnconfirmedSeen?(transaction: Transaction): void;
}

/** Registers what a listener needs to hear about; repeating a registration is harmless. */
export interface ChainFilter {
  /** Report this transaction (display-order txid) when it confirms. */
  watchTransaction(txid: string): void;
  /** Report whatever spends this output, when it confirms (or is seen in the mempool). */
  watchOutput(outpoint: Outpoint): void;
}
