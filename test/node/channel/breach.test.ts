// A breach on a real chain: Alice and Bob open a channel funded on a bcoin
// regtest node, pay each other, then Bob broadcasts a commitment he has
// revoked. bcoin accepts and mines it; Alice, seeing it, broadcasts the
// justice transaction she signed when Bob revoked; bcoin accepts and mines
// that too, and Bob's to_local (and his HTLC) is hers.
import t from 'tap';
import { p2wpkh } from '../../../node/bolt3/scripts.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { Regtest } from './regtest.js';

t.setTimeout(120_000);

t.test('a revoked commitment on chain is punished', async (t) => {
  const chain = await Regtest.start();
  t.teardown(() => chain.close());
  const sweepKeys = [0, 1].map((i) => publicKeyOf(sha256(Uint8Array.of(0x5f, i))));
  const network = createNetwork({ nodes: 2, channels: { wallet: (i) => ({ fund: (request) => chain.fund(request), sweepScript: () => p2wpkh(sweepKeys[i]!), payFee: (tx, baseWeight, feeratePerKw) => chain.payFee(tx, baseWeight, feeratePerKw) }) } });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];

  const handle = alice.manager.openChannel(bob.id, 2_000_000, 0);
  network.run();
  t.equal(alice.broadcast.length, 1, 'Alice has a funding transaction to broadcast');
  await chain.broadcast(alice.broadcast[0]!);
  await chain.mine(3);
  t.equal(await chain.confirmations(alice.broadcast[0]!.getId()), 3, 'the funding transaction is in the chain');
  alice.manager.fundingConfirmed(bob.id, handle, 3);
  bob.manager.fundingConfirmed(alice.id, handle, 3);
  network.run();
  t.ok(alice.events.some((event) => event.type === 'channel_opened'), 'the channel is open');

  // Alice pays Bob 600,000 sat; Bob keeps that commitment aside, then pays 400,000 sat back with one more payment in flight.
  alice.manager.pay(bob.id, handle, bob.manager.receive(600_000_000, chain.height));
  network.run();
  const oldCommitment = bob.manager.forceCloseTransaction(alice.id, handle);
  bob.manager.pay(alice.id, handle, alice.manager.receive(400_000_000, chain.height));
  network.run();
  t.match(bob.manager.balances()[0], { localMsat: 200_000_000, pendingHtlcs: 0 }, 'Bob now has 200,000 sat');
  t.ok(alice.events.some((event) => event.type === 'appointment'), 'Alice produced appointments for the watchtower');

  // Bob cheats: his old commitment gave him 600,000 sat.
  await chain.broadcast(oldCommitment);
  await chain.mine(1);
  t.equal(await chain.confirmations(oldCommitment.getId()), 1, 'the revoked commitment is mined (nothing on chain forbids it)');

  // Alice's chain view shows her the block.
  for (const tx of await chain.blockTransactions(chain.height)) alice.manager.transactionSeen(tx);
  const breach = alice.events.find((event) => event.type === 'breach');
  t.ok(breach, 'Alice recognised the breach');
  const justice = alice.broadcast.at(-1)!;
  await chain.broadcast(justice);
  await chain.mine(1);
  t.equal(await chain.confirmations(justice.getId()), 1, 'the justice transaction is accepted and mined');
  t.ok(justice.ins.every((input) => Buffer.from(input.hash).equals(Buffer.from(oldCommitment.getHash()))), 'it spends the breach');
  const taken = justice.ins.reduce((sum, input) => sum + Number(oldCommitment.outs[input.index]!.value), 0);
  t.equal(taken, 600_000, "what it takes is Bob's to_local of the revoked state: 600,000 sat");
  t.ok(Number(justice.outs[0]!.value) > taken - 5_000, `Alice receives ${Number(justice.outs[0]!.value)} sat of it after the fee`);
  t.same(justice.outs[0]!.script, p2wpkh(sweepKeys[0]!), "to Alice's wallet");
});
