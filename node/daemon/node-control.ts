/**
 * What the node daemon answers on its control socket: one handler per CLI
 * verb (`lnmesh status`, `lnmesh pay ...`). Handlers check their params and
 * throw `InvalidInputError` naming the one at fault; they return plain JSON
 * (amounts in msat or sat as named, ids in hex).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { paymentRequestFromText, paymentRequestToText } from '../channel/payment-request.js';
import type { ControlHandler } from '../control/control-server.js';
import { MAX_FUNDING_SATOSHIS, MIN_FUNDING_SATOSHIS } from '../core/bolt-limits.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { nodeIdProblem } from '../keys/node-id.js';
import { scriptToAddress } from '../wallet/address.js';
import { DecodeError } from '../core/cbor.js';
import { linkViews } from './link-views.js';
import { memoryFigures } from './memory-figures.js';
import type { NodeDaemonParts } from './node-daemon.js';

export function nodeControlHandlers(parts: NodeDaemonParts): Record<string, ControlHandler> {
  const { node, config, wallet, payments, persister, clock } = parts;
  const manager = node.manager;
  const views = linkViews(node.links, config);

  const channelList = () => manager.channelSummaries().map((channel) => ({ ...channel, peerName: views.nameOf(channel.peer) }));

  return {
    status: () => {
      const channels = channelList();
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
        appointmentsQueued: manager.pendingAppointments().length,
        ...memoryFigures(),
        dataDir: config.dataDir,
      };
    },

    peers: () => views.peers().map((peer) => ({ ...peer, isGateway: peer.nodeId === config.gateway?.nodeId })),

    channels: () => channelList(),

    open: (params) => {
      const peer = nodeIdParam(params, 'peer');
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
      const peer = nodeIdParam(params, 'peer');
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

    invoice: (params) => {
      const amountMsat = checkInteger('amountMsat', params.amountMsat, 1, 16_777_215_000);
      // The payment's expiry counts from the chain's height: with no chain view yet it would be long past.
      const height = node.uplink?.chainHeight ?? 0;
      if (height === 0) throw new InvalidInputError('amountMsat', 'this node does not follow the chain yet (no gateway configured, or no headers from it so far): an invoice needs the height');
      const request = manager.receive(amountMsat, height);
      payments.receiving(request);
      return { paymentRequest: paymentRequestToText(request), paymentHash: bytesToHex(request.paymentHash), amountMsat };
    },

    pay: (params) => {
      if (typeof params.request !== 'string') throw new InvalidInputError('request', 'expected a payment request (lnm1...)');
      let request;
      try {
        request = paymentRequestFromText(params.request);
      } catch (error) {
        throw new InvalidInputError('request', requestProblem(error));
      }
      const paymentHash = bytesToHex(request.paymentHash);
      const known = payments.get(paymentHash);
      if (known && known.direction === 'sent' && known.status !== 'failed') throw new InvalidInputError('request', `already paid or being paid (${known.status}): see lnmesh payments`);
      if (bytesToHex(request.payee) === parts.nodeId) throw new InvalidInputError('request', 'this is a request of this node itself');
      payments.sending(request);
      try {
        manager.payRequest(request);
      } catch (error) {
        payments.refused(request.paymentHash, (error as Error).message);
        throw error;
      }
      return { paymentHash, amountMsat: request.amountMsat, payee: bytesToHex(request.payee) };
    },

    payment: (params) => {
      const hash = typeof params.paymentHash === 'string' ? params.paymentHash.toLowerCase() : '';
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new InvalidInputError('paymentHash', 'expected 64 hex characters');
      const payment = payments.get(hash);
      if (!payment) throw new InvalidInputError('paymentHash', 'no such payment on this node');
      return payment;
    },

    /** Newest first: `limit` (default 50) keeps the answer within the control socket's line limit. */
    payments: (params) => payments.list(params.limit === undefined ? 50 : checkInteger('limit', params.limit, 1, 150)),

    routes: () => views.routes(),

    outbox: () => views.peers().flatMap((peer) => (peer.outbox > 0 ? [{ peer: peer.nodeId, name: peer.name, up: peer.up, messages: peer.outbox }] : [])),

    /** The links' counters: frames, retransmissions, handshakes, and frames dropped by reason. */
    links: () => views.counters(),

    tower: () => ({
      gateway: config.gateway?.nodeId ?? null,
      appointmentsQueued: manager.pendingAppointments().length,
      channelsWatched: manager.channelsForTower().length,
    }),

    wallet: () => ({
      address: scriptToAddress(wallet.script, config.network),
      satoshis: wallet.balance(),
      coins: wallet.coins(),
      depositsWaiting: [...persister.getAll('walletDeposit').keys()],
    }),

    deposit: (params) => {
      const txid = typeof params.txid === 'string' ? params.txid.toLowerCase() : '';
      if (!/^[0-9a-f]{64}$/.test(txid)) throw new InvalidInputError('txid', 'expected a transaction id: 64 hex characters');
      if (!node.uplink) throw new InvalidInputError('txid', 'this node has no gateway configured to prove the deposit');
      parts.expectDeposit(txid);
      return { txid, address: scriptToAddress(wallet.script, config.network) };
    },
  };
}

function nodeIdParam(params: Record<string, unknown>, field: string): string {
  const value = params[field];
  const problem = nodeIdProblem(value);
  if (problem) throw new InvalidInputError(field, problem);
  return (value as string).toLowerCase();
}

/** Why a payment request does not decode, without its own field name (`paymentRequest: `) after `request: `. */
function requestProblem(error: unknown): string {
  if (!(error instanceof DecodeError)) return (error as Error).message;
  const part = error.field.replace(/^paymentRequest\.?/, '');
  return part ? `${part}: ${error.reason}` : error.reason;
}
