// End-to-end sealing between source and destination: both derive the same key, each direction its own, and any change is caught.
import t from 'tap';
import { SeedSigner } from '../../../node/keys/signer.js';
import { associatedData } from '../../../transports/router/envelope.js';
import { EndToEndKeys, endToEndKey, nodeKeyFromSecret, openPayload, sealPayload } from '../../../transports/router/end-to-end.js';
import { hex, makeNode } from '../../../sim/kit/link-node.js';
import { randomBytes } from '../../../sim/kit/random.js';

const alice = makeNode('alice');
const bob = makeNode('bob');
const carol = makeNode('carol');

t.test('what alice seals for bob, bob opens; nobody else can', async (t) => {
  const atAlice = new EndToEndKeys(nodeKeyFromSecret(alice.secretKey));
  const atBob = new EndToEndKeys(nodeKeyFromSecret(bob.secretKey));
  const atCarol = new EndToEndKeys(nodeKeyFromSecret(carol.secretKey));
  t.equal(atAlice.nodeId, alice.id);
  t.equal(hex(atAlice.sending(bob.id)), hex(atBob.receiving(alice.id)), 'ECDH: both ends derive the same key');
  t.not(hex(atAlice.sending(bob.id)), hex(atBob.sending(alice.id)), 'each direction has its own key, so the two senders never share a nonce space');
  t.equal(atAlice.sending(bob.id), atAlice.sending(bob.id), 'derived once, then cached');

  const header = { source: alice.id, destination: bob.id, messageId: randomBytes(8) };
  const payload = new TextEncoder().encode('revoke_and_ack for handle 3');
  const sealed = sealPayload(atAlice.sending(bob.id), header.messageId, associatedData(header), payload);
  t.equal(sealed.length, payload.length + 16, 'the seal costs a 16-byte tag');
  t.equal(hex(openPayload(atBob.receiving(alice.id), header.messageId, associatedData(header), sealed)!), hex(payload));
  t.equal(openPayload(atCarol.receiving(alice.id), header.messageId, associatedData(header), sealed), undefined, 'carol (a relay) cannot open it');
  t.equal(openPayload(atCarol.receiving(alice.id), header.messageId, associatedData({ ...header, destination: carol.id }), sealed), undefined, 'nor by readdressing it to herself');
});

t.test('any change to the sealed bytes, the header or the message id is detected', async (t) => {
  const key = endToEndKey(nodeKeyFromSecret(alice.secretKey).ecdh(Buffer.from(bob.id, 'hex')), alice.id, bob.id);
  const header = { source: alice.id, destination: bob.id, messageId: randomBytes(8) };
  const data = associatedData(header);
  const sealed = sealPayload(key, header.messageId, data, Uint8Array.of(1, 2, 3, 4));
  for (let index = 0; index < sealed.length; index++) {
    const altered = Uint8Array.from(sealed);
    altered[index]! ^= 0x80;
    if (openPayload(key, header.messageId, data, altered) !== undefined) t.fail(`a change at byte ${index} went unnoticed`);
  }
  for (let index = 0; index < data.length; index++) {
    const altered = Uint8Array.from(data);
    altered[index]! ^= 0x01;
    if (openPayload(key, header.messageId, altered, sealed) !== undefined) t.fail(`a change at header byte ${index} went unnoticed`);
  }
  const otherId = Uint8Array.from(header.messageId);
  otherId[7]! ^= 1;
  t.equal(openPayload(key, otherId, data, sealed), undefined, 'another message id is another nonce');
  t.equal(openPayload(key, header.messageId, data, sealed.subarray(0, 15)), undefined, 'shorter than a tag');
  t.equal(openPayload(key, header.messageId, data, sealed.subarray(0, sealed.length - 1)), undefined, 'truncated');
  t.pass('every single-bit change was caught');
});

t.test('the node key can stay in the Signer: its ECDH is the same', async (t) => {
  const signer = new SeedSigner(new Uint8Array(32).fill(7));
  const signerKeys = new EndToEndKeys(signer);
  const bobKeys = new EndToEndKeys(nodeKeyFromSecret(bob.secretKey));
  t.equal(hex(signerKeys.sending(bob.id)), hex(bobKeys.receiving(signerKeys.nodeId)));
});
