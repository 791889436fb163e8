/**
 * `lnmesh ln info|address|connect|channels|payments`: looking at the
 * gateway's Lightning node and reaching its peers. The verbs that move
 * money are in ln-money-verbs.ts.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { LnChannelShape, LnPaymentShape } from '../../node/control/gateway-api.js';
import { nodeIdArgument } from '../../node/cli/verbs/arguments.js';
import type { DaemonOptions } from '../../node/cli/verbs/daemon-socket.js';
import { daemonVerb, show } from '../../node/cli/verbs/daemon-verb.js';
import { short } from '../../node/cli/verbs/ids.js';
import { formatKeyValues, formatTable } from '../../node/cli/verbs/table.js';
import { askGateway, lnCommand } from './ln-socket.js';
import { registerLnMoneyVerbs } from './ln-money-verbs.js';

export function registerLnVerbs(program: Command): void {
  const ln = lnCommand(program);
  registerInfo(ln);
  registerAddress(ln);
  registerConnect(ln);
  registerChannels(ln);
  registerLnMoneyVerbs(ln);
  registerPayments(ln);
}

const sat = (msat: number) => Math.floor(msat / 1000);

function registerInfo(ln: Command): void {
  daemonVerb(ln, 'info', 'node id, listen address, block height, channels, peers, graph size, wallet balance')
    .description("The gateway's Lightning node: its id and where it listens (what peers need to connect: ID@HOST:PORT), the block it has seen, its channels and peers, how many channels and nodes gossip told it of, what it can send and receive, and its on-chain wallet's balance.")
    .action(async (options: DaemonOptions) => {
      show(options, await askGateway(options, 'lnInfo', {}), (info) =>
        formatKeyValues({
          'node id': info.nodeId,
          listen: `${info.nodeId}@${info.listen}`,
          network: info.network,
          'block height': info.blockHeight,
          channels: `${info.channels} (${info.channelsUsable} usable)`,
          peers: info.peers,
          graph: `${info.graph.channels} channels, ${info.graph.nodes} nodes`,
          'can send sat': sat(info.outboundMsat),
          'can receive sat': sat(info.inboundMsat),
          'wallet sat': info.wallet.unconfirmedSat > 0 ? `${info.wallet.confirmedSat} (+${info.wallet.unconfirmedSat} unconfirmed)` : info.wallet.confirmedSat,
        }),
      );
    });
}

function registerAddress(ln: Command): void {
  daemonVerb(ln, 'address', "a new receive address of the gateway's on-chain wallet")
    .description("A new receive address of the gateway's on-chain wallet, which funds the channels lnmesh ln open opens (on regtest: lnmesh faucet ADDRESS SATOSHIS, then lnmesh mine). Coins count once confirmed.")
    .action(async (options: DaemonOptions) => {
      show(options, await askGateway(options, 'lnAddress', {}), (result) => result.address);
    });
}

/** `ID@HOST:PORT`, as Lightning nodes print their address (an IPv6 host in brackets). */
export function peerAddressArgument(value: string): { nodeId: string; host: string; port: number } {
  const match = /^([^@\s]+)@(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected NODE_ID@HOST:PORT, e.g. 02ab...@127.0.0.1:9735');
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw new InvalidArgumentError(`port ${port} is outside 1 to 65535`);
  return { nodeId: nodeIdArgument(match[1]!), host: match[2]!.replace(/^\[|\]$/g, ''), port };
}

function registerConnect(ln: Command): void {
  daemonVerb(ln, 'connect', 'connect to a Lightning node: ID@HOST:PORT')
    .description('Connects to a Lightning node over TCP (BOLT 8) and waits until its handshake is done, so that lnmesh ln open can follow.')
    .argument('<peer>', "the node's NODE_ID@HOST:PORT", peerAddressArgument)
    .action(async (peer: { nodeId: string; host: string; port: number }, options: DaemonOptions) => {
      show(options, await askGateway(options, 'lnConnect', peer), (result) => `connected to ${result.nodeId} at ${result.address}`);
    });
}

const CHANNEL_COLUMNS = [
  { key: 'channelId', header: 'CHANNEL ID' },
  { key: 'peer', header: 'PEER' },
  { key: 'state', header: 'STATE' },
  { key: 'capacitySat', header: 'CAPACITY SAT' },
  { key: 'canSend', header: 'CAN SEND SAT' },
  { key: 'canReceive', header: 'CAN RECEIVE SAT' },
  { key: 'confirmations', header: 'CONF' },
];

/** usable (payments go through), ready (the peer is away), or waiting for the funding's confirmations. */
function channelState(channel: LnChannelShape): string {
  if (channel.usable) return 'usable';
  if (channel.ready) return 'ready, peer away';
  return 'confirming';
}

function registerChannels(ln: Command): void {
  daemonVerb(ln, 'channels', "the Lightning node's channels: state, capacity, what each can send and receive")
    .description("The Lightning node's channels. STATE: confirming (the funding waits for its confirmations), usable (payments go through it), or ready, peer away. The full channel id is what lnmesh ln close takes.")
    .action(async (options: DaemonOptions) => {
      show(options, await askGateway(options, 'lnChannels', {}), (rows) =>
        formatTable(
          rows.map((row) => ({ ...row, peer: short(row.peerNodeId), state: channelState(row), canSend: sat(row.outboundCapacityMsat), canReceive: sat(row.inboundCapacityMsat) })),
          CHANNEL_COLUMNS,
        ),
      );
    });
}

const PAYMENT_COLUMNS = [
  { key: 'direction', header: 'DIRECTION' },
  { key: 'state', header: 'STATE' },
  { key: 'amountSat', header: 'AMOUNT SAT' },
  { key: 'feeMsat', header: 'FEE MSAT' },
  { key: 'paymentHash', header: 'PAYMENT HASH' },
  { key: 'note', header: 'NOTE' },
];

function registerPayments(ln: Command): void {
  daemonVerb(ln, 'payments', 'the payments sent and the invoices issued, and how each ended')
    .description('The payments the Lightning node sent (pending, sent or failed, with the fee paid) and the invoices lnmesh ln invoice issued (unpaid, received or expired).')
    .action(async (options: DaemonOptions) => {
      show(options, await askGateway(options, 'lnPayments', {}), (rows: LnPaymentShape[]) =>
        formatTable(
          rows.map((row) => ({ ...row, amountSat: row.amountMsat / 1000, note: row.reason ?? (row.description || undefined) })),
          PAYMENT_COLUMNS,
        ),
      );
    });
}
