import t from 'tap';
import { ReportRecorder, type RunFacts } from '../../../../sim/report/data/report-recorder.js';
import { DAY, HOUR, MINUTE } from '../sample-report.js';

const FACTS: RunFacts = { scenario: 'three hops across a partition', seed: 7, eventLogHash: 'ab'.repeat(32), virtualDurationMs: DAY, wallClockMs: 900, events: 4321 };

t.test('the runner tells what happens; the report says what held, with figures and series', async (t) => {
  const recorder = new ReportRecorder();
  recorder.declareInvariants(['noFundsLost', 'paymentsEnd']);

  recorder.timelineStart('partition', 'a | b,c', 2 * HOUR);
  recorder.count('paymentsSent');
  recorder.sampleOutboxDepth('a', 2 * HOUR, 1);
  recorder.sampleOutboxDepth('a', 3 * HOUR, 2);
  t.equal(recorder.timelineEnd('partition', 'a | b,c', 5 * HOUR), true, 'the partition heals');
  t.equal(recorder.timelineEnd('partition', 'a | b,c', 6 * HOUR), false, 'nothing open is left to end');
  recorder.sampleOutboxDepth('a', 5 * HOUR + 10_000, 0);
  recorder.recordPaymentLatency(3 * HOUR + 10_000);
  recorder.count('paymentsSettled');
  recorder.sampleBalance('a-b', 0, 500_000_000, 0);
  recorder.sampleBalance('a-b', 5 * HOUR + 10_000, 490_000_000, 10_000_000);
  recorder.sampleAirtime('a', 1200, 36_000);
  recorder.sampleAirtime('a', 300, 36_000);
  recorder.timelineInstant('breach', 'c broadcasts revoked state 3', 20 * HOUR);
  recorder.timelineStart('offline', 'c offline', 21 * HOUR);

  const report = recorder.finish(FACTS);
  t.same(report.invariants, { noFundsLost: 'held', paymentsEnd: 'held' });
  t.same(report.violations, []);
  t.equal(report.scenario, FACTS.scenario);
  t.equal(report.eventLogHash, FACTS.eventLogHash);
  t.notOk('description' in report, 'no description key when the scenario has none');
  t.same(report.figures, {
    paymentsSent: 1,
    paymentsSettled: 1,
    latencyCount: 1,
    latencyP50Ms: 3 * HOUR + 10_000,
    latencyP90Ms: 3 * HOUR + 10_000,
    latencyP99Ms: 3 * HOUR + 10_000,
    latencyMaxMs: 3 * HOUR + 10_000,
    latencyMeanMs: 3 * HOUR + 10_000,
  });
  t.same(report.series.paymentLatenciesMs, [3 * HOUR + 10_000]);
  t.same(report.series.airtime, [{ node: 'a', usedMs: 1200, budgetMs: 36_000 }], 'the busiest window is kept');
  t.same(report.series.outboxDepth, [
    {
      node: 'a',
      points: [
        [2 * HOUR, 1],
        [3 * HOUR, 2],
        [5 * HOUR + 10_000, 0],
      ],
    },
  ]);
  t.same(report.series.balances, [
    {
      channel: 'a-b',
      points: [
        [0, 500_000_000, 0],
        [5 * HOUR + 10_000, 490_000_000, 10_000_000],
      ],
    },
  ]);
  t.same(report.series.timeline, [
    { kind: 'partition', label: 'a | b,c', startMs: 2 * HOUR, endMs: 5 * HOUR },
    { kind: 'breach', label: 'c broadcasts revoked state 3', startMs: 20 * HOUR, endMs: 20 * HOUR },
    { kind: 'offline', label: 'c offline', startMs: 21 * HOUR },
  ]);
});

t.test('a violation marks its invariant violated, declared or not', async (t) => {
  const recorder = new ReportRecorder();
  recorder.declareInvariants(['noFundsLost', 'breachesPunished']);
  recorder.violation('breachesPunished', 3 * DAY, 'revoked commitment of a-b confirmed at height 812; CSV delay ran out at 956 unpunished');
  recorder.violation('balanceConserved', 3 * DAY, 'sum fell by 1 msat');
  recorder.declareInvariants(['breachesPunished']); // declaring again does not clear it
  const report = recorder.finish(FACTS);
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'violated', balanceConserved: 'violated' });
  t.equal(report.violations.length, 2);
  t.equal(report.violations[0]!.invariant, 'breachesPunished');
});

t.test('past the limits, violations and timeline entries are counted rather than kept', async (t) => {
  const recorder = new ReportRecorder({ maxViolations: 3, maxTimelineEntries: 2 });
  for (let i = 0; i < 10; i++) recorder.violation('paymentsEnd', i * MINUTE, `payment ${i} never ended`);
  for (let i = 0; i < 5; i++) recorder.timelineInstant('reorg', `reorg ${i}`, i * HOUR);
  const report = recorder.finish(FACTS);
  t.equal(report.violations.length, 3);
  t.equal(report.figures.violationsNotListed, 7);
  t.equal(report.series.timeline.length, 2);
  t.equal(report.figures.timelineEntriesDropped, 3);
});

t.test('50 nodes for 30 days: memory stays bounded, points are shared out among the series', async (t) => {
  const recorder = new ReportRecorder({ maxPointsPerSeries: 2000, maxPointsPerKind: 50_000 });
  const nodes = Array.from({ length: 50 }, (_, index) => `n${index}`);
  // An outbox sample and a balance sample every ten simulated minutes for every node: 216,000 of each.
  const depthAt = (minute: number, index: number) => (minute * (index + 3)) % 17;
  const lastMinute = 30 * 24 * 60 - 10;
  for (let minute = 0; minute <= lastMinute; minute += 10) {
    const atMs = minute * MINUTE;
    nodes.forEach((node, index) => {
      recorder.sampleOutboxDepth(node, atMs, depthAt(minute, index));
      recorder.sampleBalance(`${node}-n${(index + 1) % 50}`, atMs, 1_000_000_000 - ((minute * 1000 * (index + 1)) % 1_000_000_000), (minute * 1000 * (index + 1)) % 1_000_000_000);
    });
    recordPayments(minute);
  }
  const report = recorder.finish({ ...FACTS, virtualDurationMs: 30 * DAY });

  function recordPayments(minute: number): void {
    // One payment per node per hour.
    if (minute % 60 === 0) for (let node = 0; node < 50; node++) recorder.recordPaymentLatency(1000 + ((minute + node) % 7000));
  }
  const outboxPoints = report.series.outboxDepth.reduce((sum, series) => sum + series.points.length, 0);
  const balancePoints = report.series.balances.reduce((sum, series) => sum + series.points.length, 0);
  t.equal(report.series.outboxDepth.length, 50);
  t.ok(outboxPoints <= 50_000, `${outboxPoints} outbox points kept of 216,000 sampled`);
  t.ok(balancePoints <= 50_000, `${balancePoints} balance points kept of 216,000 sampled`);
  t.ok(
    report.series.outboxDepth.every((series) => series.points.length <= 1000),
    'each series within its share (50,000 / 50)',
  );
  t.ok(
    report.series.outboxDepth.every((series, index) => series.points.at(-1)![1] === depthAt(lastMinute, index)),
    'each ends on the depth last sampled',
  );
  t.ok(report.series.paymentLatenciesMs.length <= 2000);
  t.equal(report.figures.latencyCount, 36_000);
});

t.test('a new series lowers the share of the ones already there', async (t) => {
  const recorder = new ReportRecorder({ maxPointsPerSeries: 100, maxPointsPerKind: 200 });
  for (let i = 0; i < 100; i++) recorder.sampleOutboxDepth('a', i, i % 2);
  t.equal(recorder.finish(FACTS).series.outboxDepth[0]!.points.length, 100, 'alone, a series has its full capacity');
  recorder.sampleOutboxDepth('b', 0, 1);
  recorder.sampleOutboxDepth('c', 0, 1);
  const report = recorder.finish(FACTS);
  t.ok(report.series.outboxDepth[0]!.points.length <= 66, `with three series, each keeps at most 200 / 3 (a keeps ${report.series.outboxDepth[0]!.points.length})`);
});

t.test('refuses what would make a report wrong', async (t) => {
  const recorder = new ReportRecorder();
  t.throws(() => recorder.timelineStart('eclipse' as never, 'the sun', 0), { name: 'InvalidInputError', field: 'kind' });
  t.throws(() => recorder.setFigure('bytesOnAir', Number.NaN), { name: 'InvalidInputError', field: 'bytesOnAir' });
  t.throws(() => recorder.sampleAirtime('a', -1, 36_000), { name: 'InvalidInputError', field: 'usedMs' });
  recorder.timelineStart('link-down', 'a-b', 10 * MINUTE);
  t.throws(() => recorder.timelineEnd('link-down', 'a-b', 5 * MINUTE), { name: 'InvalidInputError', field: 'atMs' });
  t.throws(() => new ReportRecorder({ maxPointsPerSeries: 2000, maxPointsPerKind: 100 }), { name: 'InvalidInputError', field: 'maxPointsPerKind' });
  t.throws(() => new ReportRecorder({ maxPointsPerSeries: 2 }), { name: 'InvalidInputError', field: 'maxPointsPerSeries' });
});
