import t from 'tap';
import { latencyBins } from '../../../../sim/report/plots/latency-histogram.js';

const SECOND = 1000;
const HOUR = 3_600_000;

t.test('bins widen by two to three times, from the shortest latency to the longest, empty ones between kept', async (t) => {
  const bins = latencyBins([1500, 1900, 4 * SECOND, 3 * HOUR]);
  t.same(bins[0], { startMs: SECOND, endMs: 2 * SECOND, count: 2 });
  t.same(bins[1], { startMs: 2 * SECOND, endMs: 5 * SECOND, count: 1 });
  t.same(bins.at(-1), { startMs: 2 * HOUR, endMs: 6 * HOUR, count: 1 });
  t.ok(
    bins.every((bin, index) => index === 0 || bin.startMs === bins[index - 1]!.endMs),
    'contiguous',
  );
  t.ok(
    bins.every((bin) => bin.endMs / bin.startMs >= 1.5 && bin.endMs / bin.startMs <= 3),
    'each 1.5 to 3 times wider than it starts',
  );
});

t.test('zero, an exact edge and latencies beyond the named bins', async (t) => {
  t.same(latencyBins([0]), [{ startMs: 0, endMs: 1, count: 1 }]);
  t.same(latencyBins([2 * SECOND]), [{ startMs: 2 * SECOND, endMs: 5 * SECOND, count: 1 }], 'an edge belongs to the bin it starts');
  const year = 365 * 24 * HOUR;
  const bins = latencyBins([year]);
  t.equal(bins.length, 1);
  t.ok(bins[0]!.startMs <= year && year < bins[0]!.endMs, 'a year still finds a bin');
  t.same(latencyBins([]), []);
});
