/**
 * What the gateway daemon answers on its control socket
 * (node/control/gateway-api.ts): the verbs it shares with the node
 * (`status`, `peers`, `routes`, `outbox`, `links`, `tower`; `checkpoint`
 * for a node's config; `channels`,
 * `open`, `close` for its mesh channels: gateway-control-channels.ts;
 * `wallet` for their wallet, with `fundChannels`: gateway-control-wallet.ts)
 * and, on regtest,
 * `mine`, `reorg` and `faucet` (gateway-control-regtest.ts); with a
 * `lightning:` section, the `ln...` verbs (gateway-control-lightning.ts).
 */
import type { ControlHandlers } from '../../node/control/control-api.js';
import type { GatewayControlApi } from '../../node/control/gateway-api.js';
import { bytesToHex } from '../../node/core/hex.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';
import { type LinkViews, linkViews } from '../../node/daemon/link-views.js';
import { memoryFigures } from '../../node/daemon/memory-figures.js';
import { regtestHandlers } from './gateway-control-regtest.js';
import { lightningHandlers } from './gateway-control-lightning.js';
import { walletHandlers } from './gateway-control-wallet.js';
import { channelHandlers } from './gateway-control-channels.js';
import type { GatewayDaemonParts } from './gateway-daemon-parts.js';

type Result<M extends keyof GatewayControlApi> = GatewayControlApi[M]['result'];

export function gatewayControlHandlers(parts: GatewayDaemonParts): ControlHandlers<GatewayControlApi> {
  const { gateway, appointments, mailbox } = parts;
  const views = linkViews(gateway.links, parts.config);
  return {
    status: () => gatewayStatus(parts, views),
    peers: () => views.peers().map((peer) => ({ ...peer, mailbox: mailbox.held(peer.nodeId).messages, appointments: appointments.usage(peer.nodeId).appointments })),
    routes: () => views.routes(),
    outbox: () => waitingMessages(parts, views),
    links: () => views.counters(),
    checkpoint: (params) => checkpointOf(parts, params.depth),
    tower: () => ({
      watching: gateway.towerWatching,
      appointments: appointments.count(),
      storageBytes: appointments.storageBytes(),
      byNode: views.peers().map((peer) => ({ nodeId: peer.nodeId, name: peer.name, ...appointments.usage(peer.nodeId) })),
      responses: parts.responses.all().map((record) => ({
        breachTxid: record.breachTxid,
        nodeId: record.nodeId,
        state: record.state,
        justiceTxid: record.justiceTxid,
        confirmations: record.confirmations,
        alerted: record.alerted,
        ...(record.reason !== undefined && { reason: record.reason }),
      })),
    }),
    ...channelHandlers(parts, views),
    ...walletHandlers(parts),
    ...regtestHandlers(parts),
    ...lightningHandlers(parts),
  };
}

async function gatewayStatus(parts: GatewayDaemonParts, views: LinkViews): Promise<Result<'status'>> {
  const { config, chain, appointments, responses, mailbox, clock } = parts;
  const tip = await chain.tip();
  const neighbours = views.peers();
  return {
    daemon: 'gateway',
    nodeId: parts.nodeId,
    network: config.network,
    uptimeSeconds: Math.round((clock.now() - parts.startedAt) / 1000),
    chainBackend: config.chain.backend,
    chainHeight: tip.height,
    neighboursUp: neighbours.filter((peer) => peer.up).length,
    neighbours: neighbours.length,
    appointments: appointments.count(),
    responsesActive: responses.active().length,
    nodesWithMail: mailbox.nodesWithMail().length,
    ...channelCounts(parts),
    walletSatoshis: parts.channelWallet.balance(),
    ...memoryFigures(),
    dataDir: config.dataDir,
  };
}

/** The deepest checkpoint asked: a day of blocks (a node then fetches the headers since over its link). */
export const MAX_CHECKPOINT_DEPTH = 144;
/** The default: six blocks below the tip, past any reorg a node should expect. */
export const DEFAULT_CHECKPOINT_DEPTH = 6;

async function checkpointOf(parts: GatewayDaemonParts, depthParam: unknown): Promise<Result<'checkpoint'>> {
  const depth = checkInteger('depth', depthParam ?? DEFAULT_CHECKPOINT_DEPTH, 0, MAX_CHECKPOINT_DEPTH);
  const tip = await parts.chain.tip();
  if (depth > tip.height) throw new InvalidInputError('depth', `the chain has only ${tip.height} blocks above genesis`);
  const height = tip.height - depth;
  const header = await parts.chain.headerAt(height);
  if (!header) throw new InvalidInputError('depth', `the chain has no header at height ${height} (a reorg under way?): try again`);
  return { height, header: bytesToHex(header) };
}

/** What waits for each neighbour on its link or in the mailbox, then the mailbox's nodes beyond the neighbours. */
function waitingMessages(parts: GatewayDaemonParts, views: LinkViews): Result<'outbox'> {
  const { mailbox } = parts;
  const waiting = views
    .peers()
    .map((peer) => ({ peer: peer.nodeId, name: peer.name, up: peer.up, messages: peer.outbox, mailbox: mailbox.held(peer.nodeId).messages }))
    .filter((entry) => entry.messages > 0 || entry.mailbox > 0);
  const beyond = mailbox
    .nodesWithMail()
    .filter((node) => !waiting.some((entry) => entry.peer === node))
    .map((node) => ({ peer: node, name: views.nameOf(node), up: false, messages: 0, mailbox: mailbox.held(node).messages }));
  return [...waiting, ...beyond];
}

/** The mesh channels in the status: how many are open and pending, and the gateway's side of the open ones. */
function channelCounts(parts: GatewayDaemonParts): Pick<Result<'status'>, 'channelsOpen' | 'channelsPending' | 'balanceMsat'> {
  const channels = parts.gateway.manager?.channelSummaries() ?? [];
  const open = channels.filter((channel) => channel.status === 'open');
  return {
    channelsOpen: open.length,
    channelsPending: channels.filter((channel) => channel.status === 'negotiating' || channel.status === 'awaiting_funding').length,
    balanceMsat: open.reduce((sum, channel) => sum + channel.localMsat, 0),
  };
}
