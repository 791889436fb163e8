// A neighbour asleep for weeks (sim/scenarios/neighbour-asleep.yaml): n2 goes
// offline on the first day for good. What n1 has for it waits in n1's outbox,
// bounded, and n1 spends little airtime calling it (an act one at intervals
// growing to 10 minutes, not its queue again and again), while the payments between n0
// and n1 keep settling under EU868's duty cycle.
import t from 'tap';
import { join } from 'node:path';
import { runScenario } from '../../../sim/run.js';
import { loadScenario } from '../../../sim/scenario.js';

t.setTimeout(600_000);

const DAY = 86_400_000;

t.test('neighbour-asleep: n1 waits for n2 with a bounded outbox, and n0 - n1 payments go on', { timeout: 300_000 }, async (t) => {
  const scenario = loadScenario(join(import.meta.dirname, '../../../sim/scenarios/neighbour-asleep.yaml'));
  const framesToSleeper = new Map<number, number[]>();
  const report = await runScenario(scenario, {
    logFrames: true,
    onRecord: (record) => {
      if (record.kind !== 'frame' || !record.detail.startsWith('n1>n2 ')) return;
      const day = Math.floor(record.timeMs / DAY);
      framesToSleeper.set(day, [...(framesToSleeper.get(day) ?? []), Number(record.detail.split(' ')[2])]);
    },
  });
  t.same(Object.values(report.invariants).filter((verdict) => verdict !== 'held'), [], 'every invariant held');
  t.equal(report.figures.eventErrors, 0, 'no event of the run threw');
  t.ok(report.figures.paymentsAsked! > 200, `${report.figures.paymentsAsked} payments asked between n0 and n1 over ten days`);
  t.equal(report.figures.paymentsSettled, report.figures.paymentsAsked, 'every one of them settled, n2 asleep all along');
  const n1 = report.series.outboxDepth.find((series) => series.node === 'n1')!;
  const peak = Math.max(...n1.points.map(([, depth]) => depth));
  t.ok(peak <= 16, `n1's outbox peaked at ${peak} frames (14,500 in 60 days once)`);
  // The last five days: n1 calls n2 with a handshake's act one (60 bytes) every retransmitMaxMs (10 minutes), and
  // nothing else: the frames it queued for n2 wait in its outbox instead of going out again and again.
  const lastDays = [...framesToSleeper.entries()].sort(([a], [b]) => a - b).slice(-5).map(([, sizes]) => sizes);
  t.comment(`frames n1 sent toward n2 in each of the last five days: ${lastDays.map((sizes) => sizes.length).join(', ')}`);
  t.same(lastDays.flat().filter((bytes) => bytes !== 60), [], 'only act ones, 60 bytes each: no queued frame is sent again');
  t.ok(lastDays.every((sizes) => sizes.length <= 145), 'at most one every 10 minutes (about 14 s of airtime a day at SF7)');
});
