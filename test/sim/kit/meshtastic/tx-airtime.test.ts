// The duty-cycle record: one-minute buckets over a rolling hour, here a 6-second test hour.
import t from 'tap';
import { VirtualClock } from '../../../../sim/kit/virtual-clock.js';
import { TxAirtime } from '../../../../sim/kit/meshtastic/tx-airtime.js';

t.test('airtime counts while its bucket is among the last 60, then drops out whole', async (t) => {
  const clock = new VirtualClock();
  const airtime = new TxAirtime(clock, 6000);
  airtime.log(300);
  t.equal(airtime.utilizationPercent(), 5);
  clock.tick(5999);
  airtime.log(60);
  t.equal(airtime.utilizationPercent(), 6, 'both buckets inside the hour');
  clock.tick(1);
  t.equal(airtime.utilizationPercent(), 1, 'the first bucket (0..100 ms) has left the window');
  airtime.clear();
  t.equal(airtime.utilizationPercent(), 0, 'a reboot forgets it');
});
