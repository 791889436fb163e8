/**
 * One payment across the bridge, as the gateway keeps it until both sides
 * have ended. Every step that hands something to one side is written first,
 * so that a gateway restarted at any point knows what it has started and
 * never starts it twice (see bridge.ts).
 */

/** Out: a mesh node pays a BOLT 11 invoice through the gateway. */
export interface PayOutRecord {
  readonly kind: 'out';
  /** Hex: the invoice's payment hash, which the node's HTLC to the gateway carries too. */
  readonly paymentHash: string;
  readonly node: string;
  /**
   * waiting: the invoice or the HTLC has come, not both; paying: handed to LDK;
   * paid: LDK returned the preimage (kept here before the HTLC is settled with it); failed.
   */
  readonly state: 'waiting' | 'paying' | 'paid' | 'failed';
  readonly invoice?: { readonly text: string; readonly amountMsat: number; readonly expiresAt: number };
  readonly htlc?: { readonly amountMsat: number; readonly cltvExpiry: number };
  /** The height when the first half came: the other half must follow within `pairingBlocks`. */
  readonly since: number;
  readonly paymentPreimage?: string;
  readonly routingFeeMsat?: number;
  readonly reason?: string;
  /** The height when it ended (paid or failed): the oldest ended records are removed first. */
  readonly endedAt?: number;
}

/** In: someone on the Lightning Network pays a mesh node's public invoice; the gateway passes it on. */
export interface PayInRecord {
  readonly kind: 'in';
  readonly paymentHash: string;
  readonly node: string;
  /** What the node gets over the mesh; the invoice asks this plus the bridge fee. */
  readonly amountMsat: number;
  readonly invoiceAmountMsat: number;
  /**
   * issued: invoice given; claimable: LDK holds the payer's HTLC; forwarding: the mesh HTLC to the node is out;
   * settled: the node revealed the preimage (kept here before LDK claims with it); failed.
   */
  readonly state: 'issued' | 'claimable' | 'forwarding' | 'settled' | 'failed';
  /** Unix seconds after which the invoice can no longer be paid. */
  readonly expiresAt: number;
  /** The height by which LDK must claim or fail the payer's HTLC. */
  readonly claimDeadline?: number;
  readonly paymentPreimage?: string;
  readonly reason?: string;
  /** The height when it ended (settled or failed): the oldest ended records are removed first. */
  readonly endedAt?: number;
}

export type BridgeRecord = PayOutRecord | PayInRecord;
