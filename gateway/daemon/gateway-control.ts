/**
 * What the gateway daemon answers on its control socket: the verbs it
 * shares with the node (`status`, `peers`, `routes`, `outbox`, `tower`) and,
 * on regtest, `mine`, `reorg` and `faucet`.
 */
import type { ControlHandler } from '../../node/control/control-server.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';
import { linkViews } from '../../node/daemon/link-views.js';
import { memoryFigures } from '../../node/daemon/memory-figures.js';
import { addressToScript } from '../../node/wallet/address.js';
import type { GatewayDaemonParts } from './gateway-daemon.js';

/** The most blocks one `mine` call makes: the answer stays well within the CLI's 30 s wait; call again for more. */
export const MAX_BLOCKS_PER_MINE = 1000;
/** The deepest `reorg`: a day of blocks, far deeper than any test of a node's reorg handling needs. */
export const MAX_REORG_DEPTH = 144;

export function gatewayControlHandlers(parts: GatewayDaemonParts): Record<string, ControlHandler> {
  const { gateway, config, chain, appointments, responses, mailbox, clock } = parts;
  const views = linkViews(gateway.links, config);

  const regtest = () => {
    if (!parts.regtest) throw new InvalidInputError('network', 'only a regtest gateway with the embedded chain mines and has a faucet');
    return parts.regtest;
  };

  return {
    status: async () => {
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
        ...memoryFigures(),
        dataDir: config.dataDir,
      };
    },

    peers: () => views.peers().map((peer) => ({ ...peer, mailbox: mailbox.held(peer.nodeId).messages, appointments: appointments.usage(peer.nodeId).appointments })),

    routes: () => views.routes(),

    outbox: () => {
      const waiting = views
        .peers()
        .map((peer) => ({ peer: peer.nodeId, name: peer.name, up: peer.up, messages: peer.outbox, mailbox: mailbox.held(peer.nodeId).messages }))
        .filter((entry) => entry.messages > 0 || entry.mailbox > 0);
      const beyond = mailbox
        .nodesWithMail()
        .filter((node) => !waiting.some((entry) => entry.peer === node))
        .map((node) => ({ peer: node, name: views.nameOf(node), up: false, messages: 0, mailbox: mailbox.held(node).messages }));
      return [...waiting, ...beyond];
    },

    links: () => views.counters(),

    tower: () => ({
      watching: gateway.towerWatching,
      appointments: appointments.count(),
      storageBytes: appointments.storageBytes(),
      byNode: views.peers().map((peer) => ({ nodeId: peer.nodeId, name: peer.name, ...appointments.usage(peer.nodeId) })),
      responses: responses.all().map((record) => ({
        breachTxid: record.breachTxid,
        nodeId: record.nodeId,
        state: record.state,
        justiceTxid: record.justiceTxid,
        confirmations: record.confirmations,
        alerted: record.alerted,
        ...(record.reason !== undefined && { reason: record.reason }),
      })),
    }),

    mine: async (params) => {
      const blocks = checkInteger('blocks', params.blocks ?? 1, 1, MAX_BLOCKS_PER_MINE);
      const hashes = await regtest().chain.mine(blocks);
      const tip = await chain.tip();
      parts.logger.info({ blocks, height: tip.height }, 'mined');
      return { blocks: hashes.length, height: tip.height };
    },

    /** Replaces the last `depth` blocks with a longer branch of empty blocks; their transactions go back to the mempool. */
    reorg: async (params) => {
      const depth = checkInteger('depth', params.depth, 1, MAX_REORG_DEPTH);
      const { chain: regtestChain } = regtest();
      const before = await chain.tip();
      if (depth >= before.height) throw new InvalidInputError('depth', `the chain has only ${before.height} blocks above genesis`);
      const hashes = await regtestChain.reorg(depth);
      const tip = await chain.tip();
      parts.logger.info({ depth, from: before.height, height: tip.height }, 'reorganized');
      return { depth, blocks: hashes.length, height: tip.height, forkHeight: before.height - depth };
    },

    faucet: async (params) => {
      const { faucet } = regtest();
      if (typeof params.address !== 'string') throw new InvalidInputError('address', 'expected a regtest address (bcrt1...)');
      const script = addressToScript(params.address, 'regtest');
      const satoshis = checkInteger('satoshis', params.satoshis, 1_000, 1_000_000_000);
      const { txid } = await faucet.send(script, satoshis);
      parts.logger.info({ txid, satoshis }, 'faucet paid');
      return { txid, satoshis, address: params.address };
    },
  };
}
