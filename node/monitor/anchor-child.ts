/**
 * A child paying for our anchors commitment (CPFP): it spends our anchor
 * output (the funding key's, at once) and coins of the wallet, so that the
 * two together pay the feerate a commitment signed long ago at a low rate
 * does not. As rust-lightning's `BumpTransactionEvent::ChannelClose`
 * handling, simplified: the child pays for the whole package's weight at
 * the rate, and its parent's own fee comes on top.
 */
import { ANCHOR_OUTPUT_SATOSHIS } from '../bolt3/fees.js';
import { anchorScript, p2wsh } from '../bolt3/scripts.js';
import { encodeBitcoinSignature } from '../bolt3/signatures.js';
import { MAX_SIGNATURE_WITNESS_SIZE } from '../bolt3/sweep.js';
import { SIGHASH_ALL, Transaction, addInput } from '../bolt3/transaction.js';
import type { ChannelSigner } from '../keys/signer.js';

/** Signals replace-by-fee: the child is bumped in turn while the commitment does not confirm. */
const SEQUENCE_RBF = 0xfffffffd;

/** Our anchor on `commitment` (its output index), if it has one. */
export function ourAnchor(commitment: Transaction, signer: ChannelSigner): number | undefined {
  const script = Buffer.from(p2wsh(anchorScript(signer.publicKeys.fundingPubkey)));
  const vout = commitment.outs.findIndex((output) => Number(output.value) === ANCHOR_OUTPUT_SATOSHIS && script.equals(Buffer.from(output.script)));
  return vout < 0 ? undefined : vout;
}

/**
 * The child for `commitment` at `feeratePerKw`, or undefined without an
 * anchor of ours. `payFee` (the wallet's) adds its coins and change for the
 * child's weight plus `commitment`'s, then our anchor input is signed over the whole.
 */
export function anchorChild(commitment: Transaction, signer: ChannelSigner, payFee: (tx: Transaction, baseWeight: number) => void): Transaction | undefined {
  const vout = ourAnchor(commitment, signer);
  if (vout === undefined) return undefined;
  const witnessScript = anchorScript(signer.publicKeys.fundingPubkey);
  const child = new Transaction();
  child.version = 2;
  addInput(child, { txid: commitment.getId(), vout }, SEQUENCE_RBF);
  child.setWitness(0, [new Uint8Array(MAX_SIGNATURE_WITNESS_SIZE), witnessScript]);
  const weight = child.weight();
  child.setWitness(0, []);
  payFee(child, weight + commitment.weight());
  const signature = signer.signAnchor(child, 0, witnessScript, ANCHOR_OUTPUT_SATOSHIS);
  child.setWitness(0, [encodeBitcoinSignature(signature, SIGHASH_ALL), witnessScript]);
  return child;
}
