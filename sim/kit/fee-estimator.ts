/** A test double of the `FeeEstimator`: set rates per confirmation target, and a record of what was asked. */
import type { ConfirmationTarget, FeeEstimator } from '../../node/chain/fee-estimator.js';

/** Answers `rates[target]`; `asked`, if given, records each target asked for, in order. */
export function fixedFeeEstimator(rates: Readonly<Record<ConfirmationTarget, number>>, asked?: ConfirmationTarget[]): FeeEstimator {
  return {
    feeratePerKw: (target) => {
      asked?.push(target);
      return rates[target];
    },
  };
}
