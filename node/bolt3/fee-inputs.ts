/**
 * Paying the fee of a transaction from the wallet: with `option_anchors`,
 * HTLC-success and HTLC-timeout transactions are signed by the peer with
 * SIGHASH_SINGLE|SIGHASH_ANYONECANPAY and carry no fee of their own (BOLT 3,
 * "HTLC-timeout and HTLC-success Transactions"). To relay one, the holder
 * adds coins of its wallet as further inputs and its change as a further
 * output, then signs its own input with SIGHASH_ALL over the whole.
 *
 * The coins are P2WPKH: their witnesses do not change the txid, so the
 * second-stage claim built on this transaction's output stays valid.
 */
import { InvalidInputError, checkArray, checkBytes, checkInteger } from '../core/input.js';
import { dustThreshold } from './dust.js';
import { MAX_FEERATE_PER_KW, feeForWeight } from './fees.js';
import type { DigestSigner, FundingInput } from './funding.js';
import { p2pkh } from './scripts.js';
import { encodeBitcoinSignature } from './signatures.js';
import { MAX_SIGNATURE_WITNESS_SIZE } from './sweep.js';
import { SIGHASH_ALL, type Transaction, addInput, addOutput, checkOutpoint, checkSatoshis, segwitSighash } from './transaction.js';

/** A P2WPKH input with its witness: 41 bytes outside the witness, 1 + 73 + 34 inside, at most. */
export const P2WPKH_INPUT_WEIGHT = 4 * 41 + 1 + (1 + MAX_SIGNATURE_WITNESS_SIZE) + (1 + 33);

export interface FeeInputsParams {
  /** Coins of the wallet (P2WPKH only), spent whole. */
  readonly coins: readonly FundingInput[];
  readonly changeScript: Uint8Array;
  /** The weight of the transaction as it is, once its own inputs are signed (for HTLC transactions, BOLT 3's weight). */
  readonly baseWeight: number;
  readonly feeratePerKw: number;
}

/**
 * Appends `coins` and a change output to `tx`, so that the whole pays
 * `feeratePerKw` on top of what its outputs already take from its inputs,
 * and signs the added inputs. Returns the fee the coins pay. Inputs and
 * outputs already in `tx` are left where they are (index 0 stays paired
 * with output 0, as SIGHASH_SINGLE requires). The caller signs its own
 * inputs afterwards, with SIGHASH_ALL.
 */
export function addFeeInputs(tx: Transaction, params: FeeInputsParams, sign: DigestSigner): number {
  checkArray('coins', params.coins, 1).forEach((coin, i) => {
    checkOutpoint(`coins[${i}].outpoint`, coin.outpoint);
    checkSatoshis(`coins[${i}].satoshis`, coin.satoshis);
    if (coin.kind !== 'p2wpkh') throw new InvalidInputError(`coins[${i}].kind`, 'only P2WPKH coins can pay a fee here: another kind would change the txid');
  });
  checkBytes('changeScript', params.changeScript);
  checkInteger('baseWeight', params.baseWeight, 1, 4_000_000);
  checkInteger('feeratePerKw', params.feeratePerKw, 0, MAX_FEERATE_PER_KW);
  const total = params.coins.reduce((sum, coin) => sum + coin.satoshis, 0);
  const weight = params.baseWeight + params.coins.length * P2WPKH_INPUT_WEIGHT + 4 * (8 + 1 + params.changeScript.length);
  const fee = feeForWeight(params.feeratePerKw, weight);
  const change = total - fee;
  if (change < dustThreshold(params.changeScript)) {
    throw new InvalidInputError('coins', `${total} sat cannot pay a fee of ${fee} sat and leave change above dust`);
  }
  const first = tx.ins.length;
  for (const coin of params.coins) addInput(tx, coin.outpoint, 0xffffffff);
  addOutput(tx, params.changeScript, change);
  params.coins.forEach((coin, i) => {
    const digest = segwitSighash(tx, first + i, p2pkh(coin.publicKey), coin.satoshis, SIGHASH_ALL);
    tx.setWitness(first + i, [encodeBitcoinSignature(sign(coin, digest), SIGHASH_ALL), coin.publicKey]);
  });
  return fee;
}
