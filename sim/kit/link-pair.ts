/**
 * Links between named nodes on one in-memory medium and the virtual clock,
 * so that a scenario (loss, a partition of days, a reboot) reads like the
 * scenario and runs in milliseconds of real time.
 */
import { nodeKeyFromSecret } from '../../node/core/node-key.js';
import { Link, type LinkInit } from '../../transports/link/link.js';
import { type LinkOutbox, MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { type MemoryMedium, type MemoryMediumOptions, createMemoryMedium } from '../../transports/memory.js';
import type { Transport } from '../../transports/transport.js';
import { type Node, makeNode } from './link-node.js';
import { randomBytes } from './random.js';
import { VirtualClock } from './virtual-clock.js';

/** Retransmission and ack timing short enough for tests, long enough to see order. */
export const TEST_TIMING = { retransmitBaseMs: 1000, retransmitMaxMs: 60_000, ackDelayMs: 50 } as const;

/** A link for `node` on `medium`, knowing `peers` by their names as addresses. */
export function createLink(
  medium: MemoryMedium,
  clock: VirtualClock,
  node: Node,
  peers: readonly Node[],
  options: { outbox?: LinkOutbox; init?: Partial<LinkInit>; transport?: Transport } = {},
): Link {
  return new Link(
    { transport: options.transport ?? medium.createTransport(node.name), clock, outbox: options.outbox ?? new MemoryLinkOutbox(), nodeKey: nodeKeyFromSecret(node.secretKey), randomBytes },
    {
      knownPeers: peers.map((peer) => peer.id),
      addresses: Object.fromEntries(peers.map((peer) => [peer.id, peer.name])),
      ...TEST_TIMING,
      ...options.init,
    },
  );
}

/** Alice and Bob, each knowing the other, on one medium with a virtual clock. */
export async function linkedPair(mediumOptions: Omit<MemoryMediumOptions, 'clock'> = {}, init: Partial<LinkInit> = {}) {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ delayMs: 20, ...mediumOptions, clock });
  const alice = makeNode('alice');
  const bob = makeNode('bob');
  const aliceTransport = medium.createTransport(alice.name);
  const bobTransport = medium.createTransport(bob.name);
  const aliceLink = createLink(medium, clock, alice, [bob], { init, transport: aliceTransport });
  const bobLink = createLink(medium, clock, bob, [alice], { init, transport: bobTransport });
  await Promise.all([aliceLink.start(), bobLink.start()]);
  return { clock, medium, alice, bob, aliceLink, bobLink, aliceTransport, bobTransport, nodes: [alice, bob] };
}
