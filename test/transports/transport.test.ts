// The Transport contract, run against every implementation: memory, MQTT (a
// real broker), LoRa (an RNode model behind a real pseudo-terminal), serial
// (a real pseudo-terminal pair), the simulator's three link kinds, and the
// kit's own paced radio.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { type LinkModel } from '../../sim/link-model.js';
import { SimMedium } from '../../sim/medium.js';
import { SeededRandom } from '../../sim/random.js';
import { Scheduler } from '../../sim/scheduler.js';
import { behavesAsATransport, type TransportPair } from '../../sim/kit/behaves-as-a-transport.js';
import { PacedRadio } from '../../sim/kit/paced-radio.js';
import { VirtualClock } from '../../sim/kit/virtual-clock.js';
import { LoRaTransport } from '../../transports/lora/lora-transport.js';
import { createMemoryMedium } from '../../transports/memory.js';
import { MqttTransport } from '../../transports/mqtt.js';
import { SerialTransport } from '../../transports/serial/serial-transport.js';
import { mqttBrokerUrl } from './broker.js';
import { dispose as disposeRadios, pair as meshtasticPair } from './meshtastic/radios.js';
import { Ether, RNodeModel } from './lora/rnode-model.js';
import { openPtyPair, ptySkipReason } from './pty.js';

const named = { toB: 'bob', toA: 'alice', fromA: 'alice', fromB: 'bob' } as const;
const unnamed = { toB: undefined, toA: undefined, fromA: undefined, fromB: undefined } as const;

t.test('memory, with a delay on the virtual clock', (t) =>
  behavesAsATransport(t, 'memory', async (): Promise<TransportPair> => {
    const clock = new VirtualClock();
    const medium = createMemoryMedium({ delayMs: 20, clock });
    return { a: medium.createTransport('alice'), b: medium.createTransport('bob'), ...named, waitUntil: (done) => clock.runUntil(done, 60_000, 10) };
  }),
);

t.test("the kit's paced radio: LoRa pacing in front of memory", (t) =>
  behavesAsATransport(t, 'paced radio', async (): Promise<TransportPair> => {
    const clock = new VirtualClock();
    const medium = createMemoryMedium({ clock });
    const [a, b] = ['alice', 'bob'].map((name) => new PacedRadio(medium.createTransport(name), clock)) as [PacedRadio, PacedRadio];
    return { a, b, ...named, waitUntil: (done) => clock.runUntil(done, 60_000, 10) };
  }),
);

t.test('MQTT, through a real broker', async (t) => {
  const url = await mqttBrokerUrl(t);
  await behavesAsATransport(t, 'mqtt', async (): Promise<TransportPair> => {
    const topicPrefix = `lnmesh-test/${randomUUID().slice(0, 8)}`;
    const make = (nodeName: string) => new MqttTransport({ url, nodeName, topicPrefix, reconnectPeriodMs: 100 });
    return {
      a: make('alice'),
      b: make('bob'),
      ...named,
      // Forget the persistent sessions left at the broker.
      dispose: async () => {
        for (const name of ['alice', 'bob']) await (await connectAsync(url, { clientId: `${topicPrefix}/${name}`, clean: true, reconnectPeriod: 0 })).endAsync();
      },
    };
  });
});

const RADIO = { frequencyHz: 868_100_000, bandwidthHz: 125_000, spreadingFactor: 7, codingRate: 5, txPowerDbm: 14 } as const;

t.test('LoRa, each transport to an RNode model on one ether', { skip: ptySkipReason() }, (t) =>
  behavesAsATransport(t, 'lora', async (): Promise<TransportPair> => {
    const ether = new Ether();
    const ptys = await Promise.all([openPtyPair(), openPtyPair()]);
    const models = await Promise.all(ptys.map((pty) => RNodeModel.open(pty.b, ether)));
    const [a, b] = ptys.map((pty) => new LoRaTransport({ path: pty.a, ...RADIO, answerTimeoutMs: 1000 })) as [LoRaTransport, LoRaTransport];
    return {
      a,
      b,
      ...unnamed,
      dispose: async () => {
        for (const model of models) await model.close();
        for (const pty of ptys) await pty.close();
      },
    };
  }),
);

t.test('Meshtastic, each transport to a Meshtastic radio model on one ether', { skip: ptySkipReason() }, (t) =>
  behavesAsATransport(t, 'meshtastic', async (): Promise<TransportPair> => {
    const { a, b } = await meshtasticPair();
    return { a: a.transport, b: b.transport, toB: b.address, toA: a.address, fromA: a.address, fromB: b.address, dispose: () => disposeRadios([a, b]) };
  }),
);

t.test('serial, over a pseudo-terminal pair', { skip: ptySkipReason() }, (t) =>
  behavesAsATransport(t, 'serial', async (): Promise<TransportPair> => {
    const pty = await openPtyPair();
    return { a: new SerialTransport({ path: pty.a }), b: new SerialTransport({ path: pty.b }), ...unnamed, dispose: () => pty.close() };
  }),
);

/** The simulator's transports, on its scheduler's virtual time. */
function simulated(model: LinkModel) {
  return async (t: Test) =>
    behavesAsATransport(t, `sim ${model.kind}`, async (): Promise<TransportPair> => {
      const scheduler = new Scheduler();
      const medium = new SimMedium({ clock: scheduler, random: new SeededRandom(1), log: (kind, detail) => scheduler.log(kind, detail) });
      const link = medium.connect('alice', 'bob', model);
      const ends = model.kind === 'mqtt' ? named : unnamed;
      return { a: link.transportOf('alice'), b: link.transportOf('bob'), ...ends, waitUntil: async (done) => (await scheduler.runWhile(() => !done(), 600_000)) || done() };
    });
}

t.test('the simulator: LoRa', simulated({ kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000 }));
t.test('the simulator: serial', simulated({ kind: 'serial', baudRate: 115_200 }));
t.test('the simulator: MQTT', simulated({ kind: 'mqtt', latencyMs: 30 }));
