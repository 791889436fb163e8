// Airtime under the defaults (issue 14): a line of five LoRa nodes with
// every setting at its default, the gateway behind n0. Idle under US915, its
// airtime per node-day against the target of 86 s (a tenth of the 864 s a
// day EU868's 1% allows); under EU868 with a modest workload, its payments
// against the target that they settle.
//
// Where a target is not met yet, its assertion is a TODO that says by how
// much: it is reported, not weakened, and turns into a pass once it is met.
import t from 'tap';
import { join } from 'node:path';
import { frameDurationMs } from '../../../sim/link-model.js';
import { runScenario } from '../../../sim/run.js';
import { linkModelBetween, loadScenario } from '../../../sim/scenario.js';
import { GATEWAY } from '../../../sim/topology.js';

// Whole runs of real nodes and a real gateway: longer than tap's default per file on a loaded machine.
t.setTimeout(900_000);

const scenarios = join(import.meta.dirname, '../../../sim/scenarios');
const DAY = 86_400_000;
/** The issue's target: airtime per idle node-day, in ms (10% of EU868's 864 s). */
const TARGET_MS_PER_NODE_DAY = 86_000;

/** The invariants of a report not held, by name: whatever invariants the run checks, the four of sim/README.md at least. */
function notHeld(invariants: Record<string, string>, except: readonly string[] = []): Record<string, string> {
  const missing = ['noFundsLost', 'breachesPunished', 'paymentsEnd', 'balanceConserved'].filter((name) => !(name in invariants));
  if (missing.length > 0) throw new Error(`the report does not check ${missing.join(', ')}`);
  return Object.fromEntries(Object.entries(invariants).filter(([name, verdict]) => verdict !== 'held' && !except.includes(name)));
}

t.test('line5-idle: airtime per node-day with every setting at its default', { timeout: 600_000 }, async (t) => {
  const scenario = loadScenario(join(scenarios, 'line5-idle.yaml'));
  // The report has each node's peak hourly use; its total comes from the frames the medium logs ('a>b link bytes fate'), timed as the medium times them.
  const airtimeMs = new Map<string, number>();
  const report = await runScenario(scenario, {
    logFrames: true,
    onRecord: (record) => {
      if (record.kind !== 'frame') return;
      const [direction, , bytes, fate] = record.detail.split(' ') as [string, string, string, string];
      if (fate === 'dropped') return; // never left the radio
      const [from, to] = direction.split('>') as [string, string];
      const model = from === GATEWAY || to === GATEWAY ? scenario.gateway.link : linkModelBetween(scenario, from, to);
      airtimeMs.set(from, (airtimeMs.get(from) ?? 0) + frameDurationMs(model, Number(bytes)));
    },
  });
  t.same(notHeld(report.invariants), {}, 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.channelsOpened, 4, 'the four channels opened');
  t.equal(report.figures.paymentsAsked ?? 0, 0, 'no payment: idle');
  const total = [...airtimeMs.values()].reduce((sum, ms) => sum + ms, 0);
  t.ok(Math.abs(total - report.figures.airtimeMs!) < 1, `the frames add up to the run's airtime (${Math.round(total)} ms, the run says ${Math.round(report.figures.airtimeMs!)} ms)`);

  const days = report.virtualDurationMs / DAY;
  const nodes = scenario.topology.nodes;
  const perNodeDay = new Map(nodes.map((node) => [node, (airtimeMs.get(node) ?? 0) / days]));
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  t.comment(`airtime per day over ${days} days: ${nodes.map((node) => `${node} ${seconds(perNodeDay.get(node)!)}`).join(', ')}`);
  const mean = total / (nodes.length * days);
  t.ok(mean <= TARGET_MS_PER_NODE_DAY, `airtime per node-day, the mesh's mean: ${seconds(mean)}, at most ${seconds(TARGET_MS_PER_NODE_DAY)} (712 s before the chain feed, the nodes polling every 10 minutes)`);
  // The relays near the gateway carry the feed of every node behind them (pushes down, acknowledgements up), n1 on both of its radio links.
  const over = nodes.filter((node) => perNodeDay.get(node)! > TARGET_MS_PER_NODE_DAY);
  t.same(over.map((node) => `${node} ${seconds(perNodeDay.get(node)!)}`), [], `every node within ${seconds(TARGET_MS_PER_NODE_DAY)} a day`);
});

t.test('line5-eu868: a modest workload under the EU868 duty cycle, every setting at its default', { timeout: 600_000 }, async (t) => {
  const report = await runScenario(loadScenario(join(scenarios, 'line5-eu868.yaml')));
  const { figures } = report;
  t.equal(figures.eventErrors, 0, 'no event of the run threw');
  t.equal(figures.channelsOpened, 4, 'the four channels opened');
  t.same(notHeld(report.invariants), {}, 'every invariant held, paymentsEnd included: every payment ended');
  const settled = figures.paymentsSettled ?? 0;
  const sent = figures.paymentsSent ?? 0;
  t.comment(`payments: ${figures.paymentsAsked ?? 0} asked, ${sent} sent, ${settled} settled, ${figures.paymentsFailed ?? 0} failed, ${figures.paymentsRefused ?? 0} refused, ${figures.paymentsPendingAtEnd ?? 0} still pending after the drain`);
  t.ok(sent > 100, `the workload ran: ${sent} payments sent`);
  // 109 of 151 settled while a link took a neighbour held back by its duty cycle for a reboot and dropped
  // their session: the frames queued on it were refused as unknown-session, and the relays fell behind for good.
  t.equal(settled, sent, 'every payment sent settled');
  t.equal(figures.appointmentsPendingAtEnd ?? 0, 0, 'every appointment reached the tower');
});
