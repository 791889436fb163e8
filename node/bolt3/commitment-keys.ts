/**
 * The keys one commitment transaction uses, derived from both sides'
 * basepoints and the per-commitment point of the commitment's owner.
 *
 * "local" is always the owner of the commitment (who can broadcast it) and
 * "remote" the other side, as in BOLT 3: our commitment and theirs use the
 * same function with the arguments swapped.
 */
import { checkObject } from '../core/input.js';
import { checkPublicKey } from '../core/curve.js';
import { derivePublicKey, deriveRevocationPublicKey } from './key-derivation.js';

/** The public keys a node announces for one channel (`open_channel` / `accept_channel`). */
export interface ChannelPublicKeys {
  readonly fundingPubkey: Uint8Array;
  readonly revocationBasepoint: Uint8Array;
  readonly paymentBasepoint: Uint8Array;
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
}

/** The keys a commitment's scripts use: all that building its transactions needs. */
export interface CommitmentScriptKeys {
  /** Lets the remote side take everything once this commitment is revoked. */
  readonly revocationPubkey: Uint8Array;
  readonly localDelayedPubkey: Uint8Array;
  readonly localHtlcPubkey: Uint8Array;
  readonly remoteHtlcPubkey: Uint8Array;
  /** `option_static_remotekey`: the remote side's payment basepoint, untweaked. */
  readonly remotePaymentPubkey: Uint8Array;
}

/** The script keys, with the per-commitment point they were derived from (which signing needs). */
export interface CommitmentKeys extends CommitmentScriptKeys {
  readonly perCommitmentPoint: Uint8Array;
}

export function checkCommitmentScriptKeys(field: string, keys: CommitmentScriptKeys): CommitmentScriptKeys {
  checkObject(field, keys);
  for (const name of ['revocationPubkey', 'localDelayedPubkey', 'localHtlcPubkey', 'remoteHtlcPubkey', 'remotePaymentPubkey'] as const) {
    checkPublicKey(`${field}.${name}`, keys[name]);
  }
  return keys;
}

export function checkChannelPublicKeys(field: string, keys: ChannelPublicKeys): ChannelPublicKeys {
  checkObject(field, keys);
  checkPublicKey(`${field}.fundingPubkey`, keys.fundingPubkey);
  checkPublicKey(`${field}.revocationBasepoint`, keys.revocationBasepoint);
  checkPublicKey(`${field}.paymentBasepoint`, keys.paymentBasepoint);
  checkPublicKey(`${field}.delayedPaymentBasepoint`, keys.delayedPaymentBasepoint);
  checkPublicKey(`${field}.htlcBasepoint`, keys.htlcBasepoint);
  return keys;
}

/**
 * Commitments derived lately, by their inputs: a channel derives the same
 * commitment's keys several times (to sign it, to check the peer's
 * signatures, to build the justice once it is revoked), and each derivation
 * is four elliptic-curve operations. Bounded: the oldest entry goes first.
 * Every call returns new arrays (copies of the entry's), so a caller that
 * changes a key in place cannot alter what later callers get.
 */
const recentlyDerived = new Map<string, CommitmentKeys>();
const RECENTLY_DERIVED_MAX = 4096;

/** The keys of the commitment owned by `owner`, at the owner's `perCommitmentPoint`. */
export function deriveCommitmentKeys(
  perCommitmentPoint: Uint8Array,
  owner: ChannelPublicKeys,
  counterparty: ChannelPublicKeys,
): CommitmentKeys {
  // The inputs were checked when their entry was made (the key is their bytes).
  const cacheKey = cacheKeyOf(perCommitmentPoint, owner, counterparty);
  const known = cacheKey === undefined ? undefined : recentlyDerived.get(cacheKey);
  if (known) return copyOf(known);
  checkPublicKey('perCommitmentPoint', perCommitmentPoint);
  checkChannelPublicKeys('owner', owner);
  checkChannelPublicKeys('counterparty', counterparty);
  const keys: CommitmentKeys = {
    perCommitmentPoint: perCommitmentPoint.slice(),
    revocationPubkey: deriveRevocationPublicKey(counterparty.revocationBasepoint, perCommitmentPoint),
    localDelayedPubkey: derivePublicKey(owner.delayedPaymentBasepoint, perCommitmentPoint),
    localHtlcPubkey: derivePublicKey(owner.htlcBasepoint, perCommitmentPoint),
    remoteHtlcPubkey: derivePublicKey(counterparty.htlcBasepoint, perCommitmentPoint),
    remotePaymentPubkey: counterparty.paymentBasepoint.slice(),
  };
  if (cacheKey !== undefined) {
    if (recentlyDerived.size >= RECENTLY_DERIVED_MAX) recentlyDerived.delete(recentlyDerived.keys().next().value!);
    recentlyDerived.set(cacheKey, copyOf(keys));
  }
  return keys;
}

function copyOf(keys: CommitmentKeys): CommitmentKeys {
  return {
    perCommitmentPoint: keys.perCommitmentPoint.slice(),
    revocationPubkey: keys.revocationPubkey.slice(),
    localDelayedPubkey: keys.localDelayedPubkey.slice(),
    localHtlcPubkey: keys.localHtlcPubkey.slice(),
    remoteHtlcPubkey: keys.remoteHtlcPubkey.slice(),
    remotePaymentPubkey: keys.remotePaymentPubkey.slice(),
  };
}

/**
 * The bytes the keys are derived from, as one string (one character a byte, read in place); undefined
 * for inputs that are not 33-byte arrays (checked, and refused, below), so that no two inputs spell one key.
 */
function cacheKeyOf(perCommitmentPoint: Uint8Array, owner: ChannelPublicKeys, counterparty: ChannelPublicKeys): string | undefined {
  const keysOf = (side: ChannelPublicKeys) => [side?.fundingPubkey, side?.revocationBasepoint, side?.paymentBasepoint, side?.delayedPaymentBasepoint, side?.htlcBasepoint];
  const parts = [perCommitmentPoint, ...keysOf(owner), ...keysOf(counterparty)];
  if (!parts.every((part) => part instanceof Uint8Array && part.length === 33)) return undefined;
  return parts.map((part) => Buffer.from(part!.buffer, part!.byteOffset, 33).toString('latin1')).join('');
}
