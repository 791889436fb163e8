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
 *          for each appointment: locator (16) || sha256(tag length (1) || tag || blob)
 *          [|| channel records' count (2, BE) || for each: sha256(tag length (1) || tag || record)])
 *
 * The channel records (`tower-channel.ts`) that appointments of the batch
 * carry are committed to after them, in their order, only when there are
 * any: a batch without them has the digest it had before records existed.
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

/** What the gateway signs for a batch of `nodeId`'s appointments (and the channel records that came with them). */
export function receiptDigest(nodeId: Uint8Array, appointments: readonly TowerAppointment[]): Uint8Array {
  checkPublicKey('nodeId', nodeId);
  checkArray('appointments', appointments, 1, MAX_APPOINTMENTS_PER_BATCH);
  const hash = sha256.create().update(RECEIPT_DOMAIN).update(nodeId).update(uint16(appointments.length));
  appointments.forEach((appointment, i) => {
    hash.update(checkBytes(`appointments[${i}].locator`, appointment.locator, LOCATOR_LENGTH));
    hash.update(taggedHash(`appointments[${i}]`, appointment.tag, checkBytes(`appointments[${i}].blob`, appointment.blob)));
  });
  const channels = appointments.flatMap((appointment, i) => (appointment.channel === undefined ? [] : [{ i, tag: appointment.tag, record: checkBytes(`appointments[${i}].channel`, appointment.channel) }]));
  if (channels.length > 0) {
    hash.update(uint16(channels.length));
    for (const { i, tag, record } of channels) hash.update(taggedHash(`appointments[${i}]`, tag, record));
  }
  return hash.digest();
}

function uint16(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}

/** sha256(tag length (1) || tag || bytes). */
function taggedHash(field: string, tag: unknown, bytes: Uint8Array): Uint8Array {
  const checked = checkBytes(`${field}.tag`, tag);
  if (checked.length > MAX_TAG_BYTES) throw new InvalidInputError(`${field}.tag`, `at most ${MAX_TAG_BYTES} bytes, got ${checked.length}`);
  return sha256.create().update(Uint8Array.of(checked.length)).update(checked).update(bytes).digest();
}

/** The gateway's side: the receipt for a batch it has stored. */
export function signReceipt(signer: TowerSigner, nodeId: Uint8Array, appointments: readonly TowerAppointment[]): Uint8Array {
  return signer.sign(receiptDigest(nodeId, appointments));
}

/** The node's side: true when `signature` is `gatewayId`'s receipt for exactly this batch of ours. */
export function verifyReceipt(gatewayId: Uint8Array, nodeId: Uint8Array, appointments: readonly TowerAppointment[], signature: Uint8Array): boolean {
  return verifyDigest(checkBytes('signature', signature, 64), receiptDigest(nodeId, appointments), checkPublicKey('gatewayId', gatewayId));
}
