// A breach that the tower and the victim both answer: n1 is online and the
// gateway's tower watches, so each sees n1's channel partner broadcast a
// revoked commitment and each broadcasts a justice transaction. One of them
// confirms (the node's and the tower's are built alike, often byte for byte);
// the other is void, nothing breaks, and n1 takes the whole channel back.
import t from 'tap';
import type { EventRecord } from '../../../sim/scheduler.js';
import { runScenario } from '../../../sim/run.js';
import { parseScenario } from '../../../sim/scenario.js';

t.setTimeout(300_000);

const scenario = parseScenario(
  `
name: breach-both-answer
duration: 2d
chain: { blockInterval: 10m, jitter: 0.5 }
topology: { kind: line, nodes: 2 }
links: { default: { kind: serial, baudRate: 115200 } }
gateway: { attachedTo: [n0, n1] }
nodes: { defaults: { horizon: 1d } }
channels:
  - { between: [n0, n1], capacity: 1000000, push: 0 }
events:
  - { at: 1h, payment: { from: n0, to: n1, amount: 200000 } }
  - { at: 2h, payment: { from: n0, to: n1, amount: 100000 } }
  - { at: 4h, breach: { cheater: n0, victim: n1 } }
`,
  'breach-both-answer.yaml',
);

t.test('the tower and the victim both answer; one justice confirms, nothing breaks, the victim is whole', async (t) => {
  const records: EventRecord[] = [];
  const report = await runScenario(scenario, { onRecord: (record) => records.push(record) });
  t.same(report.violations ?? [], [], 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.equal(report.figures.breaches, 1, 'the revoked commitment reached the chain');
  t.ok(report.figures.towerResponses! >= 1, `the tower answered it (${report.figures.towerResponses})`);
  const justice = report.series.timeline.filter((entry) => entry.kind === 'justice');
  t.equal(justice.length, 1, 'one justice confirmed, credited to whoever broadcast it first');
  t.comment(`credited: ${justice[0]?.label}`);
  // Between the breach (seen in the mempool) and the justice's block, n1's own justice went out too.
  const breachAt = records.findIndex((record) => record.kind === 'breach');
  const confirmedAt = records.findIndex((record) => record.kind === 'justice-confirmed');
  t.ok(breachAt >= 0 && confirmedAt > breachAt, 'the breach, then the justice confirmed');
  t.ok(records.slice(breachAt, confirmedAt).some((record) => record.kind === 'broadcast' && record.detail === 'n1 accepted'), 'n1, online, broadcast its own justice in between');
  t.ok(report.figures['recoveredSat.n1']! > 990_000, `n1 got back ${report.figures['recoveredSat.n1']} sat of the 1,000,000-sat channel: its 300,000 and the cheater's 700,000, less fees`);
  t.equal(report.figures.valueUnheldSat ?? 0, 0, 'no satoshi unaccounted for');
});
