// Hostile transmitters (issue 15): the shipped flood scenario against the same
// mesh without its floods. Strangers flood n4's neighbourhood with act ones,
// and n4, compromised, sends envelopes and tower appointments from fresh keys
// through the line: the honest payments fare as they do without.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { runScenario } from '../../../sim/run.js';
import { loadScenario } from '../../../sim/scenario.js';

t.setTimeout(600_000);

const FILE = fileURLToPath(new URL('../../../sim/scenarios/flood.yaml', import.meta.url));

t.test('the honest payments settle as often and as fast under the floods as without them', async (t) => {
  const scenario = loadScenario(FILE);
  t.same(
    scenario.events.map((event) => (event.kind === 'flood' ? event.flood : event.kind)),
    ['handshake', 'envelope', 'appointment'],
    'the scenario floods in all three ways',
  );
  const flooded = await runScenario(scenario);
  const calm = await runScenario({ ...scenario, events: [] });
  t.same(Object.values(flooded.invariants), Array(7).fill('held'), 'every invariant held under the floods');
  t.equal(flooded.figures.eventErrors, 0, 'no event threw');
  t.ok(flooded.figures.floodMessages! > 36_000, `${flooded.figures.floodMessages} flood messages`);
  const settled = flooded.figures.paymentsSettled! / calm.figures.paymentsSettled!;
  t.ok(calm.figures.paymentsSettled! >= 50, `without the floods ${calm.figures.paymentsSettled} payments settle`);
  t.ok(settled >= 0.9, `under them ${flooded.figures.paymentsSettled}: ${settled.toFixed(2)} of that (at least 0.9)`);
  const latency = flooded.figures.latencyMeanMs! / calm.figures.latencyMeanMs!;
  t.ok(latency <= 1.1, `mean latency ${(flooded.figures.latencyMeanMs! / 1000).toFixed(1)} s against ${(calm.figures.latencyMeanMs! / 1000).toFixed(1)} s: within 10%`);
  const timeline = flooded.series.timeline.filter((entry) => entry.kind === 'flood').map((entry) => entry.label);
  t.same(timeline.sort(), ['appointment at n4', 'envelope at n4', 'handshake at n4'], 'each flood is on the timeline');
});
