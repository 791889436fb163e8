// The first retransmission over an RNode: three full packets at the data rate, never under the link's 5 s.
import t from 'tap';
import { fullPacketMs, loraRetransmitBaseMs } from '../../../transports/lora/lora-timing.js';
import { timeOnAirMs } from '../../../transports/lora/airtime.js';

t.test('three full packets, rounded up to 100 ms, at least 5 s', async (t) => {
  t.equal(fullPacketMs({ spreadingFactor: 12, bandwidthHz: 125_000 }), timeOnAirMs({ spreadingFactor: 12, bandwidthHz: 125_000, codingRate: 5, preambleSymbols: 18 }, 128), 'SF12: a 127-byte frame and the header byte, the RNode preamble');
  t.ok(fullPacketMs({ spreadingFactor: 12, bandwidthHz: 125_000 }) > 5000, 'longer than the link default by itself');
  t.equal(loraRetransmitBaseMs({ spreadingFactor: 12, bandwidthHz: 125_000 }), 15_800);
  t.equal(loraRetransmitBaseMs({ spreadingFactor: 11, bandwidthHz: 125_000 }), 8700);
  t.equal(loraRetransmitBaseMs({ spreadingFactor: 7, bandwidthHz: 125_000 }), 5000, 'SF7: the link default');
  t.ok(loraRetransmitBaseMs({ spreadingFactor: 12, bandwidthHz: 125_000, codingRate: 8 }) > 15_800, 'a stronger coding rate, longer packets');
});
