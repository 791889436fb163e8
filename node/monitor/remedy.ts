/**
 * The remedy for a commitment the peer revoked: what we keep when it is
 * revoked, and the justice transactions signed from it when it reaches the
 * chain.
 *
 * A revocation keeps the unsigned justice (`UnsignedJustice`: the outputs,
 * their scripts, the per-commitment secret); the signatures wait for a
 * breach. Nearly every revoked commitment never reaches the chain, and
 * signing ahead cost one signature per output twice (the whole justice and
 * one per output) for each. The remedy holds all that signing needs (the
 * secret and the scripts, not read from the channel's state), the
 * channel's signer is always at hand, and signatures are deterministic
 * (RFC 6979): signed at the breach, the justice is the same transactions,
 * byte for byte, as signed ahead. Only the tower's kit (it cannot sign) is
 * signed at the revocation.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { type RevokedOutput, type UnsignedJustice, buildJusticeTransaction, justiceWitness } from '../bolt3/justice.js';
import { perCommitmentPointOf } from '../bolt3/key-derivation.js';
import { encodeBitcoinSignature } from '../bolt3/signatures.js';
import { UneconomicSweepError } from '../bolt3/sweep.js';
import { SIGHASH_ALL, type Transaction } from '../bolt3/transaction.js';
import { remoteCommitment } from '../commitment/commitments.js';
import { ChannelUnavailableError } from '../commitment/errors.js';
import type { ChannelState, RemoteCommit } from '../commitment/state.js';
import type { Commitment } from '../bolt3/commitment.js';
import type { CommitmentKeys } from '../bolt3/commitment-keys.js';
import type { ToLocalKit } from '../gateway-protocol/appointment.js';
import type { ChannelSigner } from '../keys/signer.js';

/** Their commitment as the channel built it to sign it (`commitment_revoked`'s `built`). */
export interface BuiltRemoteCommitment {
  readonly commitment: Commitment;
  readonly keys: CommitmentKeys;
}

/** A revoked commitment's remedy, unsigned, and what the tower's kit needs besides. */
export interface RevokedRemedy {
  /** The revoked commitment's hash (its txid in internal order). */
  readonly breachTxHash: Uint8Array;
  readonly justice: UnsignedJustice;
  /** Their delayed key in that commitment: the kit's. */
  readonly localDelayedPubkey: Uint8Array;
  /** The delay we imposed on them: the kit's. */
  readonly toSelfDelay: number;
}

/**
 * The unsigned justice for one of their revoked commitments (from a
 * `commitment_revoked` event): it takes `to_local` and every HTLC output,
 * paying to `destinationScript`.
 */
export function revokedRemedy(
  state: ChannelState,
  revoked: RemoteCommit,
  perCommitmentSecret: Uint8Array,
  destinationScript: Uint8Array,
  feeratePerKw: number,
  /** The revoked commitment as the channel built it to sign it (`commitment_revoked`'s `built`), if it has it: not built again. */
  built?: BuiltRemoteCommitment,
): RevokedRemedy {
  if (!equalBytes(perCommitmentPointOf(perCommitmentSecret), revoked.perCommitmentPoint)) throw new ChannelUnavailableError('the secret is not the one of this commitment');
  const { commitment, keys } = built ?? remoteCommitment(state, revoked.spec, revoked.number, revoked.perCommitmentPoint);
  // The txid of the commitment we signed for them (`signNextRemoteCommitment`), not hashed again from its rebuild.
  const txid = revoked.txid;
  const breachTxHash = Uint8Array.from(Buffer.from(txid, 'hex').reverse());
  const revokedOutputs = commitment.outputs.flatMap((output, vout): RevokedOutput[] =>
    output.kind === 'to_local' || output.htlc ? [{ kind: output.kind === 'to_local' ? 'to_local' : 'htlc', outpoint: { txid, vout }, satoshis: output.satoshis, witnessScript: output.witnessScript! }] : [],
  );
  const justice: UnsignedJustice = { revokedOutputs, destinationScript, feeratePerKw, perCommitmentSecret, revocationPubkey: keys.revocationPubkey };
  return { breachTxHash, justice, localDelayedPubkey: keys.localDelayedPubkey, toSelfDelay: state.local.toSelfDelay };
}

/** The justice taking `outputs` (some of `justice`'s), signed; undefined when they are not worth its fee. */
export function signedJustice(signer: ChannelSigner, justice: UnsignedJustice, outputs: readonly RevokedOutput[]): Transaction | undefined {
  const tx = unsignedJustice(justice, outputs);
  if (!tx) return undefined;
  outputs.forEach((output, i) => {
    const signature = signer.signJustice(tx, i, output.witnessScript, output.satoshis, justice.perCommitmentSecret);
    tx.setWitness(i, justiceWitness(output.kind, encodeBitcoinSignature(signature, SIGHASH_ALL), justice.revocationPubkey, output.witnessScript));
  });
  return tx;
}

/** The justice taking `outputs`, without witnesses (its txid is the signed one's); undefined when they are not worth its fee. */
function unsignedJustice(justice: UnsignedJustice, outputs: readonly RevokedOutput[]): Transaction | undefined {
  if (outputs.length === 0) return undefined;
  try {
    return buildJusticeTransaction({ revokedOutputs: outputs, destinationScript: justice.destinationScript, feeratePerKw: justice.feeratePerKw }).tx;
  } catch (error) {
    if (error instanceof UneconomicSweepError) return undefined;
    throw error;
  }
}

/**
 * The outputs of each justice transaction worth its fee: the whole one
 * first, then, when there are several outputs, one per output (if the
 * cheater spends an HTLC output first, through a second-stage
 * transaction, the whole one becomes invalid, and these still take the
 * rest).
 */
export function justiceGroups(justice: UnsignedJustice): (readonly RevokedOutput[])[] {
  const outputs = justice.revokedOutputs;
  const groups: (readonly RevokedOutput[])[] = [outputs, ...(outputs.length > 1 ? outputs.map((output) => [output]) : [])];
  return groups.filter((group) => unsignedJustice(justice, group) !== undefined);
}

/**
 * Whether any justice against the commitment is worth its fee (the whole
 * one is, or else one per output), without building them all. `toLocalAlone`:
 * the justice taking `to_local` alone, when built already (the kit's).
 */
export function anyJusticeWorthIt(justice: UnsignedJustice, toLocalAlone?: Transaction): boolean {
  const outputs = justice.revokedOutputs;
  // The one taking to_local alone is the whole one (to_local is the only output) or one of the per-output ones.
  if (toLocalAlone) return true;
  if (unsignedJustice(justice, outputs)) return true;
  return outputs.length > 1 && outputs.some((output) => unsignedJustice(justice, [output]) !== undefined);
}

/** The justice transactions, signed now (a breach is on chain): the whole one first, then one per output. */
export function signedJusticeTransactions(signer: ChannelSigner, justice: UnsignedJustice): Transaction[] {
  return justiceGroups(justice).flatMap((group) => signedJustice(signer, justice, group) ?? []);
}

/** The same without signatures: which outputs each takes and what it pays (the simulator's ledger). */
export function unsignedJusticeTransactions(justice: UnsignedJustice): Transaction[] {
  return justiceGroups(justice).flatMap((group) => unsignedJustice(justice, group) ?? []);
}

/** The justice taking `to_local` alone, unsigned: the tower's kit signs it; undefined when there is no `to_local`, or it is not worth its fee. */
export function toLocalJustice(justice: UnsignedJustice): { tx: Transaction; output: RevokedOutput } | undefined {
  const output = justice.revokedOutputs.find((each) => each.kind === 'to_local');
  const tx = output && unsignedJustice(justice, [output]);
  return tx && { tx, output: output! };
}

/**
 * The tower's kit: the signature of the justice taking `to_local` alone
 * (`toLocalJustice`; the tower rebuilds that transaction with
 * `kitTransaction`), and the keys it needs; undefined when there is no
 * `to_local`, or it is not worth its fee.
 */
export function justiceKit(signer: ChannelSigner, remedy: RevokedRemedy, toLocal = toLocalJustice(remedy.justice)): ToLocalKit | undefined {
  if (!toLocal) return undefined;
  const { justice } = remedy;
  const signature = signer.signJustice(toLocal.tx, 0, toLocal.output.witnessScript, toLocal.output.satoshis, justice.perCommitmentSecret).slice();
  const { revocationPubkey, destinationScript, feeratePerKw } = justice;
  return { revocationPubkey, localDelayedPubkey: remedy.localDelayedPubkey, toSelfDelay: remedy.toSelfDelay, destinationScript, feeratePerKw, signature };
}
