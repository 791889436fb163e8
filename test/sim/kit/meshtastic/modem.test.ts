// The firmware's timings from its presets, checked against values worked out by hand from its formulas.
import t from 'tap';
import { MODEM_PRESETS, packetAirtimeMs, relayTxDelayMs, retransmissionDelayMs, ownTxDelayMs, slotTimeMs } from '../../../../sim/kit/meshtastic/modem.js';

const { LongFast, MediumFast, ShortFast } = MODEM_PRESETS;

t.test('time on air with the 16-symbol preamble (Semtech formula, explicit header, CRC, no LDRO at 250 kHz)', async (t) => {
  // LongFast: 8.192 ms symbols; 255 bytes: 16 + 4.25 + 8 + ceil((2040 - 44 + 28 + 16) / 44) * 5 = 263.25 symbols.
  t.equal(packetAirtimeMs(LongFast, 255), 2156);
  // ShortFast: 0.512 ms symbols; 224 bytes: 16 + 4.25 + 8 + ceil(1808 / 28) * 5 = 353.25 symbols.
  t.equal(packetAirtimeMs(ShortFast, 224), 180);
  t.ok(packetAirtimeMs(MediumFast, 100) < packetAirtimeMs(LongFast, 100) / 3, 'MediumFast: SF9, four times faster symbols');
});

t.test('slot time, send and relay delays, the retransmission wait', async (t) => {
  t.equal(slotTimeMs(LongFast), 28, '2.5 symbols of 8.192 ms + 7.6 ms, truncated');
  t.equal(slotTimeMs(ShortFast), 8);
  t.equal(ownTxDelayMs(LongFast, () => 0), 0);
  t.equal(ownTxDelayMs(LongFast, () => 0.999), 7 * 28, 'at most 2^CWmin - 1 slots on an idle channel');
  t.equal(relayTxDelayMs(LongFast, 10, () => 0), 448, 'past the routers\' window: 2 * CWmax slots');
  t.equal(relayTxDelayMs(LongFast, 10, () => 0.999), 448 + 255 * 28, 'a well heard packet waits up to 2^8 slots more');
  t.equal(relayTxDelayMs(LongFast, -20, () => 0.999), 448 + 7 * 28, 'a badly heard one only 2^3: it is relayed first');
  t.equal(retransmissionDelayMs(LongFast, 255), 2 * 2156 + 56 * 28 + 4500);
  t.equal(retransmissionDelayMs(LongFast, 255, 0), 2 * 2156 + 56 * 28, 'the processing time is the part a test may shrink');
});
