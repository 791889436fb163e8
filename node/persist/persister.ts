/**
 * The `Persister`: where a node keeps what it must not lose.
 *
 * A channel is saved together with the messages it has produced but the
 * peer has not acknowledged (its outbox), in one atomic write that is
 * durable when `saveChannel` returns, or when the `transaction` around it
 * ends (the manager saves every channel a step touches, then sends). The
 * node sends a message only after the save that holds it, so whatever a
 * crash interrupts, the disk holds
 * either the state before or the state after, never a revocation secret
 * sent ahead of the state that made it safe.
 */
import type { ChannelState } from '../commitment/state.js';
import type { ChannelUpdate } from '../wire/messages.js';
import { copySharing } from './plain-data.js';

/** The HTLC a claim takes: `outgoing`, one we offered. */
export interface ClaimedHtlc {
  readonly id: number;
  readonly outgoing: boolean;
  readonly paymentHash: Uint8Array;
}

/** A claim of ours after a close: a signed transaction and when it may be broadcast. */
export interface PendingClaim {
  readonly description: string;
  /** Signed; replaced by the same claim at a higher feerate when it does not confirm (RBF). */
  transaction: Uint8Array;
  /** Versions it replaced, lowest fee first: one of them may still confirm. */
  earlier?: Uint8Array[];
  /** The txid (display order) of the transaction whose output it spends. */
  readonly spends: string;
  readonly notBeforeHeight?: number;
  readonly relativeDelay?: number;
  /** The claim on this one's output; built again for the version of this one that confirms (anchors HTLC transactions: each version has its own txid). */
  then?: PendingClaim;
  /** The HTLC it takes. */
  readonly htlc?: ClaimedHtlc;
  /** The value of the output it spends (absent in stores written before it). */
  readonly satoshis?: number;
  /** The feerate it was signed at (absent in stores written before it): a replacement pays a quarter more. */
  feeratePerKw?: number;
  broadcast?: boolean;
  /** When it was last handed to the broadcaster (a claim that does not confirm goes again). */
  broadcastAt?: number;
  confirmedAt?: number;
  /** Someone else's transaction spent the same output first (their claim with a preimage, a justice): this one is void. */
  conflicted?: boolean;
  /** The height of the block that voided it (undone if that block leaves the chain). */
  conflictedAt?: number;
  /** The versions of it that can no longer confirm were handed back to the wallet (`abandonTransaction`), once past reorgs. */
  abandoned?: boolean;
}

/**
 * How the funding output was spent: our commitment, theirs (current or
 * next), one of theirs they had revoked (a breach), a cooperative close, or
 * something we cannot tell (one of our own revoked commitments, restored
 * from an old backup).
 */
export type CloseKind = 'ours' | 'theirs' | 'revoked' | 'cooperative' | 'unknown';

export interface OnchainResolution {
  readonly commitmentTxid: string;
  readonly ours: boolean;
  /** Absent in stores written before it: read as `ours` or `theirs`. */
  readonly kind?: CloseKind;
  claims: PendingClaim[];
  /** The commitment: theirs as it reached the chain (late claims are built from it; a revoked one: justice is signed again from it), or ours (broadcast again until it confirms). */
  readonly commitment?: Uint8Array;
  /** When our commitment was last handed to the broadcaster. */
  commitmentBroadcastAt?: number;
  /** Our commitment's HTLC transactions are all built (with anchors the wallet pays their fees; until it can, they are tried again each block). */
  htlcClaimsBuilt?: boolean;
  /** Preimages learned after the close (from downstream, for HTLCs we forwarded): claims on chain are built with them. */
  learned?: Uint8Array[];
  /** Confirmation heights of the transactions involved, by txid. */
  confirmed: Record<string, number>;
  /**
   * HTLCs we offered that were pending when the channel closed, until each
   * is resolved (upstream or to the payer): by a preimage seen on chain,
   * or by our timeout confirmed deep enough, or because the commitment on
   * chain does not carry it. `told`: for a payment of ours, its outcome's
   * event has left (it leaves after the save that resolved it: one resolved
   * and not told is told again after a restart).
   */
  outgoing?: { readonly id: number; readonly paymentHash: Uint8Array; readonly amountMsat: number; preimage?: Uint8Array; resolved?: 'fulfilled' | 'failed'; told?: boolean }[];
}

/** What the channel manager knows of a channel besides its state. */
export interface ChannelMeta {
  readonly peer: string;
  readonly handle: number;
  /** Which keys of the seed the channel uses. */
  readonly channelIndex: number;
  readonly minimumDepth: number;
  /** The height of the block that confirmed the funding transaction. */
  readonly fundingHeight?: number;
  /** A reorg took the funding transaction out of the chain after the channel was open. */
  readonly fundingReorged?: boolean;
  readonly readySent: boolean;
  readonly readyReceived: boolean;
  readonly shutdown?: { readonly local?: Uint8Array; readonly remote?: Uint8Array; readonly offeredFee?: number; readonly closed?: boolean };
  /** After a unilateral close: the commitment on chain and our claims on it, with their progress. */
  readonly onchain?: OnchainResolution;
  /** Revoked commitments of the peer seen on chain (raw): their second-stage HTLC transactions are punished too, also after a restart. */
  readonly breaches?: readonly Uint8Array[];
  /** HTLCs we offered on this channel to forward a payment: the incoming HTLC each one pays for. */
  readonly forwards?: readonly { readonly outgoingId: number; readonly peer: string; readonly handle: number; readonly id: number; readonly feeMsat?: number }[];
  /** The peer's last `fee_update`: its fee, and its quotes for destinations beyond it (node/channel/fee-quotes.ts). */
  readonly peerFees?: PeerFees;
  /** What our last `fee_update` on this channel said (`feeUpdateKey`): sent again only when it changes. */
  readonly feesSent?: string;
}

/** A peer's last `fee_update` as saved (node/channel/fee-quotes.ts reads it): its fee, and its quotes by destination (hex). */
export interface PeerFees {
  readonly baseMsat: number;
  readonly proportionalMillionths: number;
  readonly quotes: readonly { readonly destination: string; readonly baseMsat: number; readonly proportionalMillionths: number }[];
  readonly incomplete: boolean;
}

export interface ChannelRecord {
  readonly meta?: ChannelMeta;
  /** Never altered once made: each change of the channel makes a new state sharing the unchanged parts (node/channel/channel.ts's `copyOfState`; MemoryPersister relies on it). */
  readonly state: ChannelState;
  /**
   * The last messages sent on the channel, to send again after a restart
   * (the peer recognises and ignores what it already has, by sequence).
   * Neither the list nor a message is altered once made: a new message
   * makes a new list (MemoryPersister relies on it).
   */
  readonly outbox: readonly ChannelUpdate[];
  /** Stores of format 1 kept the remedies here; they are now `remedy` records, written once each (see `RecordOf`). Still read. */
  readonly remedies?: readonly { readonly breachTxHash: Uint8Array; readonly justice: readonly Uint8Array[] }[];
}

export interface Invoice {
  readonly preimage: Uint8Array;
  readonly amountMsat: number;
  /** HTLCs paying it must not expire before this height. */
  readonly minFinalExpiry: number;
  /**
   * Set for an invoice paid through the gateway's bridge: an HTLC paying it
   * must leave at least half of this many blocks when it comes (it is made
   * long after the invoice), and `minFinalExpiry` does not apply.
   */
  readonly finalExpiryDelta?: number;
  /** Set for a hash left with the gateway: the amount is chosen later, so `amountMsat` is only the least accepted (no BOLT 4 twice-the-amount cap). */
  readonly anyAmount?: boolean;
}

/** The kinds of small records, and what each holds. */
export interface RecordOf {
  invoice: Invoice;
  counter: number;
  /**
   * For one commitment the peer revoked (by its txid, internal order, hex):
   * the channel it belongs to and our justice. One record each, written
   * once, so that a channel's saves do not grow with the number of payments
   * it has made. Stores of before kept the justice signed (`justice`: the
   * whole transaction, then one per output); since, the record keeps it
   * unsigned (`unsigned`, node/monitor/remedy-record.ts) and it is signed
   * when the revoked commitment reaches the chain (node/monitor/remedy.ts).
   */
  remedy: { readonly channel: string; readonly justice?: readonly Uint8Array[]; readonly unsigned?: Uint8Array };
  /** A watchtower appointment waiting for delivery to the gateway, with its channel's tag (absent in stores of before tags) and record (`node/gateway-protocol/tower-channel.ts`; absent before compact appointments). */
  appointment: { readonly locator: Uint8Array; readonly blob: Uint8Array; readonly tag?: Uint8Array; readonly channel?: Uint8Array };
  /** A header of the best chain by height, with the work from the checkpoint to it (hex); see node/chain/header-store.ts. */
  chainHeader: { readonly header: Uint8Array; readonly work: string };
  /** The height of a best-chain header, by its hash (display hex): the index of `chainHeader`. */
  chainHeight: number;
  /** The tip of the best header chain. */
  chainTip: { readonly height: number; readonly hash: string };
  /** A coin of the on-chain wallet (by `txid:vout`): a P2WPKH output of its key. */
  walletCoin: WalletCoinRecord;
  /** A transaction said to pay the wallet (by txid), waiting for its proof from the gateway. */
  walletDeposit: { readonly requestedAt: number };
  /** A payment this node made or asked for (by payment hash, hex), for `lnmesh payments`. */
  payment: PaymentRecord;
  /**
   * A block whose transactions were handed to the channels by a listener of
   * whole blocks (the gateway's), by height (10 digits, zero-padded): the
   * last few, to find where a reorg met while stopped forked. Display-order hash.
   */
  blockDelivered: { readonly hash: string };
  /** The last block whose transactions the chain feed delivered (one record, `cursor`); display-order hash. */
  feedCursor: { readonly height: number; readonly hash: string };
  /**
   * Something the node asked the gateway to watch (`o:<txid>:<vout>` or
   * `t:<txid>`): whether the gateway confirmed it, and where it matched.
   */
  feedWatch: { readonly registered: boolean; readonly matchedAt?: number };
}

/**
 * A coin of the wallet, kept after it is spent (so that a deposit shown
 * twice never brings it back). A funding transaction's spend is
 * `provisional` until its channel exists: an opening that never completes
 * gives its coins back, and the change it made (`parent`) disappears.
 */
export interface WalletCoinRecord {
  readonly txid: string;
  readonly vout: number;
  readonly satoshis: number;
  /** The transaction of ours that spends it. */
  readonly spentBy?: string;
  readonly provisional?: boolean;
  /** Change of a provisional spend: gone if that spend is undone. */
  readonly parent?: string;
}

export interface PaymentRecord {
  readonly direction: 'sent' | 'received';
  readonly amountMsat: number;
  /** The payee (sent) or this node (received), hex. */
  readonly payee: string;
  status: 'pending' | 'succeeded' | 'failed';
  readonly createdAt: number;
  settledAt?: number;
  /** Why it failed, for people. */
  reason?: string;
  /** The preimage (hex) once the payment succeeded: the payer's proof of payment. */
  preimage?: string;
  /** Sent: the forwarding fees paid on top of `amountMsat` along the route (0 to a direct peer). */
  feeMsat?: number;
}
export type RecordKind = keyof RecordOf;

/** One write of a batch: `value` undefined removes the record. */
export type RecordWrite = { [K in RecordKind]: { readonly kind: K; readonly id: string; readonly value: RecordOf[K] | undefined } }[RecordKind];

/**
 * Records read one at a time and written in atomic batches: for a store too
 * large to read whole with `getAll`, whose writes must land together (the
 * header chain: hundreds of headers, an index and a tip per batch).
 */
export interface RecordStore {
  get<K extends RecordKind>(kind: K, id: string): RecordOf[K] | undefined;
  /** Applies every write or none; durable on return. */
  write(writes: readonly RecordWrite[]): void;
}

export interface Persister {
  /** Saves one channel atomically; durable on return (or when the `transaction` it is in ends). */
  saveChannel(id: string, record: ChannelRecord): void;
  /**
   * Runs `work`, and makes every save, put and removal it does durable
   * together when it returns (one sync to disk instead of one per write).
   * What `work` did is committed even if it throws; then the error is rethrown.
   * Nested calls join the outer one.
   */
  transaction<T>(work: () => T): T;
  /** Every saved channel, by id. */
  loadChannels(): Map<string, ChannelRecord>;
  /** Removes a channel that is closed and settled. */
  deleteChannel(id: string): void;
  /**
   * The node's smaller records, by kind and id, each durable when `put`
   * returns: invoices (their preimages must survive a reboot), counters (a
   * channel index is never given out twice), remedies for revoked
   * commitments, appointments not yet delivered.
   */
  put<K extends RecordKind>(kind: K, id: string, value: RecordOf[K]): void;
  getAll<K extends RecordKind>(kind: K): Map<string, RecordOf[K]>;
  /** One small record, or undefined. */
  get<K extends RecordKind>(kind: K, id: string): RecordOf[K] | undefined;
  remove(kind: RecordKind, id: string): void;
  close(): void;
}

/** A `Persister` in memory: for tests and the simulator, where a "disk" survives a simulated crash. */
export class MemoryPersister implements Persister, RecordStore {
  private readonly channels = new Map<string, ChannelRecord>();
  /** The state and outbox each channel's last save copied (see `saveChannel`). */
  private readonly savedParts = new Map<string, Pick<ChannelRecord, 'state' | 'outbox'>>();
  private readonly records = new Map<string, Map<string, unknown>>();

  get<K extends RecordKind>(kind: K, id: string): RecordOf[K] | undefined {
    return structuredClone(this.records.get(kind)?.get(id) as RecordOf[K] | undefined);
  }

  write(writes: readonly RecordWrite[]): void {
    const copies = structuredClone(writes); // all or nothing: anything that cannot be copied throws before a change
    for (const { kind, id, value } of copies) {
      if (value === undefined) this.remove(kind, id);
      else this.put(kind, id, value);
    }
  }

  put<K extends RecordKind>(kind: K, id: string, value: RecordOf[K]): void {
    if (!this.records.has(kind)) this.records.set(kind, new Map());
    const records = this.records.get(kind)!;
    records.set(id, copySharing(value, records.get(id)));
  }

  getAll<K extends RecordKind>(kind: K): Map<string, RecordOf[K]> {
    return structuredClone((this.records.get(kind) ?? new Map()) as Map<string, RecordOf[K]>);
  }

  remove(kind: RecordKind, id: string): void {
    this.records.get(kind)?.delete(id);
  }

  saveChannel(id: string, record: ChannelRecord): void {
    // What is unchanged since the last save is shared, never copied again; in the state and the outbox, what
    // is the very object the last save copied is not even compared (neither is altered once made).
    this.channels.set(id, copySharing(record, this.channels.get(id), this.savedParts.get(id)) as ChannelRecord);
    this.savedParts.set(id, { state: record.state, outbox: record.outbox });
  }

  transaction<T>(work: () => T): T {
    return work();
  }

  loadChannels(): Map<string, ChannelRecord> {
    return structuredClone(this.channels);
  }

  deleteChannel(id: string): void {
    this.channels.delete(id);
    this.savedParts.delete(id);
  }

  close(): void {}
}
