// The channel reserve each side is asked to keep: 1% of the channel, never
// below the smallest dust limit (a peer refuses a reserve below its dust limit).
import t from 'tap';
import { channelReserveSatoshis } from '../../../node/channel/reserve.js';

t.test('1% of the channel, rounded down', async (t) => {
  t.equal(channelReserveSatoshis(1_000_000), 10_000);
  t.equal(channelReserveSatoshis(16_777_215), 167_772);
});

t.test('at least the dust limit floor: small channels keep 354 sat', async (t) => {
  t.equal(channelReserveSatoshis(20_000), 354);
  t.equal(channelReserveSatoshis(35_400), 354, 'where 1% meets the floor');
  t.equal(channelReserveSatoshis(35_500), 355);
});
