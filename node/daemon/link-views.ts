/**
 * What both daemons show of their links, in the same shape: neighbours by
 * link (`lnmesh peers`), the route table with the neighbours first
 * (`lnmesh routes`), and each link's counters (`lnmesh links`).
 */
import type { Link } from '../../transports/link/link.js';
import type { LinkEntry } from '../config/links-section.js';
import type { LinkShape, PeerShape, RouteShape } from '../control/link-shapes.js';

export interface LinkViews {
  /** The name the config gives a neighbour, if any. */
  nameOf(nodeId: string): string | undefined;
  /** Whether the config lists `nodeId` as a neighbour on any link. */
  isNeighbour(nodeId: string): boolean;
  /** Every neighbour, with its link, whether a session is up and what waits for it. */
  peers(): PeerShape[];
  routes(): RouteShape[];
  counters(): LinkShape[];
}

/** Seconds since a neighbour was last heard from, when it was. */
const heard = (ms: number | undefined) => (ms === undefined ? {} : { heardSecondsAgo: Math.floor(ms / 1000) });

export function linkViews(links: readonly Link[], config: { readonly links: readonly LinkEntry[]; readonly routes: Readonly<Record<string, string>> }): LinkViews {
  const names = new Map(config.links.flatMap((link) => link.neighbours.map((neighbour) => [neighbour.nodeId, neighbour.name] as const)));
  const nameOf = (nodeId: string) => names.get(nodeId);
  return {
    nameOf,
    isNeighbour: (nodeId) => names.has(nodeId),
    peers: () =>
      links.flatMap((link, index) =>
        link.knownPeers().map((peer) => ({ nodeId: peer, name: nameOf(peer), link: index, transport: config.links[index]?.transport.kind, up: link.isUp(peer), ...heard(link.heardAgoMs(peer)), outbox: link.pendingCount(peer) })),
      ),
    routes: () => [
      ...links.flatMap((link) => link.knownPeers()).map((peer) => ({ destination: peer, nextHop: peer, nextHopName: nameOf(peer), direct: true as const })),
      ...Object.entries(config.routes).map(([destination, nextHop]) => ({ destination, nextHop, nextHopName: nameOf(nextHop) })),
    ],
    counters: () => links.map((link, index) => ({ link: index, transport: config.links[index]?.transport.kind, ...link.counters })),
  };
}
