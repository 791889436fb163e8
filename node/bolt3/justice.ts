/**
 * Justice (penalty) transactions: when a revoked commitment reaches the
 * chain, its `to_local` output, its HTLC outputs and the outputs of any
 * second-stage HTLC transactions all belong to the victim, who signs for
 * them with the revocation private key.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { InvalidInputError, checkArray, checkBytes, checkObject } from '../core/input.js';
import { checkPublicKey } from '../core/curve.js';
import { hash160 } from './scripts.js';
import { MAX_SIGNATURE_WITNESS_SIZE, type Sweep, type SweepInput, UneconomicSweepError, buildSweepTransaction } from './sweep.js';
import { type Outpoint, checkOutpoint, checkSatoshis } from './transaction.js';

/**
 * `to_local` covers every output with the `to_local` script, including the
 * outputs of HTLC-success and HTLC-timeout transactions; `htlc` covers
 * offered and received HTLC outputs of the commitment itself.
 */
export type RevokedOutputKind = 'to_local' | 'htlc';

export interface RevokedOutput {
  readonly kind: RevokedOutputKind;
  readonly outpoint: Outpoint;
  readonly satoshis: number;
  readonly witnessScript: Uint8Array;
}

export interface JusticeParams {
  readonly revokedOutputs: readonly RevokedOutput[];
  readonly destinationScript: Uint8Array;
  readonly feeratePerKw: number;
}

/** Signals replace-by-fee, so a tower or node can bump a justice transaction that is slow to confirm. */
const SEQUENCE_RBF = 0xfffffffd;

export function buildJusticeTransaction(params: JusticeParams): Sweep {
  checkObject('params', params);
  const inputs: SweepInput[] = checkArray('revokedOutputs', params.revokedOutputs, 1).map((output, i) => {
    checkObject(`revokedOutputs[${i}]`, output);
    if (output.kind !== 'to_local' && output.kind !== 'htlc') {
      throw new InvalidInputError(`revokedOutputs[${i}].kind`, 'expected "to_local" or "htlc"');
    }
    checkOutpoint(`revokedOutputs[${i}].outpoint`, output.outpoint);
    checkSatoshis(`revokedOutputs[${i}].satoshis`, output.satoshis);
    checkBytes(`revokedOutputs[${i}].witnessScript`, output.witnessScript);
    return {
      outpoint: output.outpoint,
      satoshis: output.satoshis,
      witnessScript: output.witnessScript,
      sequence: SEQUENCE_RBF,
      witnessItemSizes: [MAX_SIGNATURE_WITNESS_SIZE, output.kind === 'to_local' ? 1 : 33],
    };
  });
  try {
    return buildSweepTransaction({ inputs, destinationScript: params.destinationScript, feeratePerKw: params.feeratePerKw });
  } catch (error) {
    // The sweep names its inputs `inputs`; ours are `revokedOutputs`.
    if (error instanceof UneconomicSweepError) throw new UneconomicSweepError('revokedOutputs', error.reason);
    throw error;
  }
}

/**
 * `to_local`: `<revocation_sig> 1 <script>` (the OP_IF branch).
 * HTLC: `<revocation_sig> <revocationpubkey> <script>` (the key's hash matches the first branch).
 */
export function justiceWitness(
  kind: RevokedOutputKind,
  signature: Uint8Array,
  revocationPubkey: Uint8Array,
  witnessScript: Uint8Array,
): Uint8Array[] {
  checkBytes('signature', signature);
  checkBytes('witnessScript', witnessScript);
  if (kind === 'to_local') return [signature, Uint8Array.of(1), witnessScript];
  if (kind === 'htlc') {
    checkPublicKey('revocationPubkey', revocationPubkey);
    // The HTLC scripts start `OP_DUP OP_HASH160 <HASH160(revocationpubkey)>`: the key must be that one.
    if (!equalBytes(witnessScript.subarray(3, 23), hash160(revocationPubkey))) {
      throw new InvalidInputError('revocationPubkey', 'is not the revocation key of this HTLC script');
    }
    return [signature, revocationPubkey, witnessScript];
  }
  throw new InvalidInputError('kind', 'expected "to_local" or "htlc"');
}

/**
 * Everything a justice against one revoked commitment needs except the
 * signatures: the outputs it takes, where it pays, at what feerate, and the
 * per-commitment secret the peer revealed (with it and our revocation
 * basepoint secret the signer derives the revocation key). Plain data, kept
 * (`remedy` records) so that the justice is signed when the revoked
 * commitment reaches the chain, not ahead for each of the many that never do.
 */
export interface UnsignedJustice {
  readonly revokedOutputs: readonly RevokedOutput[];
  readonly destinationScript: Uint8Array;
  readonly feeratePerKw: number;
  readonly perCommitmentSecret: Uint8Array;
  readonly revocationPubkey: Uint8Array;
}
