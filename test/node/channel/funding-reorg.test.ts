// A reorg under an open channel's funding transaction, as the managers see
// it from the chain interface: if the new branch confirms the funding again
// in the same update, nothing happens; if the tip moves on without it, the
// channel is closed (rust-lightning does the same: the funder could spend
// its inputs elsewhere), also when the node restarted in between.
import t from 'tap';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';

const HEIGHT = 800_000;

function openedOnChain() {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  const handle = openChannel(network, alice, bob, 1_000_000);
  const funding = alice.broadcast[0]!;
  alice.manager.transactionsConfirmed(HEIGHT, '', [funding]);
  alice.manager.bestBlockUpdated(HEIGHT + 5);
  const closes = () => alice.events.filter((event) => event.type === 'channel_force_closed');
  return { alice, handle, funding, closes };
}

t.test('the funding confirmed again in the new branch: the channel stays open', async (t) => {
  const { alice, funding, closes } = openedOnChain();
  for (let height = HEIGHT + 5; height >= HEIGHT; height--) alice.manager.blockDisconnected(height);
  alice.manager.transactionsConfirmed(HEIGHT + 1, '', [funding]);
  alice.manager.bestBlockUpdated(HEIGHT + 6);
  t.same(closes(), [], 'no close');
  t.equal(alice.manager.channelSummaries()[0]!.status, 'open');
});

t.test('the tip moves on without the funding: the channel is closed, saying why', async (t) => {
  const { alice, funding, closes } = openedOnChain();
  alice.manager.blockDisconnected(HEIGHT + 5);
  alice.manager.bestBlockUpdated(HEIGHT + 5);
  t.same(closes(), [], 'a reorg above the funding closes nothing');
  for (let height = HEIGHT + 5; height >= HEIGHT; height--) alice.manager.blockDisconnected(height);
  alice.restart(); // what the reorg did is on disk
  alice.manager.bestBlockUpdated(HEIGHT + 6);
  t.match(closes(), [{ ours: true, reason: new RegExp(`a reorg took the funding transaction ${funding.getId()} out of the chain`) }]);
  t.equal(alice.manager.channelSummaries()[0]!.status, 'force_closed');
});

t.test('a channel whose funding the chain never reported (confirmed by hand) is not closed by a block', async (t) => {
  const network = createNetwork({ nodes: 2, channels: {} });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  openChannel(network, alice, bob, 1_000_000);
  alice.manager.blockDisconnected(HEIGHT);
  alice.manager.bestBlockUpdated(HEIGHT);
  t.same(alice.events.filter((event) => event.type === 'channel_force_closed'), []);
});
