// The link layer over a real MQTT broker (mosquitto when MQTT_URL names one,
// as in CI; an embedded aedes otherwise) and over a real serial line (a
// socat pseudo-terminal pair): a handshake and a message larger than one
// frame, each way, arriving whole and once.
import t, { type Test } from 'tap';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { systemClock } from '../../../node/core/clock.js';
import { SeedSigner } from '../../../node/keys/signer.js';
import { Link } from '../../../transports/link/link.js';
import { MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { MqttTransport } from '../../../transports/mqtt.js';
import { SerialTransport } from '../../../transports/serial/serial-transport.js';
import type { Transport } from '../../../transports/transport.js';
import { mqttBrokerUrl } from '../broker.js';
import { openPtyPair, ptySkipReason } from '../pty.js';
import { hex } from '../../../sim/kit/link-node.js';
import { randomBytes } from '../../../sim/kit/random.js';

const keys = [new SeedSigner(new Uint8Array(32).fill(9)), new SeedSigner(new Uint8Array(32).fill(10))];
const ids = keys.map((key) => hex(key.nodeId));

/** Two links over these transports; `addresses[i]` is node i's address on the medium, if it has addresses. */
async function exchange(t: Test, transports: Transport[], addresses?: string[]): Promise<void> {
  const links = transports.map(
    (transport, i) =>
      new Link(
        { transport, clock: systemClock, outbox: new MemoryLinkOutbox(), nodeKey: keys[i]!, randomBytes },
        { knownPeers: [ids[1 - i]!], ...(addresses && { addresses: { [ids[1 - i]!]: addresses[1 - i]! } }), retransmitBaseMs: 2000, ackDelayMs: 100 },
      ),
  );
  t.teardown(() => Promise.all(links.map((link) => link.stop())));
  await Promise.all(links.map((link) => link.start()));
  for (const [from, to] of [[0, 1], [1, 0]] as const) {
    const message = Uint8Array.from({ length: 700 }, (_, i) => (i * 13 + from) & 0xff);
    const arrived = once(links[to]!, 'message') as Promise<[string, Uint8Array, number]>;
    links[from]!.send(ids[to]!, message);
    const [peer, bytes, seq] = await arrived;
    t.equal(peer, ids[from], `node ${to} hears node ${from}, authenticated`);
    t.equal(hex(bytes), hex(message), 'the whole message, once');
    t.equal(seq, 1, 'first in sequence');
  }
}

t.test('over MQTT', async (t) => {
  const url = await mqttBrokerUrl(t);
  const prefix = `lnmesh-test-${randomUUID()}`;
  const names = ['alice', 'bob'];
  const transports = names.map((nodeName) => new MqttTransport({ url, nodeName, topicPrefix: prefix, mtu: 255 }));
  await exchange(t, transports, names);
});

t.test('over a serial line', { skip: ptySkipReason() }, async (t) => {
  const pair = await openPtyPair();
  t.teardown(() => pair.close());
  await exchange(t, [new SerialTransport({ path: pair.a }), new SerialTransport({ path: pair.b })]);
});
