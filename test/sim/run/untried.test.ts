// What a run cannot try is counted as such: a channel whose link is down
// until it is too late to open never opens, and payments across it could
// never be made; neither passes for a failure of the code. And a payment cut
// short by the drain is a violation whose times read as durations.
import t from 'tap';
import type { EventRecord } from '../../../sim/scheduler.js';
import { runScenario } from '../../../sim/run.js';
import { parseScenario } from '../../../sim/scenario.js';

t.setTimeout(600_000);

const SCENARIO = `
name: untried
duration: 3h
topology: { kind: line, nodes: 3 }
links: { default: { kind: serial, baudRate: 9600 } }
channels:
  - { adjacent: true, capacity: 500000, push: 250000 }
events:
  - { at: 0s, linkDown: [n1, n2] }
  - { at: 1h, payment: { from: n0, to: n1, amount: 10000 } }
  - { at: 90m, payment: { from: n0, to: n2, amount: 10000 } }
  - { at: 2h, payment: { from: n2, to: n1, amount: 10000 } }
  - { at: 175m, linkUp: [n1, n2] }
  - { at: 10799.9s, payment: { from: n1, to: n0, amount: 10000 } }
`;

t.test('a channel that never opened and payments that could never be made are counted apart', async (t) => {
  const records: EventRecord[] = [];
  // A drain of a millisecond: the last payment, sent 100 ms before the end, cannot end in it.
  const report = await runScenario(parseScenario(SCENARIO, 'untried.yaml'), { drainLimitMs: 1, onRecord: (record) => records.push(record) });
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.channelsNeverOpened, 1, 'n1 - n2 never opened');
  t.equal(report.figures.channelsOpened, 1, 'n0 - n1 did');
  t.same(
    records.filter((record) => record.kind === 'channel-never-opened').map((record) => record.detail),
    ['n1 n2'],
  );
  t.equal(report.figures.paymentsImpossible, 2, 'the two payments across n1 - n2 could never be made');
  t.same(
    records.filter((record) => record.kind === 'payment-impossible').map((record) => record.detail),
    ['n0 n2 10000: no channel open between n1 and n2', 'n2 n1 10000: no channel open between n2 and n1'],
  );
  t.equal(report.figures.paymentsFailed ?? 0, 0, 'not folded into the failures');
  t.equal(report.figures.paymentsRefused ?? 0, 0, 'nor into the refusals');
  t.equal(report.figures.paymentsSent, 2, 'the two payments over n0 - n1 were sent');
  t.equal(report.figures.paymentsSettled, 1, 'the first settled');
  t.equal(report.figures.paymentsPendingAtEnd, 1, 'the last had no time to');

  t.equal(report.invariants.paymentsEnd, 'violated', 'the last one had not ended with the mesh whole');
  const violation = report.violations.find((found) => found.invariant === 'paymentsEnd')!;
  t.match(violation.detail, /^n1 → n0 \(10000000 msat\), sent at 3 h, had not ended 101 ms later with the mesh whole$/, 'its times as durations (10799900 ms is 3 h)');
});
