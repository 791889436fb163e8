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

t.test('lora-grid-50, its first hours: every channel opens and the payments flow', { timeout: 600_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'lora-grid-50.yaml')), { durationMs: 3 * HOUR });
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.channelsOpened, 85, 'the 85 channels of the grid opened');
  t.ok(report.figures.paymentsSettled! > 20, `${report.figures.paymentsSettled} payments settled`);
  t.equal(report.figures.paymentsSettled, report.figures.paymentsSent, 'every payment sent settled (after the drain)');
  t.equal(report.series.outboxDepth.length, 50, 'an outbox series per node');
  t.equal(report.series.balances.length, 85, 'a balance series per channel');
});
