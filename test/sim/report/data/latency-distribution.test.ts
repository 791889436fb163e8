import t from 'tap';
import fc from 'fast-check';
import { LatencyDistribution } from '../../../../sim/report/data/latency-distribution.js';

function exactPercentile(sorted: number[], quantile: number): number {
  return sorted[Math.max(1, Math.ceil(quantile * sorted.length)) - 1]!;
}

t.test('percentiles are within 1% of the exact ones, from milliseconds to weeks', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 30 * 86_400_000, noNaN: true }), { minLength: 1, maxLength: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), (latencies, quantile) => {
      const distribution = new LatencyDistribution();
      for (const latency of latencies) distribution.record(latency);
      const exact = exactPercentile([...latencies].sort((a, b) => a - b), quantile);
      const estimate = distribution.percentile(quantile)!;
      return Math.abs(estimate - exact) <= 0.01 * (1 + exact);
    }),
  );
});

t.test('count, minimum, maximum and mean are exact', async (t) => {
  const distribution = new LatencyDistribution();
  t.equal(distribution.percentile(0.5), undefined, 'no percentile without payments');
  for (const latency of [1200, 800, 86_400_000, 5000]) distribution.record(latency);
  t.equal(distribution.count, 4);
  t.equal(distribution.min, 800);
  t.equal(distribution.max, 86_400_000);
  t.equal(distribution.mean, (1200 + 800 + 86_400_000 + 5000) / 4);
  t.equal(distribution.percentile(1), 86_400_000, 'p100 is the maximum');
});

t.test('the sample stays bounded and spreads evenly over the whole run', async (t) => {
  const distribution = new LatencyDistribution(2000);
  // 360,000 payments whose latency is their own index: the sample shows which were kept.
  for (let index = 0; index < 360_000; index++) distribution.record(index);
  const sample = distribution.sample();
  t.ok(sample.length <= 2000 && sample.length > 1000, `${sample.length} kept`);
  const stride = sample[1]! - sample[0]!;
  t.ok(
    sample.every((latency, index) => latency === index * stride),
    `every ${stride}th payment, from the first`,
  );
  t.ok(sample.at(-1)! > 360_000 - 2 * stride, 'up to the end of the run');
  t.equal(distribution.count, 360_000, 'while the count has them all');
});

t.test('refuses a latency that is not a duration', async (t) => {
  const distribution = new LatencyDistribution();
  t.throws(() => distribution.record(-1), { name: 'InvalidInputError', field: 'latencyMs' });
  t.throws(() => distribution.record(Number.POSITIVE_INFINITY), { name: 'InvalidInputError' });
  t.throws(() => distribution.percentile(1.5), { name: 'InvalidInputError', field: 'quantile' });
  t.equal(distribution.count, 0);
});
