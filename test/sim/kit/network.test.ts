// createNetwork({ nodes, media }): named nodes linked on in-memory media,
// on one virtual clock. Here a line alice - bob - carol over two media.
import t from 'tap';
import { inbox } from '../../../sim/kit/link-node.js';
import { createNetwork } from '../../../sim/kit/network.js';

t.test('a node on two media has a link on each; neighbours reach each other', async (t) => {
  const network = createNetwork({
    nodes: ['alice', 'bob', 'carol'],
    media: [
      { nodes: ['alice', 'bob'], links: [['alice', 'bob']], delayMs: 20 },
      { nodes: ['bob', 'carol'], links: [['bob', 'carol']], delayMs: 50 },
    ],
  });
  const alice = network.node('alice');
  const bob = network.node('bob');
  const carol = network.node('carol');
  t.equal(alice.links.length, 1);
  t.equal(bob.links.length, 2, 'bob is on both media');
  t.same(bob.neighbours.map((node) => node.name), ['alice', 'carol']);
  t.equal(network.nameOf(network.idOf('carol')), 'carol');
  t.equal(network.idOf('*'), '*', 'the default route stays itself');
  t.throws(() => network.node('dave'), /no node dave/);

  const atAlice = inbox(alice.links[0]!, network.nodes);
  const atCarol = inbox(carol.links[0]!, network.nodes);
  await network.start();
  t.teardown(() => network.stop());
  bob.links[0]!.send(alice.id, Uint8Array.of(1));
  bob.links[1]!.send(carol.id, Uint8Array.of(2));
  t.ok(await network.clock.runUntil(() => atAlice.length > 0 && atCarol.length > 0, 60_000), 'both arrive, after the handshakes');
  t.same([atAlice, atCarol], [['bob:1:01'], ['bob:1:02']]);
});
