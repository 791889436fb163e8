// The events no shipped scenario uses, run on a small mesh: a link cut and
// restored under a payment, and a reorg of the gateway's chain.
import t from 'tap';
import { runScenario } from '../../../sim/run.js';
import { parseScenario } from '../../../sim/scenario.js';

t.setTimeout(600_000);

const HOUR = 3_600_000;

const SCENARIO = `
name: events
duration: 6h
topology: { kind: line, nodes: 3 }
links: { default: { kind: serial, baudRate: 9600 } }
channels:
  - { adjacent: true, capacity: 500000, push: 250000 }
events:
  - { at: 2h, linkDown: [n1, n2] }
  - { at: 150m, payment: { from: n0, to: n2, amount: 20000 } }
  - { at: 3h, linkUp: [n1, n2] }
  - { at: 4h, reorg: 2 }
`;

t.test('a payment waits for a cut link to come back; a reorg changes nothing owed', async (t) => {
  const report = await runScenario(parseScenario(SCENARIO, 'events.yaml'));
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.paymentsSettled, 1, 'the payment settled');
  t.equal(report.figures.forwardingFeesPaidMsat, 1000, 'n0 paid n1\'s fee, the default 1 sat, on top');
  t.equal(report.figures.forwardingFeesEarnedMsat, 1000, 'n1 earned it: the balances checked above count it');
  t.ok(report.series.paymentLatenciesMs[0]! >= HOUR / 2, `once the link was back, half an hour after it was sent (${Math.round(report.series.paymentLatenciesMs[0]! / 60_000)} min)`);
  const cut = report.series.timeline.find((entry) => entry.kind === 'link-down')!;
  t.same([cut.label, cut.startMs, cut.endMs], ['n1–n2', 2 * HOUR, 3 * HOUR], 'the cut is on the timeline');
  const reorg = report.series.timeline.find((entry) => entry.kind === 'reorg')!;
  t.same([reorg.startMs, reorg.endMs], [4 * HOUR, 4 * HOUR], 'and the reorg');
  t.equal(report.figures.channelsOpened, 2);
});
