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

t.test('gateway-outage: payments go on through a day without the gateway; the appointments reach the tower after', { timeout: 300_000 }, async (t) => {
  // Shortened to half a day after the outage.
  const report = await runScenario(loadScenario(join(scenarios, 'gateway-outage.yaml')), { durationMs: 60 * HOUR });
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.ok(report.figures.paymentsSettled! > 300, `${report.figures.paymentsSettled} payments settled`);
  const outage = report.series.timeline.find((entry) => entry.kind === 'gateway-outage')!;
  t.same([outage.startMs, outage.endMs], [DAY, 2 * DAY], 'the gateway was out from day 1 to day 2');
  const { appointmentsPendingPeak: peak, appointmentsPendingAtEnd: atEnd } = report.figures;
  t.ok(peak! > 200, `the outage queued appointments in the nodes (${peak} at the peak)`);
  t.ok(atEnd! < peak! / 4, `and they reached the tower after it (${atEnd} waiting at the end: the last hours')`);
});
