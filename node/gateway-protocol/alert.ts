/**
 * The tower's breach alert: "a revoked commitment of yours reached the
 * chain, and I broadcast this justice transaction", signed by the gateway.
 * The node may be offline when it happens; the alert waits in the relay's
 * mailbox, and the node checks the signature (and later the chain) itself.
 *
 * Over the air it is the `breach_alert` gateway message (locator, breach
 * txid, justice txid, signature); the node id is the destination and is in
 * the digest, so an alert for one node cannot be replayed to another.
 *
 *   sha256("lnmesh/tower/alert/1" || node id (33) || locator (16) || breach txid (32) || justice txid (32))
 *
 * Txids are in internal byte order, as the locator is (its first 16 bytes).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@noble/curves/utils.js';
import { InvalidInputError, checkBytes } from '../core/input.js';
import { checkPublicKey, verifyDigest } from '../core/curve.js';
import { LOCATOR_LENGTH } from './appointment.js';
import type { TowerSigner } from './receipt.js';

export interface BreachAlert {
  readonly locator: Uint8Array;
  /** The revoked commitment's txid, internal byte order. */
  readonly breachTxid: Uint8Array;
  /** The justice transaction's txid, internal byte order. */
  readonly justiceTxid: Uint8Array;
}

export interface SignedBreachAlert extends BreachAlert {
  /** The node the alert is for. */
  readonly nodeId: Uint8Array;
  /** The gateway's 64-byte compact signature of `alertDigest`. */
  readonly signature: Uint8Array;
}

const ALERT_DOMAIN = new TextEncoder().encode('lnmesh/tower/alert/1');

export function alertDigest(nodeId: Uint8Array, alert: BreachAlert): Uint8Array {
  checkPublicKey('nodeId', nodeId);
  const locator = checkBytes('locator', alert.locator, LOCATOR_LENGTH);
  const breachTxid = checkBytes('breachTxid', alert.breachTxid, 32);
  if (!equalBytes(locator, breachTxid.subarray(0, LOCATOR_LENGTH))) throw new InvalidInputError('locator', 'is not the first 16 bytes of the breach txid');
  return sha256.create().update(ALERT_DOMAIN).update(nodeId).update(locator).update(breachTxid).update(checkBytes('justiceTxid', alert.justiceTxid, 32)).digest();
}

/** The gateway's side. */
export function signAlert(signer: TowerSigner, nodeId: Uint8Array, alert: BreachAlert): SignedBreachAlert {
  const signature = signer.sign(alertDigest(nodeId, alert));
  return { nodeId, locator: alert.locator, breachTxid: alert.breachTxid, justiceTxid: alert.justiceTxid, signature };
}

/**
 * The node's side: true when `signature` is `gatewayId`'s alert to `nodeId`
 * for these txids. False, never an exception, for an alert whose locator
 * does not match its breach txid: it came off the air.
 */
export function verifyAlert(gatewayId: Uint8Array, nodeId: Uint8Array, alert: BreachAlert & { readonly signature: Uint8Array }): boolean {
  let digest: Uint8Array;
  try {
    digest = alertDigest(nodeId, alert);
  } catch (error) {
    if (error instanceof InvalidInputError && error.field !== 'nodeId') return false;
    throw error;
  }
  return verifyDigest(checkBytes('signature', alert.signature, 64), digest, checkPublicKey('gatewayId', gatewayId));
}
