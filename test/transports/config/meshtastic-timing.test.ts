// The first retransmission of a link over Meshtastic radios, computed from
// the preset's time on air (Semtech's formula, transports/lora/airtime.ts)
// and the firmware's relay delays, for a path of hopLimit hops: never under
// the link's 5 s, past the ~6 s the simulator measured a fragment and its
// ack taking over two LongFast hops and past what a payment's full answers
// take over one, longer for slower presets and longer paths. buildLinks applies it unless the config's timing says otherwise.
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { nodeKeyFromSecret } from '../../../node/core/node-key.js';
import { systemClock } from '../../../node/core/clock.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { buildLinks, defaultTiming } from '../../../transports/config/link-config.js';
import { meshtasticRetransmitBaseMs, meshtasticRoundTripMs, relayDelayMs, slotTimeMs } from '../../../transports/config/meshtastic-timing.js';
import { MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { MAX_LORA_PAYLOAD_BYTES, timeOnAirMs } from '../../../transports/lora/airtime.js';
import { MESHTASTIC_PRESETS, type MeshtasticPresetName } from '../../../transports/meshtastic/meshtastic-options.js';
import { MODEM_PRESETS, relayTxDelayMs, slotTimeMs as modelSlotTimeMs } from '../../../sim/kit/meshtastic/modem.js';
import { randomBytes } from '../../../sim/kit/random.js';

const PRESETS = Object.keys(MESHTASTIC_PRESETS) as MeshtasticPresetName[];
const onAir = (preset: MeshtasticPresetName, bytes: number) => timeOnAirMs({ ...MESHTASTIC_PRESETS[preset], preambleSymbols: 16 }, bytes);

t.test('the presets and slot times are the radio model\'s (the firmware\'s)', async (t) => {
  for (const preset of PRESETS) {
    const { name: _name, ...model } = MODEM_PRESETS[preset];
    t.strictSame({ ...MESHTASTIC_PRESETS[preset] }, model, `${preset}: SF, bandwidth, coding rate`);
    t.equal(slotTimeMs(preset), modelSlotTimeMs(MODEM_PRESETS[preset]), `${preset}: slot time`);
  }
  t.equal(slotTimeMs('LongFast'), 28, 'LongFast: 2.5 symbols of 8.192 ms and 7.6 ms, whole ms');
});

t.test('a relay\'s delay is the mean of the firmware\'s wait for a well-heard packet', async (t) => {
  for (const preset of PRESETS) {
    const shortest = relayTxDelayMs(MODEM_PRESETS[preset], 10, () => 0);
    const longest = relayTxDelayMs(MODEM_PRESETS[preset], 10, () => 0.999_999);
    t.ok(relayDelayMs(preset) > shortest && relayDelayMs(preset) < longest, `${preset}: ${relayDelayMs(preset)} ms within ${shortest}..${longest}`);
    t.equal(relayDelayMs(preset), (shortest + longest + slotTimeMs(preset)) / 2, `${preset}: halfway`);
  }
});

t.test('the round trip: a full frame and a full answer carrying its ack per hop, one frame queued ahead, each relay waiting both ways, each end its own delay', async (t) => {
  for (const preset of PRESETS) {
    const full = onAir(preset, MAX_LORA_PAYLOAD_BYTES);
    const ends = 2 * 8 * slotTimeMs(preset);
    for (let hops = 1; hops <= 7; hops++) {
      t.equal(meshtasticRoundTripMs(preset, hops), hops * 2 * full + full + 2 * (hops - 1) * relayDelayMs(preset) + ends, `${preset}, ${hops} hops`);
    }
  }
  t.ok(onAir('LongFast', MAX_LORA_PAYLOAD_BYTES) > 2000, 'a full LongFast packet is over 2 s on the air');
  t.equal(meshtasticRetransmitBaseMs({ path: '/dev/ttyUSB0', preset: 'LongFast', hopLimit: 1 }), 7000, 'LongFast in range: 7 s (a payment there never sends a frame twice unless one is lost)');
});

t.test('retransmitBase: the round trip over hopLimit hops rounded up to 100 ms, never under the link\'s 5 s', async (t) => {
  const base = (preset: MeshtasticPresetName, hopLimit: number) => meshtasticRetransmitBaseMs({ path: '/dev/ttyUSB0', preset, hopLimit });
  for (const preset of PRESETS) {
    for (let hops = 1; hops <= 7; hops++) {
      const expected = Math.max(5000, Math.ceil(meshtasticRoundTripMs(preset, hops) / 100) * 100);
      t.equal(base(preset, hops), expected, `${preset}, hopLimit ${hops}: ${expected} ms`);
      if (hops > 1) t.ok(base(preset, hops) >= base(preset, hops - 1), `${preset}: a longer path waits at least as long`);
    }
  }
  t.equal(base('ShortFast', 1), 5000, 'ShortFast, in range: the link default (a frame and its answer are well under 5 s)');
  t.ok(base('LongFast', 2) > 6000, `LongFast over a relay: ${base('LongFast', 2)} ms, past the ~6 s round trip the simulator measured`);
  t.ok(base('LongSlow', 2) > base('LongFast', 2) && base('LongFast', 2) > base('MediumFast', 2) && base('MediumFast', 2) > base('ShortFast', 2), 'slower presets wait longer');
  t.equal(meshtasticRetransmitBaseMs({ path: '/dev/ttyUSB0' }), base('LongFast', 3), 'defaults: LongFast, hopLimit 3 (the firmware\'s)');
  t.throws(() => meshtasticRetransmitBaseMs({ path: '/dev/ttyUSB0', preset: 'Turbo' as never }), { name: 'InvalidInputError', field: 'preset' });
  t.throws(() => meshtasticRetransmitBaseMs({ path: '/dev/ttyUSB0', hopLimit: 8 }), { name: 'InvalidInputError', field: 'hopLimit' });
});

t.test('defaultTiming: only a Meshtastic link or a slow LoRa one changes the link\'s defaults', async (t) => {
  t.strictSame(defaultTiming({ kind: 'meshtastic', path: 'tcp://radio:4403', preset: 'MediumFast', hopLimit: 2 }), { retransmitBaseMs: meshtasticRetransmitBaseMs({ path: 'x', preset: 'MediumFast', hopLimit: 2 }) });
  t.strictSame(defaultTiming({ kind: 'meshtastic', path: '/dev/ttyUSB0', hopLimit: 3 }, { retransmitMaxMs: 8000 }), { retransmitBaseMs: 8000 }, 'a retransmitMax given bounds it');
  t.strictSame(defaultTiming({ kind: 'meshtastic', path: '/dev/ttyUSB0', hopLimit: 1 }, { retransmitMaxMs: 8000 }), { retransmitBaseMs: 7000 }, 'and leaves it alone below');
  t.strictSame(defaultTiming({ kind: 'serial', path: '/dev/ttyUSB0' }), {});
  t.strictSame(defaultTiming({ kind: 'mqtt', url: 'mqtt://localhost:1883', nodeName: 'n' }), {});
  t.strictSame(defaultTiming({ kind: 'lora', path: '/dev/ttyACM0', frequencyHz: 868_100_000, bandwidthHz: 125_000, spreadingFactor: 9, codingRate: 5, txPowerDbm: 14 }), {}, 'a fast LoRa data rate keeps the link\'s 5 s');
  t.strictSame(defaultTiming({ kind: 'lora', path: '/dev/ttyACM0', frequencyHz: 868_100_000, bandwidthHz: 125_000, spreadingFactor: 12, codingRate: 5, txPowerDbm: 14 }), { retransmitBaseMs: 15_800 }, 'SF12: three full packets (lora-timing.ts)');
});

t.test('buildLinks: a Meshtastic link gets the computed retransmitBase unless timing gives one; a bad preset names the link', async (t) => {
  const components = { nodeKey: nodeKeyFromSecret(new Uint8Array(32).fill(7)), clock: systemClock, outbox: new MemoryLinkOutbox(), randomBytes };
  const neighbours = [{ nodeId: bytesToHex(publicKeyOf(new Uint8Array(32).fill(8))), address: '!a1b2c3d4' }];
  const transport = { kind: 'meshtastic', path: '/dev/ttyUSB0', hopLimit: 2 } as const;
  // The link keeps its timing to itself; read the one field this is about.
  const retransmitBase = (link: unknown) => (link as { retransmitBaseMs: number }).retransmitBaseMs;
  const [computed, given] = buildLinks([{ transport, neighbours }, { transport, neighbours, timing: { retransmitBaseMs: 3000 } }], components);
  t.equal(retransmitBase(computed), meshtasticRetransmitBaseMs(transport), 'from the preset (LongFast) and hopLimit');
  t.equal(retransmitBase(given), 3000, 'the config\'s timing wins');
  t.throws(() => buildLinks([{ transport: { ...transport, preset: 'Fastest' as never }, neighbours }], components), new InvalidInputError('links[0].preset', 'unknown modem preset "Fastest": expected one of LongFast, LongModerate, LongSlow, LongTurbo, MediumSlow, MediumFast, MediumTurbo, ShortSlow, ShortFast, ShortTurbo'));
});
