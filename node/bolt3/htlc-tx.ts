/**
 * HTLC-timeout and HTLC-success transactions (BOLT 3, "HTLC-Timeout and
 * HTLC-Success Transactions").
 *
 * An HTLC output of a commitment is spent by its owner only through one of
 * these pre-signed second-stage transactions, whose output is again delayed
 * by `to_self_delay` and revocable, so a revoked commitment cannot escape
 * the penalty through its HTLCs.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidInputError, checkBytes, checkInteger, checkObject } from '../core/input.js';
import { type CommitmentScriptKeys, checkCommitmentScriptKeys } from './commitment-keys.js';
import type { CommitmentOutput } from './commitment.js';
import { type CommitmentVariant, MAX_FEERATE_PER_KW, checkVariant, htlcSuccessFee, htlcTimeoutFee } from './fees.js';
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
  readonly keys: CommitmentScriptKeys;
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
  readonly paymentHash: Uint8Array;
}

/** HTLC scripts of anchors channels end with `1 OP_CHECKSEQUENCEVERIFY OP_DROP OP_ENDIF`. */
function endsWithAnchorsDelay(witnessScript: Uint8Array): boolean {
  const tail = witnessScript.subarray(-4);
  return tail.length === 4 && tail[0] === 0x51 && tail[1] === 0xb2 && tail[2] === 0x75 && tail[3] === 0x68;
}

/** HTLC-timeout for an offered HTLC, HTLC-success for a received one. */
export function buildHtlcTransaction(params: HtlcTransactionParams): HtlcTransaction {
  checkObject('params', params);
  const { variant, output, keys } = params;
  checkVariant('variant', variant);
  checkTxid('commitmentTxid', params.commitmentTxid);
  checkInteger('feeratePerKw', params.feeratePerKw, 0, MAX_FEERATE_PER_KW);
  checkCommitmentScriptKeys('keys', keys);
  checkInteger('outputIndex', params.outputIndex, 0, 0xffffffff);
  checkInteger('toSelfDelay', params.toSelfDelay, 0, 0xffff);
  if ((output?.kind !== 'offered_htlc' && output?.kind !== 'received_htlc') || !output.htlc || !output.witnessScript) {
    throw new InvalidInputError('output', 'expected an HTLC output of a commitment');
  }
  if (endsWithAnchorsDelay(output.witnessScript) !== (variant === 'anchors')) {
    throw new InvalidInputError('variant', `${variant} does not match the output's script`);
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
    paymentHash: output.htlc.paymentHash,
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
    if (!equalBytes(sha256(last), htlcTransaction.paymentHash)) throw new InvalidInputError('paymentPreimage', 'does not hash to the HTLC\'s payment hash');
  }
  return [new Uint8Array(0), remoteSignature, localSignature, last, htlcTransaction.witnessScript];
}
