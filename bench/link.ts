/**
 * The link layer's handshake: how many full BOLT 8 handshakes (both sides,
 * all three acts) one core completes per second. It bounds how fast a node
 * can (re)connect to many neighbours, e.g. a gateway after a restart.
 *
 * And its throughput: message bytes per second (wall clock) from one Link
 * to another over the in-memory transport with a LoRa-sized MTU of 255,
 * everything included (outbox, fragmenting, sealing, the medium's
 * asynchronous hop, opening, reassembly, selective acks), on virtual time so
 * that timers cost nothing: the CPU bound of the link, not of a radio.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { publicKeyOf } from '../node/core/curve.js';
import { HandshakeInitiator, HandshakeResponder } from '../transports/link/noise.js';
import { performance } from 'node:perf_hooks';
import { linkedPair } from '../sim/kit/link-pair.js';
import type { Figure } from './bolt3.js';
import { operationsPerSecond } from './measure.js';
import { nodeKeyFromSecret } from '../node/core/node-key.js';

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

const MESSAGE_BYTES = 16_384;
const MESSAGES = 64;

/** Sends 64 messages of 16 KiB from Alice to Bob over the in-memory medium; returns message bytes per second. */
async function linkThroughput(): Promise<number> {
  const { clock, bob, aliceLink, bobLink } = await linkedPair({ mtu: 255 });
  let delivered = 0;
  bobLink.on('message', (_peer, message) => (delivered += message.length));
  const message = Uint8Array.from({ length: MESSAGE_BYTES }, (_, i) => i & 0xff);
  aliceLink.send(bob.id, message); // the handshake and a first message, not timed
  await clock.runUntil(() => delivered === MESSAGE_BYTES, 600_000, 10);
  delivered = 0;
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) aliceLink.send(bob.id, message);
  if (!(await clock.runUntil(() => delivered === MESSAGES * MESSAGE_BYTES, 3_600_000, 10))) throw new Error('the benchmark messages were not all delivered');
  const elapsed = performance.now() - start;
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
  return (MESSAGES * MESSAGE_BYTES * 1000) / elapsed;
}

export const linkFigures: Figure[] = [
  { key: 'link.handshakesPerSecond', unit: 'handshakes/s', measure: () => operationsPerSecond(fullHandshake) },
  { key: 'link.bytesPerSecond', unit: 'bytes/s', measure: linkThroughput },
];
