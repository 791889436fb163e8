/**
 * The `Persister`: where a node keeps what it must not lose.
 *
 * A channel is saved whole, together with the messages it has produced but
 * the peer has not acknowledged (its outbox), in one atomic write that is
 * durable when `saveChannel` returns. The node sends a message only after
 * the save that holds it, so whatever a crash interrupts, the disk holds
 * either the state before or the state after, never a revocation secret
 * sent ahead of the state that made it safe.
 */
import type { ChannelState } from '../channel/channel.js';
import type { ChannelUpdate } from '../wire/messages.js';

/** A claim of ours after a close: a signed transaction and when it may be broadcast. */
export interface PendingClaim {
  readonly description: string;
  readonly transaction: Uint8Array;
  /** The txid (display order) of the transaction whose output it spends. */
  readonly spends: string;
  readonly notBeforeHeight?: number;
  readonly relativeDelay?: number;
  readonly then?: PendingClaim;
  broadcast?: boolean;
  confirmedAt?: number;
}

export interface OnchainResolution {
  readonly commitmentTxid: string;
  readonly ours: boolean;
  claims: PendingClaim[];
  /** Confirmation heights of the transactions involved, by txid. */
  confirmed: Record<string, number>;
}

/** What the channel manager knows of a channel besides its state. */
export interface ChannelMeta {
  readonly peer: string;
  readonly handle: number;
  /** Which keys of the seed the channel uses. */
  readonly channelIndex: number;
  readonly minimumDepth: number;
  readonly readySent: boolean;
  readonly readyReceived: boolean;
  readonly shutdown?: { readonly local?: Uint8Array; readonly remote?: Uint8Array; readonly offeredFee?: number; readonly closed?: boolean };
  /** After a unilateral close: the commitment on chain and our claims on it, with their progress. */
  readonly onchain?: OnchainResolution;
  /** HTLCs we offered on this channel to forward a payment: the incoming HTLC each one pays for. */
  readonly forwards?: readonly { readonly outgoingId: number; readonly peer: string; readonly handle: number; readonly id: number }[];
}

export interface ChannelRecord {
  readonly meta?: ChannelMeta;
  readonly state: ChannelState;
  /** Produced, saved, not yet acknowledged by the peer: sent again after a restart. */
  readonly outbox: readonly ChannelUpdate[];
  /** For each commitment the peer revoked: its txid (internal order) and our signed justice transaction. */
  readonly remedies?: readonly { readonly breachTxHash: Uint8Array; readonly justice: Uint8Array }[];
}

export interface Invoice {
  readonly preimage: Uint8Array;
  readonly amountMsat: number;
}

export interface Persister {
  /** Saves one channel atomically; durable on return. */
  saveChannel(id: string, record: ChannelRecord): void;
  /** Every saved channel, by id. */
  loadChannels(): Map<string, ChannelRecord>;
  /** Removes a channel that is closed and settled. */
  deleteChannel(id: string): void;
  /** A payment this node asked for: its preimage must survive a reboot, or the payment fails. */
  saveInvoice(paymentHash: string, invoice: Invoice): void;
  loadInvoices(): Map<string, Invoice>;
  deleteInvoice(paymentHash: string): void;
  /** A counter of the node (the next channel index, the next handle), durable on return. */
  saveCounter(name: string, value: number): void;
  loadCounter(name: string): number | undefined;
  close(): void;
}

/** A `Persister` in memory: for tests and the simulator, where a "disk" survives a simulated crash. */
export class MemoryPersister implements Persister {
  private readonly channels = new Map<string, ChannelRecord>();
  private readonly counters = new Map<string, number>();
  private readonly invoices = new Map<string, Invoice>();

  saveInvoice(paymentHash: string, invoice: Invoice): void {
    this.invoices.set(paymentHash, structuredClone(invoice));
  }

  loadInvoices(): Map<string, Invoice> {
    return structuredClone(this.invoices);
  }

  deleteInvoice(paymentHash: string): void {
    this.invoices.delete(paymentHash);
  }

  saveCounter(name: string, value: number): void {
    this.counters.set(name, value);
  }

  loadCounter(name: string): number | undefined {
    return this.counters.get(name);
  }

  saveChannel(id: string, record: ChannelRecord): void {
    this.channels.set(id, structuredClone(record));
  }

  loadChannels(): Map<string, ChannelRecord> {
    return structuredClone(this.channels);
  }

  deleteChannel(id: string): void {
    this.channels.delete(id);
  }

  close(): void {}
}
