/**
 * What the node daemon answers on its control socket (node/control/node-api.ts):
 * one handler per CLI verb (`lnmesh status`, `lnmesh pay ...`), grouped by
 * what they touch. Handlers check their params and throw `InvalidInputError`
 * naming the one at fault; they return plain JSON (amounts in msat or sat as
 * named, ids in hex).
 */
import type { ControlHandlers } from '../control/control-api.js';
import type { NodeControlApi } from '../control/node-api.js';
import { type LinkViews, linkViews } from './link-views.js';
import { memoryFigures } from './memory-figures.js';
import { channelHandlers } from './node-control-channels.js';
import { paymentHandlers } from './node-control-payments.js';
import { walletHandlers } from './node-control-wallet.js';
import type { NodeDaemonParts } from './node-daemon-parts.js';

export function nodeControlHandlers(parts: NodeDaemonParts): ControlHandlers<NodeControlApi> {
  const { node, config } = parts;
  const views = linkViews(node.links, config);
  return {
    status: () => nodeStatus(parts, views),
    peers: () => views.peers().map((peer) => ({ ...peer, isGateway: peer.nodeId === config.gateway?.nodeId })),
    routes: () => views.routes(),
    outbox: () => views.peers().flatMap((peer) => (peer.outbox > 0 ? [{ peer: peer.nodeId, name: peer.name, up: peer.up, messages: peer.outbox }] : [])),
    /** The links' counters: frames, retransmissions, handshakes, and frames dropped by reason. */
    links: () => views.counters(),
    tower: () => ({
      gateway: config.gateway?.nodeId ?? null,
      appointmentsQueued: node.manager.pendingAppointments().length,
      channelsWatched: node.manager.channelsForTower().length,
    }),
    ...channelHandlers(parts, views),
    ...paymentHandlers(parts),
    ...walletHandlers(parts),
  };
}

function nodeStatus(parts: NodeDaemonParts, views: LinkViews): NodeControlApi['status']['result'] {
  const { node, config, wallet, payments, clock } = parts;
  const channels = node.manager.channelSummaries();
  const neighbours = views.peers();
  const countBy = (status: string) => channels.filter((channel) => channel.status === status).length;
  return {
    daemon: 'node',
    nodeId: parts.nodeId,
    network: config.network,
    uptimeSeconds: Math.round((clock.now() - parts.startedAt) / 1000),
    chainHeight: node.uplink?.chainHeight ?? null,
    gateway: config.gateway?.nodeId ?? null,
    neighboursUp: neighbours.filter((peer) => peer.up).length,
    neighbours: neighbours.length,
    channelsOpen: countBy('open'),
    channelsPending: countBy('negotiating') + countBy('awaiting_funding'),
    balanceMsat: channels.filter((channel) => channel.status === 'open').reduce((sum, channel) => sum + channel.localMsat, 0),
    walletSatoshis: wallet.balance(),
    paymentsPending: payments.pendingCount(),
    appointmentsQueued: node.manager.pendingAppointments().length,
    ...memoryFigures(),
    dataDir: config.dataDir,
  };
}
