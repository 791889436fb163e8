/**
 * A link of a named node on an in-memory medium and the virtual clock, with
 * timing short enough that a scenario (loss, a partition of days, a reboot)
 * runs in milliseconds of real time. `createNetwork` (network.ts) makes one
 * per node and medium; a test that builds its own links by hand uses this.
 */
import { nodeKeyFromSecret } from '../../node/core/node-key.js';
import { Link, type LinkInit } from '../../transports/link/link.js';
import { type LinkOutbox, MemoryLinkOutbox } from '../../transports/link/outbox.js';
import type { MemoryMedium } from '../../transports/memory.js';
import type { Transport } from '../../transports/transport.js';
import type { Node } from './link-node.js';
import { randomBytes } from './random.js';
import type { VirtualClock } from './virtual-clock.js';

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
