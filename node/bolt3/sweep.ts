/**
 * Sweeps: transactions that collect script outputs into one output of ours,
 * paying a fee computed from their weight at the largest signature sizes,
 * so the fee is fixed before anything is signed.
 */
import { InvalidInputError, checkArray, checkBytes, checkInteger, checkObject } from '../core/input.js';
import { dustThreshold } from './dust.js';
import { MAX_FEERATE_PER_KW, feeForWeight } from './fees.js';
import { type Outpoint, Transaction, addInput, addOutput, checkOutpoint, checkSatoshis } from './transaction.js';

/** Standard policy's limit on one witness item (for P2WSH, the script itself may be up to 3,600 bytes). */
const MAX_WITNESS_ITEM_SIZE = 3600;

/**
 * Largest signature plus its sighash byte: with low-S (which we always
 * produce) DER is at most 71 bytes, so 72 in all.
 */
export const MAX_SIGNATURE_WITNESS_SIZE = 72;

export interface SweepInput {
  readonly outpoint: Outpoint;
  readonly satoshis: number;
  readonly witnessScript: Uint8Array;
  readonly sequence: number;
  /** The largest size of each witness item before the script: it fixes the weight, and so the fee. */
  readonly witnessItemSizes: readonly number[];
}

export interface SweepParams {
  readonly inputs: readonly SweepInput[];
  readonly destinationScript: Uint8Array;
  readonly feeratePerKw: number;
  readonly locktime?: number;
}

export interface Sweep {
  readonly tx: Transaction;
  /** Weight once signed with signatures of the largest size. */
  readonly weight: number;
  readonly feeSatoshis: number;
  readonly inputs: readonly SweepInput[];
}

/** Thrown when what a sweep collects would not pay its own fee and leave more than dust. */
export class UneconomicSweepError extends InvalidInputError {
  override name = 'UneconomicSweepError';
}

export function buildSweepTransaction(params: SweepParams): Sweep {
  const inputs = checkArray('inputs', params.inputs, 1);
  checkBytes('destinationScript', params.destinationScript);
  checkInteger('feeratePerKw', params.feeratePerKw, 0, MAX_FEERATE_PER_KW);
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = checkInteger('locktime', params.locktime ?? 0, 0, 0xffffffff);
  let total = 0;
  inputs.forEach((input, i) => {
    checkObject(`inputs[${i}]`, input);
    checkOutpoint(`inputs[${i}].outpoint`, input.outpoint);
    checkArray(`inputs[${i}].witnessItemSizes`, input.witnessItemSizes, 0, 100).forEach((size, k) =>
      checkInteger(`inputs[${i}].witnessItemSizes[${k}]`, size, 0, MAX_WITNESS_ITEM_SIZE),
    );
    total += checkSatoshis(`inputs[${i}].satoshis`, input.satoshis);
    checkBytes(`inputs[${i}].witnessScript`, input.witnessScript);
    addInput(tx, input.outpoint, checkInteger(`inputs[${i}].sequence`, input.sequence, 0, 0xffffffff));
  });
  addOutput(tx, params.destinationScript, 0);

  // Weigh the transaction with placeholder witnesses of the largest size, then take them off again
  // (set as `setWitness` sets them, without its checks: every item here is a byte array).
  inputs.forEach((input, i) => {
    tx.ins[i]!.witness = [...input.witnessItemSizes.map((size) => new Uint8Array(size)), input.witnessScript];
  });
  const weight = tx.weight();
  inputs.forEach((_, i) => (tx.ins[i]!.witness = []));

  const feeSatoshis = feeForWeight(params.feeratePerKw, weight);
  const value = total - feeSatoshis;
  const dust = dustThreshold(params.destinationScript);
  if (value < dust) {
    throw new UneconomicSweepError('inputs', `${total} sat collected, ${feeSatoshis} sat fee: the ${value} sat left is below the dust threshold of ${dust} sat`);
  }
  tx.outs[0]!.value = BigInt(value);
  return { tx, weight, feeSatoshis, inputs };
}

/** An input spending a `to_local`-style output (or an HTLC transaction's output) with the delayed key, after `toSelfDelay` blocks. */
export function delayedSweepInput(outpoint: Outpoint, satoshis: number, witnessScript: Uint8Array, toSelfDelay: number): SweepInput {
  checkInteger('toSelfDelay', toSelfDelay, 0, 0xffff);
  return { outpoint, satoshis, witnessScript, sequence: toSelfDelay, witnessItemSizes: [MAX_SIGNATURE_WITNESS_SIZE, 0] };
}

/** `<local_delayedsig> 0 <script>`: takes the OP_ELSE branch of the `to_local` script. */
export function delayedSweepWitness(signature: Uint8Array, witnessScript: Uint8Array): Uint8Array[] {
  return [checkBytes('signature', signature), new Uint8Array(0), checkBytes('witnessScript', witnessScript)];
}
