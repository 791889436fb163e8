// Time on air by Semtech's formula, checked against published calculator values.
import t from 'tap';
import fc from 'fast-check';
import { MIN_LINK_MTU } from '../../../transports/link/link.js';
import { TTN_SHEET_37_BYTES } from './published-airtime.js';
import { lowDataRateOptimizeApplies, maxPayloadForDataRate, payloadSymbols, symbolTimeMs, timeOnAirMs } from '../../../transports/lora/airtime.js';

/**
 * 10 bytes: https://www.rfwireless-world.com/calculators/LoRaWAN-Airtime-calculator.html
 * gives SF7 41.216 ms and SF11 (optimisation on) 577.536 ms exactly, and its table
 * rounds SF7..SF12 to 41, 72, 144, 289, 578, 991 ms.
 */
const RFWIRELESS_10_BYTES_ROUNDED: ReadonlyArray<[sf: number, ms: number]> = [
  [7, 41],
  [8, 72],
  [9, 144],
  [10, 289],
  [11, 578],
  [12, 991],
];

const at125 = (spreadingFactor: number) => ({ spreadingFactor, bandwidthHz: 125_000, codingRate: 5 });

t.test('SF6..SF12 at 125 kHz match the TTN spreadsheet within 1 ms (in fact exactly)', async (t) => {
  for (const [sf, published] of TTN_SHEET_37_BYTES) {
    const computed = timeOnAirMs(at125(sf), 37);
    t.ok(Math.abs(computed - published) < 1, `SF${sf}: ${computed} ms vs ${published} ms published`);
    t.equal(computed.toFixed(3), published.toFixed(3), `SF${sf} to the microsecond`);
  }
});

t.test('10-byte packets match the rfwireless-world calculator', async (t) => {
  t.equal(timeOnAirMs(at125(7), 10), 41.216);
  t.equal(timeOnAirMs(at125(11), 10), 577.536);
  for (const [sf, rounded] of RFWIRELESS_10_BYTES_ROUNDED) {
    t.equal(Math.round(timeOnAirMs(at125(sf), 10)), rounded, `SF${sf} rounds to ${rounded} ms`);
  }
});

t.test('13-byte packets match the original TTN forum spreadsheet', async (t) => {
  // https://docs.google.com/spreadsheets/d/1voGAtQAjC1qBmaVuP1ApNKs1ekgUjavHuVQIXyYSvNc: SF9, CR 4/5, no optimisation.
  t.equal(timeOnAirMs({ ...at125(9), lowDataRateOptimize: false }, 13), 164.864);
  t.equal(payloadSymbols({ ...at125(9), lowDataRateOptimize: false }, 13), 28, '28 payload symbols, as the sheet shows');
});

t.test('51-byte packets (the LoRaWAN SF12 maximum), worked by hand', async (t) => {
  // SF7: 8 + ceil((408 - 28 + 28 + 16) / 28) * 5 = 88 payload symbols; (8 + 4.25 + 88) * 1.024 ms.
  t.equal(timeOnAirMs(at125(7), 51), 102.656);
  // SF12, optimisation on: 8 + ceil((408 - 48 + 44) / 40) * 5 = 63 symbols; (12.25 + 63) * 32.768 ms.
  t.equal(timeOnAirMs(at125(12), 51), 2465.792);
});

t.test('header, CRC, coding rate and preamble each change the result as the formula says', async (t) => {
  const base = timeOnAirMs(at125(7), 10);
  t.equal(timeOnAirMs({ ...at125(7), crc: false }, 10), 36.096, 'no CRC: 16 bits fewer, one 5-symbol block less');
  t.equal(timeOnAirMs({ ...at125(7), explicitHeader: false }, 10), 36.096, 'implicit header: 20 bits fewer');
  t.equal(timeOnAirMs({ ...at125(7), codingRate: 8 }, 10), 53.504, 'CR 4/8: 8 symbols per block instead of 5');
  const longer = timeOnAirMs({ ...at125(7), preambleSymbols: 18 }, 10);
  t.ok(Math.abs(longer - base - 10.24) < 1e-9, `ten more preamble symbols, ten more symbol times (${longer} ms)`);
});

t.test('low-data-rate optimisation: automatic above 16 ms per symbol', async (t) => {
  t.equal(symbolTimeMs(10, 125_000), 8.192);
  t.notOk(lowDataRateOptimizeApplies(at125(10)));
  t.ok(lowDataRateOptimizeApplies(at125(11)), 'SF11 at 125 kHz: 16.384 ms');
  t.notOk(lowDataRateOptimizeApplies({ spreadingFactor: 11, bandwidthHz: 250_000, codingRate: 5 }), 'SF11 at 250 kHz: 8.192 ms');
  t.ok(lowDataRateOptimizeApplies({ spreadingFactor: 12, bandwidthHz: 250_000, codingRate: 5 }));
  t.notOk(lowDataRateOptimizeApplies({ ...at125(12), lowDataRateOptimize: false }), 'overridden off');
  t.ok(timeOnAirMs({ ...at125(12), lowDataRateOptimize: false }, 51) < timeOnAirMs(at125(12), 51), 'forcing it off shortens the packet');
});

t.test('bad parameters name the field', async (t) => {
  t.throws(() => timeOnAirMs(at125(13), 10), { name: 'InvalidInputError', field: 'spreadingFactor' });
  t.throws(() => timeOnAirMs({ ...at125(7), bandwidthHz: 600_000 }, 10), { name: 'InvalidInputError', field: 'bandwidthHz' });
  t.throws(() => timeOnAirMs({ ...at125(7), codingRate: 4 }, 10), { name: 'InvalidInputError', field: 'codingRate' });
  t.throws(() => timeOnAirMs(at125(7), 256), { name: 'InvalidInputError', field: 'payloadBytes' });
  t.throws(() => timeOnAirMs(at125(7), -1), { name: 'InvalidInputError', field: 'payloadBytes' });
});

const modulationArbitrary = fc.record({
  spreadingFactor: fc.integer({ min: 6, max: 11 }),
  bandwidthHz: fc.constantFrom(7_800, 10_400, 15_600, 20_800, 31_250, 41_700, 62_500, 125_000, 250_000, 500_000),
  codingRate: fc.integer({ min: 5, max: 8 }),
  preambleSymbols: fc.integer({ min: 6, max: 64 }),
  explicitHeader: fc.boolean(),
  crc: fc.boolean(),
  lowDataRateOptimize: fc.constantFrom<boolean | 'auto'>(true, false, 'auto'),
});

t.test('airtime never decreases with more payload bytes (property)', async (t) => {
  fc.assert(
    fc.property(modulationArbitrary, fc.integer({ min: 0, max: 254 }), (modulation, bytes) => timeOnAirMs(modulation, bytes + 1) >= timeOnAirMs(modulation, bytes)),
  );
  t.pass('monotonic in payload');
});

t.test('airtime grows with the spreading factor (property)', async (t) => {
  fc.assert(
    fc.property(modulationArbitrary, fc.integer({ min: 0, max: 255 }), (modulation, bytes) => {
      const higher = { ...modulation, spreadingFactor: modulation.spreadingFactor + 1 };
      return timeOnAirMs(higher, bytes) > timeOnAirMs(modulation, bytes);
    }),
  );
  t.pass('monotonic in SF');
});

t.test('the MTU rule: one LoRa packet, LoRaWAN EU868 sizes by symbol time, less the RNode header byte', async (t) => {
  t.same([7, 8, 9, 10, 11, 12].map((sf) => maxPayloadForDataRate(sf, 125_000)), [254, 254, 127, 127, 127, 127], 'DR5..DR0 at 125 kHz (SF10-SF12 keep 127: the link handshake needs 68 bytes)');
  t.equal(maxPayloadForDataRate(9, 250_000), 254, 'SF9 at 250 kHz has the symbol time of SF8 at 125 kHz');
  t.equal(maxPayloadForDataRate(12, 500_000), 127);
  t.ok(maxPayloadForDataRate(12, 7_800) >= MIN_LINK_MTU, 'every data rate carries a link handshake act in one frame');
  t.equal(maxPayloadForDataRate(7, 62_500), 254);
  t.equal(maxPayloadForDataRate(8, 62_500), 127);
  t.ok(timeOnAirMs(at125(12), 63 + 1) < 3000, 'a full frame at SF12 stays under 3 s on air');
});
