// The bridge's edges in small runs (two nodes, n0 attached to the gateway,
// a real LDK node on each side of the gateway's Lightning channel):
// - n0 away past the bridge's hold window: the outside node's payment fails
//   back cleanly, n0 comes back to nothing owed, nothing moved on either side;
//   n1 then pays out through n0, two hops from the gateway;
// - the same run again gives the same event log, LDK and TCP included;
// - money that moves on the Lightning side outside any bridge payment is a
//   `bridgeBalanced` violation: the invariant can fail;
// - the village of village-lightning.yaml with a gateway outage while it
//   holds the shop's payment: the restarted gateway (a new Gateway on the
//   same stores, the LDK node running on) still pays the shop when it is back.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIM_EPOCH_MS, runScenario } from '../../../sim/run.js';
import { loadScenario, parseScenario } from '../../../sim/scenario.js';
import type { EventRecord } from '../../../sim/scheduler.js';

t.setTimeout(300_000);

const HOUR = 3_600_000;
// Invoices with a final CLTV delta of 144 blocks: the hold window is what the outside payer's HTLC leaves
// past 114 blocks (the bridge's 36 of safety and the 78 a node needs): 30 blocks and LDK's random shadow offset
// (here about 90 more), so a day away is past it.
const scenario = parseScenario(
  `
name: bridge-hold-window
duration: 32h
chain: { blockInterval: 10m, jitter: 0.5 }
topology: { kind: line, nodes: 2 }
links: { default: { kind: serial, baudRate: 115200 } }
gateway:
  attachedTo: [n0]
  lightning:
    outsideChannel: { capacity: 500000, push: 200000 }
    meshChannel: { capacity: 300000, push: 100000 }
    finalCltvExpiryDelta: 144
nodes: { defaults: { horizon: 1d } }
channels: [{ between: [n0, n1], capacity: 200000, push: 100000 }]
events:
  - { at: 2h, nodeOffline: n0 }
  - { at: 3h, payFromOutside: { to: n0, amount: 20000 } }
  - { at: 30h, nodeOnline: n0 }
  - { at: 31h, payOutside: { from: n1, amount: 5000 } }
`,
  'bridge-hold-window.yaml',
);

t.test('away past the hold window: the payment in fails back, nothing lost; a payment out two hops away settles', async (t) => {
  const records: EventRecord[] = [];
  const report = await runScenario(scenario, { onRecord: (record) => records.push(record) });
  t.same(report.violations ?? [], [], 'every invariant held, bridgeBalanced and paymentsEnd included');
  t.equal(report.invariants.bridgeBalanced, 'held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  const ended = records.filter((record) => record.kind === 'bridge-payment-ended');
  t.equal(ended.length, 2, 'both bridge payments ended');
  t.match(ended[0]!.detail, /^in n0 20000000 msat failed .*the node stayed away past the hold window/, 'the payment in failed back, for the hold window');
  t.ok(ended[0]!.timeMs < SIM_EPOCH_MS + 30 * HOUR, 'before n0 came back');
  t.match(ended[1]!.detail, /^out n1 5000000 msat settled/, 'n1 paid out through n0');
  t.equal(report.figures.bridgeInFailed, 1);
  t.equal(report.figures.outsideChangeMsat, 5_000_000, 'the outside node: only the 5,000 sat it was paid; its failed payment cost it nothing');
  t.equal(report.figures.bridgeFeesEarnedMsat, 1000 + 10_000, 'the gateway earned the fee of the payment out, nothing of the one that failed');
});

t.test('the same seed gives the same run, across the bridge too', async (t) => {
  const first = await runScenario(scenario, { durationMs: 4 * HOUR });
  const second = await runScenario(scenario, { durationMs: 4 * HOUR });
  t.equal(second.eventLogHash, first.eventLogHash, 'one event log');
});

t.test('money moved on the Lightning channel by no bridge payment breaks bridgeBalanced', async (t) => {
  const report = await runScenario(scenario, {
    durationMs: HOUR,
    beforeFinalChecks: async ({ lightning }) => {
      // The gateway's operator is paid directly by the outside node: no mesh node is party to it.
      const invoice = lightning!.gatewayNode.createInvoice({ amountMsat: 7_000_000, description: 'not through the bridge', expirySecs: 3600 });
      await lightning!.outside.payInvoice(invoice.bolt11);
    },
  });
  t.equal(report.invariants.bridgeBalanced, 'violated');
  const details = (report.violations ?? []).filter((violation) => violation.invariant === 'bridgeBalanced').map((violation) => violation.detail);
  t.match(details, [/the outside node's side moved by -7000000 msat, not the 0 msat/], 'the outside node\'s side moved by a payment the bridge never made');
});

t.test('a gateway outage while it holds a payment for a node away: paid all the same when the node is back', async (t) => {
  const file = join(import.meta.dirname, '../../../sim/scenarios/village-lightning.yaml');
  t.equal(loadScenario(file).events.find((event) => event.kind === 'nodeOnline')?.atMs, 24 * HOUR, 'the shop comes back at 1d');
  const text = readFileSync(file, 'utf8').replace('  - { at: 1d, nodeOnline: n1 }', '  - { at: 14h, gatewayOutage: 2h }\n  - { at: 1d, nodeOnline: n1 }');
  const records: EventRecord[] = [];
  const report = await runScenario(parseScenario(text, 'village-outage.yaml'), { onRecord: (record) => records.push(record) });
  t.same(report.violations ?? [], [], 'every invariant held');
  t.equal(report.figures.gatewayRestarts, 1, 'the gateway was out and came back');
  const collected = records.find((record) => record.kind === 'bridge-payment-ended' && record.detail.startsWith('in n1'));
  t.match(collected?.detail, /^in n1 25000000 msat settled/, 'the shop was paid');
  t.ok(collected!.timeMs >= SIM_EPOCH_MS + 24 * HOUR, 'once it was back');
  t.equal(report.figures.bridgeInSettled, 2);
  t.equal(report.figures.bridgeOutSettled, 2);
});
