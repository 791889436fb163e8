// The silence watchdog: a radio counts as gone when nothing at all came from it for `silentMs`; anything it says
// (a heartbeat's QueueStatus, a packet) restarts the count. Driven here by a virtual clock; the transport over a
// hung radio model is in meshtastic-session.test.ts.
import t from 'tap';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { SilenceWatchdog } from '../../../transports/meshtastic/silence-watchdog.js';

t.test('silent for silentMs: noticed then, once; heard meanwhile: the count starts again', async (t) => {
  const clock = new VirtualClock(0);
  const noticed: number[] = [];
  const watchdog = new SilenceWatchdog(clock, 1000, () => noticed.push(clock.now()));
  watchdog.start();
  for (let at = 0; at < 5000; at += 400) {
    clock.tick(400);
    watchdog.heard(); // a radio answering every 400 ms
  }
  t.same(noticed, [], 'a radio that answers is never taken for gone');
  const lastHeard = clock.now();
  for (let step = 0; step < 30; step++) clock.tick(100);
  t.same(noticed, [lastHeard + 1000], 'noticed exactly silentMs after the last word');
  t.equal(clock.pending, 0, 'and no timer is left');
});

t.test('stop ends the watch; start counts from the new start', async (t) => {
  const clock = new VirtualClock(0);
  let noticed = 0;
  const watchdog = new SilenceWatchdog(clock, 500, () => noticed++);
  watchdog.start();
  clock.tick(400);
  watchdog.stop();
  clock.tick(1000);
  t.equal(noticed, 0, 'stopped');
  watchdog.start();
  clock.tick(499);
  t.equal(noticed, 0);
  clock.tick(1);
  t.equal(noticed, 1, '500 ms after the second start');
});
