/**
 * A line of nodes with channels along it, the shape of most multi-hop
 * scenarios: `createNetwork` with the channels layer, then `openChannel`
 * between each pair of neighbours.
 */
import { bytesToHex } from '../../node/core/hex.js';
import { openChannel } from './channels.js';
import { type ChannelNetwork, createNetwork } from './network.js';
import { signerOf } from './signer-of.js';

/**
 * Nodes in a line, 0 - 1 - ... - n-1, with channels opened along it (each
 * funded by its left end) and static routes so that any node reaches any other.
 */
export function createLine(count: number, fundingSatoshis = 1_000_000): ChannelNetwork {
  const ids = Array.from({ length: count }, (_, i) => bytesToHex(signerOf(i).nodeId));
  const routesOf = (i: number) => Object.fromEntries(ids.flatMap((id, j) => (Math.abs(j - i) > 1 ? [[id, ids[j > i ? i + 1 : i - 1]!]] : [])));
  const network = createNetwork({ nodes: count, channels: { init: (i) => ({ routes: routesOf(i) }) } });
  for (let i = 0; i + 1 < count; i++) openChannel(network, network.nodes[i]!, network.nodes[i + 1]!, fundingSatoshis);
  return network;
}
