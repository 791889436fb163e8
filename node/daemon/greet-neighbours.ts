import type { Link } from '../../transports/link/link.js';

/**
 * A handshake with every neighbour at start. A neighbour keeps its session
 * with the process that stopped and sends on it; the new process drops those
 * frames (unknown session) and, with nothing of its own to send, would never
 * start a handshake: that neighbour stayed silent for good (found by the
 * daemon benchmark, restarting a node with 10 idle channels).
 */
export function greetNeighbours(links: readonly Link[]): void {
  for (const link of links) for (const peer of link.knownPeers()) link.connect(peer);
}
