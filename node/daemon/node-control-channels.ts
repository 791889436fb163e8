/** The node's control handlers for its channels: list, open, close. */
import type { ControlHandlers } from '../control/control-api.js';
import type { NodeControlApi } from '../control/node-api.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { nodeIdProblem } from '../keys/node-id.js';
import type { LinkViews } from './link-views.js';
import type { NodeDaemonParts } from './node-daemon-parts.js';
import { MAX_FUNDING_SATOSHIS, MIN_FUNDING_SATOSHIS } from '../core/bolt-limits.js';

type ChannelHandlers = Pick<ControlHandlers<NodeControlApi>, 'channels' | 'open' | 'close'>;

export function channelHandlers(parts: NodeDaemonParts, views: LinkViews): ChannelHandlers {
  const { node, wallet } = parts;
  const manager = node.manager;
  return {
    channels: () => manager.channelSummaries().map((channel) => ({ ...channel, peerName: views.nameOf(channel.peer) })),

    open: (params) => {
      const peer = nodeIdParam(params.peer, 'peer');
      // Payments go over a channel with the payee or with the next hop the route table names: both are neighbours.
      if (!views.isNeighbour(peer)) throw new InvalidInputError('peer', `${peer} is not a neighbour of this node: a channel must be with a neighbour listed under links: in the config (lnmesh peers shows them)`);
      const satoshis = checkInteger('satoshis', params.satoshis, MIN_FUNDING_SATOSHIS, MAX_FUNDING_SATOSHIS);
      const pushMsat = params.pushMsat === undefined ? 0 : checkInteger('pushMsat', params.pushMsat, 0, satoshis * 1000);
      if (!node.uplink) throw new InvalidInputError('peer', 'this node has no gateway configured: a channel needs one to fund it and to watch over it');
      if (!wallet.canFund(satoshis)) throw new InvalidInputError('satoshis', `the wallet holds ${wallet.balance()} sat, not enough for a channel of ${satoshis} sat and its fee (deposit first: lnmesh wallet, lnmesh deposit)`);
      const handle = manager.openChannel(peer, satoshis, pushMsat);
      parts.logger.info({ peer, handle, satoshis }, 'channel requested');
      return { peer, handle };
    },

    close: (params) => {
      const peer = nodeIdParam(params.peer, 'peer');
      const handle = checkInteger('handle', params.handle, 0, 0xffffffff);
      const channel = manager.channelSummaries().find((entry) => entry.peer === peer && entry.handle === handle);
      if (!channel) throw new InvalidInputError('handle', `no channel ${handle} with ${peer} (see lnmesh channels)`);
      if (channel.status === 'negotiating' || channel.status === 'closed' || channel.status === 'force_closed') throw new InvalidInputError('handle', `channel ${handle} is ${channel.status}: nothing to close`);
      if (params.force === true) {
        // Without a gateway the commitment would reach no one, and the channel would be marked closed for good.
        if (!node.uplink) throw new InvalidInputError('force', 'this node has no gateway configured to broadcast its commitment');
        manager.forceClose(peer, handle);
        return { peer, handle, closing: 'force' };
      }
      manager.close(peer, handle);
      return { peer, handle, closing: 'cooperative' };
    },
  };
}

function nodeIdParam(value: unknown, field: string): string {
  const problem = nodeIdProblem(value);
  if (problem || typeof value !== 'string') throw new InvalidInputError(field, problem ?? 'expected a node id');
  return value.toLowerCase();
}
