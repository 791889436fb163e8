// The simulator's proof: each shipped scenario runs (the 50-node grid
// shortened) on the real node and gateway code, and its invariants and its
// outcome are asserted; a run repeats event for event from its seed.
import t from 'tap';
import { join } from 'node:path';
import { runScenario } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario.js';

const scenarios = join(import.meta.dirname, '../../sim/scenarios');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

t.test('headline: n1 is away ten days, n2 broadcasts a revoked state, the tower punishes', { timeout: 300_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'headline.yaml')));
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.paymentsSettled, report.figures.paymentsSent, `all ${report.figures.paymentsSent} payments of the first day settled`);
  t.ok(report.figures.paymentsSent! >= 10, 'and there were some');
  t.equal(report.figures.breaches, 1, 'the revoked commitment reached the chain');
  const breach = report.series.timeline.find((entry) => entry.kind === 'breach')!;
  const justice = report.series.timeline.find((entry) => entry.kind === 'justice')!;
  const away = report.series.timeline.find((entry) => entry.kind === 'offline' && entry.label === 'n1')!;
  t.ok(justice && justice.startMs >= breach.startMs && justice.startMs < away.endMs!, 'the justice transaction confirmed while n1 was still away: the tower did it');
  t.ok(report.figures.justiceBlocksBeforeDeadline! > 0, `${report.figures.justiceBlocksBeforeDeadline} blocks before the CSV delay ran out`);
  t.ok(report.figures['recoveredSat.n1']! > 900_000, `n1 got back ${report.figures['recoveredSat.n1']} sat of the 1,000,000-sat channel (its balance and the cheater's)`);
  t.equal(report.figures.breachAlertsReceived, 1, 'n1, back, got the signed breach alert');
  t.equal(report.figures.towerResponses, 1);
});

t.test('partition-heal: a three-hop payment sent across a partition settles after the heal', { timeout: 300_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'partition-heal.yaml')));
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.channelsOpened, 3);
  t.equal(report.figures.paymentsSettled, 1, 'the payment settled');
  const partition = report.series.timeline.find((entry) => entry.kind === 'partition')!;
  t.same([partition.startMs, partition.endMs], [2 * HOUR, DAY], 'the partition lasted from 2 h to 1 d');
  t.ok(report.series.paymentLatenciesMs[0]! >= DAY - 3 * HOUR, `sent at 3 h, it waited for the heal (${Math.round(report.series.paymentLatenciesMs[0]! / HOUR)} h)`);
});

t.test('gateway-outage: payments go on through a day without the gateway; the appointments reach the tower after', { timeout: 300_000 }, async (t) => {
  // Shortened to half a day after the outage.
  const report = await runScenario(loadScenario(join(scenarios, 'gateway-outage.yaml')), { durationMs: 60 * HOUR });
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held' }, 'every invariant held');
  t.ok(report.figures.paymentsSettled! > 300, `${report.figures.paymentsSettled} payments settled`);
  const outage = report.series.timeline.find((entry) => entry.kind === 'gateway-outage')!;
  t.same([outage.startMs, outage.endMs], [DAY, 2 * DAY], 'the gateway was out from day 1 to day 2');
  const { appointmentsPendingPeak: peak, appointmentsPendingAtEnd: atEnd } = report.figures;
  t.ok(peak! > 200, `the outage queued appointments in the nodes (${peak} at the peak)`);
  t.ok(atEnd! < peak! / 4, `and they reached the tower after it (${atEnd} waiting at the end: the last hours')`);
});

t.test('lora-grid-50, its first hours: every channel opens and the payments flow', { timeout: 600_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'lora-grid-50.yaml')), { durationMs: 3 * HOUR });
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.channelsOpened, 85, 'the 85 channels of the grid opened');
  t.ok(report.figures.paymentsSettled! > 20, `${report.figures.paymentsSettled} payments settled`);
  t.equal(report.figures.paymentsSettled, report.figures.paymentsSent, 'every payment sent settled (after the drain)');
  t.equal(report.series.outboxDepth.length, 50, 'an outbox series per node');
  t.equal(report.series.balances.length, 85, 'a balance series per channel');
});

t.test('the same seed gives the same run, event for event; another seed another run', { timeout: 300_000 }, async (t) => {
  const scenario = loadScenario(join(scenarios, 'partition-heal.yaml'));
  const options = { durationMs: 6 * HOUR };
  const first = await runScenario(scenario, options);
  const again = await runScenario(scenario, options);
  const other = await runScenario(scenario, { ...options, seed: 2 });
  t.match(first.eventLogHash, /^[0-9a-f]{64}$/);
  t.equal(again.eventLogHash, first.eventLogHash, 'seed 1 twice: the same event-log hash');
  t.equal(again.events, first.events);
  t.same(again.figures, first.figures, 'and the same figures');
  t.not(other.eventLogHash, first.eventLogHash, 'seed 2: another hash');
  t.equal(other.seed, 2);
});
