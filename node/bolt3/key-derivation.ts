/**
 * BOLT 3 key derivation: every commitment uses fresh keys, tweaked from the
 * channel's basepoints by that commitment's `per_commitment_point`.
 *
 * `localpubkey`, `local_htlcpubkey`, `remote_htlcpubkey` and
 * `local_delayedpubkey` come from `derivePublicKey`; `revocationpubkey` from
 * `deriveRevocationPublicKey`, which only becomes spendable by the
 * counterparty once we reveal the `per_commitment_secret`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import {
  addPublicKeys,
  addSecretKeys,
  checkPublicKey,
  checkSecretKey,
  multiplySecretKeys,
  publicKeyOf,
  tweakAddPublicKey,
  tweakMultiplyPublicKey,
} from '../core/curve.js';

/** basepoint + SHA256(per_commitment_point || basepoint)·G */
export function derivePublicKey(basepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  checkPublicKey('basepoint', basepoint);
  checkPublicKey('perCommitmentPoint', perCommitmentPoint);
  return tweakAddPublicKey(basepoint, sha256(concatBytes(perCommitmentPoint, basepoint)));
}

/** basepoint_secret + SHA256(per_commitment_point || basepoint) */
export function derivePrivateKey(
  basepointSecret: Uint8Array,
  perCommitmentPoint: Uint8Array,
  /** The secret's public key, when the caller has it already (it is the channel's announced basepoint). */
  knownBasepoint?: Uint8Array,
): Uint8Array {
  checkSecretKey('basepointSecret', basepointSecret);
  const basepoint = knownBasepoint ?? publicKeyOf(basepointSecret);
  checkPublicKey('perCommitmentPoint', perCommitmentPoint);
  return addSecretKeys(basepointSecret, sha256(concatBytes(perCommitmentPoint, basepoint)));
}

/**
 * revocation_basepoint · SHA256(revocation_basepoint || per_commitment_point)
 *   + per_commitment_point · SHA256(per_commitment_point || revocation_basepoint)
 */
export function deriveRevocationPublicKey(revocationBasepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  checkPublicKey('revocationBasepoint', revocationBasepoint);
  checkPublicKey('perCommitmentPoint', perCommitmentPoint);
  return addPublicKeys(
    tweakMultiplyPublicKey(revocationBasepoint, sha256(concatBytes(revocationBasepoint, perCommitmentPoint))),
    tweakMultiplyPublicKey(perCommitmentPoint, sha256(concatBytes(perCommitmentPoint, revocationBasepoint))),
  );
}

/** The private key of `revocationpubkey`: needs both the basepoint secret and the revealed per-commitment secret. */
export function deriveRevocationPrivateKey(
  revocationBasepointSecret: Uint8Array,
  perCommitmentSecret: Uint8Array,
  /** The secret's public key, when the caller has it already (it is the channel's announced basepoint). */
  knownRevocationBasepoint?: Uint8Array,
): Uint8Array {
  checkSecretKey('revocationBasepointSecret', revocationBasepointSecret);
  const revocationBasepoint = knownRevocationBasepoint ?? publicKeyOf(revocationBasepointSecret);
  const perCommitmentPoint = perCommitmentPointOf(perCommitmentSecret);
  return addSecretKeys(
    multiplySecretKeys(revocationBasepointSecret, sha256(concatBytes(revocationBasepoint, perCommitmentPoint))),
    multiplySecretKeys(perCommitmentSecret, sha256(concatBytes(perCommitmentPoint, revocationBasepoint))),
  );
}

/**
 * The last few per-commitment points computed, by their secret: a revealed
 * secret is turned into its point to check the revocation, again to check
 * the justice built from it, and again to derive the revocation private key.
 * Keyed by the secret's bytes (a changed array misses); each hit returns a
 * new copy of the point, so no caller can alter what the cache holds.
 */
const recentPoints = new Map<string, Uint8Array>();
export const RECENT_POINTS_MAX = 8;

/** The point that commits to a per-commitment secret: secret·G. */
export function perCommitmentPointOf(perCommitmentSecret: Uint8Array): Uint8Array {
  checkSecretKey('perCommitmentSecret', perCommitmentSecret);
  const key = Buffer.from(perCommitmentSecret.buffer, perCommitmentSecret.byteOffset, 32).toString('latin1');
  const known = recentPoints.get(key);
  if (known) return known.slice();
  const point = publicKeyOf(perCommitmentSecret);
  if (recentPoints.size >= RECENT_POINTS_MAX) recentPoints.delete(recentPoints.keys().next().value!);
  recentPoints.set(key, point.slice());
  return point;
}
