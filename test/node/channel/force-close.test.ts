// A unilateral close run by the managers on a real chain (bcoin regtest):
// Alice force-closes while an HTLC to Bob is pending (Bob has gone quiet).
// Fed block after block, each manager broadcasts its claims as soon as the
// next block may include them: Bob his to_remote at once; Alice the
// HTLC-timeout at the expiry, then to_local and the HTLC-timeout's output
// after the two-week delay. Every claim bcoin sees is accepted. With anchors
// the HTLC-timeout carries no fee of its own: Alice's wallet adds a coin.
import t from 'tap';
import { sha256 } from '@noble/hashes/sha2.js';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import type { Transaction } from '../../../node/bolt3/transaction.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { Regtest } from './regtest.js';

t.setTimeout(180_000);

for (const channelType of ['anchors', 'static_remotekey'] as const) t.test(`${channelType}: claims go out block by block until everything is swept`, async (t) => {
  const chain = await Regtest.start();
  t.teardown(() => chain.close());
  const network = createNetwork({
    nodes: 2,
    channels: {
      init: { channelType },
      wallet: (i) => ({
        fund: (request) => chain.fund(request),
        sweepScript: () => p2wpkh(publicKeyOf(sha256(Uint8Array.of(0x5f, i)))),
        // With anchors the HTLC-timeout carries no fee: a coin of the wallet pays it.
        payFee: (tx, baseWeight, feeratePerKw) => chain.payFee(tx, baseWeight, feeratePerKw),
      }),
    },
  });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = alice.manager.openChannel(bob.id, 2_000_000, 500_000_000);
  network.run();
  await chain.broadcast(alice.broadcast[0]!);
  await chain.mine(3);
  alice.manager.fundingConfirmed(bob.id, handle, 3);
  bob.manager.fundingConfirmed(alice.id, handle, 3);
  network.run();

  // An HTLC Bob will never settle: he goes quiet as soon as it is committed.
  const expiry = chain.height + 40;
  alice.manager.pay(bob.id, handle, { paymentHash: sha256(Uint8Array.of(42)), amountMsat: 300_000_000, minFinalExpiry: expiry, payee: new Uint8Array(33) });
  while (network.queue.length > 0) {
    const [from, to, bytes] = network.queue.shift()!;
    if (from === bob.id && bob.events.some((event) => event.type === 'payment_failed' || event.type === 'peer_error')) break;
    (to === alice.id ? alice : bob).manager.handleMessage(from, bytes);
    if (alice.manager.balances()[0]!.pendingHtlcs === 1 && bob.manager.balances()[0]!.pendingHtlcs === 1 && from === alice.id) {
      network.queue.length = 0; // Bob's answer never arrives
    }
  }
  t.equal(alice.manager.balances()[0]!.pendingHtlcs, 1, 'the HTLC is pending');

  alice.manager.forceClose(bob.id, handle);
  const broadcastBy = new Map<Transaction, string>();
  const seen = { alice: alice.broadcast.length - 1, bob: bob.broadcast.length };
  const flushBroadcasts = async () => {
    for (const [name, node] of [['alice', alice], ['bob', bob]] as const) {
      for (; seen[name] < node.broadcast.length; seen[name]++) {
        const tx = node.broadcast[seen[name]]!;
        broadcastBy.set(tx, name);
        await chain.broadcast(tx); // throws (and fails the test) if bcoin refuses it
      }
    }
  };
  await flushBroadcasts();
  for (let block = 0; block < 2400; block++) {
    await chain.mine(1);
    const transactions = await chain.blockTransactions(chain.height);
    alice.manager.blockConnected(chain.height, transactions);
    bob.manager.blockConnected(chain.height, transactions);
    await flushBroadcasts();
    const done = alice.events.filter((event) => event.type === 'funds_spendable').length >= 2;
    if (done) break;
  }
  const aliceFunds = alice.events.filter((event) => event.type === 'funds_spendable');
  const bobFunds = bob.events.filter((event) => event.type === 'funds_spendable');
  t.same(aliceFunds.map((event) => event.type === 'funds_spendable' && event.description).sort(), ['htlc-timeout output', 'to_local'], 'Alice swept to_local and the HTLC back');
  t.same(bobFunds.map((event) => event.type === 'funds_spendable' && event.description), ['to_remote'], 'Bob swept his to_remote');
  t.ok(bob.events.some((event) => event.type === 'channel_force_closed' && !event.ours), 'Bob noticed Alice closed');
  const swept = aliceFunds.reduce((sum, event) => sum + (event.type === 'funds_spendable' ? event.satoshis : 0), 0);
  t.ok(swept > 1_500_000 - 10_000 && swept < 1_500_000, `Alice got back ${swept} sat of her 1,500,000 (1,200,000 and the 300,000 HTLC, less fees)`);
});
