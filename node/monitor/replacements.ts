/**
 * Replacements (BIP 125) for claims that do not confirm: the same claim,
 * on the same outputs, signed again at a higher feerate, as rust-lightning's
 * OnchainTxHandler bumps the claims it can sign again (`feerate_bump`: the
 * estimator's rate, or a quarter more than the last version paid, whichever
 * is higher, up to a cap). Sweeps we sign alone and anchors HTLC
 * transactions are built again by their own builders (node/monitor/claims.ts);
 * justice is signed again here, from the version out now: its inputs, their
 * scripts (each witness ends with its script) and the revocation secret.
 */
import { type RevokedOutput, buildJusticeTransaction, justiceWitness } from '../bolt3/justice.js';
import { encodeBitcoinSignature } from '../bolt3/signatures.js';
import { UneconomicSweepError } from '../bolt3/sweep.js';
import { SIGHASH_ALL, type Transaction } from '../bolt3/transaction.js';
import { hashToHex } from '../chain/block-header.js';
import type { ChannelState } from '../commitment/state.js';
import type { ChannelSigner } from '../keys/signer.js';
import { revocationSecretOf } from './claims.js';

/** The highest feerate a claim is bumped to: 500 sat/vbyte. */
export const MAX_CLAIM_FEERATE_PER_KW = 125_000;

/**
 * The feerate of the next version of a claim that paid `paidPerKw`: at
 * least a quarter more (BIP 125 wants more in total and per weight), the
 * estimator's if higher, never above the cap; undefined once at the cap.
 */
export function nextFeerate(paidPerKw: number, estimatePerKw: number): number | undefined {
  if (paidPerKw >= MAX_CLAIM_FEERATE_PER_KW) return undefined;
  return Math.min(MAX_CLAIM_FEERATE_PER_KW, Math.max(estimatePerKw, Math.ceil(paidPerKw * 1.25)));
}

/** What a transaction spending `inputSatoshis` leaves to the miner. */
export function feePaid(tx: Transaction, inputSatoshis: number): number {
  return inputSatoshis - tx.outs.reduce((sum, output) => sum + Number(output.value), 0);
}

/** The feerate a signed transaction pays, in satoshis per 1,000 weight units. */
export function feerateOf(tx: Transaction, inputSatoshis: number): number {
  return (feePaid(tx, inputSatoshis) * 1000) / tx.weight();
}

/**
 * A justice transaction (on a revoked commitment of theirs, `breach`, or on
 * a second-stage HTLC transaction spending it) signed again at
 * `feeratePerKw`: the same inputs (`prevoutValues`, what each spends), the
 * same destination. We hold the revocation secret, so no one else's
 * signature is needed. Undefined when `breach` is not a commitment they
 * revoked, or when what it takes would not pay that fee.
 */
export function justiceAgain(state: ChannelState, signer: ChannelSigner, breach: Transaction, current: Transaction, prevoutValues: readonly number[], feeratePerKw: number): Transaction | undefined {
  const secret = revocationSecretOf(state, breach);
  if (!secret) return undefined;
  // `to_local`'s witness is <sig> 1 <script>; an HTLC output's, <sig> <revocationpubkey> <script>.
  const outputs: RevokedOutput[] = current.ins.map((input, i) => ({
    kind: input.witness.length === 3 && input.witness[1]!.length === 1 ? 'to_local' : 'htlc',
    outpoint: { txid: hashToHex(input.hash), vout: input.index },
    satoshis: prevoutValues[i]!,
    witnessScript: input.witness.at(-1)!,
  }));
  try {
    const justice = buildJusticeTransaction({ revokedOutputs: outputs, destinationScript: current.outs[0]!.script, feeratePerKw });
    outputs.forEach((output, i) => {
      const signature = encodeBitcoinSignature(signer.signJustice(justice.tx, i, output.witnessScript, output.satoshis, secret), SIGHASH_ALL);
      justice.tx.setWitness(i, justiceWitness(output.kind, signature, current.ins[i]!.witness[1]!, output.witnessScript));
    });
    return justice.tx;
  } catch (error) {
    if (error instanceof UneconomicSweepError) return undefined;
    throw error;
  }
}
