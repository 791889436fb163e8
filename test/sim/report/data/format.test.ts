import t from 'tap';
import { formatDuration, formatFigure, formatNumber, humanizeName } from '../../../../sim/report/data/format.js';

t.test('durations in the units that fit them', async (t) => {
  const cases: [number, string][] = [
    [0, '0 ms'],
    [4.25, '4.25 ms'],
    [850, '850 ms'],
    [1234, '1.23 s'],
    [45_600, '45.6 s'],
    [200_000, '3 min 20 s'],
    [3_599_900, '1 h'],
    [7_500_000, '2 h 5 min'],
    [10 * 86_400_000, '10 d'],
    [10 * 86_400_000 + 4 * 3_600_000, '10 d 4 h'],
  ];
  for (const [ms, text] of cases) t.equal(formatDuration(ms), text, `${ms} ms`);
});

t.test('figures by the unit in their name', async (t) => {
  t.equal(formatFigure('latencyP50Ms', 27_600), '27.6 s');
  t.equal(formatFigure('feesMsat', 1_234_500), '1,234.5 sat');
  t.equal(formatFigure('frameBytes', 2048), '2,048 B');
  t.equal(formatFigure('paymentsSent', 1_234_567), '1,234,567');
  t.equal(formatNumber(3.14159), '3.142');
});

t.test('camelCase names as words, without their unit', async (t) => {
  t.equal(humanizeName('noFundsLost'), 'no funds lost');
  t.equal(humanizeName('latencyP50Ms'), 'latency p50');
  t.equal(humanizeName('bytesOnAir'), 'bytes on air');
  t.equal(humanizeName('HTLCsInFlight'), 'htl cs in flight', 'acronyms are not guessed at');
});
