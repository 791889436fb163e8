/**
 * The transactions that take our money back after a close, built from the
 * channel's state as plain functions: after our own commitment (`to_local`
 * after the delay, HTLCs through their pre-signed second-stage
 * transactions), after theirs (`to_remote`, HTLCs with a preimage or after
 * expiry), and justice on the second-stage transactions of a revoked
 * commitment of theirs (the justice on the commitment itself is
 * remedy.ts's).
 */
import { equalBytes } from '@noble/curves/utils.js';
import { commitmentNumberOf } from '../bolt3/commitment.js';
import { deriveCommitmentKeys } from '../bolt3/commitment-keys.js';
import { htlcSuccessWeight, htlcTimeoutWeight } from '../bolt3/fees.js';
import { htlcTransactionWitness, remoteHtlcSighashType } from '../bolt3/htlc-tx.js';
import { p2pkh, p2wsh, toLocalScript } from '../bolt3/scripts.js';
import { buildJusticeTransaction, justiceWitness } from '../bolt3/justice.js';
import { encodeBitcoinSignature } from '../bolt3/signatures.js';
import { MAX_SIGNATURE_WITNESS_SIZE, UneconomicSweepError, buildSweepTransaction, delayedSweepInput, delayedSweepWitness } from '../bolt3/sweep.js';
import { type Outpoint, SIGHASH_ALL, type Transaction } from '../bolt3/transaction.js';
import { perCommitmentPointOf } from '../bolt3/key-derivation.js';
import { MAX_SHACHAIN_INDEX, RevocationStore } from '../bolt3/shachain.js';
import type { ChannelSigner } from '../keys/signer.js';
import type { ChannelState } from '../commitment/state.js';
import type { ClaimedHtlc } from '../persist/persister.js';
import { localCommitment, htlcTransactionsOf, remoteCommitment, signedLocalCommitment } from '../commitment/commitments.js';
import { ChannelUnavailableError } from '../commitment/errors.js';

/**
 * Feerates of our claims: `claim` for those that race the counterparty (HTLC
 * outputs), `sweep` for outputs only we can take (`to_local` after the
 * delay, `to_remote`, second-stage outputs).
 */
export interface ClaimFeerates {
  readonly claim: number;
  readonly sweep: number;
}

/** A transaction that takes one of our outputs after a close, and when it becomes valid. */
export interface Claim {
  readonly description: string;
  readonly outpoint: Outpoint;
  readonly satoshis: number;
  /** Not valid before this block height (an absolute locktime). */
  readonly notBeforeHeight?: number;
  /** Not valid before the spent output is this many blocks deep. */
  readonly relativeDelay?: number;
  /** Signed, ready for the broadcaster when its time comes. */
  readonly transaction: Transaction;
  /** A claim on this transaction's own output, for when it has confirmed. */
  readonly then?: Claim;
  /** The HTLC it takes (`outgoing`: one we offered, taken back after its expiry; else one offered to us, taken with its preimage). */
  readonly htlc?: ClaimedHtlc;
}

/**
 * What is ours after we broadcast our latest commitment: `to_local` once
 * their delay has passed, offered HTLCs through their pre-signed
 * HTLC-timeout transactions once expired, received HTLCs whose preimage
 * we know through HTLC-success transactions; each second-stage output
 * again after the delay, these at `sweepFeeratePerKw`. With anchors, HTLC
 * transactions carry no fee: `payFee` adds the wallet's coins and change to
 * each (see `addFeeInputs`) before we sign it, given the transaction's own
 * weight.
 */
export function claimsAfterOurClose(
  state: ChannelState,
  signer: ChannelSigner,
  destinationScript: Uint8Array,
  sweepFeeratePerKw: number,
  preimageOf: (paymentHash: Uint8Array) => Uint8Array | undefined,
  payFee?: (tx: Transaction, baseWeight: number) => void,
  includeHtlc: (htlc: ClaimedHtlc) => boolean = () => true,
): { commitment: Transaction; claims: Claim[] } {
  const signed = signedLocalCommitment(state, signer);
  const { keys } = localCommitment(state, signer, state.localCommit.spec, state.localCommit.number);
  const txid = signed.tx.getId();
  const delay = state.remote.toSelfDelay;
  const claims: Claim[] = [];
  const delayedClaim = (description: string, outpoint: Outpoint, satoshis: number, witnessScript: Uint8Array): Claim | undefined =>
    delayedSweepClaim(signer, keys.perCommitmentPoint, delay, { description, outpoint, satoshis, witnessScript }, destinationScript, sweepFeeratePerKw);
  signed.outputs.forEach((output, vout) => {
    if (output.kind === 'to_local') {
      const claim = delayedClaim('to_local', { txid, vout }, output.satoshis, output.witnessScript!);
      if (claim) claims.push(claim);
    }
  });
  const htlcTxs = htlcTransactionsOf(state, signed, keys, state.localCommit.spec.feeratePerKw, delay);
  htlcTxs.forEach((htlcTx, i) => {
    const output = htlcTx.type === 'htlc-timeout' ? 'offered' : 'received';
    const htlc = signed.outputs[htlcTx.tx.ins[0]!.index]!.htlc!;
    const claimed: ClaimedHtlc = { id: htlc.id!, outgoing: output === 'offered', paymentHash: htlc.paymentHash };
    if (!includeHtlc(claimed)) return;
    const preimage = output === 'received' ? preimageOf(htlc.paymentHash) : undefined;
    if (output === 'received' && !preimage) return; // not ours to take without the preimage
    const remoteSighash = remoteHtlcSighashType(state.variant);
    const theirs = encodeBitcoinSignature(state.localCommit.signatures!.htlcSignatures[i]!, remoteSighash);
    if (state.variant === 'anchors') {
      if (!payFee) throw new ChannelUnavailableError('anchors HTLC transactions need the wallet to pay their fee');
      payFee(htlcTx.tx, htlcTx.type === 'htlc-timeout' ? htlcTimeoutWeight('anchors') : htlcSuccessWeight('anchors'));
    }
    const ours = encodeBitcoinSignature(signer.signHtlc(htlcTx.tx, 0, htlcTx.witnessScript, htlcTx.inputSatoshis, keys.perCommitmentPoint), SIGHASH_ALL);
    htlcTx.tx.setWitness(0, htlcTransactionWitness(htlcTx, theirs, ours, preimage));
    const secondStage = delayedClaim(`${htlcTx.type} output`, { txid: htlcTx.tx.getId(), vout: 0 }, Number(htlcTx.tx.outs[0]!.value), htlcTx.outputWitnessScript);
    claims.push({
      description: `${htlcTx.type} of HTLC ${htlc.id}`,
      outpoint: { txid, vout: htlcTx.tx.ins[0]!.index },
      satoshis: htlcTx.inputSatoshis,
      ...(htlcTx.type === 'htlc-timeout' && { notBeforeHeight: htlc.cltvExpiry }),
      transaction: htlcTx.tx,
      ...(secondStage && { then: secondStage }),
      htlc: claimed,
    });
  });
  return { commitment: signed.tx, claims };
}

/** An output of our commitment (or of its HTLC transactions) with the `to_local` script, swept after the delay; undefined when not worth it. */
function delayedSweepClaim(
  signer: ChannelSigner,
  perCommitmentPoint: Uint8Array,
  delay: number,
  output: { description: string; outpoint: Outpoint; satoshis: number; witnessScript: Uint8Array },
  destinationScript: Uint8Array,
  feeratePerKw: number,
): Claim | undefined {
  const { description, outpoint, satoshis, witnessScript } = output;
  try {
    const input = delayedSweepInput(outpoint, satoshis, witnessScript, delay);
    const sweep = buildSweepTransaction({ inputs: [input], destinationScript, feeratePerKw });
    const signature = signer.signDelayed(sweep.tx, 0, witnessScript, satoshis, perCommitmentPoint);
    sweep.tx.setWitness(0, delayedSweepWitness(encodeBitcoinSignature(signature, SIGHASH_ALL), witnessScript));
    return { description, outpoint, satoshis, relativeDelay: delay, transaction: sweep.tx };
  } catch (error) {
    if (error instanceof UneconomicSweepError) return undefined;
    throw error;
  }
}

/**
 * The claim on the output of one version of an HTLC transaction on our
 * commitment (output 0, the `to_local` script after our delay). With
 * anchors each version has its own txid (the wallet's coins and change
 * differ): the claim follows the version that confirms.
 */
export function secondStageClaim(state: ChannelState, signer: ChannelSigner, htlcTx: Transaction, description: string, destinationScript: Uint8Array, feeratePerKw: number): Claim | undefined {
  const { keys } = localCommitment(state, signer, state.localCommit.spec, state.localCommit.number);
  const delay = state.remote.toSelfDelay;
  const witnessScript = toLocalScript(keys.revocationPubkey, delay, keys.localDelayedPubkey);
  const output = { description, outpoint: { txid: htlcTx.getId(), vout: 0 }, satoshis: Number(htlcTx.outs[0]!.value), witnessScript };
  return delayedSweepClaim(signer, keys.perCommitmentPoint, delay, output, destinationScript, feeratePerKw);
}

/**
 * What is ours when they broadcast their current (or next) commitment:
 * our `to_remote` (after one block with anchors), HTLCs they offered us
 * with their preimage, HTLCs we offered them once expired. Undefined when
 * the transaction is not one of their unrevoked commitments.
 */
export function claimsAfterTheirClose(
  state: ChannelState,
  signer: ChannelSigner,
  commitmentTx: Transaction,
  destinationScript: Uint8Array,
  feerates: ClaimFeerates,
  preimageOf: (paymentHash: Uint8Array) => Uint8Array | undefined,
): Claim[] | undefined {
  const txid = commitmentTx.getId();
  const candidate = [state.remoteCommit, state.nextRemoteCommit].find((commit) => commit?.txid === txid);
  if (!candidate) return undefined;
  const { commitment, keys } = remoteCommitment(state, candidate.spec, candidate.number, candidate.perCommitmentPoint);
  const anchors = state.variant === 'anchors';
  const claims: Claim[] = [];
  const sweep = (description: string, vout: number, satoshis: number, witnessScript: Uint8Array, sequence: number, locktime: number, sign: (tx: Transaction) => Uint8Array[], itemSizes: number[], htlc?: ClaimedHtlc) => {
    try {
      const feeratePerKw = htlc ? feerates.claim : feerates.sweep;
      const built = buildSweepTransaction({ inputs: [{ outpoint: { txid, vout }, satoshis, witnessScript, sequence, witnessItemSizes: itemSizes }], destinationScript, feeratePerKw, locktime });
      built.tx.setWitness(0, sign(built.tx));
      claims.push({
        description,
        outpoint: { txid, vout },
        satoshis,
        ...(locktime > 0 && { notBeforeHeight: locktime }),
        ...(sequence > 0 && sequence < 0xfffffffd && { relativeDelay: sequence }),
        transaction: built.tx,
        ...(htlc && { htlc }),
      });
    } catch (error) {
      if (!(error instanceof UneconomicSweepError)) throw error;
    }
  };
  commitment.outputs.forEach((output, vout) => {
    if (output.kind === 'to_remote') {
      const paymentKey = state.local.publicKeys.paymentBasepoint;
      const scriptCode = anchors ? output.witnessScript! : p2pkh(paymentKey);
      sweep('to_remote', vout, output.satoshis, scriptCode, anchors ? 1 : 0xfffffffd, 0, (tx) => {
        const signature = encodeBitcoinSignature(signer.signPayment(tx, 0, scriptCode, output.satoshis), SIGHASH_ALL);
        return anchors ? [signature, scriptCode] : [signature, paymentKey];
      }, anchors ? [MAX_SIGNATURE_WITNESS_SIZE] : [MAX_SIGNATURE_WITNESS_SIZE, 33]);
    } else if (output.htlc) {
      // In their commitment, "offered" HTLCs are theirs to us; "received" ones are ours to them.
      const theyOffered = output.kind === 'offered_htlc';
      const claimed: ClaimedHtlc = { id: output.htlc.id!, outgoing: !theyOffered, paymentHash: output.htlc.paymentHash };
      const preimage = theyOffered ? preimageOf(output.htlc.paymentHash) : undefined;
      if (theyOffered && !preimage) return;
      const witnessScript = output.witnessScript!;
      sweep(
        theyOffered ? `HTLC ${output.htlc.id} with its preimage` : `HTLC ${output.htlc.id} after its expiry`,
        vout,
        output.satoshis,
        witnessScript,
        anchors ? 1 : 0xfffffffd,
        theyOffered ? 0 : output.htlc.cltvExpiry,
        (tx) => {
          const signature = encodeBitcoinSignature(signer.signHtlc(tx, 0, witnessScript, output.satoshis, keys.perCommitmentPoint), SIGHASH_ALL);
          return [signature, preimage ?? new Uint8Array(0), witnessScript];
        },
        [MAX_SIGNATURE_WITNESS_SIZE, 32],
        claimed,
      );
    }
  });
  return claims;
}

/**
 * Justice on a second-stage HTLC transaction that spends one of their
 * revoked commitments: its output has the `to_local` script with that
 * commitment's revocation key, so it is ours at once. Undefined when
 * `breach` is not a revoked commitment of theirs or `secondStage` does not
 * pay to such an output.
 */
/**
 * The per-commitment secret they revealed for the commitment number `tx`
 * carries (BOLT 3's obscured number in its locktime and sequence), if they
 * revoked it; undefined for a transaction that is no commitment of the
 * channel, or one not revoked. (Our own commitments carry the same numbers:
 * tell them apart by their outputs.)
 */
export function revocationSecretOf(state: ChannelState, tx: Transaction): Uint8Array | undefined {
  const firstInput = tx.ins[0];
  if (!firstInput) return undefined;
  const number = commitmentNumberOf(tx.locktime, firstInput.sequence, state.obscuringFactor);
  if (number === undefined) return undefined;
  return RevocationStore.fromEntries(state.remoteSecrets.entries, state.remoteSecrets.latestIndex).secretFor(MAX_SHACHAIN_INDEX - number);
}

export function secondStageJustice(state: ChannelState, signer: ChannelSigner, breach: Transaction, secondStage: Transaction, destinationScript: Uint8Array, feeratePerKw: number): Transaction | undefined {
  if (!secondStage.ins.some((input) => equalBytes(input.hash, breach.getHash()))) return undefined;
  const secret = revocationSecretOf(state, breach);
  if (!secret) return undefined; // not revoked: nothing to punish
  const keys = deriveCommitmentKeys(perCommitmentPointOf(secret), state.remote.publicKeys, state.local.publicKeys);
  const witnessScript = toLocalScript(keys.revocationPubkey, state.local.toSelfDelay, keys.localDelayedPubkey);
  const vout = secondStage.outs.findIndex((output) => equalBytes(output.script, p2wsh(witnessScript)));
  if (vout < 0) return undefined;
  const satoshis = Number(secondStage.outs[vout]!.value);
  try {
    const justice = buildJusticeTransaction({ revokedOutputs: [{ kind: 'to_local', outpoint: { txid: secondStage.getId(), vout }, satoshis, witnessScript }], destinationScript, feeratePerKw });
    const signature = signer.signJustice(justice.tx, 0, witnessScript, satoshis, secret);
    justice.tx.setWitness(0, justiceWitness('to_local', encodeBitcoinSignature(signature, SIGHASH_ALL), keys.revocationPubkey, witnessScript));
    return justice.tx;
  } catch (error) {
    if (error instanceof UneconomicSweepError) return undefined;
    throw error;
  }
}
