// A breach with nothing to punish: n1 broadcasts its first commitment, where
// it had nothing (n0 funded the channel and had not paid it yet). No justice
// exists for it; the breach counts as handled, not as unpunished, and n0
// sweeps its own balance from it (closesResolved, valueConserved).
import t from 'tap';
import { runScenario } from '../../../sim/run.js';
import { parseScenario } from '../../../sim/scenario.js';

t.setTimeout(120_000);

const scenario = parseScenario(
  `
name: nothing-to-take
duration: 1d
topology: { kind: line, nodes: 2 }
links: { default: { kind: serial, baudRate: 115200 } }
gateway: { attachedTo: [n0, n1] }
nodes: { defaults: { horizon: 1d } }
channels:
  - { between: [n0, n1], capacity: 400000 }
events:
  - { at: 90m, payment: { from: n0, to: n1, amount: 20000 } }
  - { at: 3h, breach: { cheater: n1, victim: n0 } }
`,
  'nothing-to-take.yaml',
);

t.test('the breach is handled, and the victim sweeps its balance from it', async (t) => {
  const report = await runScenario(scenario);
  t.same(Object.values(report.invariants).filter((state) => state !== 'held'), [], JSON.stringify(report.violations ?? []));
  t.equal(report.figures.breaches, 1, 'the breach was made and accepted');
  t.equal(report.figures.breachesWithNothingToTake, 1, 'with nothing of the cheater on it');
  t.equal(report.figures.valueInChannelsSat, 0, 'the channel is closed');
  const f = report.figures;
  t.equal(f.valueInClaimsSat, 0, 'nothing left to claim');
  t.equal(f.valueInWalletsSat, f.valueEnteredSat! - f.valueFeesSat! - f.valueInAnchorsSat!, `all of it back in the wallets but the fees and the anchor (${f.valueInWalletsSat} sat)`);
});
