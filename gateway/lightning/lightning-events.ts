/**
 * What the gateway's Lightning node tells its owner, as plain objects of
 * ours (never LDK's): ids, hashes and preimages as lower-case hex, amounts
 * in millisatoshis as numbers (exact below 90,000 BTC).
 */

export type LightningEvent =
  /** A channel's funding transaction is broadcast (ours) or seen (theirs); `channelId` is the final id. */
  | { readonly type: 'channel-pending'; readonly channelId: string; readonly peerNodeId: string; readonly fundingTxid: string }
  | { readonly type: 'channel-ready'; readonly channelId: string; readonly peerNodeId: string }
  | { readonly type: 'channel-closed'; readonly channelId: string; readonly peerNodeId: string; readonly reason: string }
  /** The wallet could not fund a channel we opened: it was dropped before any funds moved. */
  | { readonly type: 'channel-funding-failed'; readonly temporaryChannelId: string; readonly peerNodeId: string; readonly reason: string }
  /**
   * A payment to an invoice whose preimage we do not hold (`createInvoiceForHash`):
   * held until `claim(preimage)` or `failBack(paymentHash)`, and failed back
   * by LDK itself at `claimDeadlineHeight` at the latest.
   */
  | { readonly type: 'payment-claimable'; readonly paymentHash: string; readonly amountMsat: number; readonly claimDeadlineHeight: number | undefined }
  | { readonly type: 'payment-claimed'; readonly paymentHash: string; readonly amountMsat: number }
  | { readonly type: 'payment-sent'; readonly paymentHash: string; readonly preimage: string; readonly feeMsat: number }
  | { readonly type: 'payment-failed'; readonly paymentHash: string; readonly reason: string };

export type LightningEventType = LightningEvent['type'];
