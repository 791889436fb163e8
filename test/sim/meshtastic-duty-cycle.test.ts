// A Meshtastic radio's duty cycle as the firmware counts it: per minute of
// the hour, a packet refused only while the hour is over the limit, the
// budget back as old minutes leave the hour.
import t from 'tap';
import { MeshtasticDutyCycle } from '../../sim/meshtastic-duty-cycle.js';
import { Scheduler } from '../../sim/scheduler.js';

const MINUTE = 60_000;

t.test('EU_868: 10% of the hour, refused only past it, back a minute bucket at a time', async (t) => {
  const clock = new Scheduler();
  const duty = new MeshtasticDutyCycle(clock, 10);
  t.equal(duty.budgetMs, 360_000);
  // Sums as the firmware's buckets do, whatever the packets' sizes: 200 s sent from time 0 complete in minute 3.
  duty.record(0, 200_000);
  t.equal(duty.usedMs(), 0, 'a packet counts in the minute its sending completes, not before');
  t.equal(duty.whenCanSend(2000), 0, 'under the limit: at once');
  await clock.runUntil(4 * MINUTE);
  t.equal(duty.usedMs(), 200_000);
  duty.record(4 * MINUTE, 160_000); // completes in minute 6
  await clock.runUntil(7 * MINUTE);
  t.equal(duty.usedMs(), 360_000);
  t.equal(duty.whenCanSend(2000), 7 * MINUTE, 'at the limit: still allowed (the firmware refuses only over it)');
  duty.record(7 * MINUTE, 1000);
  t.equal(duty.whenCanSend(2000), 63 * MINUTE, 'over it: refused until minute 3 leaves the hour, as minute 63 starts');
  await clock.runUntil(63 * MINUTE - 1);
  t.equal(duty.usedMs(), 361_000);
  await clock.runUntil(63 * MINUTE);
  t.equal(duty.usedMs(), 161_000, 'minute 3\'s bucket emptied');
  t.equal(duty.whenCanSend(2000), 63 * MINUTE);
});

t.test('US: no duty cycle', async (t) => {
  const clock = new Scheduler();
  const duty = new MeshtasticDutyCycle(clock, 100);
  duty.record(0, 3_000_000);
  t.equal(duty.whenCanSend(10_000), 0);
  t.throws(() => new MeshtasticDutyCycle(clock, 0), { field: 'dutyCyclePercent', message: /outside \(0, 100\]/ });
  t.throws(() => duty.record(0, Number.NaN), { field: 'airtimeMs', message: /not a duration/ });
});
