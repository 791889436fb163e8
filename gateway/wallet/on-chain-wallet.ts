/**
 * The gateway's on-chain wallet: where its Lightning channels are funded
 * from and where LDK's sweeps land (issue 17). One interface over the
 * backends' own wallets (bcoin's wallet beside the embedded chain, Bitcoin
 * Core's wallet over RPC): the backend chooses the coins and signs, we never
 * select coins by hand where a backend does it.
 *
 * Amounts are satoshis; feerates are sat per 1000 weight units (as LDK and
 * BOLT 3 count them).
 */
import type { Transaction } from '../../node/bolt3/transaction.js';

export interface WalletOutput {
  readonly script: Uint8Array;
  readonly satoshis: number;
}

export interface WalletBalance {
  /** In blocks of the best chain. */
  readonly confirmed: number;
  /** In the mempool, not yet in a block (our change included). */
  readonly unconfirmed: number;
}

export interface OnChainWallet {
  /** A new receiving output script of the wallet (P2WPKH): for coins sent to the gateway, LDK's sweeps and shutdown scripts. */
  receiveScript(): Promise<Uint8Array>;
  balance(): Promise<WalletBalance>;
  /**
   * A transaction paying exactly `outputs` (in this order, first) at
   * `feeratePerKw`, from coins the backend chooses, change back to the
   * wallet, every input a segwit one (LDK refuses a funding transaction
   * whose txid a signature could change), signed and not broadcast. Its
   * inputs are kept from other funding until `release` or until it
   * confirms. Rejects with `WalletError` when the wallet cannot pay.
   */
  fund(outputs: readonly WalletOutput[], feeratePerKw: number): Promise<Transaction>;
  /** Gives back the inputs of a funded transaction that will not be broadcast (LDK dropped the channel). */
  release(tx: Transaction): Promise<void>;
}

/** The wallet cannot do what was asked; the message says what the user can do (fund it, wait for confirmations). */
export class WalletError extends Error {
  override name = 'WalletError';
}
