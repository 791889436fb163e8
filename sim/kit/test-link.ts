/**
 * A link of a named node on an in-memory medium and the virtual clock, with
 * timing short enough that a scenario (loss, a partition of days, a reboot)
 * runs in milliseconds of real time. `createNetwork` (network.ts) makes one
 * per node and medium; a test that builds its own links by hand uses this.
 */
import type { Clock } from '../../node/core/clock.js';
import { nodeKeyFromSecret } from '../../node/core/node-key.js';
import type { NeighbourConfig } from '../../transports/config/link-config.js';
import { Link, type LinkInit } from '../../transports/link/link.js';
import { type LinkOutbox, MemoryLinkOutbox } from '../../transports/link/outbox.js';
import type { MemoryMedium } from '../../transports/memory.js';
import type { Transport } from '../../transports/transport.js';
import type { Node } from './link-node.js';
import { randomBytes } from './random.js';

/** Retransmission and ack timing short enough for tests, long enough to see order. */
export const TEST_TIMING = { retransmitBaseMs: 1000, retransmitMaxMs: 60_000, ackDelayMs: 50 } as const;

/** A link for `node` on `medium`, knowing `peers` by their names as addresses. */
export function createLink(
  medium: MemoryMedium,
  clock: Clock,
  node: Node,
  peers: readonly Node[],
  options: { outbox?: LinkOutbox; init?: Partial<LinkInit>; transport?: Transport } = {},
): Link {
  const neighbours = peers.map((peer) => ({ nodeId: peer.id, address: peer.name }));
  return linkOver(options.transport ?? medium.createTransport(node.name), clock, node, neighbours, { ...options, init: { ...TEST_TIMING, ...options.init } });
}

/** A link for `node` over `transport`, knowing `neighbours` (with their addresses there, if it has addresses); the link's own timing unless `init` says. */
export function linkOver(transport: Transport, clock: Clock, node: Node, neighbours: readonly NeighbourConfig[], options: { outbox?: LinkOutbox; init?: Partial<LinkInit> } = {}): Link {
  const addressed = neighbours.flatMap((neighbour) => (neighbour.address === undefined ? [] : [[neighbour.nodeId, neighbour.address] as const]));
  return new Link(
    { transport, clock, outbox: options.outbox ?? new MemoryLinkOutbox(), nodeKey: nodeKeyFromSecret(node.secretKey), randomBytes },
    { knownPeers: neighbours.map((neighbour) => neighbour.nodeId), ...(addressed.length > 0 && { addresses: Object.fromEntries(addressed) }), ...options.init },
  );
}
