// The simulator's proof: each shipped scenario runs (the 50-node grid
// shortened) on the real node and gateway code, and its invariants and its
// outcome are asserted; a run repeats event for event from its seed.
import t from 'tap';
import { join } from 'node:path';
import { runScenario } from '../../../sim/run.js';
import { loadScenario } from '../../../sim/scenario.js';

// A whole run of real nodes and a real gateway: longer than tap's default per file on a loaded machine.
t.setTimeout(600_000);

const scenarios = join(import.meta.dirname, '../../../sim/scenarios');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

t.test('partition-heal: a three-hop payment sent across a partition settles after the heal', { timeout: 300_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'partition-heal.yaml')));
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.channelsOpened, 3);
  t.equal(report.figures.paymentsSettled, 1, 'the payment settled');
  t.equal(report.figures.forwardingFeesPaidMsat, 2000, 'n0 paid the fees of n1 and n2 (1 sat each, the default), composed in n1\'s quote');
  t.equal(report.figures.forwardingFeesEarnedMsat, 2000, 'and they earned them: the balances checked above count them');
  const partition = report.series.timeline.find((entry) => entry.kind === 'partition')!;
  t.same([partition.startMs, partition.endMs], [2 * HOUR, DAY], 'the partition lasted from 2 h to 1 d');
  t.ok(report.series.paymentLatenciesMs[0]! >= DAY - 3 * HOUR, `sent at 3 h, it waited for the heal (${Math.round(report.series.paymentLatenciesMs[0]! / HOUR)} h)`);
  // The drain and the outbox series tell one story: a last sample at the drain's end (a series keeps a point where
  // its value changes), so the series' last depths add up to outboxDepthAtEnd.
  t.equal(report.series.outboxDepth.reduce((sum, series) => sum + series.points.at(-1)![1], 0), report.figures.outboxDepthAtEnd, `the outbox series' last depths add up to outboxDepthAtEnd (${report.figures.outboxDepthAtEnd})`);
});
