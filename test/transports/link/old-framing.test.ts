// A neighbour left on the link framing before issue 19 (sealed types 0x10): a clean failure, never a misread frame or a crash.
import t from 'tap';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { nodeKeyFromSecret } from '../../../node/core/node-key.js';
import { encodeFrame } from '../../../transports/link/frame.js';
import { HandshakeInitiator, newEphemeralKey } from '../../../transports/link/noise.js';
import { linkedPair } from '../../../sim/kit/link-pair.js';
import { randomBytes } from '../../../sim/kit/random.js';

/** The neighbour tag as the old framing made it: keyed under the label without the framing's name. */
function oldNeighbourTag(staticEcdh: Uint8Array, sessionId: number, act: Uint8Array): Uint8Array {
  const key = hmac(sha256, staticEcdh, utf8ToBytes('lnmesh act one neighbour tag'));
  return hmac(sha256, key, Uint8Array.of(sessionId, ...act)).subarray(0, 8);
}

t.test("an old node's act one is a stranger's: no act two, no session to carry frames either side would misread", async (t) => {
  const { clock, alice, bob, bobLink, aliceTransport } = await linkedPair();
  const aliceKey = nodeKeyFromSecret(alice.secretKey);
  const initiator = new HandshakeInitiator({ localStaticKey: aliceKey, remoteStaticKey: hexToBytes(bob.id), ephemeralSecretKey: newEphemeralKey(randomBytes) });
  const act = initiator.actOne();
  const heard: Uint8Array[] = [];
  aliceTransport.on('frame', (frame) => heard.push(frame));
  const sentBefore = bobLink.counters.framesSent;
  await aliceTransport.send(encodeFrame({ kind: 'act-one', initiatorSessionId: 5, act, neighbourTag: oldNeighbourTag(aliceKey.ecdh(hexToBytes(bob.id)), 5, act) }), 'bob');
  await clock.advance(10_000);
  t.equal(bobLink.counters.dropped.stranger, 1, 'dropped as a stranger’s');
  t.equal(bobLink.counters.framesSent, sentBefore, 'bob sent nothing');
  t.equal(heard.length, 0, 'no act two reached alice');
  t.notOk(bobLink.isUp(alice.id), 'no session');
});

t.test('old sealed frames are malformed: dropped and counted, nothing else', async (t) => {
  const { clock, bobLink, aliceTransport } = await linkedPair();
  // 0x13: an ack and a fragment in the old framing; 0x14: its goodbye.
  for (const type of [0x11, 0x12, 0x13, 0x14]) await aliceTransport.send(Uint8Array.of(type, 5, 0, ...new Uint8Array(30)), 'bob');
  await clock.advance(1000);
  t.equal(bobLink.counters.dropped.malformed, 4, 'four malformed frames');
  t.equal(bobLink.counters.dropped['internal-error'], 0, 'no internal error');
});
