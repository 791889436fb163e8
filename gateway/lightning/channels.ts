/**
 * The node's channels as plain objects of ours, and closing one by its id.
 */
import { bytesToHex } from '../../node/core/hex.js';
import { checkHex } from '../../node/core/input.js';
import type { ChannelDetails, ChannelManager } from 'lightningdevkit';
import type { Ldk } from './ldk.js';
import { LightningError } from './lightning-errors.js';
import { apiErrorText } from './channel-funding.js';

export interface ChannelSummary {
  /** Hex; the final id once funded (the temporary one before). */
  readonly channelId: string;
  readonly peerNodeId: string;
  readonly capacitySat: number;
  /** What we can send now (our balance less reserve and in-flight HTLCs). */
  readonly outboundCapacityMsat: number;
  /** What we can receive now. */
  readonly inboundCapacityMsat: number;
  /** Ready and the peer connected: payments can go through it. */
  readonly usable: boolean;
  /** Both sides sent `channel_ready` (the funding is deep enough). */
  readonly ready: boolean;
  /** The funding transaction's depth; 0 while unconfirmed. */
  readonly confirmations: number;
  readonly isOutbound: boolean;
  /** Announced to the network (BOLT 7): a routing node's channel; a leaf's are not. */
  readonly announced: boolean;
  /** The funding outpoint, `txid:vout`, once funded. */
  readonly fundingOutpoint: string | undefined;
}

export function channelSummary(ldk: Ldk, channel: ChannelDetails): ChannelSummary {
  const confirmations = channel.get_confirmations();
  const funding = channel.get_funding_txo();
  return {
    channelId: bytesToHex(channel.get_channel_id().get_a()),
    peerNodeId: bytesToHex(channel.get_counterparty().get_node_id()),
    capacitySat: Number(channel.get_channel_value_satoshis()),
    outboundCapacityMsat: Number(channel.get_outbound_capacity_msat()),
    inboundCapacityMsat: Number(channel.get_inbound_capacity_msat()),
    // The bindings hand booleans back as 0 or 1.
    usable: Boolean(channel.get_is_usable()),
    ready: Boolean(channel.get_is_channel_ready()),
    confirmations: confirmations instanceof ldk.Option_u32Z_Some ? confirmations.some : 0,
    isOutbound: Boolean(channel.get_is_outbound()),
    announced: Boolean(channel.get_is_announced()),
    fundingOutpoint: funding ? `${bytesToHex(funding.get_txid().slice().reverse())}:${funding.get_index()}` : undefined,
  };
}

/**
 * Closes a channel: cooperatively (both sign a closing transaction; the
 * peer must be connected), or by force (our latest commitment is broadcast;
 * our funds come back after the channel's delay).
 */
export function closeChannel(ldk: Ldk, channelManager: ChannelManager, channelId: string, force: boolean): void {
  const id = bytesToHex(checkHex('channelId', channelId, 32));
  const channel = channelManager.list_channels().find((c) => bytesToHex(c.get_channel_id().get_a()) === id);
  if (!channel) throw new LightningError('unknown-channel', `no open channel ${id}`);
  const peer = channel.get_counterparty().get_node_id();
  const result = force
    ? channelManager.force_close_broadcasting_latest_txn(channel.get_channel_id(), peer, 'closed by the operator')
    : channelManager.close_channel(channel.get_channel_id(), peer);
  if (result instanceof ldk.Result_NoneAPIErrorZ_Err) throw new LightningError('channel-refused', `cannot close ${id}: ${apiErrorText(result.err)}`);
}
