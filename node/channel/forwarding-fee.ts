/**
 * Forwarding fees (BOLT 7's `fee_base_msat` and `fee_proportional_millionths`):
 * what a node charges to forward an HTLC, and the quotes a node gives its
 * channel peers for what it costs to reach a destination beyond it.
 *
 * A quote has the shape of a policy: the total fee, for all forwarders from
 * the quoting node on, as `base + floor(amount * proportional / 1e6)` of the
 * amount the payee gets. Quotes compose: the fee of a forwarder F on what it
 * sends on (the payee's amount plus the quote of its next hop N) plus N's
 * quote is linear in the payee's amount up to rounding, and `composeFee`
 * rounds its coefficients up (and adds 1 msat when F's rate is not zero) so
 * that a quote never pays a forwarder less than its own fee (see the proof in
 * the test). With proportional rates of 0 (the default) quotes are exact.
 */
import { InvalidInputError, checkInteger } from '../core/input.js';

export interface ForwardingFee {
  /** Charged on every HTLC forwarded, in millisatoshis. */
  readonly baseMsat: number;
  /** Charged per million millisatoshis forwarded. */
  readonly proportionalMillionths: number;
}

/** As rust-lightning's `ChannelConfig`: 1 sat per HTLC, nothing proportional. */
export const DEFAULT_FORWARDING_FEE: ForwardingFee = { baseMsat: 1000, proportionalMillionths: 0 };

/** Bounds that keep every fee and quote a safe integer: 1,000 sat base, 10% of the amount. */
export const MAX_BASE_MSAT = 1_000_000;
export const MAX_PROPORTIONAL_MILLIONTHS = 100_000;
/** A composed quote above these is not worth offering (and stops a route table's loop from growing quotes for long). */
export const MAX_QUOTE_BASE_MSAT = 100 * MAX_BASE_MSAT;
export const MAX_QUOTE_PROPORTIONAL_MILLIONTHS = 1_000_000;

const MILLION = 1_000_000;

/** The policy from a node's config, checked: an `InvalidInputError` names the field. */
export function forwardingFee(value: Partial<ForwardingFee> | undefined, field = 'forwardingFee'): ForwardingFee {
  if (value !== undefined && (typeof value !== 'object' || value === null)) throw new InvalidInputError(field, 'expected { baseMsat, proportionalMillionths }');
  return {
    baseMsat: checkInteger(`${field}.baseMsat`, value?.baseMsat ?? DEFAULT_FORWARDING_FEE.baseMsat, 0, MAX_BASE_MSAT),
    proportionalMillionths: checkInteger(`${field}.proportionalMillionths`, value?.proportionalMillionths ?? DEFAULT_FORWARDING_FEE.proportionalMillionths, 0, MAX_PROPORTIONAL_MILLIONTHS),
  };
}

/** BOLT 7: `fee_base_msat + (amount_to_forward * fee_proportional_millionths) / 1000000`, rounded down. */
export function feeOn(fee: ForwardingFee, amountMsat: number): number {
  return fee.baseMsat + Number((BigInt(amountMsat) * BigInt(fee.proportionalMillionths)) / BigInt(MILLION));
}

/** No fee: the quote of a payee for itself. */
export const NO_FEE: ForwardingFee = { baseMsat: 0, proportionalMillionths: 0 };

/**
 * The quote of a forwarder with policy `own` whose next hop quotes `next`:
 * never less, for any amount, than `feeOn(own, x + feeOn(next, x)) + feeOn(next, x)`.
 */
export function composeFee(own: ForwardingFee, next: ForwardingFee): ForwardingFee {
  const own_p = own.proportionalMillionths;
  return {
    baseMsat: own.baseMsat + next.baseMsat + Math.ceil((own_p * next.baseMsat) / MILLION) + (own_p > 0 ? 1 : 0),
    proportionalMillionths: own_p + next.proportionalMillionths + Math.ceil((own_p * next.proportionalMillionths) / MILLION),
  };
}

/** Whether a composed quote is within what is offered at all. */
export function isOfferable(fee: ForwardingFee): boolean {
  return fee.baseMsat <= MAX_QUOTE_BASE_MSAT && fee.proportionalMillionths <= MAX_QUOTE_PROPORTIONAL_MILLIONTHS;
}

export function sameFee(a: ForwardingFee, b: ForwardingFee): boolean {
  return a.baseMsat === b.baseMsat && a.proportionalMillionths === b.proportionalMillionths;
}

/** `1000 msat + 100 ppm`, for people. */
export function describeFee(fee: ForwardingFee): string {
  return `${fee.baseMsat} msat + ${fee.proportionalMillionths} ppm`;
}
