// Feerates by purpose: the configured rates until the gateway's estimate
// arrives, claims never below the justice rate, sweeps at the estimate as
// it is (they race no one), and a channel manager that
// takes its rates from the estimator it is given.
import t from 'tap';
import { type ConfirmationTarget, DEFAULT_JUSTICE_FEERATE_PER_KW, ObservedFeerates } from '../../../node/chain/fee-estimator.js';
import { MIN_FEERATE_PER_KW } from '../../../node/core/bolt-limits.js';
import { createNetwork } from '../../../sim/kit/network.js';
import { openChannel } from '../../../sim/kit/channels.js';
import { fixedFeeEstimator } from '../../../sim/kit/fee-estimator.js';

t.test('the default estimator: configured rates, then the latest estimate for claims', async (t) => {
  const fees = new ObservedFeerates();
  t.equal(fees.feeratePerKw('commitment'), MIN_FEERATE_PER_KW, 'commitments at the floor by default');
  t.equal(fees.feeratePerKw('justice'), DEFAULT_JUSTICE_FEERATE_PER_KW);
  t.equal(fees.feeratePerKw('claim'), DEFAULT_JUSTICE_FEERATE_PER_KW, 'claims at least at the justice rate');
  t.equal(fees.feeratePerKw('sweep'), DEFAULT_JUSTICE_FEERATE_PER_KW, 'sweeps too while no estimate is known');
  fees.observe(9000);
  t.equal(fees.feeratePerKw('sweep'), 9000, 'then sweeps pay the estimate');
  t.equal(fees.feeratePerKw('claim'), 9000, 'a higher estimate raises the claims');
  t.equal(fees.feeratePerKw('justice'), DEFAULT_JUSTICE_FEERATE_PER_KW, 'justice stays what was signed in advance');
  fees.observe(10);
  t.equal(fees.feeratePerKw('claim'), DEFAULT_JUSTICE_FEERATE_PER_KW, 'a low estimate does not go under the justice rate');
  t.equal(fees.feeratePerKw('sweep'), MIN_FEERATE_PER_KW, 'but a sweep takes it, down to the floor');
  const configured = new ObservedFeerates({ feeratePerKw: 1000, justiceFeeratePerKw: 4000 });
  t.equal(configured.feeratePerKw('commitment'), 1000);
  t.equal(configured.feeratePerKw('claim'), 4000);
});

t.test('the channel manager opens at the rate its estimator gives for commitments', async (t) => {
  const asked: ConfirmationTarget[] = [];
  const estimator = fixedFeeEstimator({ commitment: 1234, claim: 5000, sweep: 5000, justice: 5000 }, asked);
  const network = createNetwork({ nodes: 2, channels: { feeEstimator: estimator } });
  const [alice, bob] = network.nodes as [NonNullable<(typeof network.nodes)[0]>, NonNullable<(typeof network.nodes)[1]>];
  openChannel(network, alice, bob, 1_000_000);
  t.equal(bob.manager.balances()[0]?.feeratePerKw, 1234, "the funder's estimate is the channel's commitment feerate");
  t.ok(asked.includes('commitment'));
});
