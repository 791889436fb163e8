/**
 * What the bridge needs of the gateway's two payment networks, as two small
 * interfaces (rust-lightning's style: the bridge is handed them, it reaches
 * for nothing). `LightningNode` (gateway/lightning/) serves the first, the
 * gateway's mesh `ChannelManager` the second.
 *
 * Amounts are millisatoshis as safe integers; heights are block heights;
 * payment hashes and preimages are 32 bytes.
 */

/** The gateway's node on the Lightning Network. */
export interface LightningPayments {
  /**
   * Starts paying a BOLT 11 invoice (whose payment hash is `paymentHash`), with that hash as LDK's payment
   * id (so that LDK itself refuses a second payment of the same invoice).
   * Spends at most `maxFeeMsat` on routing and locks the payment for at most
   * `maxTotalCltvExpiryDelta` blocks. The outcome comes later, as a `sent` or
   * `failed` event, again after a restart if it was not handled.
   */
  payInvoice(paymentHash: Uint8Array, invoice: string, limits: { readonly maxFeeMsat: number; readonly maxTotalCltvExpiryDelta: number }): void;
  /** What LDK knows of an outgoing payment: nothing (it was never sent, or long forgotten), in flight, or ended. */
  outgoingPayment(paymentHash: Uint8Array): 'unknown' | 'pending' | 'ended';
  /** A BOLT 11 invoice for a payment hash whose preimage the gateway does not know (a mesh node keeps it). */
  createInvoiceForHash(request: {
    readonly paymentHash: Uint8Array;
    readonly amountMsat: number;
    readonly description: string;
    readonly expirySecs: number;
    readonly minFinalCltvExpiryDelta: number;
  }): string;
  /** Takes a claimable payment with its preimage. Claiming one already claimed does nothing. */
  claim(preimage: Uint8Array): void;
  /** Fails a claimable payment back to its payer. */
  failBack(paymentHash: Uint8Array): void;
}

export type LightningPaymentEvent =
  /** An incoming payment waits for its preimage; it must be claimed or failed before `claimDeadline` (a height). */
  | { readonly type: 'claimable'; readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly claimDeadline: number }
  | { readonly type: 'claimed'; readonly paymentHash: Uint8Array; readonly amountMsat: number }
  | { readonly type: 'sent'; readonly paymentHash: Uint8Array; readonly paymentPreimage: Uint8Array; readonly feeMsat: number }
  | { readonly type: 'failed'; readonly paymentHash: Uint8Array; readonly reason: string };

/** The gateway's channels with mesh nodes. */
export interface MeshPayments {
  /** Settles an HTLC the gateway holds (one for which the bridge was asked to pay out). Settling one already settled does nothing. */
  fulfillHeld(paymentHash: Uint8Array, paymentPreimage: Uint8Array): void;
  /** Fails a held HTLC back to the node that offered it, with a reason for people. */
  failHeld(paymentHash: Uint8Array, reason: string): void;
  /** Pays `node` over its channel with the gateway; throws (nothing sent) when no open channel can carry it. */
  pay(node: string, paymentHash: Uint8Array, amountMsat: number, cltvExpiry: number): void;
  /**
   * Whether the gateway's own HTLC with this hash is still out on a mesh channel (its outcome to come). One that is
   * not, for a payment the bridge started, never left: a restart came between the record and the HTLC.
   */
  inFlight(paymentHash: Uint8Array): boolean;
  /** Whether the gateway hears `node` now: it pays a node only when the node can answer. */
  reachable(node: string): boolean;
}

/** What the mesh side tells the bridge. */
export type MeshPaymentEvent =
  | { readonly type: 'held'; readonly node: string; readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly cltvExpiry: number }
  | { readonly type: 'settled'; readonly paymentHash: Uint8Array; readonly paymentPreimage: Uint8Array }
  | { readonly type: 'failed'; readonly paymentHash: Uint8Array; readonly reason: string };
