/**
 * The gateway's control handlers for its mesh channels, as a node answers
 * them (node/daemon/node-control-channels.ts): list, open and close. A
 * channel the gateway opens to a node is funded from its mesh channels'
 * wallet (gateway-control-wallet.ts): the node's inbound liquidity, as an
 * LSP's channel to its client.
 */
import type { ControlHandlers } from '../../node/control/control-api.js';
import { ControlError } from '../../node/control/control-protocol.js';
import type { GatewayControlApi } from '../../node/control/gateway-api.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';
import { MAX_FUNDING_SATOSHIS, MIN_FUNDING_SATOSHIS } from '../../node/core/bolt-limits.js';
import type { LinkViews } from '../../node/daemon/link-views.js';
import { nodeIdProblem } from '../../node/keys/node-id.js';
import type { GatewayDaemonParts } from './gateway-daemon-parts.js';
import { FUND_VERB } from './gateway-control-wallet.js';

type ChannelHandlers = Pick<ControlHandlers<GatewayControlApi>, 'channels' | 'open' | 'close'>;

export function channelHandlers(parts: GatewayDaemonParts, views: LinkViews): ChannelHandlers {
  const { gateway, channelWallet } = parts;
  const manager = () => {
    if (!gateway.manager) throw new ControlError('no_channels', 'this gateway holds no mesh channels');
    return gateway.manager;
  };
  return {
    channels: () => (gateway.manager?.channelSummaries() ?? []).map((channel) => ({ ...channel, peerName: views.nameOf(channel.peer) })),

    open: (params) => {
      const peer = nodeIdParam(params.peer);
      if (!views.isNeighbour(peer)) throw new InvalidInputError('peer', `${peer} is not a neighbour of this gateway: a channel must be with a node listed under links: in the config (lnmesh peers shows them)`);
      const satoshis = checkInteger('satoshis', params.satoshis, MIN_FUNDING_SATOSHIS, MAX_FUNDING_SATOSHIS);
      const pushMsat = params.pushMsat === undefined ? 0 : checkInteger('pushMsat', params.pushMsat, 0, satoshis * 1000);
      if (!channelWallet.canFund(satoshis)) {
        throw new InvalidInputError('satoshis', `the mesh channels' wallet holds ${channelWallet.balance()} sat, not enough for a channel of ${satoshis} sat and its fee (add coins from the on-chain wallet: ${FUND_VERB})`);
      }
      const handle = manager().openChannel(peer, satoshis, pushMsat);
      parts.logger.info({ peer, handle, satoshis, pushMsat }, 'channel requested');
      return { peer, handle };
    },

    close: (params) => {
      const peer = nodeIdParam(params.peer);
      const handle = checkInteger('handle', params.handle, 0, 0xffffffff);
      const channel = manager()
        .channelSummaries()
        .find((entry) => entry.peer === peer && entry.handle === handle);
      if (!channel) throw new InvalidInputError('handle', `no channel ${handle} with ${peer} (see lnmesh channels)`);
      if (channel.status === 'negotiating' || channel.status === 'closed' || channel.status === 'force_closed') throw new InvalidInputError('handle', `channel ${handle} is ${channel.status}: nothing to close`);
      // The gateway broadcasts through its own chain backend: a force close needs no one else.
      if (params.force === true) {
        manager().forceClose(peer, handle);
        return { peer, handle, closing: 'force' as const };
      }
      manager().close(peer, handle);
      return { peer, handle, closing: 'cooperative' as const };
    },
  };
}

function nodeIdParam(value: unknown): string {
  const problem = nodeIdProblem(value);
  if (problem || typeof value !== 'string') throw new InvalidInputError('peer', problem ?? 'expected a node id');
  return value.toLowerCase();
}
