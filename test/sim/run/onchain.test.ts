// The simulator's proof of the nodes' on-chain half: shipped scenarios where
// channels go on chain (a unilateral close with HTLCs in flight, a payee
// that never comes back, a breach while the tower is down) run on the real
// node and gateway code; every invariant holds, the on-chain ones included
// (closesResolved: every claim confirmed, void, or still locked by its delay;
// noLateFulfills: no preimage given for an expired HTLC).
import t from 'tap';
import { join } from 'node:path';
import { runScenario } from '../../../sim/run.js';
import { loadScenario } from '../../../sim/scenario.js';

t.setTimeout(600_000);

const scenarios = join(import.meta.dirname, '../../../sim/scenarios');
const ALL_HELD = { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held' };

t.test('unilateral-close: n1 closes with n2 alone while a payment is in flight; all of it resolves on chain', { timeout: 300_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'unilateral-close.yaml')));
  t.same(report.invariants, ALL_HELD, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.channelsForceClosed, 1, 'the channel n1 - n2 closed on chain, seen by both');
  t.equal(report.figures.claimsLockedAtEnd, 0, 'every claim of both is swept by the end');
  t.ok(report.figures.paymentsSettled! > 0, `${report.figures.paymentsSettled} payments settled, before the close or through it`);
  t.equal(report.figures.paymentsPendingAtEnd, 0, `none pending at the end (${report.figures.paymentsFailed ?? 0} failed back)`);
  // The 50,000-sat payment n2 went away with: its HTLC is on n1's commitment; n2, back, claims it with the preimage and
  // n1 takes the preimage from the chain upstream. n1's HTLC-timeout, whose fee its wallet paid, is void: the wallet has
  // its coin back and no change from it (valueConserved read the chain: before the wallet was told, it counted that change).
  t.equal(report.figures.htlcsResolvedOnchain, 1, 'one HTLC in flight at the close was resolved on chain');
  t.ok(report.series.paymentLatenciesMs.some((ms) => ms >= 3_600_000), 'its payment settled, once n2 was back an hour later');
});

t.test('payee-gone: n2 leaves for good while n0 pays it; the HTLC is timed out on chain and failed back', { timeout: 300_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'payee-gone.yaml')));
  t.same(report.invariants, ALL_HELD, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.paymentsFailed, 1, 'the payment failed, at the payer');
  t.equal(report.figures.paymentsSettled ?? 0, 0, 'and never settled');
  t.ok(report.figures.channelsForceClosed! >= 0.5, 'a channel went on chain to time it out (seen by the nodes still running)');
  t.equal(report.figures.claimsLockedAtEnd, 0, 'and swept everything by the end');
  // The payments drained at once; what n1 queued for n2, away for good, is still in its outbox, and the series ends there too.
  t.ok(report.figures.outboxDepthAtEnd! > 0, `the outboxes still hold ${report.figures.outboxDepthAtEnd} frames for n2 at the end (drainMs ${report.figures.drainMs})`);
  t.equal(report.series.outboxDepth.reduce((sum, series) => sum + series.points.at(-1)![1], 0), report.figures.outboxDepthAtEnd, "the outbox series' last depths add up to it");
});

t.test('breach-tower-down: n2 cheats n1 while the tower is down; n1, online, punishes it itself', { timeout: 300_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'breach-tower-down.yaml')));
  t.same(report.invariants, ALL_HELD, 'every invariant held');
  t.equal(report.figures.breaches, 1, 'the revoked commitment reached the chain');
  t.equal(report.figures.towerResponses, 0, 'the tower, down, did nothing');
  const justice = report.series.timeline.find((entry) => entry.kind === 'justice');
  t.equal(justice?.label, 'n1 punishes n2', 'the victim punished it itself');
  t.ok(report.figures['recoveredSat.n1']! > 900_000, `n1 got back ${report.figures['recoveredSat.n1']} sat of the 1,000,000-sat channel`);
});
