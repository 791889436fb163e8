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
import { MIN_FEERATE_PER_KW } from '../../node/core/bolt-limits.js';
import { InvalidInputError, checkArray, checkBytes, checkInteger } from '../../node/core/input.js';
import { MAX_SATOSHIS, type Transaction } from '../../node/bolt3/transaction.js';

export interface WalletOutput {
  readonly script: Uint8Array;
  readonly satoshis: number;
}

export interface WalletBalance {
  /** Coins in blocks of the best chain that nothing spends, not even a mempool transaction (coins locked by `fund` included). */
  readonly confirmed: number;
  /** Coins of mempool transactions, not yet in a block (our change included). A coinbase not yet mature counts in neither. */
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
   * confirms. Rejects with `InsufficientFundsError` (a `WalletError`) when
   * the wallet cannot pay, with `InvalidInputError` for bad input
   * (`checkFundRequest`); neither locks anything.
   */
  fund(outputs: readonly WalletOutput[], feeratePerKw: number): Promise<Transaction>;
  /** Gives back the inputs of a funded transaction that will not be broadcast (LDK dropped the channel). */
  release(tx: Transaction): Promise<void>;
}

/** The wallet cannot do what was asked; the message says what the user can do (fund it, wait for confirmations). */
export class WalletError extends Error {
  override name = 'WalletError';
}

/** What `fund` asked for is more than the wallet's unlocked coins: the error names the shortfall. */
export class InsufficientFundsError extends WalletError {
  override name = 'InsufficientFundsError';
  readonly shortfallSatoshis: number;
  constructor(
    /** What the coins the backend would spend add up to: unlocked, confirmed or our own change (never someone else's unconfirmed coin). */
    readonly availableSatoshis: number,
    /** The outputs and the fee (the backend's estimate for the inputs it would need). */
    readonly neededSatoshis: number,
  ) {
    const shortfall = Math.max(1, neededSatoshis - availableSatoshis);
    super(`the wallet has ${availableSatoshis} sat it can spend but this needs ${neededSatoshis} sat (outputs and fee): send it at least ${shortfall} sat more, or wait for coins sent to it to confirm, or for coins locked by other fundings to be released`);
    this.shortfallSatoshis = shortfall;
  }
}

/** The highest feerate `fund` takes: 4,000 sat/vB, far above any fee market so far, so a unit mistake is caught. */
export const MAX_FUND_FEERATE_PER_KW = 1_000_000;

/** The most outputs one `fund` pays (a batch of channel fundings would be a few). */
export const MAX_FUND_OUTPUTS = 1_000;

/** Throws `InvalidInputError` unless `fund` can be asked this: 1 to 1,000 outputs of a script and at least the dust limit of its script, a feerate from Lightning's floor (253 sat/kw) up. */
export function checkFundRequest(outputs: readonly WalletOutput[], feeratePerKw: number): void {
  checkArray('outputs', outputs, 1, MAX_FUND_OUTPUTS);
  let total = 0;
  outputs.forEach((output, i) => {
    checkBytes(`outputs[${i}].script`, output?.script);
    if (output.script.length === 0 || output.script.length > 10_000) throw new InvalidInputError(`outputs[${i}].script`, `expected 1 to 10,000 bytes, got ${output.script.length}`);
    total += checkInteger(`outputs[${i}].satoshis`, output.satoshis, dustLimit(output.script), MAX_SATOSHIS);
  });
  if (total > MAX_SATOSHIS) throw new InvalidInputError('outputs', `they add up to ${total} sat, more than 21 million bitcoin`);
  checkInteger('feeratePerKw', feeratePerKw, MIN_FEERATE_PER_KW, MAX_FUND_FEERATE_PER_KW);
}

/**
 * The least an output of `script` may carry to be relayed: Core's dust rule
 * at its 3 sat/vB dust feerate (294 sat for P2WPKH, 330 for P2WSH, 546 for
 * P2PKH); an OP_RETURN output may carry anything.
 */
export function dustLimit(script: Uint8Array): number {
  if (script[0] === 0x6a) return 1;
  const outputSize = 8 + 1 + script.length;
  const isWitnessProgram = script.length >= 4 && script.length <= 42 && (script[0] === 0 || (script[0]! >= 0x51 && script[0]! <= 0x60)) && script[1] === script.length - 2;
  // What spending it adds: the outpoint, sequence and script length, and the signature and key (a quarter for a witness).
  return 3 * (outputSize + (isWitnessProgram ? 67 : 148));
}
