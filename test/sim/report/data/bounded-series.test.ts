import t from 'tap';
import { BoundedSeries } from '../../../../sim/report/data/bounded-series.js';

type Depth = [atMs: number, depth: number];

/** The value a step series holds at `atMs`: that of the last point at or before it. */
function valueAt(points: readonly Depth[], atMs: number): number | undefined {
  let value: number | undefined;
  for (const [pointAt, pointValue] of points) {
    if (pointAt > atMs) break;
    value = pointValue;
  }
  return value;
}

t.test('keeps every change while it fits, and drops samples that change nothing', async (t) => {
  const series = new BoundedSeries<Depth>(10);
  for (const [atMs, depth] of [
    [0, 0],
    [5, 1],
    [6, 1],
    [9, 3],
    [9, 3],
    [12, 0],
  ] as Depth[]) {
    series.push([atMs, depth]);
  }
  t.same(series.toArray(), [
    [0, 0],
    [5, 1],
    [9, 3],
    [12, 0],
  ]);
  t.equal(series.resolutionMs, 0, 'nothing merged yet');
});

t.test('a million samples fit in the capacity, and the shape survives: peaks, dips, the last value', async (t) => {
  const capacity = 2000;
  const series = new BoundedSeries<Depth>(capacity);
  const samples: Depth[] = [];
  // A slow wave with noise, one spike to 500 and one dip to 0 in the middle of the run.
  for (let i = 0; i < 1_000_000; i++) {
    const atMs = i * 1000;
    let depth = Math.round(50 + 40 * Math.sin(i / 20_000) + ((i * 7919) % 11));
    if (i === 333_333) depth = 500;
    if (i === 666_667) depth = 0;
    samples.push([atMs, depth]);
    series.push([atMs, depth]);
    if (series.length > capacity) t.fail(`length ${series.length} went over the capacity at sample ${i}`);
  }
  const kept = series.toArray();
  t.ok(kept.length <= capacity, `${kept.length} points kept`);
  t.ok(kept.length > capacity / 4, 'but not needlessly few');
  t.same(kept.at(-1), samples.at(-1), 'the last value is exact');
  t.same(kept[0], samples[0], 'so is the first');
  t.ok(
    kept.some(([, depth]) => depth === 500),
    'the spike is kept',
  );
  t.ok(
    kept.some(([, depth]) => depth === 0),
    'the dip is kept',
  );
  t.ok(
    kept.every(([atMs], index) => index === 0 || atMs > kept[index - 1]![0]),
    'points stay in time order',
  );
  const sampled = new Map(samples.map(([atMs, depth]) => [atMs, depth]));
  t.ok(
    kept.every(([atMs, depth]) => sampled.get(atMs) === depth),
    'every kept point is a real sample, not an average',
  );

  // Anywhere in the run, the kept line holds a value the true series had within two buckets of that moment.
  const window = 2 * series.resolutionMs;
  let outside = 0;
  for (let probe = 0; probe < 1000; probe++) {
    const atMs = Math.floor((probe / 1000) * 999_999) * 1000;
    // Sample i is at i seconds.
    const nearby = samples.slice(Math.max(0, (atMs - window) / 1000), (atMs + window) / 1000 + 1).map(([, depth]) => depth);
    const value = valueAt(kept, atMs)!;
    if (value < Math.min(...nearby) || value > Math.max(...nearby)) outside++;
  }
  t.equal(outside, 0, `the kept line stays within the true range around every probe (buckets of ${series.resolutionMs} ms)`);
});

t.test('lowering the capacity merges at once; extra values stay with their point', async (t) => {
  const series = new BoundedSeries<[number, number, number]>(1000);
  for (let i = 0; i < 1000; i++) series.push([i * 60_000, 1_000_000 - i * 1000, i * 1000]);
  t.equal(series.length, 1000);
  series.setCapacity(60);
  t.ok(series.length <= 60, `${series.length} points after lowering to 60`);
  t.ok(
    series.toArray().every(([, local, remote]) => local + remote === 1_000_000),
    'each kept point is a whole sample: local and remote still add up',
  );
});

t.test('refuses samples out of time order, non-numbers and a capacity too small to merge', async (t) => {
  const series = new BoundedSeries<Depth>(10);
  series.push([100, 1]);
  t.throws(() => series.push([99, 2]), { name: 'InvalidInputError', field: 'atMs' });
  t.throws(() => series.push([101, Number.NaN]), { name: 'InvalidInputError', field: 'value' });
  t.throws(() => new BoundedSeries<Depth>(3), { name: 'InvalidInputError', field: 'capacity' });
  t.same(series.toArray(), [[100, 1]], 'nothing refused was kept');
});
