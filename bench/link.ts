/**
 * The link layer's handshake: how many full BOLT 8 handshakes (both sides,
 * all three acts) one core completes per second. It bounds how fast a node
 * can (re)connect to many neighbours, e.g. a gateway after a restart.
 *
 * And its data path: message bytes per second through what the link does
 * per frame on both sides (split to a LoRa MTU of 255, seal, decode the
 * frame, check the replay window and open, decode the body, reassemble).
 * The runner measures synchronously, so the in-memory transport's
 * asynchronous hop is left out: this is the CPU bound of the link, not of
 * a medium.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { publicKeyOf } from '../node/keys/curve.js';
import { HandshakeInitiator, HandshakeResponder } from '../transports/link/noise.js';
import { type SealedFrame, decodeFrame, decodeSealedBody, encodeSealedBody } from '../transports/link/frame.js';
import { Reassembly, splitMessage } from '../transports/link/fragment.js';
import { LinkSession } from '../transports/link/session.js';
import type { Figure } from './bolt3.js';
import { operationsPerSecond } from './measure.js';
import { nodeKeyFromSecret } from '../node/keys/node-key.js';

const initiatorStatic = sha256(Uint8Array.of(1));
const responderStatic = sha256(Uint8Array.of(2));
const responderKey = publicKeyOf(responderStatic);
let round = 0;

/** Fresh ephemeral keys each round, as in real use (derived, so the figure does not include the random source). */
function fullHandshake(): void {
  round = (round + 1) & 0xffff;
  const initiator = new HandshakeInitiator({
    localStaticKey: nodeKeyFromSecret(initiatorStatic),
    remoteStaticKey: responderKey,
    ephemeralSecretKey: sha256(Uint8Array.of(3, round & 0xff, round >> 8)),
  });
  const responder = new HandshakeResponder({ localStaticKey: nodeKeyFromSecret(responderStatic), ephemeralSecretKey: sha256(Uint8Array.of(4, round & 0xff, round >> 8)) });
  responder.finish(initiator.actThree(responder.actTwo(initiator.actOne())).actThree);
}

const LORA_MTU = 255;
const MESSAGE = Uint8Array.from({ length: 16_384 }, (_, i) => i & 0xff);
let sequence = 0;

/** One 16 KiB message from sender to receiver through a fresh session pair, frame by frame. */
function transferMessage(): void {
  const key = sha256(Uint8Array.of(5));
  const otherKey = sha256(Uint8Array.of(6));
  const sender = new LinkSession({ sendingKey: key, receivingKey: otherKey, sendingSessionId: 1, receivingSessionId: 2 });
  const receiver = new LinkSession({ sendingKey: otherKey, receivingKey: key, sendingSessionId: 2, receivingSessionId: 1 });
  const reassembly = new Reassembly({ maxMessageBytes: 65_536, maxBufferedBytes: 262_144, maxMessagesAhead: 64 });
  const seq = ++sequence;
  for (const fragment of splitMessage(MESSAGE, seq, LORA_MTU)) {
    const frame = decodeFrame(sender.seal(false, true, encodeSealedBody({ fragment }))) as SealedFrame;
    const opened = receiver.open(frame);
    if (!opened.ok) throw new Error('a benchmark frame did not open');
    const body = decodeSealedBody(opened.plaintext, frame.hasAck, frame.hasFragment);
    reassembly.add(body.fragment!, seq - 1);
  }
  if (reassembly.takeComplete(seq)?.length !== MESSAGE.length) throw new Error('the benchmark message did not reassemble');
}

export const linkFigures: Figure[] = [
  { key: 'link.handshakesPerSecond', unit: 'handshakes/s', measure: () => operationsPerSecond(fullHandshake) },
  { key: 'link.bytesPerSecond', unit: 'bytes/s', measure: () => operationsPerSecond(transferMessage) * MESSAGE.length },
];
