// A node cut off from its gateway does not know the chain's height; its
// clock gives an upper bound (MeshNode's estimate). HTLCs are settled and
// forwarded only with room before their expiry at that height: a node away
// from the chain for as long as its horizon never takes or offers money on
// an HTLC that may have expired.
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { channelPolicy, delaysFor } from '../../../node/channel/policy.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { signerOf } from '../../../sim/kit/signer-of.js';

const delta = delaysFor(channelPolicy()).finalExpiryDelta;
const ids = [0, 1, 2].map((i) => bytesToHex(signerOf(i).nodeId));

t.test('a payment is taken while the estimate leaves room, refused once it does not', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  alice.manager.pay(bob.id, handle, bob.manager.receive(10_000, 800_000));
  network.run();
  t.equal(bob.events.filter((event) => event.type === 'payment_received').length, 1, 'at the height the gateway last gave');

  // Silent for a horizon's worth of blocks: the same payment may have expired by now.
  bob.manager.estimateHeight(800_000 + delta);
  alice.manager.pay(bob.id, handle, bob.manager.receive(10_000, 800_000));
  network.run();
  t.equal(bob.events.filter((event) => event.type === 'payment_received').length, 1, 'not taken');
  t.ok(alice.events.some((event) => event.type === 'payment_failed'), 'failed back to the payer');
  t.equal(bob.manager.balances()[0]!.pendingHtlcs, 0, 'nothing left pending');
});

t.test('a forwarder does not offer onward an HTLC that may have expired by its clock', async (t) => {
  // 0 - 1 - 2: node 0 reaches 2 through 1.
  const network = createNetwork({ nodes: 3, channels: { init: (i) => ({ routes: i === 0 ? { [ids[2]!]: ids[1]! } : {} }) } });
  const [payer, forwarder, payee] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>, NonNullable<(typeof network.nodes)[2]>];
  openChannel(network, payer, forwarder, 1_000_000);
  openChannel(network, forwarder, payee, 1_000_000);
  payer.manager.payRequest(payee.manager.receive(10_000, 800_000));
  network.run();
  t.equal(payee.events.filter((event) => event.type === 'payment_received').length, 1, 'forwarded at the height it last heard');

  forwarder.manager.estimateHeight(800_000 + 2 * delta);
  payer.manager.payRequest(payee.manager.receive(10_000, 800_000));
  network.run();
  t.equal(payee.events.filter((event) => event.type === 'payment_received').length, 1, 'not forwarded');
  const failed = payer.events.filter((event) => event.type === 'payment_failed');
  t.equal(failed.length, 1, 'the payer hears it failed');
  t.match(failed[0]!.type === 'payment_failed' && failed[0]!.reason, /too soon to forward/);
});
