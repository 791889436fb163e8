// The Lightning node's fee estimates on the gateway: the chain backend's
// estimate, asked at start and again after each block; claims never below
// the justice rate; the commitment rate follows the estimate.
import t from 'tap';
import { ChainFeerates } from '../../../gateway/daemon/chain-feerates.js';
import { EmbeddedChain } from '../../../gateway/chain/embedded-chain.js';
import { DEFAULT_JUSTICE_FEERATE_PER_KW } from '../../../node/chain/fee-estimator.js';
import { MIN_FEERATE_PER_KW } from '../../../node/core/bolt-limits.js';
import { silentLogger } from '../../../node/core/logger.js';

t.test("the embedded regtest chain's estimate, for each target", async (t) => {
  const chain = new EmbeddedChain({ fallbackFeeratePerKw: 1_000 });
  await chain.open();
  t.teardown(() => chain.close());
  const fees = new ChainFeerates(chain, silentLogger);
  t.equal(fees.feeratePerKw('commitment'), MIN_FEERATE_PER_KW, 'before any estimate: the floor for commitments');
  t.equal(fees.feeratePerKw('sweep'), DEFAULT_JUSTICE_FEERATE_PER_KW, 'and the justice rate for sweeps');
  await fees.start();
  t.teardown(() => fees.close());
  t.equal(fees.estimate, 1_000, "the backend's estimate, read at start");
  t.equal(fees.feeratePerKw('commitment'), 1_000, 'commitments follow it');
  t.equal(fees.feeratePerKw('sweep'), 1_000, 'so do sweeps');
  t.equal(fees.feeratePerKw('claim'), DEFAULT_JUSTICE_FEERATE_PER_KW, 'claims race the counterparty: at least the justice rate');
  t.equal(fees.feeratePerKw('justice'), DEFAULT_JUSTICE_FEERATE_PER_KW);
});

t.test('asked again after each block; a backend that cannot answer keeps the last estimate', async (t) => {
  const chain = new EmbeddedChain({ fallbackFeeratePerKw: 3_000 });
  await chain.open();
  t.teardown(() => chain.close());
  const warnings: string[] = [];
  const fees = new ChainFeerates(chain, { log: (_level, message) => warnings.push(message) });
  await fees.start();
  t.teardown(() => fees.close());
  t.equal(fees.feeratePerKw('claim'), 3_000, 'a claim above the justice rate pays the estimate');
  let answer: Promise<number | undefined> = Promise.reject(new Error('the backend is away'));
  answer.catch(() => {});
  const asked: number[] = [];
  chain.estimateFeerate = async (target) => {
    asked.push(target);
    return answer;
  };
  await chain.mine(1);
  await new Promise((resolve) => setImmediate(resolve));
  t.strictSame(asked, [6], 'the block made it ask, for six blocks');
  t.equal(fees.estimate, 3_000, 'the last estimate kept');
  t.match(warnings, [/no fee estimate; keeping the last one/]);
  answer = Promise.resolve(5_000.4);
  await chain.mine(1);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(fees.estimate, 5_001, 'a new estimate, rounded up');
});
