/**
 * Our `FeeEstimator` as LDK's: each of LDK's `ConfirmationTarget`s answered
 * by the one of ours that means the same (see node/chain/fee-estimator.ts),
 * never under the 253 sat/kw floor LDK requires.
 */
import { MIN_FEERATE_PER_KW } from '../../node/core/bolt-limits.js';
import type { FeeEstimator } from '../../node/chain/fee-estimator.js';
import type { ConfirmationTarget as LdkTarget, FeeEstimator as LdkFeeEstimator } from 'lightningdevkit';
import type { Ldk } from './ldk.js';

/** Below what some estimators round to: so a peer rounding 1.1 sat/vB up to 2 is not refused. */
const ROUNDING_SLACK_PER_KW = 250;

export function ldkFeerate(ldk: Ldk, fees: FeeEstimator, target: LdkTarget): number {
  const T = ldk.ConfirmationTarget;
  const rate = (() => {
    switch (target) {
      case T.LDKConfirmationTarget_MaximumFeeEstimate: // the most a peer may ask: the highest we would pay
        return Math.max(fees.feeratePerKw('claim'), fees.feeratePerKw('justice'), fees.feeratePerKw('commitment'));
      case T.LDKConfirmationTarget_UrgentOnChainSweep:
        return fees.feeratePerKw('claim');
      case T.LDKConfirmationTarget_MinAllowedAnchorChannelRemoteFee: // anchors can be bumped later
        return MIN_FEERATE_PER_KW;
      case T.LDKConfirmationTarget_MinAllowedNonAnchorChannelRemoteFee:
        return fees.feeratePerKw('commitment') - ROUNDING_SLACK_PER_KW;
      case T.LDKConfirmationTarget_AnchorChannelFee:
      case T.LDKConfirmationTarget_NonAnchorChannelFee:
      case T.LDKConfirmationTarget_ChannelCloseMinimum:
        return fees.feeratePerKw('commitment');
      case T.LDKConfirmationTarget_OutputSpendingFee:
        return fees.feeratePerKw('sweep');
      default:
        return fees.feeratePerKw('claim'); // a target newer than this mapping: pay as if it were urgent
    }
  })();
  return Math.max(MIN_FEERATE_PER_KW, Math.ceil(rate));
}

export function ldkFeeEstimator(ldk: Ldk, fees: FeeEstimator): LdkFeeEstimator {
  return ldk.FeeEstimator.new_impl({ get_est_sat_per_1000_weight: (target) => ldkFeerate(ldk, fees, target) });
}
