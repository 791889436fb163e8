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

t.test('headline: n1 is away ten days, n2 broadcasts a revoked state, the tower punishes', { timeout: 300_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'headline.yaml')));
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.paymentsSettled, report.figures.paymentsSent, `all ${report.figures.paymentsSent} payments of the first day settled`);
  t.ok(report.figures.paymentsSent! >= 10, 'and there were some');
  t.equal(report.figures.breaches, 1, 'the revoked commitment reached the chain');
  const breach = report.series.timeline.find((entry) => entry.kind === 'breach')!;
  const justice = report.series.timeline.find((entry) => entry.kind === 'justice')!;
  const away = report.series.timeline.find((entry) => entry.kind === 'offline' && entry.label === 'n1')!;
  t.ok(justice && justice.startMs >= breach.startMs && justice.startMs < away.endMs!, 'the justice transaction confirmed while n1 was still away: the tower did it');
  t.equal(justice.label, 'tower punishes n2 for n1', 'and the timeline credits the tower');
  t.ok(report.figures.justiceBlocksBeforeDeadline! > 0, `${report.figures.justiceBlocksBeforeDeadline} blocks before the CSV delay ran out`);
  t.ok(report.figures['recoveredSat.n1']! > 900_000, `n1 got back ${report.figures['recoveredSat.n1']} sat of the 1,000,000-sat channel (its balance and the cheater's)`);
  t.equal(report.figures.breachAlertsReceived, 1, 'n1, back, got the signed breach alert');
  t.equal(report.figures.towerResponses, 1);
});
