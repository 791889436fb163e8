// The gateway's manager holds HTLCs for its bridge (`holdUnknownPayments`): an HTLC to it with a
// payment hash it has no invoice for waits, across restarts, until it is settled or nears its expiry.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { HELD_HTLC_FAIL_BLOCKS } from '../../../node/channel/manager.js';

/** Alice (a mesh node) and a gateway that holds unknown payments, with a channel from Alice; Alice has offered an HTLC no one asked for. */
function heldPayment() {
  const network = createNetwork({ nodes: 2, channels: { init: (i) => (i === 1 ? { holdUnknownPayments: true } : {}) } });
  const [alice, gateway] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, gateway, 1_000_000);
  alice.manager.bestBlockUpdated(800_000);
  gateway.manager.bestBlockUpdated(800_000);
  const preimage = new Uint8Array(32).fill(7);
  const paymentHash = sha256(preimage);
  alice.manager.pay(gateway.id, handle, { paymentHash, amountMsat: 10_000_000, minFinalExpiry: 800_500, payee: Uint8Array.from(Buffer.from(gateway.id, 'hex')) });
  network.run();
  return { network, alice, gateway, handle, preimage, paymentHash };
}

t.test('an HTLC with no invoice is held, reported, and settled later with the preimage', async (t) => {
  const { network, alice, gateway, preimage, paymentHash } = heldPayment();
  t.match(gateway.events.filter((event) => event.type === 'htlc_held'), [{ peer: alice.id, amountMsat: 10_000_000, cltvExpiry: 800_500 }], 'reported once');
  t.equal(alice.events.filter((event) => event.type === 'payment_failed').length, 0, 'not failed');
  t.match(gateway.manager.heldPayments(), [{ peer: alice.id, amountMsat: 10_000_000 }]);
  t.match(alice.manager.balances()[0], { pendingHtlcs: 1 });

  gateway.restart();
  t.equal(gateway.events.filter((event) => event.type === 'htlc_held').length, 2, 'reported again by the restarted manager');
  t.equal(gateway.manager.heldPayments().length, 1, 'still held: the channel state is its record');

  t.throws(() => gateway.manager.fulfillHeld(paymentHash, new Uint8Array(32)), /does not match/, 'a wrong preimage is refused');
  t.equal(gateway.manager.fulfillHeld(paymentHash, preimage), true);
  network.run();
  t.equal(gateway.manager.fulfillHeld(paymentHash, preimage), false, 'a second call does nothing');
  t.equal(gateway.manager.failHeld(paymentHash, 'late'), false, 'nor does a fail after it');
  network.run();
  t.match(alice.events.find((event) => event.type === 'payment_sent'), { paymentPreimage: preimage }, 'Alice has the proof of payment');
  t.match(alice.manager.balances()[0], { localMsat: 990_000_000, pendingHtlcs: 0 });
  t.same(gateway.manager.heldPayments(), []);
});

t.test('a held HTLC failed with a reason returns the money to its payer', async (t) => {
  const { network, alice, gateway, paymentHash } = heldPayment();
  t.equal(gateway.manager.failHeld(paymentHash, 'the invoice expired'), true);
  t.equal(gateway.manager.failHeld(paymentHash, 'again'), false, 'idempotent');
  network.run();
  t.match(alice.events.find((event) => event.type === 'payment_failed'), { reason: 'the invoice expired' });
  t.match(alice.manager.balances()[0], { localMsat: 1_000_000_000, pendingHtlcs: 0 });
});

t.test('near its expiry the manager fails a held HTLC itself, and nobody goes on chain', async (t) => {
  const { network, alice, gateway, paymentHash } = heldPayment();
  const lastHeld = 800_500 - HELD_HTLC_FAIL_BLOCKS - 1;
  for (const node of [alice, gateway]) node.manager.bestBlockUpdated(lastHeld);
  network.run();
  t.equal(gateway.manager.heldPayments().length, 1, `held at ${lastHeld}`);
  t.same([alice.broadcast.length, gateway.broadcast.length], [1, 0], 'no commitment broadcast for an HTLC without preimage (only Alice\'s funding)');
  for (const node of [alice, gateway]) node.manager.bestBlockUpdated(lastHeld + 1);
  network.run();
  t.match(gateway.events.find((event) => event.type === 'held_htlc_expired'), { peer: alice.id });
  t.ok(alice.events.some((event) => event.type === 'payment_failed' && bytesToHex(event.paymentHash) === bytesToHex(paymentHash)), 'Alice gets her HTLC back off chain');
  t.match(alice.manager.balances()[0], { localMsat: 1_000_000_000, pendingHtlcs: 0 });
  t.same([alice.broadcast.length, gateway.broadcast.length], [1, 0], 'still nothing on chain');
});

t.test('a second HTLC with a held payment hash, or one expiring too soon, is failed at once', async (t) => {
  const { network, alice, gateway, handle, paymentHash } = heldPayment();
  const payee = Uint8Array.from(Buffer.from(gateway.id, 'hex'));
  alice.manager.pay(gateway.id, handle, { paymentHash, amountMsat: 5_000_000, minFinalExpiry: 800_500, payee });
  alice.manager.pay(gateway.id, handle, { paymentHash: new Uint8Array(32).fill(9), amountMsat: 5_000_000, minFinalExpiry: 800_000 + HELD_HTLC_FAIL_BLOCKS, payee });
  network.run();
  t.same(alice.events.filter((event) => event.type === 'payment_failed').map((event) => event.type === 'payment_failed' && event.reason).sort(), ['expiry too soon', 'that payment hash is held already']);
  t.equal(gateway.manager.heldPayments().length, 1, 'the first stays held');
});

t.test('a mesh node without the option still fails unknown payments', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  alice.manager.pay(bob.id, handle, { paymentHash: new Uint8Array(32).fill(5), amountMsat: 1_000_000, minFinalExpiry: 900_000, payee: Uint8Array.from(Buffer.from(bob.id, 'hex')) });
  network.run();
  t.match(alice.events.find((event) => event.type === 'payment_failed'), { reason: 'unknown payment' });
  t.same(bob.manager.heldPayments(), []);
});
