/**
 * The link layer's handshake: how many full BOLT 8 handshakes (both sides,
 * all three acts) one core completes per second. It bounds how fast a node
 * can (re)connect to many neighbours, e.g. a gateway after a restart.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { publicKeyOf } from '../node/keys/curve.js';
import { HandshakeInitiator, HandshakeResponder } from '../transports/link/noise.js';
import type { Figure } from './bolt3.js';
import { operationsPerSecond } from './measure.js';

const initiatorStatic = sha256(Uint8Array.of(1));
const responderStatic = sha256(Uint8Array.of(2));
const responderKey = publicKeyOf(responderStatic);
let round = 0;

/** Fresh ephemeral keys each round, as in real use (derived, so the figure does not include the random source). */
function fullHandshake(): void {
  round = (round + 1) & 0xffff;
  const initiator = new HandshakeInitiator({
    localStaticSecretKey: initiatorStatic,
    remoteStaticKey: responderKey,
    ephemeralSecretKey: sha256(Uint8Array.of(3, round & 0xff, round >> 8)),
  });
  const responder = new HandshakeResponder({ localStaticSecretKey: responderStatic, ephemeralSecretKey: sha256(Uint8Array.of(4, round & 0xff, round >> 8)) });
  responder.finish(initiator.actThree(responder.actTwo(initiator.actOne())).actThree);
}

export const linkFigures: Figure[] = [{ key: 'link.handshakesPerSecond', unit: 'handshakes/s', measure: () => operationsPerSecond(fullHandshake) }];
