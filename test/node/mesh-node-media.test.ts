// The transports issue's proof, on real media: three mesh nodes in a line,
// A - B - C, each link a different transport. A - B is LoRa: each node's
// LoRaTransport speaks KISS over a real pseudo-terminal to a model of an
// RNode (the one fake: there is no radio here), the models sharing a
// simulated ether, in real time with the EU868 duty cycle. B - C is a serial
// line through a relay that can be cut (a transparent radio modem going out
// of range), or MQTT through mosquitto (CI) or aedes behind a proxy that can
// be cut (the uplink going down). C pays A, then A pays C while B - C is cut;
// the payment completes once the link returns, and the balances agree.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { systemClock } from '../../node/core/clock.js';
import type { LinkTiming } from '../../node/mesh-node.js';
import { LoRaTransport } from '../../transports/lora/lora-transport.js';
import { MqttTransport } from '../../transports/mqtt.js';
import { SerialTransport } from '../../transports/serial/serial-transport.js';
import { mqttBrokerUrl } from '../transports/broker.js';
import { type Cuttable, openBrokerProxy, openRelayedSerialLine } from '../transports/cuttable.js';
import { Ether, RNodeModel } from '../transports/lora/rnode-model.js';
import { openPtyPair, ptySkipReason } from '../transports/pty.js';
import { type LineLink, meshLine, payAcrossCut } from './mesh-line.js';

const skip = ptySkipReason();
const RADIO = { frequencyHz: 868_100_000, bandwidthHz: 125_000, spreadingFactor: 7, codingRate: 5, txPowerDbm: 14 } as const;
/** Real time: retransmit soon, so that the cut costs seconds, not minutes. */
const TIMING: LinkTiming = { retransmitBaseMs: 2_000, retransmitMaxMs: 4_000, ackDelayMs: 100 };
const CUT_MS = 6_000;

/** A - B over two RNode models on one ether. */
async function loraLink(t: Test): Promise<LineLink> {
  const ether = new Ether();
  const transports = await Promise.all(
    [0, 1].map(async () => {
      const pair = await openPtyPair();
      const model = await RNodeModel.open(pair.b, ether);
      t.teardown(async () => {
        await model.close();
        await pair.close();
      });
      return new LoRaTransport({ path: pair.a, ...RADIO, answerTimeoutMs: 1000 });
    }),
  );
  return { transports: transports as [LoRaTransport, LoRaTransport], timing: TIMING };
}

async function proveWith(t: Test, bc: LineLink, cuttable: Cuttable): Promise<void> {
  const nodes = meshLine({ clock: systemClock, ab: await loraLink(t), bc });
  t.teardown(() => Promise.all(nodes.map((node) => node.mesh.stop())));
  await Promise.all(nodes.map((node) => node.mesh.start()));
  const until = async (what: string, done: () => boolean, limitMs = 60_000) => {
    const start = Date.now();
    while (!done() && Date.now() - start < limitMs) await new Promise((resolve) => setTimeout(resolve, 50));
    t.ok(done(), `${what} (${Date.now() - start} ms)`);
  };
  await payAcrossCut(t, nodes, {
    until,
    cut: () => cuttable.cut(),
    whileCut: () => new Promise((resolve) => setTimeout(resolve, CUT_MS)),
    restore: () => cuttable.restore(),
  });
  const lora = nodes[0].mesh.links[0]!;
  t.ok(lora.counters.framesSent > 0, `A sent ${lora.counters.framesSent} frames over LoRa`);
  t.same(nodes[0].warnings.concat(nodes[2].warnings).filter((warning) => /internal error/.test(warning)), [], 'no internal error anywhere');
}

t.test('A - B over LoRa, B - C over a serial line that is cut for a while', { skip, timeout: 180_000 }, async (t) => {
  const line = await openRelayedSerialLine();
  t.teardown(() => line.close());
  await proveWith(t, { transports: [new SerialTransport({ path: line.left }), new SerialTransport({ path: line.right })], timing: TIMING }, line);
});

t.test('A - B over LoRa, B - C over MQTT whose uplink is cut for a while', { skip, timeout: 180_000 }, async (t) => {
  const broker = await mqttBrokerUrl(t);
  // C reaches the broker through a proxy that can be cut; B directly.
  const proxy = await openBrokerProxy(broker);
  t.teardown(() => proxy.close());
  const prefix = `lnmesh-test-${randomUUID()}`;
  const mqtt = (url: string, nodeName: string) => new MqttTransport({ url, nodeName, topicPrefix: prefix, mtu: 255, reconnectPeriodMs: 500, connectTimeoutMs: 5_000 });
  await proveWith(t, { transports: [mqtt(broker, 'B'), mqtt(proxy.url, 'C')], addresses: ['B', 'C'], timing: TIMING }, proxy);
});
