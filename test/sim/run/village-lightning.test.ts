// The village on the Lightning Network (sim/scenarios/village-lightning.yaml),
// run on the real node and gateway code with two real LDK nodes (the
// gateway's and an outside one) on the run's bcoin chain, over TCP on
// loopback: n3 pays an outside invoice through n0, the outside node pays n0's
// public invoice, the shop n1 is paid from outside while away (from a
// payment hash it left) and collects when it is back, then pays out itself.
import t from 'tap';
import { join } from 'node:path';
import { runScenario } from '../../../sim/run.js';
import { loadScenario } from '../../../sim/scenario.js';
import type { EventRecord } from '../../../sim/scheduler.js';

t.setTimeout(300_000);

const scenarios = join(import.meta.dirname, '../../../sim/scenarios');
const HOUR = 3_600_000;
/** The bridge fee of the scenario: 1 sat + 0.2%. */
const fee = (msat: number) => 1000 + Math.floor((msat * 2000) / 1_000_000);

t.test('village-lightning: paid from outside while away, collected on return; both directions balance', async (t) => {
  const records: EventRecord[] = [];
  const report = await runScenario(loadScenario(join(scenarios, 'village-lightning.yaml')), { onRecord: (record) => records.push(record) });
  t.same(
    report.invariants,
    { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held', bridgeBalanced: 'held' },
    'every invariant held, the bridge\'s included',
  );
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.internalErrors ?? 0, 0, 'no internal error');
  t.equal(report.figures.channelsOpened, 6, 'four channels in the star, and n0\'s and n1\'s with the gateway');

  const ended = records.filter((record) => record.kind === 'bridge-payment-ended').map((record) => record.detail.replace(/ after .*/, ''));
  t.same(ended, ['out n3 20000000 msat settled', 'in n0 15000000 msat settled', 'in n1 25000000 msat settled', 'out n1 10000000 msat settled'], 'every bridge payment ended, settled, in order');
  t.equal(report.figures.bridgePendingAtEnd, 0);
  t.equal(report.figures.bridgeInFromLeftHashes, 1, 'the payment to n1 came through a payment hash it left');

  const away = records.find((record) => record.kind === 'bridge-pay-in' && record.detail.startsWith('n1'))!;
  const back = records.find((record) => record.kind === 'node-up' && record.detail === 'n1')!;
  const collected = records.find((record) => record.kind === 'bridge-payment-ended' && record.detail.startsWith('in n1'))!;
  t.match(away.detail, /away: from a hash it left/, 'the outside node paid n1 while it was away');
  t.ok(collected.timeMs >= back.timeMs && collected.timeMs - back.timeMs < HOUR, `n1 collected once it was back (${Math.round((collected.timeMs - back.timeMs) / 1000)} s later), not before`);
  t.ok(collected.timeMs - away.timeMs >= 12 * HOUR, 'the gateway held the payment through the twelve hours n1 was away');

  const out = 20_000_000 + 10_000_000;
  const paidIn = 15_000_000 + 25_000_000;
  t.equal(report.figures.outsideReceivedMsat, out, 'the outside node got exactly its two invoices');
  t.equal(report.figures.outsidePaidMsat, paidIn + fee(15_000_000) + fee(25_000_000), 'and paid the two invoices it was given: the amounts and the bridge fee on each');
  t.equal(report.figures.outsideChangeMsat, out - report.figures.outsidePaidMsat!, 'its channel moved by exactly that');
  t.equal(report.figures.gatewayLightningChangeMsat, -report.figures.outsideChangeMsat!, 'the gateway\'s side mirrors it');
  t.equal(report.figures.bridgeFeesEarnedMsat, fee(20_000_000) + fee(10_000_000) + fee(15_000_000) + fee(25_000_000), 'the gateway kept the four bridge fees, no more');
  t.equal(report.figures.forwardingFeesEarnedMsat, 1000, 'n0 earned its forwarding fee on n3\'s payment out');
});
