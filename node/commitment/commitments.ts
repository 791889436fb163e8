/**
 * A channel's commitment transactions, built from its state: ours (what we
 * would broadcast, signed by both sides) and theirs (what they would), with
 * their HTLC transactions. The channel signs and checks them; the claims
 * after a close (node/monitor/claims.ts) are built on them.
 */
import { type Commitment, fundingWitness } from '../bolt3/commitment.js';
import { type CommitmentKeys, deriveCommitmentKeys } from '../bolt3/commitment-keys.js';
import { buildHtlcTransaction } from '../bolt3/htlc-tx.js';
import { fundingScript } from '../bolt3/scripts.js';
import { encodeBitcoinSignature } from '../bolt3/signatures.js';
import { SIGHASH_ALL } from '../bolt3/transaction.js';
import type { ChannelSigner } from '../keys/signer.js';
import type { ChannelState } from './state.js';
import { ChannelUnavailableError } from './errors.js';
import { type CommitmentSpec, htlcsFor } from './spec.js';
import { commitmentFor } from './recent-commitments.js';

/** Our commitment `number` with `spec`: what we would broadcast. */
export function localCommitment(state: ChannelState, signer: ChannelSigner, spec: CommitmentSpec, number: number): { commitment: Commitment; keys: CommitmentKeys } {
  const keys = deriveCommitmentKeys(signer.perCommitmentPoint(number), state.local.publicKeys, state.remote.publicKeys);
  const commitment = commitmentFor({
    variant: state.variant,
    fundingOutpoint: state.fundingOutpoint,
    fundingSatoshis: state.fundingSatoshis,
    localFundingPubkey: state.local.publicKeys.fundingPubkey,
    remoteFundingPubkey: state.remote.publicKeys.fundingPubkey,
    obscuringFactor: state.obscuringFactor,
    commitmentNumber: number,
    localIsFunder: state.localIsFunder,
    toLocalMsat: spec.toLocalMsat,
    toRemoteMsat: spec.toRemoteMsat,
    feeratePerKw: spec.feeratePerKw,
    dustLimitSatoshis: state.local.dustLimitSatoshis,
    toSelfDelay: state.remote.toSelfDelay,
    keys,
    htlcs: htlcsFor(spec, 'us'),
  });
  return { commitment, keys };
}

/** Their commitment `number` with `spec` and their per-commitment `point`: what they would broadcast. */
export function remoteCommitment(state: ChannelState, spec: CommitmentSpec, number: number, point: Uint8Array): { commitment: Commitment; keys: CommitmentKeys } {
  const keys = deriveCommitmentKeys(point, state.remote.publicKeys, state.local.publicKeys);
  const commitment = commitmentFor({
    variant: state.variant,
    fundingOutpoint: state.fundingOutpoint,
    fundingSatoshis: state.fundingSatoshis,
    localFundingPubkey: state.remote.publicKeys.fundingPubkey,
    remoteFundingPubkey: state.local.publicKeys.fundingPubkey,
    obscuringFactor: state.obscuringFactor,
    commitmentNumber: number,
    localIsFunder: !state.localIsFunder,
    toLocalMsat: spec.toRemoteMsat,
    toRemoteMsat: spec.toLocalMsat,
    feeratePerKw: spec.feeratePerKw,
    dustLimitSatoshis: state.remote.dustLimitSatoshis,
    toSelfDelay: state.local.toSelfDelay,
    keys,
    htlcs: htlcsFor(spec, 'them'),
  });
  return { commitment, keys };
}

/**
 * The HTLC-timeout and HTLC-success transactions of a commitment, in the order of its HTLC outputs.
 * `txid`: the commitment's, when the caller has it (hashing the transaction again costs as much as building one).
 */
export function htlcTransactionsOf(state: ChannelState, commitment: Commitment, keys: CommitmentKeys, feeratePerKw: number, toSelfDelay: number, txid?: string) {
  if (!commitment.outputs.some((output) => output.htlc)) return [];
  const commitmentTxid = txid ?? commitment.tx.getId();
  return commitment.outputs.flatMap((output, outputIndex) =>
    output.htlc ? [buildHtlcTransaction({ variant: state.variant, commitmentTxid, output, outputIndex, feeratePerKw, toSelfDelay, keys })] : [],
  );
}

export function fundingWitnessScript(state: ChannelState): Uint8Array {
  return fundingScript(state.local.publicKeys.fundingPubkey, state.remote.publicKeys.fundingPubkey);
}

/**
 * Our latest commitment, signed by both sides: what a unilateral close
 * broadcasts. Only ever the latest: older ones are revoked.
 */
export function signedLocalCommitment(state: ChannelState, signer: ChannelSigner): Commitment {
  const signatures = state.localCommit.signatures;
  if (!signatures) throw new ChannelUnavailableError('we have no signature for our commitment yet');
  const { commitment } = localCommitment(state, signer, state.localCommit.spec, state.localCommit.number);
  const script = fundingWitnessScript(state);
  const ours = encodeBitcoinSignature(signer.signCommitment(commitment.tx, script, state.fundingSatoshis), SIGHASH_ALL);
  const theirs = encodeBitcoinSignature(signatures.signature, SIGHASH_ALL);
  commitment.tx.setWitness(0, fundingWitness(state.local.publicKeys.fundingPubkey, state.remote.publicKeys.fundingPubkey, ours, theirs));
  return commitment;
}
