// channelSummaries(): what `lnmesh channels` shows, on both sides of a
// channel, message by message as it is opened, used and closed.
import t from 'tap';
import type { ChannelSummary } from '../../../node/channel/manager.js';
import { type ChannelNetwork, type ChannelNode, createNetwork } from '../../../sim/kit/network.js';

/** Delivers the next queued message only: the states between two messages are what a user may see. */
function deliverOne(network: ChannelNetwork): void {
  const next = network.queue.shift();
  if (!next) throw new Error('no message waiting');
  const [from, to, bytes] = next;
  network.nodes.find((node) => node.id === to)!.manager.handleMessage(from, bytes);
}

function statuses(node: ChannelNode): ChannelSummary['status'][] {
  return node.manager.channelSummaries().map((summary) => summary.status);
}

function twoNodes(): { network: ChannelNetwork; alice: ChannelNode; bob: ChannelNode } {
  const network = createNetwork({ nodes: 2, channels: {} });
  return { network, alice: network.nodes[0]!, bob: network.nodes[1]! };
}

t.test('negotiating, awaiting_funding, open, closing, closed: both sides, message by message', async (t) => {
  const { network, alice, bob } = twoNodes();
  t.same(alice.manager.channelSummaries(), [], 'no channel yet');

  const handle = alice.manager.openChannel(bob.id, 1_000_000, 100_000_000);
  t.same(alice.manager.channelSummaries(), [{ peer: bob.id, handle, status: 'negotiating', capacitySatoshis: 1_000_000, localMsat: 900_000_000, remoteMsat: 100_000_000, pendingHtlcs: 0, localIsFunder: true }], 'Alice lists her opening at once, without a funding txid yet');
  t.same(statuses(bob), [], 'Bob has heard nothing');

  deliverOne(network); // open_channel
  t.same(bob.manager.channelSummaries(), [{ peer: alice.id, handle, status: 'negotiating', capacitySatoshis: 1_000_000, localMsat: 100_000_000, remoteMsat: 900_000_000, pendingHtlcs: 0, localIsFunder: false }], 'Bob lists it from his side: the push is his');

  deliverOne(network); // accept_channel: Alice builds and signs the funding transaction
  const negotiating = alice.manager.channelSummaries()[0]!;
  t.equal(negotiating.status, 'negotiating', 'still negotiating until Bob signs');
  t.match(negotiating.fundingTxid, /^[0-9a-f]{64}$/, 'now with the funding txid');

  deliverOne(network); // funding_created
  t.same(statuses(bob), ['awaiting_funding'], 'Bob has signed: the channel waits for its confirmations');
  t.same(statuses(alice), ['negotiating']);

  deliverOne(network); // funding_signed
  t.same(statuses(alice), ['awaiting_funding']);
  t.equal(alice.broadcast.length, 1, 'Alice broadcast the funding transaction');
  const [summary] = alice.manager.channelSummaries();
  t.equal(summary?.fundingTxid, alice.broadcast[0]!.getId(), 'the txid listed is the transaction broadcast');
  t.equal(summary?.fundingTxid, negotiating.fundingTxid, 'and the one listed while negotiating');
  t.equal(bob.manager.channelSummaries()[0]?.fundingTxid, summary?.fundingTxid, 'Bob lists the same');
  t.equal(summary?.minimumDepth, 3, 'with the confirmations it waits for');
  t.equal(network.queue.length, 0);

  alice.manager.fundingConfirmed(bob.id, handle, 6);
  bob.manager.fundingConfirmed(alice.id, handle, 6);
  t.same([statuses(alice), statuses(bob)], [['awaiting_funding'], ['awaiting_funding']], 'confirmed, but channel_ready not yet received');
  // Each sends its fees (fee_update) first, then channel_ready.
  for (let i = 0; i < 4; i++) deliverOne(network);
  t.same([statuses(alice), statuses(bob)], [['open'], ['open']], 'open once each has the other\'s channel_ready');
  network.run();

  const request = bob.manager.receive(50_000_000, 800_000);
  alice.manager.pay(bob.id, handle, request);
  deliverOne(network); // update_add_htlc...
  deliverOne(network);
  t.equal(alice.manager.channelSummaries()[0]?.pendingHtlcs, 1, 'a payment on its way is a pending HTLC');
  network.run();
  t.match(alice.manager.channelSummaries()[0], { status: 'open', localMsat: 850_000_000, remoteMsat: 150_000_000, pendingHtlcs: 0 }, 'and then moved balance');
  t.match(bob.manager.channelSummaries()[0], { status: 'open', localMsat: 150_000_000, remoteMsat: 850_000_000 });

  alice.manager.close(bob.id, handle);
  t.same([statuses(alice), statuses(bob)], [['closing'], ['open']], 'Alice sent shutdown');
  deliverOne(network);
  t.same(statuses(bob), ['closing'], 'Bob received it');
  network.run();
  t.same([statuses(alice), statuses(bob)], [['closed'], ['closed']], 'closed once the closing transaction is signed');
  t.ok(alice.events.some((event) => event.type === 'channel_closed'));
});

t.test('a unilateral close is force_closed', async (t) => {
  const { network, alice, bob } = twoNodes();
  const handle = alice.manager.openChannel(bob.id, 500_000);
  network.run();
  alice.manager.fundingConfirmed(bob.id, handle, 6);
  bob.manager.fundingConfirmed(alice.id, handle, 6);
  network.run();
  t.same(statuses(alice), ['open']);
  bob.manager.forceClose(alice.id, handle);
  t.same(statuses(bob), ['force_closed'], 'Bob put his commitment on its way to the chain');
  const commitment = bob.broadcast.at(-1)!;
  alice.manager.blockConnected(800_001, [commitment]);
  t.same(statuses(alice), ['force_closed'], 'Alice saw it in a block');
});

t.test('each channel of a node is listed, with its peer and handle', async (t) => {
  const network = createNetwork({ nodes: 3, channels: {} });
  const [alice, bob, carol] = network.nodes as [ChannelNode, ChannelNode, ChannelNode];
  const first = alice.manager.openChannel(bob.id, 300_000);
  const second = alice.manager.openChannel(carol.id, 400_000);
  network.run();
  const listed = alice.manager.channelSummaries().map(({ peer, handle, capacitySatoshis, status }) => ({ peer, handle, capacitySatoshis, status }));
  t.same(
    listed.sort((a, b) => a.capacitySatoshis - b.capacitySatoshis),
    [
      { peer: bob.id, handle: first, capacitySatoshis: 300_000, status: 'awaiting_funding' },
      { peer: carol.id, handle: second, capacitySatoshis: 400_000, status: 'awaiting_funding' },
    ],
  );
  t.equal(carol.manager.channelSummaries().length, 1, 'Carol has only hers');
});
