// Link models: a simulated link's MTU and frame time come from the same code
// as the real transports', and a bad model is refused naming its field.
import t from 'tap';
import { checkLinkModel, frameDurationMs, linkMtu, meshtasticHops, type LinkModel } from '../../sim/link-model.js';
import { timeOnAirMs } from '../../transports/lora/airtime.js';
import { LoRaTransport } from '../../transports/lora/lora-transport.js';
import { rnodePreambleSymbols } from '../../transports/lora/rnode-commands.js';

t.test('LoRa: time on air as the real LoRa transport counts it (RNode preamble, one header byte)', async (t) => {
  for (const [spreadingFactor, bandwidthHz, codingRate] of [
    [7, 125_000, 5],
    [9, 125_000, 5],
    [12, 125_000, 8],
    [8, 250_000, 6],
  ] as const) {
    // Never opened: only its arithmetic is used.
    const radio = new LoRaTransport({ path: '/dev/not-opened', frequencyHz: 868_100_000, txPowerDbm: 14, spreadingFactor, bandwidthHz, codingRate });
    const model: LinkModel = { kind: 'lora', spreadingFactor, bandwidthHz, codingRate };
    t.equal(linkMtu(model), radio.mtu, `SF${spreadingFactor}/${bandwidthHz / 1000} kHz: MTU ${radio.mtu}`);
    for (const bytes of [1, 50, 100, linkMtu(model)]) t.equal(frameDurationMs(model, bytes), radio.frameAirtimeMs(bytes));
  }
  const sf9 = { spreadingFactor: 9, bandwidthHz: 125_000, codingRate: 5, preambleSymbols: rnodePreambleSymbols(9, 125_000) };
  t.equal(frameDurationMs({ kind: 'lora', spreadingFactor: 9, bandwidthHz: 125_000 }, 100), timeOnAirMs(sf9, 101), 'coding rate 4/5 by default; 100 bytes are 101 on the air');
});

t.test('serial: ten bit times per byte of the framed frame; MQTT: no sender time', async (t) => {
  // 100 bytes + 4 of CRC, COBS adds 1, the delimiter 1: 106 bytes, 1060 bits at 9600 bit/s.
  t.equal(frameDurationMs({ kind: 'serial', baudRate: 9600 }, 100), (106 * 10 * 1000) / 9600);
  t.equal(linkMtu({ kind: 'serial', baudRate: 9600 }), 255);
  t.equal(linkMtu({ kind: 'serial', baudRate: 9600, mtu: 1000 }), 1000);
  t.equal(frameDurationMs({ kind: 'mqtt', latencyMs: 80 }, 100), 0);
  t.equal(linkMtu({ kind: 'mqtt', latencyMs: 80 }), 4096);
});

t.test('a bad model is refused, naming the field', async (t) => {
  const refuse = (model: unknown, field: string) => {
    try {
      checkLinkModel(model as LinkModel);
      t.fail(`accepted ${JSON.stringify(model)}`);
    } catch (error) {
      t.equal((error as { field?: string }).field, field, `${JSON.stringify(model)}: ${(error as Error).message}`);
    }
  };
  refuse({ kind: 'lora', spreadingFactor: 13, bandwidthHz: 125_000 }, 'spreadingFactor');
  refuse({ kind: 'lora', spreadingFactor: 7, bandwidthHz: 1_000_000 }, 'bandwidthHz');
  refuse({ kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, codingRate: 4 }, 'codingRate');
  refuse({ kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, dutyCycle: 'AS923' }, 'dutyCycle');
  refuse({ kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, lossRate: 1.5 }, 'lossRate');
  refuse({ kind: 'serial', baudRate: 300 }, 'baudRate');
  refuse({ kind: 'mqtt', latencyMs: -1 }, 'latencyMs');
  refuse({ kind: 'mqtt', latencyMs: 10, mtu: 0 }, 'mtu');
  refuse({ kind: 'carrier pigeon' }, 'kind');
  refuse(null, 'model');
});

t.test('Meshtastic: the MTU the firmware takes on the private port, the time on air of one hop', async (t) => {
  const longFast: LinkModel = { kind: 'meshtastic', preset: 'LongFast', region: 'EU_868' };
  t.equal(linkMtu(longFast), 219, 'to the neighbour\'s key (the default)');
  t.equal(linkMtu({ ...longFast, encryption: 'channel' }), 231, 'with the channel\'s key');
  // 100 bytes: 16 of header, 107 of Data, 12 of PKC: 135 bytes at SF11, 250 kHz, 4/5, a 16-symbol preamble.
  t.equal(frameDurationMs(longFast, 100), timeOnAirMs({ spreadingFactor: 11, bandwidthHz: 250_000, codingRate: 5, preambleSymbols: 16 }, 135));
  t.equal(frameDurationMs({ ...longFast, hops: 3 }, 100), frameDurationMs(longFast, 100), 'the sender\'s own airtime: each relay spends as much again');
  t.equal(meshtasticHops({ ...longFast, hops: 3 }), 3);
  t.equal(meshtasticHops({ kind: 'serial', baudRate: 9600 }), 1);
});

t.test('Meshtastic: a bad model is refused, naming the field', async (t) => {
  const longFast = { kind: 'meshtastic', preset: 'LongFast', region: 'EU_868' };
  for (const [model, field] of [
    [{ ...longFast, preset: 'VeryLongSlow' }, 'preset'],
    [{ ...longFast, preset: 'LongTurbo' }, 'preset'],
    [{ ...longFast, region: 'EU868' }, 'region'],
    [{ ...longFast, hops: 8 }, 'hops'],
    [{ ...longFast, hops: 1.5 }, 'hops'],
    [{ ...longFast, encryption: 'none' }, 'encryption'],
    [{ ...longFast, lossRate: -0.1 }, 'lossRate'],
  ] as const) {
    t.throws(() => checkLinkModel(model as unknown as LinkModel), { field, message: /./ }, JSON.stringify(model));
  }
});
