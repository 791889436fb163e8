// A mesh longer than the router's default hop limit: n9 is ten hops from the
// gateway behind n0. The simulator gives every node (and the gateway) a hop
// limit that covers its longest route, so what n8 and n9 send the gateway
// (their funding transactions) arrives, and their channels open. At the
// router's default of 8 the relay before the gateway dropped it: this is
// what left 26 channels of the 500-node grid unopened.
import t from 'tap';
import { runScenario } from '../../../sim/run.js';
import { parseScenario } from '../../../sim/scenario.js';

t.setTimeout(300_000);

const LINE = `
name: long-line
description: ten nodes in a line, the gateway behind n0
seed: 3
duration: 3h
topology: { kind: line, nodes: 10 }
links:
  default: { kind: lora, spreadingFactor: 7, bandwidthHz: 125000, codingRate: 5, lossRate: 0.01, dutyCycle: US915 }
gateway: { attachedTo: [n0], link: { kind: mqtt, latency: 100ms } }
channels:
  - { adjacent: true, capacity: 1000000, push: 500000 }
workload:
  rate: 2/h
  amount: { min: 10000, max: 20000 }
  endpoints: [[n9, n0], [n0, n9]]
  start: 1h
`;

t.test('every channel of a ten-hop line opens, and payments end to end settle', async (t) => {
  const report = await runScenario(parseScenario(LINE, 'long-line.yaml'));
  t.equal(report.figures.channelsOpened, 9, 'all nine channels opened: n8 and n9 funded theirs through the gateway, nine and ten hops away');
  t.equal(report.figures.channelsNeverOpened ?? 0, 0);
  t.ok((report.figures.paymentsSettled ?? 0) > 0, `${report.figures.paymentsSettled} payments across nine channels settled`);
  t.same(report.violations, [], 'no invariant was violated');
});
