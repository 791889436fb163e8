// The simulator's proof: each shipped scenario runs (the 50-node grid
// shortened) on the real node and gateway code, and its invariants and its
// outcome are asserted; a run repeats event for event from its seed.
import t from 'tap';
import { join } from 'node:path';
import { runScenario } from '../../../sim/run.js';
import { loadScenario } from '../../../sim/scenario.js';

// A whole run of real nodes and a real gateway: longer than tap's default per file on a loaded machine.
t.setTimeout(600_000);

const scenarios = join(import.meta.dirname, '../../../sim/scenarios');
const HOUR = 3_600_000;

t.test('the same seed gives the same run, event for event; another seed another run', { timeout: 300_000 }, async (t) => {
  const scenario = loadScenario(join(scenarios, 'partition-heal.yaml'));
  const options = { durationMs: 6 * HOUR };
  const first = await runScenario(scenario, options);
  const again = await runScenario(scenario, options);
  const other = await runScenario(scenario, { ...options, seed: 2 });
  t.match(first.eventLogHash, /^[0-9a-f]{64}$/);
  t.equal(again.eventLogHash, first.eventLogHash, 'seed 1 twice: the same event-log hash');
  t.equal(again.events, first.events);
  t.same(again.figures, first.figures, 'and the same figures');
  t.not(other.eventLogHash, first.eventLogHash, 'seed 2: another hash');
  t.equal(other.seed, 2);
});
