// Each of LDK's confirmation targets answered by ours, never under 253 sat/kw.
import t from 'tap';
import { ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { loadLdk } from '../../../gateway/lightning/ldk.js';
import { ldkFeerate } from '../../../gateway/lightning/ldk-fee-estimator.js';

t.test('LDK targets map to ours', async (t) => {
  const ldk = await loadLdk();
  const T = ldk.ConfirmationTarget;
  const fees = new ObservedFeerates({ feeratePerKw: 1000, justiceFeeratePerKw: 2500 });
  fees.observe(3000);
  const rate = (target: (typeof T)[keyof typeof T]) => ldkFeerate(ldk, fees, target);
  t.equal(rate(T.LDKConfirmationTarget_MaximumFeeEstimate), 3000, 'the most we would pay');
  t.equal(rate(T.LDKConfirmationTarget_UrgentOnChainSweep), 3000, 'claim: the estimate, at least justice');
  t.equal(rate(T.LDKConfirmationTarget_MinAllowedAnchorChannelRemoteFee), 253, 'anchors: the floor');
  t.equal(rate(T.LDKConfirmationTarget_MinAllowedNonAnchorChannelRemoteFee), 750, 'commitment less rounding slack');
  t.equal(rate(T.LDKConfirmationTarget_NonAnchorChannelFee), 1000, 'commitment');
  t.equal(rate(T.LDKConfirmationTarget_AnchorChannelFee), 1000, 'commitment');
  t.equal(rate(T.LDKConfirmationTarget_ChannelCloseMinimum), 1000, 'cooperative close: commitment');
  t.equal(rate(T.LDKConfirmationTarget_OutputSpendingFee), 3000, 'sweep: the estimate');
});

t.test('never under the floor LDK requires', async (t) => {
  const ldk = await loadLdk();
  const fees = new ObservedFeerates();
  t.equal(ldkFeerate(ldk, fees, ldk.ConfirmationTarget.LDKConfirmationTarget_MinAllowedNonAnchorChannelRemoteFee), 253);
});
