/**
 * What the gateway's Lightning node refuses or fails, typed: `code` for
 * code that reacts, the message for the user who must act.
 */

export type LightningErrorCode =
  /** A BOLT 11 string that does not parse, or is for another network. */
  | 'invalid-invoice'
  | 'invoice-expired'
  /** This payment hash was paid (or is being paid) already: never paid twice. */
  | 'duplicate-payment'
  | 'route-not-found'
  /** The payment was sent and failed; nothing was paid. */
  | 'payment-failed'
  | 'invoice-creation-failed'
  /** LDK refused to open or close a channel (no such peer, too small, ...). */
  | 'channel-refused'
  | 'unknown-channel'
  /** The wallet could not fund a channel; the channel was dropped and nothing moved. */
  | 'funding-failed';

export class LightningError extends Error {
  override name = 'LightningError';
  constructor(
    readonly code: LightningErrorCode,
    message: string,
  ) {
    super(message);
  }
}
