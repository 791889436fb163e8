// The simulator's seeded randomness: the same seed gives the same run, each
// fork is a stream of its own, and the numbers look like what they claim.
import t from 'tap';
import fc from 'fast-check';
import { SeededRandom } from '../../sim/random.js';

const draws = (random: SeededRandom, count: number) => Array.from({ length: count }, () => random.uint32());
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

t.test('the generator is xoshiro128**: the reference code gives the same outputs from the state 1, 2, 3, 4', async (t) => {
  // From prng.di.unimi.it/xoshiro128starstar.c, compiled and run with s = {1, 2, 3, 4}.
  t.same(draws(SeededRandom.fromState([1, 2, 3, 4]), 8), [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
});

t.test('the same seed gives the same sequence; the number 7 and the string "7" are one seed', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.integer(), fc.string()), (seed) => draws(new SeededRandom(seed), 16).join() === draws(new SeededRandom(seed), 16).join()),
    { numRuns: 200 },
  );
  t.pass('200 seeds, each twice, drew the same 16 numbers');
  t.same(draws(new SeededRandom(7), 4), draws(new SeededRandom('7'), 4));
});

t.test('different seeds give different sequences', async (t) => {
  fc.assert(
    fc.property(fc.integer(), fc.integer(), (a, b) => {
      fc.pre(a !== b);
      return draws(new SeededRandom(a), 4).join() !== draws(new SeededRandom(b), 4).join();
    }),
    { numRuns: 200 },
  );
  t.pass('200 pairs of seeds differed');
});

t.test('a fork depends on the seed and its label, not on how much the parent or other forks have drawn', async (t) => {
  const fresh = new SeededRandom(42);
  const used = new SeededRandom(42);
  draws(used, 1000);
  draws(used.fork('node B'), 1000);
  t.same(draws(used.fork('node A'), 8), draws(fresh.fork('node A'), 8), 'node A draws the same whatever else happened');
  t.same(draws(fresh, 4), draws(new SeededRandom(42), 4), 'forking does not advance the parent');
  t.notSame(draws(fresh.fork('node A'), 4), draws(fresh.fork('node B'), 4), 'two labels, two streams');
  t.notSame(draws(fresh.fork('a').fork('b'), 4), draws(fresh.fork('a/b'), 4), 'a path of labels is not a label with a slash');
  t.notSame(draws(new SeededRandom(43).fork('node A'), 4), draws(fresh.fork('node A'), 4), 'another seed, another fork');
  t.same(fresh.fork('a').fork('b').path, ['a', 'b']);
});

t.test('forks are uncorrelated: the correlation of two streams is near zero', async (t) => {
  const root = new SeededRandom(1);
  const [x, y] = [root.fork('x'), root.fork('y')];
  const count = 50_000;
  let sumXY = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXX = 0;
  let sumYY = 0;
  for (let i = 0; i < count; i++) {
    const [a, b] = [x.next(), y.next()];
    sumX += a;
    sumY += b;
    sumXY += a * b;
    sumXX += a * a;
    sumYY += b * b;
  }
  const covariance = sumXY / count - (sumX / count) * (sumY / count);
  const correlation = covariance / Math.sqrt((sumXX / count - (sumX / count) ** 2) * (sumYY / count - (sumY / count) ** 2));
  // For independent streams the sample correlation has a standard deviation of 1/sqrt(n) = 0.0045.
  t.ok(Math.abs(correlation) < 0.02, `correlation ${correlation.toFixed(4)}`);
});

t.test('next() is uniform in [0, 1): its mean and its deciles', async (t) => {
  const random = new SeededRandom('uniform');
  const count = 100_000;
  const deciles = new Array<number>(10).fill(0);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const value = random.next();
    if (!(value >= 0 && value < 1)) t.fail(`out of range: ${value}`);
    sum += value;
    deciles[Math.floor(value * 10)]!++;
  }
  t.ok(Math.abs(sum / count - 0.5) < 0.005, `mean ${(sum / count).toFixed(4)}`);
  // Chi-square with 9 degrees of freedom: 27.9 is its 99.9th percentile.
  const chiSquare = deciles.reduce((total, observed) => total + (observed - count / 10) ** 2 / (count / 10), 0);
  t.ok(chiSquare < 27.9, `chi-square ${chiSquare.toFixed(1)} over the deciles`);
});

t.test('int(min, max) stays within its bounds, both included, and hits every value equally often', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer(), (min, width, seed) => {
      const random = new SeededRandom(seed);
      for (let i = 0; i < 20; i++) {
        const value = random.int(min, min + width);
        if (!(Number.isInteger(value) && value >= min && value <= min + width)) return false;
      }
      return true;
    }),
  );
  t.pass('100 ranges, 20 draws each, all within bounds');
  const random = new SeededRandom(3);
  const counts = new Array<number>(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[random.int(1, 6) - 1]!++;
  // Chi-square with 5 degrees of freedom: 20.5 is its 99.9th percentile.
  const chiSquare = counts.reduce((total, observed) => total + (observed - 10_000) ** 2 / 10_000, 0);
  t.ok(chiSquare < 20.5, `a die: ${counts.join(', ')} (chi-square ${chiSquare.toFixed(1)})`);
  t.equal(random.int(5, 5), 5, 'a range of one value');
  t.throws(() => random.int(5, 4), { name: 'InvalidInputError' });
  t.throws(() => random.int(0, 2 ** 32), { name: 'InvalidInputError' }, 'more than 2^32 values');
  t.throws(() => random.int(0.5, 3), { name: 'InvalidInputError' });
});

t.test('exponential(mean) has the mean asked for, as Poisson arrivals need', async (t) => {
  const random = new SeededRandom('arrivals');
  const count = 100_000;
  let sum = 0;
  let overMean = 0;
  for (let i = 0; i < count; i++) {
    const interval = random.exponential(3_600_000);
    if (!(interval >= 0 && Number.isFinite(interval))) t.fail(`bad interval ${interval}`);
    sum += interval;
    if (interval > 3_600_000) overMean++;
  }
  t.ok(Math.abs(sum / count / 3_600_000 - 1) < 0.015, `mean ${(sum / count / 60_000).toFixed(1)} minutes for one hour`);
  t.ok(Math.abs(overMean / count - Math.exp(-1)) < 0.005, `${((overMean / count) * 100).toFixed(1)}% longer than the mean (e^-1 = 36.8%)`);
  t.throws(() => random.exponential(0), { name: 'InvalidInputError' });
});

t.test('bytes(n): n bytes, repeatable, every byte value about equally often; usable as a node randomBytes', async (t) => {
  const randomBytes = new SeededRandom(9).bytes; // a plain function, as nodes take it
  t.equal(randomBytes(0).length, 0);
  t.equal(randomBytes(33).length, 33);
  t.equal(hex(new SeededRandom(9).bytes(32)), hex(new SeededRandom(9).bytes(32)));
  const counts = new Array<number>(256).fill(0);
  for (const byte of new SeededRandom(10).bytes(256_000)) counts[byte]!++;
  const chiSquare = counts.reduce((total, observed) => total + (observed - 1000) ** 2 / 1000, 0);
  // 255 degrees of freedom: 330.5 is the 99.9th percentile.
  t.ok(chiSquare < 330.5, `chi-square ${chiSquare.toFixed(0)} over byte values`);
  t.throws(() => randomBytes(-1), { name: 'InvalidInputError' });
});

t.test('chance(p) and pick(items)', async (t) => {
  const random = new SeededRandom('coins');
  let heads = 0;
  for (let i = 0; i < 10_000; i++) if (random.chance(0.3)) heads++;
  t.ok(Math.abs(heads - 3000) < 150, `${heads} of 10000 at p = 0.3 (sd 46)`);
  t.notOk(random.chance(0), 'never');
  t.ok(random.chance(1), 'always');
  t.throws(() => random.chance(1.5), { name: 'InvalidInputError' });
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) seen.add(random.pick(['a', 'b', 'c']));
  t.same([...seen].sort(), ['a', 'b', 'c']);
  t.throws(() => random.pick([]), { name: 'InvalidInputError' });
});

t.test('a seed must be an integer or a string', async (t) => {
  t.throws(() => new SeededRandom(1.5), { name: 'InvalidInputError' });
  t.throws(() => new SeededRandom(undefined as unknown as number), { name: 'InvalidInputError' });
});
