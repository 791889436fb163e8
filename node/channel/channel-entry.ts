/**
 * The manager's entry for one channel: the channel's state machine, and
 * what the manager keeps beside it (peer and handle, the last messages
 * sent, forwarded HTLCs, the close, and the chain monitor's resolution once
 * on chain). Saved as a `ChannelRecord`: the state as it is, the rest as
 * its `meta`. The justice for revoked commitments is the chain monitor's,
 * in records of its own.
 */
import type { ChannelMeta, ChannelRecord, OnchainResolution } from '../persist/persister.js';
import type { ChannelUpdate } from '../wire/messages.js';
import type { Channel } from './channel.js';
import type { ClosingNegotiation } from './cooperative-close.js';
import type { Opening } from './opening.js';
import type { PeerFees } from './fee-quotes.js';

/** The incoming HTLC a forwarded one pays for, and the fee we keep when it is fulfilled. */
export interface ForwardLink {
  readonly peer: string;
  readonly handle: number;
  readonly id: number;
  readonly feeMsat?: number;
}

export interface ChannelEntry {
  readonly peer: string;
  readonly handle: number;
  readonly channelIndex: number;
  readonly channel: Channel;
  /** The last update messages sent on this channel, sent again on `resume` (duplicates are ignored by sequence). */
  outbox: ChannelUpdate[];
  /** HTLCs we offered here to forward a payment, by id: the incoming HTLC each pays for. Saved with the channel. */
  forwards: Map<number, ForwardLink>;
  /** What the peer last told us of its fees (`fee_update`). Saved with the channel. */
  peerFees?: PeerFees;
  /** What our last `fee_update` here said (`feeUpdateKey`): sent again only when it changes. Saved with the channel. */
  feesSent?: string;
  /** After a unilateral close: what is on chain, and our claims. */
  onchain?: OnchainResolution;
  /** Cooperative close, once either side has sent shutdown. */
  shutdown?: ClosingNegotiation;
  readySent: boolean;
  readyReceived: boolean;
  minimumDepth: number;
  /** The height of the block that confirmed the funding transaction, once the chain said so. */
  fundingHeight?: number;
  /** A reorg took the funding transaction out of the chain after the channel was open: it is closed unless the new branch confirms it again. */
  fundingReorged?: boolean;
}

/** The entry of a channel just funded and signed by both. */
export function newEntry(opening: Opening, channel: Channel): ChannelEntry {
  return {
    peer: opening.peer,
    handle: opening.handle,
    channelIndex: opening.channelIndex,
    channel,
    outbox: [],
    forwards: new Map(),
    readySent: false,
    readyReceived: false,
    minimumDepth: opening.minimumDepth,
  };
}

/** The entry as it was saved (the chain monitor takes the justice and breaches saved with it). */
export function entryFromRecord(meta: ChannelMeta, record: ChannelRecord, channel: Channel): ChannelEntry {
  return {
    peer: meta.peer,
    handle: meta.handle,
    channelIndex: meta.channelIndex,
    channel,
    outbox: [...record.outbox],
    forwards: new Map((meta.forwards ?? []).map(({ outgoingId, peer, handle, id, feeMsat }) => [outgoingId, { peer, handle, id, ...(feeMsat !== undefined && { feeMsat }) }])),
    ...(meta.peerFees && { peerFees: meta.peerFees }),
    ...(meta.feesSent !== undefined && { feesSent: meta.feesSent }),
    ...(meta.onchain && { onchain: structuredClone(meta.onchain) }),
    readySent: meta.readySent,
    readyReceived: meta.readyReceived,
    minimumDepth: meta.minimumDepth,
    ...(meta.fundingHeight !== undefined && { fundingHeight: meta.fundingHeight }),
    ...(meta.fundingReorged && { fundingReorged: true }),
    ...(meta.shutdown && { shutdown: { ...meta.shutdown } }),
  };
}

/** What to save of an entry; `breaches`: revoked commitments of this channel seen on chain (raw). */
export function recordOfEntry(entry: ChannelEntry, breaches: Uint8Array[]): ChannelRecord {
  const { peer, handle, channelIndex, minimumDepth, readySent, readyReceived, shutdown, fundingHeight, fundingReorged, peerFees, feesSent } = entry;
  const forwards = [...entry.forwards].map(([outgoingId, incoming]) => ({ outgoingId, ...incoming }));
  const meta = {
    peer,
    handle,
    channelIndex,
    minimumDepth,
    readySent,
    readyReceived,
    forwards,
    ...(fundingHeight !== undefined && { fundingHeight }),
    ...(fundingReorged && { fundingReorged }),
    ...(shutdown && { shutdown }),
    ...(peerFees && { peerFees }),
    ...(feesSent !== undefined && { feesSent }),
    ...(entry.onchain && { onchain: entry.onchain }),
    ...(breaches.length > 0 && { breaches }),
  };
  return { meta, state: entry.channel.state, outbox: entry.outbox };
}
