// valueConserved on real runs: a channel that goes on chain mid-run, its
// outputs still locked at the end, and every satoshi the chain gave the
// wallets is found again (wallets, channels, claims, anchors, fees). Then the
// same run with a node that thinks it has money it does not: a coin in its
// wallet that the chain never made, and a channel whose balances add up to
// more than its funding output.
import t from 'tap';
import { runScenario } from '../../../sim/run.js';
import { parseScenario } from '../../../sim/scenario.js';

t.setTimeout(120_000);

const SCENARIO = `
name: value
duration: 10h
topology: { kind: line, nodes: 3 }
links: { default: { kind: serial, baudRate: 115200 } }
gateway: { attachedTo: [n0, n1] }
nodes: { defaults: { horizon: 1d } }
channels:
  - { between: [n0, n1], capacity: 400000, push: 100000 }
  - { between: [n1, n2], capacity: 300000 }
events:
  - { at: 90m, payment: { from: n0, to: n1, amount: 20000 } }
  - { at: 2h, forceClose: { by: n0, with: n1 } }
`;

const scenario = parseScenario(SCENARIO, 'value.yaml');

t.test('held: what entered is in the wallets, the open channel, the claims still locked and the anchors, or went to fees', async (t) => {
  const report = await runScenario(scenario);
  t.equal(report.invariants.valueConserved, 'held', JSON.stringify(report.violations ?? []));
  const f = report.figures;
  t.equal(f.valueEnteredSat, 3_000_000 + 400_000 + 50_000 + 300_000 + 50_000, 'a million per node for fees, and a coin per channel funded');
  t.equal(f.valueInChannelsSat, 300_000, 'n1–n2 still open: its funding output');
  t.ok(f.valueInClaimsSat! > 250_000, `n0's own output is locked by the day-long delay n1 imposed (${f.valueInClaimsSat} sat in claims)`);
  t.equal(f.valueInAnchorsSat, 660, 'the two anchors of the commitment');
  t.ok(f.valueFeesSat! > 0, `${f.valueFeesSat} sat of fees`);
  t.equal(f.valueUnheldSat, 0);
  t.equal(f.valueEnteredSat, f.valueInWalletsSat! + f.valueInChannelsSat! + f.valueInClaimsSat! + f.valueInAnchorsSat! + f.valueAwaitingSat! + f.valueFeesSat!, 'nothing else');
});

t.test('violated: a wallet coin the chain never made, a channel that adds up to more than its funding output', async (t) => {
  const report = await runScenario(scenario, {
    beforeFinalChecks: (run) => {
      run.wallet('n2').addCoin('ab'.repeat(32), 1, 70_000);
      const store = run.persister('n2');
      const [id, record] = [...store.loadChannels()][0]!;
      const spec = record.state.localCommit.spec;
      store.saveChannel(id, { ...record, state: { ...record.state, localCommit: { ...record.state.localCommit, spec: { ...spec, toLocalMsat: spec.toLocalMsat + 5_000 } } } });
    },
  });
  t.equal(report.invariants.valueConserved, 'violated');
  const details = report.violations.filter((v) => v.invariant === 'valueConserved').map((v) => v.detail);
  t.equal(details.length, 2, details.join('\n'));
  t.match(details.join('\n'), `n2's wallet counts 70000 sat in ${'ab'.repeat(32)}:1, which it does not have`);
  t.match(details.join('\n'), /the funding output of n1–n2 holds 300000 sat on chain .*n2: its balances and HTLCs add up to 300005000 msat: 5000 msat it does not have/);
  t.equal(report.invariants.noFundsLost, 'held', 'the other invariants do not see it');
});
