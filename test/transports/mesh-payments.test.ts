// Channels over the mesh, every layer real but the medium: three nodes in a
// line A - B - C, each a ChannelManager whose messages go through its Router
// and Link over an in-memory medium, on virtual time. Each node's seed
// signer is its node key for the channels, the link handshake and the
// end-to-end seal alike. C pays A and A pays C through B (B forwards the
// HTLCs); while the B - C link is cut for a day, A's payment waits in the
// links' outboxes, and it completes once the link returns.
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Link } from '../../transports/link/link.js';
import { MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { createMemoryMedium } from '../../transports/memory.js';
import { deliverToHandler, routerMessenger } from '../../transports/router/messenger.js';
import { Router } from '../../transports/router/router.js';
import { MemorySeenMessages } from '../../transports/router/seen-messages.js';
import { createNetwork, signerOf } from '../node/channel/network.js';
import { TEST_TIMING, VirtualClock, randomBytes } from './link/link-network.js';

const DAY_MS = 86_400_000;

t.test('payments both ways across a relay, and across a day-long cut', async (t) => {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ delayMs: 50, clock });
  const names = ['A', 'B', 'C'] as const;
  const ids = names.map((_, i) => bytesToHex(signerOf(i).nodeId));
  const neighbours = (i: number) => [i - 1, i + 1].filter((j) => j >= 0 && j < names.length);
  // A reaches C through B and back: the same table for the router and for the payments.
  const routes = (i: number): Record<string, string> => (i === 0 ? { [ids[2]!]: ids[1]! } : i === 2 ? { [ids[0]!]: ids[1]! } : {});

  const links = names.map(
    (name, i) =>
      new Link(
        { transport: medium.createTransport(name), clock, outbox: new MemoryLinkOutbox(), nodeKey: signerOf(i), randomBytes },
        { knownPeers: neighbours(i).map((j) => ids[j]!), addresses: Object.fromEntries(neighbours(i).map((j) => [ids[j]!, names[j]!])), ...TEST_TIMING },
      ),
  );
  const routers = links.map((link, i) => new Router({ link, nodeKey: signerOf(i), randomBytes, seen: new MemorySeenMessages() }, { routes: routes(i), neighbours: neighbours(i).map((j) => ids[j]!) }));
  const network = createNetwork(3, (i) => ({ routes: routes(i) }), undefined, undefined, (i) => routerMessenger(routers[i]!));
  const [a, b, c] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>, NonNullable<(typeof network.nodes)[2]>];
  routers.forEach((router, i) => {
    deliverToHandler(router, { handleMessage: (peer, bytes) => network.nodes[i]!.manager.handleMessage(peer, bytes) });
    router.start();
  });
  await Promise.all(links.map((link) => link.start()));
  t.teardown(() => Promise.all(links.map((link) => link.stop())));
  const until = async (what: string, done: () => boolean, limitMs = 600_000) => t.ok(await clock.runUntil(done, limitMs), what);

  // Channels A-B and B-C, each funded by its left end with some pushed to the right, so both can pay.
  for (const [left, right] of [[a, b], [b, c]] as const) {
    const handle = left.manager.openChannel(right.id, 1_000_000, 400_000_000);
    await until(`${left === a ? 'A-B' : 'B-C'} funded`, () => left.broadcast.length > 0);
    left.manager.fundingConfirmed(right.id, handle, 6);
    right.manager.fundingConfirmed(left.id, handle, 6);
  }
  const opened = (node: typeof a) => node.events.filter((event) => event.type === 'channel_opened').length;
  await until('both channels open at both ends', () => opened(a) === 1 && opened(b) === 2 && opened(c) === 1);

  const received = (node: typeof a) => node.events.filter((event) => event.type === 'payment_received').length;
  const sent = (node: typeof a) => node.events.filter((event) => event.type === 'payment_sent').length;
  c.manager.payRequest(a.manager.receive(50_000_000, 0));
  await until('C paid A through B', () => received(a) === 1 && sent(c) === 1);

  medium.cut('B', 'C');
  a.manager.payRequest(c.manager.receive(30_000_000, 0));
  await clock.advance(DAY_MS);
  t.equal(received(c), 0, 'a day into the cut, C has not been paid');
  t.equal(a.manager.balances()[0]!.pendingHtlcs, 1, "A's HTLC waits, committed with B");
  medium.restore('B', 'C');
  await until('once the link returns, A has paid C', () => received(c) === 1 && sent(a) === 1, 2 * 3_600_000);
  await until('and every HTLC is settled', () => network.nodes.every((node) => node.manager.balances().every((channel) => channel.pendingHtlcs === 0)));

  // Both ends of each channel agree, and B earned nothing and lost nothing (no fees on a static route yet).
  const [ab] = a.manager.balances();
  const [ba, bc] = b.manager.balances();
  const [cb] = c.manager.balances();
  t.same([ab!.localMsat, ab!.remoteMsat], [ba!.remoteMsat, ba!.localMsat], 'A and B agree on their channel');
  t.same([bc!.localMsat, bc!.remoteMsat], [cb!.remoteMsat, cb!.localMsat], 'B and C agree on theirs');
  t.equal(ab!.localMsat, 600_000_000 + 50_000_000 - 30_000_000, 'A: 600,000 sat, +50,000 from C, -30,000 to C');
  t.equal(cb!.localMsat, 400_000_000 - 50_000_000 + 30_000_000, 'C: 400,000 sat, -50,000 to A, +30,000 from A');
  t.equal(ba!.localMsat + bc!.localMsat, 400_000_000 + 600_000_000, "B's total is unchanged");
  const dropped = links.map((link) => Object.values(link.counters.dropped).reduce((sum, count) => sum + count, 0));
  t.same(dropped, [0, 0, 0], 'no link dropped a frame it should have taken');
});
