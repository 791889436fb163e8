/**
 * Feerates for the transactions a node signs, by what they are for: as
 * rust-lightning's `FeeEstimator` with its `ConfirmationTarget`s, cut to the
 * kinds a mesh node has. Rates are in satoshis per 1,000 weight units.
 */
import { MIN_FEERATE_PER_KW } from '../core/bolt-limits.js';

/**
 * - `commitment`: a channel's opening offer and cooperative close (both sides
 *   sign it; it cannot be bumped later without anchors).
 * - `claim`: what takes an HTLC on chain after a close (HTLC transactions,
 *   HTLC outputs of their commitment, the child that pays for our
 *   commitment): must confirm before the counterparty can take it.
 * - `sweep`: what takes an output only we can spend (`to_local` after the
 *   delay, `to_remote`, a second-stage output): no race, so the gateway's
 *   estimate as it is (rust-lightning's `OutputSpendingFee`); a sweep slow
 *   to confirm is signed again at a higher rate.
 * - `justice`: signed in advance for each revoked commitment, so it must be
 *   high enough for whenever a breach comes.
 */
export type ConfirmationTarget = 'commitment' | 'claim' | 'sweep' | 'justice';

export interface FeeEstimator {
  feeratePerKw(target: ConfirmationTarget): number;
}

/** Justice signed in advance, and claims at least: 10 sat/vbyte. */
export const DEFAULT_JUSTICE_FEERATE_PER_KW = 2500;

/**
 * The default estimator: the gateway's latest estimate (`observe`, from the
 * chain feed) where it is known, the configured rates where it is not.
 * Claims pay at least the justice rate: they race the counterparty.
 * Sweeps pay the estimate, or the justice rate while none is known.
 */
export class ObservedFeerates implements FeeEstimator {
  private latest: number | undefined;

  constructor(private readonly init: { readonly feeratePerKw?: number; readonly justiceFeeratePerKw?: number } = {}) {}

  /** The gateway's estimate for the next blocks. */
  observe(feeratePerKw: number): void {
    this.latest = Math.max(MIN_FEERATE_PER_KW, feeratePerKw);
  }

  feeratePerKw(target: ConfirmationTarget): number {
    const justice = this.init.justiceFeeratePerKw ?? DEFAULT_JUSTICE_FEERATE_PER_KW;
    switch (target) {
      case 'commitment':
        return this.init.feeratePerKw ?? MIN_FEERATE_PER_KW;
      case 'claim':
        return Math.max(justice, this.latest ?? 0);
      case 'sweep':
        return this.latest ?? justice;
      case 'justice':
        return justice;
    }
  }
}
