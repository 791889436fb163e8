// What an lnmesh frame costs on a Meshtastic radio's air: the firmware's
// modem presets, the packet around the frame byte by byte, the largest frame
// the firmware takes, and the time on air by Semtech's formula.
import t from 'tap';
import { timeOnAirMs } from '../../transports/lora/airtime.js';
import { DATA_PAYLOAD_LEN } from '../../transports/meshtastic/client-messages.js';
import { MESHTASTIC_PRESETS as TRANSPORT_PRESETS } from '../../transports/meshtastic/meshtastic-options.js';
import {
  MESHTASTIC_PRESETS, MESHTASTIC_PRESET_NAMES, checkPresetAndRegion, dataBytes, meshtasticAirtimeMs, meshtasticModulation, meshtasticMtu, packetBytesOnAir,
} from '../../sim/meshtastic-air.js';

t.test('presets: (SF, bandwidth, coding rate) as the firmware sets them, a 16-symbol preamble', async (t) => {
  t.same(MESHTASTIC_PRESETS.LongFast, { spreadingFactor: 11, bandwidthHz: 250_000, codingRate: 5 }, 'LongFast: SF11, 250 kHz, 4/5 (the issue)');
  t.same(MESHTASTIC_PRESETS.MediumFast, { spreadingFactor: 9, bandwidthHz: 250_000, codingRate: 5 });
  t.same(MESHTASTIC_PRESETS.ShortFast, { spreadingFactor: 7, bandwidthHz: 250_000, codingRate: 5 });
  t.same(MESHTASTIC_PRESETS.LongSlow, { spreadingFactor: 12, bandwidthHz: 125_000, codingRate: 8 });
  t.same(MESHTASTIC_PRESETS.LongTurbo, { spreadingFactor: 11, bandwidthHz: 500_000, codingRate: 8 }, 'LongTurbo: LongFast\'s SF at 500 kHz, 4/8');
  t.same(MESHTASTIC_PRESETS.MediumTurbo, { spreadingFactor: 9, bandwidthHz: 500_000, codingRate: 5 }, 'MediumTurbo: MediumFast at 500 kHz');
  t.equal(meshtasticModulation('LongFast').preambleSymbols, 16);
});

t.test('one preset table: the link model prices with the transport\'s', async (t) => {
  t.equal(MESHTASTIC_PRESETS, TRANSPORT_PRESETS, 'the same object, not a copy');
  t.same(MESHTASTIC_PRESET_NAMES, ['LongFast', 'LongModerate', 'LongSlow', 'LongTurbo', 'MediumSlow', 'MediumFast', 'MediumTurbo', 'ShortSlow', 'ShortFast', 'ShortTurbo'], 'in the transport\'s order, ten presets');
});

t.test('the packet: 16-byte header, the Data protobuf, 12 bytes more to a node key', async (t) => {
  // Data { portnum: 256, payload: 3 bytes, bitfield: 0 } = 08 80 02 | 12 03 aa bb cc | 48 00.
  t.equal(dataBytes(3), 10, 'portnum 256 takes a 2-byte varint; the bitfield the firmware sets, 2 bytes');
  t.equal(dataBytes(127), 127 + 7, 'a one-byte length up to 127');
  t.equal(dataBytes(128), 128 + 8, 'a two-byte length from 128');
  t.equal(dataBytes(3, 1), 9, 'a text message (port 1) has a one-byte port number');
  t.equal(packetBytesOnAir(100, 'channel'), 16 + 107);
  t.equal(packetBytesOnAir(100, 'pkc'), 16 + 107 + 12);
  t.equal(packetBytesOnAir(100), packetBytesOnAir(100, 'pkc'), 'to one node the firmware encrypts with its key by default');
});

t.test('the largest frame: what fits 255 bytes on the air, below DATA_PAYLOAD_LEN', async (t) => {
  t.equal(meshtasticMtu('channel'), 231, 'the firmware refuses 232 bytes with TOO_LARGE: 16 + 240 > 255');
  t.equal(packetBytesOnAir(231, 'channel'), 255);
  t.equal(packetBytesOnAir(232, 'channel'), 256);
  t.equal(meshtasticMtu('pkc'), 219, '12 bytes less to a node key');
  t.equal(packetBytesOnAir(219, 'pkc'), 255);
  t.ok(meshtasticMtu('channel') < DATA_PAYLOAD_LEN, `below the ${DATA_PAYLOAD_LEN} bytes a Data payload may hold`);
});

t.test('time on air: Semtech\'s formula on the whole packet', async (t) => {
  // LongFast, a full packet of 255 bytes: symbols of 2^11 / 250 kHz = 8.192 ms; 16 + 4.25 preamble,
  // 8 + ceil((8 * 255 - 44 + 28 + 16) / 44) * 5 = 243 payload symbols (no low-data-rate optimisation at 8.2 ms).
  t.equal(meshtasticAirtimeMs('LongFast', 219), (16 + 4.25 + 243) * 8.192);
  t.equal(meshtasticAirtimeMs('MediumFast', 50), timeOnAirMs({ spreadingFactor: 9, bandwidthHz: 250_000, codingRate: 5, preambleSymbols: 16 }, 16 + 57 + 12));
  t.ok(meshtasticAirtimeMs('LongSlow', 219) > 6 * meshtasticAirtimeMs('LongFast', 219), 'LongSlow: SF12 at 125 kHz, 4/8, with low-data-rate optimisation');
});

t.test('presets and regions refused by name', async (t) => {
  const refuse = (preset: unknown, region: unknown, field: string, pattern: RegExp) =>
    t.throws(() => checkPresetAndRegion(preset, region), { field, message: pattern }, `${String(preset)} in ${String(region)}`);
  refuse('LongFastest', 'EU_868', 'preset', /unknown modem preset "LongFastest": expected one of LongFast, LongModerate, .*, ShortTurbo$/);
  refuse('constructor', 'US', 'preset', /unknown modem preset "constructor"/);
  refuse('MediumTurbo', 'EU_868', 'preset', /MediumTurbo is not allowed in EU_868/);
  refuse('LongFast', 'AS_923', 'region', /unknown region "AS_923": expected one of EU_868, US/);
  refuse('ShortTurbo', 'EU_868', 'preset', /ShortTurbo is not allowed in EU_868/);
  t.doesNotThrow(() => checkPresetAndRegion('ShortTurbo', 'US'));
  t.doesNotThrow(() => checkPresetAndRegion('LongModerate', 'EU_868'));
});
