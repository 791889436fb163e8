/**
 * A channel for people and tools (`lnmesh channels`): where it stands and
 * what it holds, from an opening still negotiated to a close on chain.
 */
import { type OnchainSummary, onchainSummary } from '../monitor/channel-monitor.js';
import type { ChannelEntry } from './channel-entry.js';
import type { Opening } from './opening.js';

export interface ChannelSummary {
  readonly peer: string;
  readonly handle: number;
  /** negotiating, then awaiting_funding (confirmations), open, closing (shutdown sent or received), closed, or force_closed (a commitment on chain). */
  readonly status: 'negotiating' | 'awaiting_funding' | 'open' | 'closing' | 'closed' | 'force_closed';
  readonly capacitySatoshis: number;
  readonly localMsat: number;
  readonly remoteMsat: number;
  readonly pendingHtlcs: number;
  readonly localIsFunder: boolean;
  readonly fundingTxid?: string;
  readonly minimumDepth?: number;
  /** Once the funding output is spent: how, and where each of our claims on it stands. */
  readonly onchain?: OnchainSummary;
}

/** An opening still being negotiated: listed too, so that a channel asked for is never invisible. */
export function openingSummary(opening: Opening): ChannelSummary {
  return {
    peer: opening.peer,
    handle: opening.handle,
    status: 'negotiating',
    capacitySatoshis: opening.fundingSatoshis,
    localMsat: opening.localIsFunder ? opening.fundingSatoshis * 1000 - opening.pushMsat : opening.pushMsat,
    remoteMsat: opening.localIsFunder ? opening.pushMsat : opening.fundingSatoshis * 1000 - opening.pushMsat,
    pendingHtlcs: 0,
    localIsFunder: opening.localIsFunder,
    ...(opening.fundingTx && { fundingTxid: opening.fundingTx.getId() }),
  };
}

export function entrySummary(entry: ChannelEntry): ChannelSummary {
  const { state } = entry.channel;
  return {
    peer: entry.peer,
    handle: entry.handle,
    status: statusOf(entry),
    capacitySatoshis: state.fundingSatoshis,
    ...entry.channel.balances(),
    localIsFunder: state.localIsFunder,
    fundingTxid: state.fundingOutpoint.txid,
    minimumDepth: entry.minimumDepth,
    ...(entry.onchain && { onchain: onchainSummary(entry.onchain) }),
  };
}

function statusOf(entry: ChannelEntry): ChannelSummary['status'] {
  if (entry.onchain && entry.onchain.kind !== 'cooperative') return 'force_closed';
  if (entry.shutdown?.closed) return 'closed';
  if (entry.shutdown) return 'closing';
  return entry.readySent && entry.readyReceived ? 'open' : 'awaiting_funding';
}
