// The TCP driver under LDK's PeerManager, seen through a LightningNode: a
// peer that sends what is not a BOLT 8 handshake is cut off, and either
// side's stop is seen by the other.
import t, { type Test } from 'tap';
import { connect, type Socket } from 'node:net';
import type { LightningNode } from '../../../gateway/lightning/lightning-node.js';
import { holdsWithin } from '../../../sim/kit/poll.js';
import { LOOPBACK, startChain, startNode as startTestNode } from './lightning-test-kit.js';

const chain = await startChain(t);

async function startNode(t: Test, fill: number): Promise<LightningNode> {
  return (await startTestNode(t, chain, fill)).node;
}

t.test('a peer that sends garbage instead of the handshake is disconnected', async (t) => {
  const a = await startNode(t, 1);
  const port = await a.listen();
  const socket: Socket = connect({ host: LOOPBACK, port });
  t.teardown(() => socket.destroy());
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(new Uint8Array(50).fill(0xff)); // act one is 50 bytes: version 0xff is refused
  t.ok(await holdsWithin(() => closed), 'A closes the connection');
  t.same(a.peers(), [], 'and lists no peer');
});

t.test("the listening side's stop is seen by the side that connected", async (t) => {
  const a = await startNode(t, 1);
  const b = await startNode(t, 2);
  await b.connect(a.nodeId, LOOPBACK, await a.listen());
  t.ok(await holdsWithin(() => a.peers().length === 1 && b.peers().length === 1), 'connected');
  await a.stop();
  t.ok(await holdsWithin(() => b.peers().length === 0), 'B drops A');
});

t.test('many peers at once, each listed once', async (t) => {
  const hub = await startNode(t, 1);
  const port = await hub.listen();
  const spokes = await Promise.all([2, 3, 4, 5].map((fill) => startNode(t, fill)));
  await Promise.all(spokes.map((spoke) => spoke.connect(hub.nodeId, LOOPBACK, port)));
  t.ok(await holdsWithin(() => hub.peers().length === spokes.length), 'the hub lists all four');
  t.ok(await holdsWithin(() => spokes.every((spoke) => spoke.peers().length === 1)), 'each spoke lists the hub');
});
