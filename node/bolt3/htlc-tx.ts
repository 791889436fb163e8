/**
 * HTLC-timeout and HTLC-success transactions (BOLT 3, "HTLC-Timeout and
 * HTLC-Success Transactions").
 *
 * An HTLC output of a commitment is spent by its owner only through one of
 * these pre-signed second-stage transactions, whose output is again delayed
 * by `to_self_delay` and revocable, so a revoked commitment cannot escape
 * the penalty through its HTLCs.
 */
import { InvalidInputError, checkBytes, checkInteger } from '../input.js';
import type { CommitmentKeys } from './commitment-keys.js';
import type { CommitmentOutput } from './commitment.js';
import { type CommitmentVariant, htlcSuccessFee, htlcTimeoutFee } from './fees.js';
import { p2wsh, toLocalScript } from './scripts.js';
import { SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, Transaction, addInput, addOutput, checkTxid } from './transaction.js';

export interface HtlcTransactionParams {
  readonly variant: CommitmentVariant;
  readonly commitmentTxid: string;
  /** The commitment output being spent (an `offered_htlc` or `received_htlc`) and its index. */
  readonly output: CommitmentOutput;
  readonly outputIndex: number;
  readonly feeratePerKw: number;
  readonly toSelfDelay: number;
  readonly keys: CommitmentKeys;
}

export interface HtlcTransaction {
  readonly tx: Transaction;
  readonly type: 'htlc-timeout' | 'htlc-success';
  /** The HTLC script of the commitment output this spends. */
  readonly witnessScript: Uint8Array;
  /** The value of the commitment output this spends (what its signatures commit to). */
  readonly inputSatoshis: number;
  /** The script of this transaction's own (delayed, revocable) output. */
  readonly outputWitnessScript: Uint8Array;
}

/** HTLC-timeout for an offered HTLC, HTLC-success for a received one. */
export function buildHtlcTransaction(params: HtlcTransactionParams): HtlcTransaction {
  const { variant, output, keys } = params;
  checkTxid('commitmentTxid', params.commitmentTxid);
  checkInteger('outputIndex', params.outputIndex, 0, 0xffffffff);
  checkInteger('toSelfDelay', params.toSelfDelay, 0, 0xffff);
  if ((output?.kind !== 'offered_htlc' && output?.kind !== 'received_htlc') || !output.htlc || !output.witnessScript) {
    throw new InvalidInputError('output', 'expected an HTLC output of a commitment');
  }
  const timeout = output.kind === 'offered_htlc';
  const fee = timeout ? htlcTimeoutFee(variant, params.feeratePerKw) : htlcSuccessFee(variant, params.feeratePerKw);
  if (output.satoshis <= fee) throw new InvalidInputError('output', 'HTLC amount does not cover its second-stage fee (it should have been trimmed)');

  const outputWitnessScript = toLocalScript(keys.revocationPubkey, params.toSelfDelay, keys.localDelayedPubkey);
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = timeout ? output.htlc.cltvExpiry : 0;
  addInput(tx, { txid: params.commitmentTxid, vout: params.outputIndex }, variant === 'anchors' ? 1 : 0);
  addOutput(tx, p2wsh(outputWitnessScript), output.satoshis - fee);
  return {
    tx,
    type: timeout ? 'htlc-timeout' : 'htlc-success',
    witnessScript: output.witnessScript,
    inputSatoshis: output.satoshis,
    outputWitnessScript,
  };
}

/** The sighash type the counterparty's signature on our HTLC transactions uses. */
export function remoteHtlcSighashType(variant: CommitmentVariant): number {
  return variant === 'anchors' ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
}

/**
 * The witness of an HTLC transaction: `0 <remotehtlcsig> <localhtlcsig> <preimage or empty> <script>`.
 * Signatures are DER with their sighash byte; the preimage is required for HTLC-success.
 */
export function htlcTransactionWitness(
  htlcTransaction: HtlcTransaction,
  remoteSignature: Uint8Array,
  localSignature: Uint8Array,
  paymentPreimage?: Uint8Array,
): Uint8Array[] {
  checkBytes('remoteSignature', remoteSignature);
  checkBytes('localSignature', localSignature);
  let last: Uint8Array = new Uint8Array(0);
  if (htlcTransaction.type === 'htlc-success') {
    if (!paymentPreimage) throw new InvalidInputError('paymentPreimage', 'an HTLC-success transaction needs the preimage');
    last = checkBytes('paymentPreimage', paymentPreimage, 32);
  }
  return [new Uint8Array(0), remoteSignature, localSignature, last, htlcTransaction.witnessScript];
}
