/**
 * What a hostile transmitter sends, for the simulator's `flood` events and
 * the tests and benchmarks of issue 15: each message from a fresh key, as
 * keys cost nothing, made as well as a stranger can make it.
 *
 * - `actOne`: a handshake act one to a node whose id (its public key) the
 *   stranger knows, tagged from the stranger's own key (it holds no key the
 *   node knows, so the tag cannot be a neighbour's).
 * - `envelope`: a routed envelope from a fresh key, sealed end to end for
 *   its destination as the router would seal it: relays carry it, the
 *   destination opens it and finds nothing it understands.
 * - `appointments`: the same, to the gateway, carrying a batch of tower
 *   appointments of random bytes: the tower stores what its quotas let in.
 */
import { bytesToHex } from '../node/core/hex.js';
import { nodeKeyFromSecret } from '../node/core/node-key.js';
import type { RandomBytes } from '../node/core/random.js';
import { encodeGatewayMessage } from '../node/gateway-protocol/gateway-messages.js';
import { encodeFrame } from '../transports/link/frame.js';
import { neighbourTag, neighbourTagKey } from '../transports/link/neighbour-tag.js';
import { HandshakeInitiator, newEphemeralKey } from '../transports/link/noise.js';
import { endToEndKey, sealPayload } from '../transports/router/end-to-end.js';
import { MESSAGE_ID_LENGTH, associatedData, encodeEnvelope } from '../transports/router/envelope.js';

/** Appointments per flooded batch, and the size of each blob: a compact justice kit's. */
const APPOINTMENTS_PER_BATCH = 16;
const BLOB_BYTES = 150;
/** Hop limit of a stranger's envelope: the router's default. */
const HOP_LIMIT = 8;

/** A handshake act one from a fresh key to `responderId`, under `sessionId` (0 to 127). */
export function strangerActOne(randomBytes: RandomBytes, responderId: string, sessionId: number): Uint8Array {
  const strangerKey = nodeKeyFromSecret(newEphemeralKey(randomBytes));
  const responder = Buffer.from(responderId, 'hex');
  const initiator = new HandshakeInitiator({ localStaticKey: strangerKey, remoteStaticKey: responder, ephemeralSecretKey: newEphemeralKey(randomBytes) });
  const act = initiator.actOne();
  const tag = neighbourTag(neighbourTagKey(strangerKey.ecdh(responder)), sessionId, act);
  return encodeFrame({ kind: 'act-one', initiatorSessionId: sessionId, act, neighbourTag: tag });
}

/** A routed envelope carrying `payload` from a fresh key to `destination` (a node id, hex). */
export function strangerEnvelope(randomBytes: RandomBytes, destination: string, payload: Uint8Array): Uint8Array {
  const strangerKey = nodeKeyFromSecret(newEphemeralKey(randomBytes));
  const source = bytesToHex(strangerKey.nodeId);
  const messageId = randomBytes(MESSAGE_ID_LENGTH);
  const key = endToEndKey(strangerKey.ecdh(Buffer.from(destination, 'hex')), source, destination);
  const sealed = sealPayload(key, messageId, associatedData({ source, destination, messageId }), payload);
  return encodeEnvelope({ kind: 'routed', source, destination, hopLimit: HOP_LIMIT, messageId, sealed });
}

/** A batch of tower appointments of random bytes, as a gateway message from a node. */
export function strangerAppointments(randomBytes: RandomBytes): Uint8Array {
  const appointments = Array.from({ length: APPOINTMENTS_PER_BATCH }, () => ({ locator: randomBytes(16), blob: randomBytes(BLOB_BYTES), tag: randomBytes(8) }));
  return encodeGatewayMessage({ type: 'appointments', requestId: 1 + (randomBytes(1)[0] ?? 0), appointments });
}
