// The back-off after the radio refuses a frame: past its duty cycle the wait starts short and doubles with each
// refusal in a row up to a minute (the firmware's airtime changes by the minute); the first frame taken resets it.
// A full queue waits until a slot frees or a short while passes.
import t from 'tap';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { BusyBackoff, DEFAULT_BUSY_BACKOFF } from '../../../transports/meshtastic/busy-backoff.js';

/** Each refusal in a row, made once the previous back-off has ended: how long it made us wait. */
function waits(clock: VirtualClock, backoff: BusyBackoff, count: number): number[] {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const retryAtMs = backoff.refused('duty cycle');
    result.push(retryAtMs - clock.now());
    clock.tick(retryAtMs - clock.now());
  }
  return result;
}

t.test('duty cycle: 15 s, 30 s, then a minute between tries; a frame taken starts again from 15 s', async (t) => {
  const clock = new VirtualClock(1_000_000);
  const backoff = new BusyBackoff(clock, DEFAULT_BUSY_BACKOFF);
  t.equal(backoff.refusing(), undefined, 'nothing refused at first');
  t.same(waits(clock, backoff, 5), [15_000, 30_000, 60_000, 60_000, 60_000]);
  backoff.taken();
  t.same(waits(clock, backoff, 2), [15_000, 30_000], 'after a frame the radio took');
});

t.test('while it runs, sends are refused at once with its end; it ends on time', async (t) => {
  const clock = new VirtualClock(0);
  const backoff = new BusyBackoff(clock, { dutyCycleFirstMs: 100, dutyCycleMaxMs: 400, queueFullMs: 50 });
  const untilMs = backoff.refused('duty cycle');
  t.same(backoff.refusing(), { untilMs: 100, why: 'duty cycle' });
  clock.tick(99);
  t.ok(backoff.refusing(), 'still at 99 ms');
  clock.tick(1);
  t.equal(backoff.refusing(), undefined, `over at ${untilMs} ms`);
  backoff.queueReported(16);
  t.same(waits(clock, backoff, 1), [200], 'a slot reported free does not reset the duty-cycle wait');
});

t.test('a refusal arriving during a back-off never shortens it (a second nak, a frame refused in flight)', async (t) => {
  const clock = new VirtualClock(0);
  const backoff = new BusyBackoff(clock, { dutyCycleFirstMs: 1000, dutyCycleMaxMs: 8000, queueFullMs: 50 });
  backoff.refused('duty cycle');
  t.equal(backoff.refused('queue full'), 1000, 'a full queue meanwhile: still the duty cycle\'s end');
  backoff.queueReported(3);
  t.same(backoff.refusing(), { untilMs: 1000, why: 'duty cycle' }, 'a freed slot does not end a duty-cycle back-off');
});

t.test('a full queue: refused until the radio reports a free slot, or the wait ends', async (t) => {
  const clock = new VirtualClock(0);
  const backoff = new BusyBackoff(clock, { dutyCycleFirstMs: 1000, dutyCycleMaxMs: 8000, queueFullMs: 2000 });
  t.equal(backoff.refused('queue full'), 2000);
  backoff.queueReported(0);
  t.ok(backoff.refusing(), 'a report of no free slot changes nothing');
  backoff.queueReported(1);
  t.equal(backoff.refusing(), undefined, 'a free slot ends it');
  backoff.refused('queue full');
  clock.tick(2000);
  t.equal(backoff.refusing(), undefined, 'or the time');
});

t.test('a reboot forgets everything: the radio\'s queue is fresh and its airtime forgotten', async (t) => {
  const clock = new VirtualClock(0);
  const backoff = new BusyBackoff(clock, { dutyCycleFirstMs: 100, dutyCycleMaxMs: 800, queueFullMs: 50 });
  waits(clock, backoff, 3);
  backoff.refused('duty cycle');
  backoff.reset();
  t.equal(backoff.refusing(), undefined);
  t.same(waits(clock, backoff, 1), [100]);
});
