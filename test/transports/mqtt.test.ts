// MqttTransport against real brokers: an embedded aedes always, and mosquitto when MQTT_URL names one (CI always does).
import t, { type Test } from 'tap';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import { connectAsync } from 'mqtt';
import { warningsInto } from '../../sim/kit/logger.js';
import { MqttTransport, decodeMqttMessage, encodeMqttMessage, type MqttTransportOptions } from '../../transports/mqtt.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const timeout = () => AbortSignal.timeout(10_000);

/** An aedes broker on a loopback port that can be stopped and started again on the same port, keeping its sessions. */
interface TestBroker {
  url: string;
  broker: Aedes;
  /** Drops every connection and stops listening, as a broker that went away. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function startAedes(options: AedesOptions = {}): Promise<TestBroker> {
  const broker = await Aedes.createBroker(options);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const start = async () => {
    server = createServer(broker.handle);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    const closing = server ? new Promise((resolve) => server!.close(resolve)) : undefined;
    for (const socket of sockets) socket.destroy();
    await closing;
    server = undefined;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    broker,
    start,
    stop,
    close: async () => {
      await stop();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

/** Transports on a fresh topic prefix, so that runs (and a shared mosquitto) never see each other's frames or sessions. */
function makeNodes(t: Test, url: string, extra: Partial<MqttTransportOptions> = {}) {
  const topicPrefix = `lnmesh-test/${randomUUID().slice(0, 8)}`;
  const made: MqttTransport[] = [];
  t.teardown(async () => {
    await Promise.all(made.map((transport) => transport.close()));
    // Forget the persistent sessions these tests leave at the broker.
    for (const transport of made) {
      const client = await connectAsync(url, { clientId: `${topicPrefix}/${transport.nodeName}`, clean: true, reconnectPeriod: 0, ...credentials(extra) });
      await client.endAsync();
    }
  });
  return (nodeName: string, options: Partial<MqttTransportOptions> = {}) => {
    const transport = new MqttTransport({ url, nodeName, topicPrefix, reconnectPeriodMs: 100, ...extra, ...options });
    made.push(transport);
    return transport;
  };
}

function credentials(options: Partial<MqttTransportOptions>) {
  return options.username === undefined ? {} : { username: options.username, password: options.password };
}

/** The tests any broker must pass: the ones that need to stop it or set its passwords are aedes-only, below. */
function brokerTests(t: Test, url: string) {
  t.test('frames cross between two nodes, each marked with its sender', async (t) => {
    const node = makeNodes(t, url);
    const alice = node('alice');
    const bob = node('bob');
    await Promise.all([alice.open(), bob.open()]);
    t.ok(alice.connected && bob.connected);
    const toBob = once(bob, 'frame', { signal: timeout() });
    const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    await alice.send(allBytes, 'bob');
    const [frame, from] = await toBob;
    t.equal(hex(frame), hex(allBytes));
    t.equal(from, 'alice');
    const toAlice = once(alice, 'frame', { signal: timeout() });
    await bob.send(Uint8Array.of(1, 2), 'alice');
    t.same((await toAlice).map((value) => (value instanceof Uint8Array ? hex(value) : value)), ['0102', 'bob']);
    await t.rejects(alice.send(Uint8Array.of(1)), { name: 'TransportError', message: /no broadcast/ });
    await t.rejects(alice.send(new Uint8Array(alice.mtu + 1), 'bob'), { name: 'TransportError', message: /mtu/ });
    await t.rejects(alice.send(Uint8Array.of(1), 'bob/#'), { name: 'TransportError', message: /not a valid node name/ });
  });

  t.test('a frame sent while the receiver was offline arrives when it comes back (persistent session, QoS 1)', async (t) => {
    const node = makeNodes(t, url);
    const alice = node('alice');
    const bob = node('bob');
    await Promise.all([alice.open(), bob.open()]);
    await bob.close();
    await alice.send(Uint8Array.of(0xbe, 0xef), 'bob'); // acknowledged by the broker, which keeps it for bob
    const bobAgain = node('bob');
    const received = once(bobAgain, 'frame', { signal: timeout() });
    await bobAgain.open();
    const [frame, from] = await received;
    t.equal(hex(frame), 'beef');
    t.equal(from, 'alice');
  });

  t.test('malformed messages on a node topic are dropped and counted, and frames after them still arrive', async (t) => {
    const node = makeNodes(t, url);
    const warnings: string[] = [];
    const alice = node('alice');
    const bob = node('bob', { logger: warningsInto(warnings) });
    await Promise.all([alice.open(), bob.open()]);
    const stranger = await connectAsync(url, { reconnectPeriod: 0 });
    t.teardown(() => stranger.endAsync());
    const bobTopic = `${bob.topicPrefix}/bob`;
    await stranger.publishAsync(bobTopic, Buffer.alloc(0), { qos: 1 }); // empty
    await stranger.publishAsync(bobTopic, Buffer.from([200, 1, 2]), { qos: 1 }); // name runs past the end
    await stranger.publishAsync(bobTopic, Buffer.from([3, 0x61, 0x2f, 0x62, 9]), { qos: 1 }); // name "a/b"
    await stranger.publishAsync(bobTopic, Buffer.concat([Buffer.from([1, 0x78]), Buffer.alloc(bob.mtu + 1)]), { qos: 1 }); // over the mtu
    const received = once(bob, 'frame', { signal: timeout() });
    await alice.send(Uint8Array.of(5), 'bob');
    const [frame, from] = await received;
    t.equal(hex(frame), '05');
    t.equal(from, 'alice');
    t.same(bob.stats, { frames: 1, malformed: 4 });
    t.equal(warnings.length, 4);
  });
}

t.test('the message format: name length, name, frame', async (t) => {
  const message = encodeMqttMessage('bob', Uint8Array.of(0, 1));
  t.equal(hex(message), '03' + hex(Buffer.from('bob')) + '0001');
  const decoded = decodeMqttMessage(message, 2);
  t.same('sender' in decoded ? [decoded.sender, hex(decoded.frame)] : decoded, ['bob', '0001']);
  t.same(decodeMqttMessage(message, 1), { malformed: 'frame of 2 bytes is over the mtu of 1' });
  t.same(decodeMqttMessage(Uint8Array.of(0), 10), { malformed: 'sender name is not a valid node name' });
  t.throws(() => encodeMqttMessage('', Uint8Array.of()), { name: 'InvalidInputError' });
  t.throws(() => new MqttTransport({ url: 'mqtt://127.0.0.1:1', nodeName: 'a+b' }), { name: 'InvalidInputError' });
  t.throws(() => new MqttTransport({ url: 'mqtt://127.0.0.1:1', nodeName: 'a', topicPrefix: 'mesh/#' }), { name: 'InvalidInputError' });
  t.equal(new MqttTransport({ url: 'mqtt://127.0.0.1:1', nodeName: 'a' }).mtu, 4096);
});

t.test('aedes (embedded)', async (t) => {
  const aedes = await startAedes();
  t.teardown(() => aedes.close());
  brokerTests(t, aedes.url);

  t.test('the link goes down with the broker and comes back with it; frames flow again', async (t) => {
    const node = makeNodes(t, aedes.url);
    const warnings: string[] = []; // refused reconnection attempts, while the broker is away
    const alice = node('alice', { logger: warningsInto(warnings) });
    const bob = node('bob');
    await Promise.all([alice.open(), bob.open()]);
    const links: boolean[] = [];
    alice.on('link', (up) => links.push(up));
    const bobBack = new Promise((resolve) => bob.on('link', (up) => up && resolve(up)));
    const down = once(alice, 'link', { signal: timeout() });
    await aedes.stop();
    t.same(await down, [false]);
    t.notOk(alice.connected);
    await t.rejects(alice.send(Uint8Array.of(1), 'bob'), { name: 'TransportError', message: /not connected/ });
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few refused attempts
    t.match(warnings.join('\n'), /ECONNREFUSED/);
    const up = once(alice, 'link', { signal: timeout() });
    await aedes.start();
    t.same(await up, [true]);
    await bobBack;
    t.same(links, [false, true]);
    const received = once(bob, 'frame', { signal: timeout() });
    await alice.send(Uint8Array.of(0x42), 'bob');
    t.equal(hex((await received)[0]), '42');
  });

  t.test('a refused connection fails open() with the broker\'s reason', async (t) => {
    const node = makeNodes(t, aedes.url);
    await t.rejects(node('nobody', { url: 'mqtt://127.0.0.1:1' }).open(), { name: 'TransportError', message: /cannot connect to the MQTT broker at mqtt:\/\/127\.0\.0\.1:1/ });
  });
});

t.test('aedes with passwords', async (t) => {
  const aedes = await startAedes({
    authenticate: (_client, username, password, done) => {
      if (username === 'alice' && password?.toString() === 'correct horse') return done(null, true);
      done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), false);
    },
  });
  t.teardown(() => aedes.close());

  t.test('the right password is accepted', async (t) => {
    const node = makeNodes(t, aedes.url, { username: 'alice', password: 'correct horse' });
    const alice = node('alice');
    await alice.open();
    t.ok(alice.connected);
  });

  t.test('a wrong password is refused, and the message does not repeat it', async (t) => {
    const url = aedes.url.replace('mqtt://', 'mqtt://alice:hunter2@');
    const transport = new MqttTransport({ url, nodeName: 'mallory', password: 'wrong' });
    const error = await transport.open().then(
      () => undefined,
      (error: Error) => error,
    );
    t.equal(error?.name, 'TransportError');
    t.match(error?.message, /Bad username or password/);
    t.notMatch(error?.message, /hunter2/);
    await t.rejects(transport.send(Uint8Array.of(1), 'alice'), { name: 'TransportError', message: /not open/ });
  });
});

const mosquittoUrl = process.env.MQTT_URL;
const mosquittoSkip = !mosquittoUrl && process.env.CI !== 'true' ? 'MQTT_URL is not set (e.g. MQTT_URL=mqtt://127.0.0.1:1883 with mosquitto running)' : false;
t.test('mosquitto (MQTT_URL)', { skip: mosquittoSkip }, async (t) => {
  if (!mosquittoUrl) {
    t.fail('CI=true but MQTT_URL is not set: .ci/run starts mosquitto and sets MQTT_URL, and the tests against a real broker must run in CI');
    return;
  }
  brokerTests(t, mosquittoUrl);
});
