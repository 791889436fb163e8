/**
 * The tower's receipt for a batch of appointments: the gateway's signature
 * over what it stored for one node. A node holding a receipt knows the
 * gateway took responsibility for those appointments (and can prove it took
 * them): only then does it drop them from its outbox.
 *
 * Over the air the receipt is just the 64-byte signature (`appointments_accepted`);
 * the node rebuilds the digest from the batch it sent. The digest commits to
 * each appointment's locator, tag and blob, not only the locators, so that a
 * receipt also says *what* was stored under each locator.
 *
 *   sha256("lnmesh/tower/receipt/1" || node id (33) || count (2, BE) ||
 *          for each appointment: locator (16) || sha256(tag length (1) || tag || blob))
 *
 * This file is the node's side too: no gateway code is needed to check a receipt.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidInputError, checkArray, checkBytes } from '../core/input.js';
import { checkPublicKey, publicKeyOf, signDigest, verifyDigest } from '../core/curve.js';
import { MAX_APPOINTMENTS_PER_BATCH, MAX_TAG_BYTES, type TowerAppointment } from './gateway-messages.js';
import { LOCATOR_LENGTH } from './appointment.js';

/** Signs 32-byte digests with the gateway's key; the secret stays inside. */
export interface TowerSigner {
  /** The signer's 33-byte compressed public key. */
  readonly nodeId: Uint8Array;
  /** A 64-byte compact ECDSA signature (low-S) of the digest. */
  sign(digest: Uint8Array): Uint8Array;
}

/** A `TowerSigner` over a bare secret key: for tests, tools, and a gateway that keeps its key in a file. */
export function towerSignerFromSecret(secretKey: Uint8Array): TowerSigner {
  const nodeId = publicKeyOf(secretKey);
  return { nodeId, sign: (digest) => signDigest(digest, secretKey) };
}

const RECEIPT_DOMAIN = new TextEncoder().encode('lnmesh/tower/receipt/1');

/** What the gateway signs for a batch of `nodeId`'s appointments. */
export function receiptDigest(nodeId: Uint8Array, appointments: readonly TowerAppointment[]): Uint8Array {
  checkPublicKey('nodeId', nodeId);
  checkArray('appointments', appointments, 1, MAX_APPOINTMENTS_PER_BATCH);
  const hash = sha256.create().update(RECEIPT_DOMAIN).update(nodeId).update(Uint8Array.of(appointments.length >> 8, appointments.length & 0xff));
  appointments.forEach((appointment, i) => {
    hash.update(checkBytes(`appointments[${i}].locator`, appointment.locator, LOCATOR_LENGTH));
    const tag = checkBytes(`appointments[${i}].tag`, appointment.tag);
    if (tag.length > MAX_TAG_BYTES) throw new InvalidInputError(`appointments[${i}].tag`, `at most ${MAX_TAG_BYTES} bytes, got ${tag.length}`);
    hash.update(sha256.create().update(Uint8Array.of(tag.length)).update(tag).update(checkBytes(`appointments[${i}].blob`, appointment.blob)).digest());
  });
  return hash.digest();
}

/** The gateway's side: the receipt for a batch it has stored. */
export function signReceipt(signer: TowerSigner, nodeId: Uint8Array, appointments: readonly TowerAppointment[]): Uint8Array {
  return signer.sign(receiptDigest(nodeId, appointments));
}

/** The node's side: true when `signature` is `gatewayId`'s receipt for exactly this batch of ours. */
export function verifyReceipt(gatewayId: Uint8Array, nodeId: Uint8Array, appointments: readonly TowerAppointment[], signature: Uint8Array): boolean {
  return verifyDigest(checkBytes('signature', signature, 64), receiptDigest(nodeId, appointments), checkPublicKey('gatewayId', gatewayId));
}
