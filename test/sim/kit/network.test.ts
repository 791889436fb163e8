// createNetwork({ nodes, media, channels }): named nodes linked on in-memory
// media, on one virtual clock; here a line alice - bob - carol over two media.
// With `channels`, a channel manager on each node, whose messages wait in a
// queue until run() delivers them: here alice opens a channel and pays bob.
// With `channels` and `media`, each node is a whole MeshNode on its links.
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { inbox } from '../../../sim/kit/link-node.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { signerOf } from '../../../sim/kit/signer-of.js';

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

t.test('nodes by count: n0, n1, ..., node i with signerOf(i) keys on every layer', async (t) => {
  const network = createNetwork({ nodes: 2, media: [{ links: [['n0', 'n1']] }] });
  t.same(network.nodes.map((node) => node.name), ['n0', 'n1']);
  t.same(network.nodes.map((node) => node.id), [0, 1].map((i) => bytesToHex(signerOf(i).nodeId)), "each link proves the signer's node key");
  t.throws(() => createNetwork({ nodes: ['alice', 'alice'] }), /one name/);
});

t.test('the channels layer: a manager per node, messages delivered by run()', async (t) => {
  const network = createNetwork({ nodes: ['alice', 'bob'], channels: {} }); // {}: the defaults (regtest, test wallets, memory persisters)
  const alice = network.node('alice');
  const bob = network.node('bob');
  openChannel(network, alice, bob, 1_000_000);
  t.same(alice.manager.balances().map((channel) => channel.localMsat), [1_000_000_000], 'alice funded the channel: it is all hers');

  alice.manager.payRequest(bob.manager.receive(150_000_000, 0));
  t.ok(network.queue.length > 0, 'nothing is delivered until run()');
  t.equal(network.run(), 6, 'run() delivered the payment: six messages, three each way');
  t.equal(network.queue.length, 0);
  t.ok(bob.events.some((event) => event.type === 'payment_received'), 'bob was paid');
  t.match(alice.manager.balances()[0], { localMsat: 850_000_000, remoteMsat: 150_000_000, pendingHtlcs: 0 });

  bob.restart();
  t.match(bob.manager.balances()[0], { localMsat: 150_000_000, pendingHtlcs: 0 }, "a restart reads back what bob's persister saved");
});

t.test('channels over media: each node a whole MeshNode, its messages on the links', async (t) => {
  const network = createNetwork({ nodes: ['alice', 'bob'], media: [{ links: [['alice', 'bob']], delayMs: 20 }], channels: {} });
  const alice = network.node('alice');
  const bob = network.node('bob');
  t.equal(alice.links, alice.mesh.links, "the node's links are its mesh node's");
  await network.start();
  t.teardown(() => network.stop());
  const handle = alice.manager.openChannel(bob.id, 1_000_000);
  t.ok(await network.clock.runUntil(() => alice.broadcast.length > 0, 60_000), 'funded, over the links');
  alice.manager.fundingConfirmed(bob.id, handle, 6);
  bob.manager.fundingConfirmed(alice.id, handle, 6);
  t.ok(await network.clock.runUntil(() => bob.events.some((event) => event.type === 'channel_opened'), 60_000), 'open at both ends');
  alice.manager.payRequest(bob.manager.receive(150_000_000, 0));
  t.ok(await network.clock.runUntil(() => alice.events.some((event) => event.type === 'payment_sent'), 60_000), 'bob was paid');
  t.match(alice.manager.balances()[0], { localMsat: 850_000_000, pendingHtlcs: 0 });
  t.same([...alice.warnings, ...bob.warnings], [], 'no layer warned');
});
