// lnmesh on Meshtastic radios in the simulator (issue 18): the shipped
// LongFast scenario runs, every payment completes and every invariant holds;
// and what one payment costs a LongFast hop, measured on a hop that carries
// nothing else, against the issue's reference (a BOLT 2 hop, about 2,440
// bytes: 27.5 s of LongFast, about 13 payments an hour under EU_868's 10%).
import t from 'tap';
import { join } from 'node:path';
import { frameDurationMs } from '../../../sim/link-model.js';
import { SIM_EPOCH_MS, runScenario } from '../../../sim/run.js';
import { linkModelBetween, loadScenario, parseScenario } from '../../../sim/scenario.js';

// Whole runs of real nodes and a real gateway: longer than tap's default per file on a loaded machine.
t.setTimeout(600_000);

const scenarios = join(import.meta.dirname, '../../../sim/scenarios');
const HOUR = 3_600_000;
const EU_868_BUDGET_MS = 0.1 * HOUR;

t.test('meshtastic-longfast: payments cross LongFast links (one two Meshtastic hops long) and an RNode link', { timeout: 300_000 }, async (t) => {
  const scenario = loadScenario(join(scenarios, 'meshtastic-longfast.yaml'));
  t.same(linkModelBetween(scenario, 'n1', 'n2'), { kind: 'meshtastic', preset: 'LongFast', region: 'EU_868', hops: 2, encryption: 'pkc', lossRate: 0.02 });
  t.equal(linkModelBetween(scenario, 'n3', 'n4').kind, 'lora', 'n3 has an RNode too');
  const report = await runScenario(scenario);
  const { figures } = report;
  t.same(report.invariants, { noFundsLost: 'held', breachesPunished: 'held', paymentsEnd: 'held', balanceConserved: 'held', closesResolved: 'held', noLateFulfills: 'held', valueConserved: 'held' }, 'every invariant held');
  t.equal(figures.eventErrors, 0, 'no event of the run threw');
  t.equal(figures.channelsOpened, 4, 'the four channels opened');
  t.ok(figures.paymentsSent! >= 30, `the workload ran: ${figures.paymentsSent} payments sent`);
  t.equal(figures.paymentsSettled, figures.paymentsSent, 'every payment settled');
  t.equal(figures.paymentsForwarded, figures.forwardingFeesEarnedMsat! / 1000, 'each forward earned its 1-sat fee');
  t.ok(figures.relayAirtimeMs! > 0, `the relay between n1 and n2 spent ${(figures.relayAirtimeMs! / 1000).toFixed(0)} s on the air`);
  t.comment(`payments: ${figures.paymentsSettled}/${figures.paymentsSent} settled, latency p50 ${(figures.latencyP50Ms! / 1000).toFixed(1)} s, p90 ${(figures.latencyP90Ms! / 1000).toFixed(1)} s, max ${(figures.latencyMaxMs! / 1000).toFixed(1)} s`);
  t.comment(`appointments still on their way to the tower at the end: ${figures.appointmentsPendingAtEnd}; frames in the outboxes: ${figures.outboxDepthAtEnd}`);
  t.comment(`airtime: nodes ${(figures.airtimeMs! / 1000).toFixed(0)} s, relay ${(figures.relayAirtimeMs! / 1000).toFixed(0)} s; frames the relay refused over its duty cycle or with its queue full: ${figures.relayFramesRefused} (lnmesh's link sent them again)`);
});

/** Two nodes on one LongFast hop, both attached to the gateway over MQTT: the radio carries their channel's messages only. */
const HOP = (hops: number) => `
name: longfast-hop
seed: 7
duration: 12h
topology: { kind: line, nodes: 2 }
links: { default: { kind: meshtastic, preset: LongFast, region: EU_868, hops: ${hops} } }
gateway: { attachedTo: [n0, n1] }
channels: [{ between: [n0, n1], capacity: 1000000, push: 500000 }]
events:
${[2, 4, 6, 8, 10].map((hour) => `  - { at: ${hour}h, payment: { from: n0, to: n1, amount: 20000 } }`).join('\n')}
`;

/** Frames and airtime each side of the hop spent in the hour after each payment, and the payments made. */
async function hopCost(hops: number) {
  const scenario = parseScenario(HOP(hops), 'longfast-hop.yaml');
  const model = linkModelBetween(scenario, 'n0', 'n1');
  const sent = new Map<string, { frames: number; airtimeMs: number }>([['n0', { frames: 0, airtimeMs: 0 }], ['n1', { frames: 0, airtimeMs: 0 }]]);
  const report = await runScenario(scenario, {
    logFrames: true,
    onRecord: (record) => {
      // From an hour before the first payment: the channel is open and the link's session up by then.
      if (record.kind !== 'frame' || record.timeMs < SIM_EPOCH_MS + HOUR) return;
      const [direction, link, bytes, fate] = record.detail.split(' ') as [string, string, string, string];
      if (!link.startsWith('n0~n1') || fate === 'dropped') return;
      const side = sent.get(direction.split('>')[0]!)!;
      side.frames++;
      side.airtimeMs += frameDurationMs(model, Number(bytes));
    },
  });
  return { report, sent: [...sent.values()], payments: report.figures.paymentsSettled ?? 0 };
}

t.test('one LongFast hop: frames, airtime and payments an hour per hop-payment', { timeout: 300_000 }, async (t) => {
  const { report, sent, payments } = await hopCost(1);
  t.same(Object.values(report.invariants).filter((verdict) => verdict !== 'held'), [], 'every invariant held');
  t.equal(payments, 5, 'the five payments settled');
  const frames = (sent[0]!.frames + sent[1]!.frames) / payments;
  const airtimeMs = (sent[0]!.airtimeMs + sent[1]!.airtimeMs) / payments;
  const busiestMs = Math.max(sent[0]!.airtimeMs, sent[1]!.airtimeMs) / payments;
  const perHour = EU_868_BUDGET_MS / busiestMs;
  t.comment(`meshtastic.framesPerHopPayment: ${frames.toFixed(1)}; meshtastic.airtimeMsPerHopPayment.longFast: ${airtimeMs.toFixed(0)} ms (n0 ${(sent[0]!.airtimeMs / payments).toFixed(0)}, n1 ${(sent[1]!.airtimeMs / payments).toFixed(0)}); payments an hour one at a time: ${perHour.toFixed(1)} (EU_868's 360 s over the busier side's airtime)`);
  t.ok(frames >= 4 && frames <= 12, `a payment is a handful of frames on the hop (${frames.toFixed(1)})`);
  t.ok(airtimeMs < 27_500, `under the 27.5 s a BOLT 2 hop would take on LongFast (${(airtimeMs / 1000).toFixed(1)} s)`);
  t.ok(perHour > 13, `more than the 13 an hour BOLT 2 would allow under EU_868 (${perHour.toFixed(1)})`);

  const two = await hopCost(2);
  t.equal(two.payments, 5, 'two Meshtastic hops apart: the five payments settled');
  // The relay's figure covers the whole run, the channel's opening included: its share after the first hour is the ends'.
  const twoEndsMs = (two.sent[0]!.airtimeMs + two.sent[1]!.airtimeMs) / two.payments;
  t.ok(two.report.figures.relayAirtimeMs! >= two.sent[0]!.airtimeMs + two.sent[1]!.airtimeMs, 'the relay sent at least what the ends sent after the first hour');
  t.comment(`two Meshtastic hops: ${((two.sent[0]!.frames + two.sent[1]!.frames) / two.payments).toFixed(1)} frames, the ends spend ${twoEndsMs.toFixed(0)} ms a payment, and the relay as much again (airtime × hops)`);
  // Not one hop's cost: a fragment and its ack now take about 6 s there and back, past the link's first retransmission
  // timeout (5 s, LinkInit.retransmitBaseMs, set for one LoRa hop), so the ends send fragments again that were not lost.
  const again = await hopCost(2);
  t.equal(again.report.eventLogHash, two.report.eventLogHash, 'with a relay between, a run repeats event for event from its seed');
  t.ok(twoEndsMs >= 0.9 * airtimeMs, `the ends spend at least one hop's airtime (${twoEndsMs.toFixed(0)} ms, ${(twoEndsMs / airtimeMs).toFixed(1)} × one hop's)`);
});

t.test('one LongFast hop, sustained: payments an hour when EU_868\'s 10% is the limit', { timeout: 300_000 }, async (t) => {
  // n0 asks to pay n1 200 times an hour for six hours, more than the hop carries: the payments queue, share
  // commitments, and those beyond the channel's HTLC limit are refused before anything is sent.
  const scenario = parseScenario(`
name: longfast-sustained
seed: 3
duration: 8h
topology: { kind: line, nodes: 2 }
links: { default: { kind: meshtastic, preset: LongFast, region: EU_868 } }
gateway: { attachedTo: [n0, n1] }
channels: [{ between: [n0, n1], capacity: 16000000 }]
workload: { rate: 200/h, amount: 1000, endpoints: [[n0, n1]], start: 2h }
`, 'longfast-sustained.yaml');
  const report = await runScenario(scenario);
  const { figures } = report;
  t.same(Object.values(report.invariants).filter((verdict) => verdict !== 'held'), [], 'every invariant held');
  t.equal(figures.paymentsSettled, figures.paymentsSent, 'every payment sent settled');
  t.ok(figures.paymentsRefused! > 0, `the offered load was more than the hop carries: ${figures.paymentsRefused} of ${figures.paymentsAsked} refused at the payer (HTLC limit)`);
  // The duty cycle holds the hop: the busier side spends its 10%, and the other most of it (it answers every round;
  // since acks ride on data frames, its share is a little less).
  const uses = [...report.series.airtime].sort((a, b) => b.usedMs - a.usedMs);
  const seconds = (ms: number) => (ms / 1000).toFixed(0);
  t.ok(uses[0]!.usedMs >= 0.95 * EU_868_BUDGET_MS, `${uses[0]!.node} used its 10%: ${seconds(uses[0]!.usedMs)} s of ${uses[0]!.budgetMs / 1000} s in its busiest hour`);
  t.ok(uses[1]!.usedMs >= 0.8 * EU_868_BUDGET_MS, `${uses[1]!.node} most of it: ${seconds(uses[1]!.usedMs)} s of ${uses[1]!.budgetMs / 1000} s`);
  const perHour = figures.paymentsSettled! / ((6 * HOUR + figures.drainMs!) / HOUR);
  t.comment(`meshtastic.paymentsPerHour.longFast, sustained: ${perHour.toFixed(1)} (${figures.paymentsSettled} in six hours and the ${(figures.drainMs! / 1000).toFixed(0)} s drain; latency p50 ${(figures.latencyP50Ms! / 1000).toFixed(0)} s)`);
  t.ok(perHour > 13, 'more than the 13 an hour a BOLT 2 hop would allow');
});
