/**
 * The wallet a channel manager funds channels and pays claim fees from: an
 * interface of its own (rust-lightning's `WalletSource`), below the manager,
 * so that the wallet's code never imports the channel code. NodeWallet
 * (node-wallet.ts) is the node's; the simulator and the tests have theirs.
 */
import type { Transaction } from '../bolt3/transaction.js';

/** The node's wallet: builds and signs a funding transaction for the 2-of-2 of these keys (see `buildFundingTransaction`). */
export interface FundingWallet {
  fund(request: { localFundingPubkey: Uint8Array; remoteFundingPubkey: Uint8Array; satoshis: number; feeratePerKw: number }): { tx: Transaction; outputIndex: number };
  /** Where justice transactions and sweeps pay: an output script of the wallet. */
  sweepScript(): Uint8Array;
  /**
   * Pays the fee of a transaction that carries none (an anchors HTLC
   * transaction): adds P2WPKH coins of the wallet and a change output, and
   * signs them (see `addFeeInputs`). `baseWeight` is the transaction's weight as it is, signed.
   * `replaces`: an earlier version of the same claim, paying less (a fee bump, BIP 125): its coins are
   * spent again, so that the two conflict, and its change is no longer the wallet's.
   */
  payFee(tx: Transaction, baseWeight: number, feeratePerKw: number, replaces?: Transaction): void;
  /**
   * A miner took `after`, an earlier version of a claim whose fee the wallet paid, instead of `before`,
   * the one out last: the coins `after` spends are spent, the others not; `after`'s change is the wallet's, not `before`'s.
   */
  replaced?(before: Transaction, after: Transaction): void;
  /**
   * A transaction of ours that can never confirm (another spent what it
   * spends, past reorgs): the wallet's inputs it took are unspent again and
   * its change is gone (bitcoind's `abandontransaction`). A txid the wallet
   * did not fund is ignored. Optional: a wallet that pays no fees has none.
   */
  abandonTransaction?(txid: string): void;
}
