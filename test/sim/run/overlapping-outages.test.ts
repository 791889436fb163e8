// Two gateway outages that overlap: the gateway goes down with the first and
// comes back once, when the second ends; one gateway runs after, and the
// payments and appointments go on through it.
import t from 'tap';
import type { EventRecord } from '../../../sim/scheduler.js';
import { runScenario } from '../../../sim/run.js';
import { parseScenario } from '../../../sim/scenario.js';

t.setTimeout(600_000);

const HOUR = 3_600_000;

const SCENARIO = `
name: overlapping-outages
duration: 6h
topology: { kind: line, nodes: 3 }
links: { default: { kind: serial, baudRate: 9600 } }
channels:
  - { adjacent: true, capacity: 500000, push: 250000 }
events:
  - { at: 1h, payment: { from: n0, to: n2, amount: 10000 } }
  - { at: 2h, gatewayOutage: 2h }
  - { at: 3h, gatewayOutage: 2h }
  - { at: 330m, payment: { from: n2, to: n0, amount: 20000 } }
`;

t.test('overlapping gateway outages: down with the first, back once with the last', async (t) => {
  const records: EventRecord[] = [];
  const report = await runScenario(parseScenario(SCENARIO, 'overlapping-outages.yaml'), { onRecord: (record) => records.push(record) });
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held' }, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.gatewayRestarts, 1, 'the gateway came back once: one gateway runs after');
  t.same(
    records.filter((record) => record.kind === 'gateway-back').map((record) => record.kind),
    ['gateway-back'],
    'one gateway-back in the event log',
  );
  const outages = report.series.timeline.filter((entry) => entry.kind === 'gateway-outage');
  t.same(
    outages.map((entry) => [entry.startMs, entry.endMs]),
    [[2 * HOUR, 5 * HOUR]],
    'one span on the timeline, from the start of the first to the end of the last',
  );
  t.equal(report.figures.paymentsSettled, 2, 'a payment before and one after the outages settled');
  t.equal(report.figures.appointmentsPendingAtEnd, 0, 'the gateway back took every appointment');
});
