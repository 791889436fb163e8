/**
 * Our `to_remote` on a commitment of theirs that the channel builds no
 * claims for: a revoked one. The justice transaction takes their outputs
 * (`to_local`, HTLCs); our own balance on that commitment pays our payment
 * basepoint (P2WPKH with `static_remotekey`, a P2WSH with a one-block delay
 * with anchors), which no wallet watches: it must be swept like the
 * `to_remote` of their current commitment, or it is lost.
 */
import { MAX_SIGNATURE_WITNESS_SIZE, UneconomicSweepError, buildSweepTransaction } from '../bolt3/sweep.js';
import { p2pkh, p2wpkh, p2wsh, toRemoteAnchorsScript } from '../bolt3/scripts.js';
import { encodeBitcoinSignature } from '../bolt3/signatures.js';
import { SIGHASH_ALL, type Transaction } from '../bolt3/transaction.js';
import type { CommitmentVariant } from '../bolt3/fees.js';
import type { Claim } from './claims.js';
import type { ChannelSigner } from '../keys/signer.js';

export function toRemoteClaim(
  commitment: Transaction,
  variant: CommitmentVariant,
  signer: ChannelSigner,
  destinationScript: Uint8Array,
  feeratePerKw: number,
): Claim | undefined {
  const paymentKey = signer.publicKeys.paymentBasepoint;
  const anchors = variant === 'anchors';
  const scriptCode = anchors ? toRemoteAnchorsScript(paymentKey) : p2pkh(paymentKey);
  const outputScript = Buffer.from(anchors ? p2wsh(scriptCode) : p2wpkh(paymentKey));
  const vout = commitment.outs.findIndex((output) => outputScript.equals(Buffer.from(output.script)));
  if (vout < 0) return undefined;
  const txid = commitment.getId();
  const satoshis = Number(commitment.outs[vout]!.value);
  const sequence = anchors ? 1 : 0xfffffffd;
  try {
    const built = buildSweepTransaction({
      inputs: [{ outpoint: { txid, vout }, satoshis, witnessScript: scriptCode, sequence, witnessItemSizes: anchors ? [MAX_SIGNATURE_WITNESS_SIZE] : [MAX_SIGNATURE_WITNESS_SIZE, 33] }],
      destinationScript,
      feeratePerKw,
    });
    const signature = encodeBitcoinSignature(signer.signPayment(built.tx, 0, scriptCode, satoshis), SIGHASH_ALL);
    built.tx.setWitness(0, anchors ? [signature, scriptCode] : [signature, paymentKey]);
    return { description: 'to_remote', outpoint: { txid, vout }, satoshis, ...(anchors && { relativeDelay: 1 }), transaction: built.tx };
  } catch (error) {
    if (error instanceof UneconomicSweepError) return undefined;
    throw error;
  }
}
