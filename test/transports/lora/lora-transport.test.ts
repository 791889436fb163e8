// LoRaTransport over real pseudo-terminals, each to a model of an RNode; the models share one simulated ether.
import t, { type Test } from 'tap';
import { once } from 'node:events';
import { LoRaTransport, type LoRaTransportOptions } from '../../../transports/lora/lora-transport.js';
import { warningsInto } from '../../../sim/kit/logger.js';
import { openPtyPair, ptySkipReason, type PtyPair } from '../pty.js';
import { Ether, RNodeModel, type RNodeModelOptions } from './rnode-model.js';

const skip = ptySkipReason();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const RADIO = {
  frequencyHz: 868_100_000,
  bandwidthHz: 125_000,
  spreadingFactor: 7,
  codingRate: 5,
  txPowerDbm: 14,
} as const;

interface Station {
  readonly transport: LoRaTransport;
  readonly model: RNodeModel;
  readonly pair: PtyPair;
}

/** A transport on one end of a fresh pty pair, an RNode model on the other, on `ether`. */
async function station(t: Test, ether: Ether, options: Partial<LoRaTransportOptions> = {}, modelOptions: RNodeModelOptions = {}): Promise<Station> {
  const pair = await openPtyPair();
  const model = await RNodeModel.open(pair.b, ether, modelOptions);
  const transport = new LoRaTransport({ path: pair.a, ...RADIO, answerTimeoutMs: 1000, ...options });
  t.teardown(async () => {
    await transport.close();
    await model.close();
    await pair.close();
  });
  return { transport, model, pair };
}

/** The next frame a transport emits. */
function nextFrame(transport: LoRaTransport): Promise<[Uint8Array, string | undefined]> {
  return once(transport, 'frame') as Promise<[Uint8Array, string | undefined]>;
}

t.test('open detects the RNode, configures the radio and checks every answer', { skip }, async (t) => {
  const ether = new Ether();
  const { transport, model } = await station(t, ether);
  const links: boolean[] = [];
  transport.on('link', (up) => links.push(up));
  await transport.open();
  t.same(links, [true], 'link up');
  t.ok(model.radioOnline, 'the radio is on');
  t.equal(model.spreadingFactor, 7);
  t.equal(model.codingRate, 5);
  t.equal(model.txPowerDbm, 14);
  t.equal(model.bandwidthHz, 125_000);
  t.ok(Math.abs(model.frequencyHz - 868_100_000) < 62, `on the synthesiser step nearest 868.1 MHz (${model.frequencyHz} Hz)`);
  t.equal(transport.mtu, 254, 'SF7 at 125 kHz: one full LoRa packet less the RNode header');
  await t.rejects(transport.open(), { name: 'TransportError' }, 'opening twice is refused');
});

t.test('frames cross both ways, from undefined: LoRa is broadcast', { skip }, async (t) => {
  const ether = new Ether();
  const alice = await station(t, ether);
  const bob = await station(t, ether);
  await Promise.all([alice.transport.open(), bob.transport.open()]);

  const toBob = Uint8Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff); // FEND and FESC included
  const bobHears = nextFrame(bob.transport);
  await alice.transport.send(toBob);
  const [received, from] = await bobHears;
  t.equal(hex(received), hex(toBob));
  t.equal(from, undefined);

  const toAlice = Uint8Array.of(0xc0, 0xdb, 0x00, 0x01);
  const aliceHears = nextFrame(alice.transport);
  await bob.transport.send(toAlice, 'ignored: LoRa has no addresses');
  t.equal(hex((await aliceHears)[0]), hex(toAlice));

  t.equal(alice.transport.stats.framesSent, 1);
  t.equal(alice.transport.stats.framesReceived, 1);
  t.equal(bob.transport.stats.framesReceived, 1);
  t.equal(alice.transport.stats.airtimeMs, alice.transport.frameAirtimeMs(200));
  t.equal(bob.transport.lastRssiDbm, -60, 'RSSI reported before the frame');
  t.equal(bob.transport.lastSnrDb, 9.5);
  const packet = ether.packets[0];
  t.equal(packet?.bytes.length, 201, 'one LoRa packet: the RNode header byte and the frame');
  t.ok(packet && Math.abs(packet.endMs - packet.startMs - alice.transport.frameAirtimeMs(200)) < 1e-6, 'on the air for the same time on air the transport counted');
});

t.test('frames over the MTU, empty frames and sends on a closed transport are refused', { skip }, async (t) => {
  const ether = new Ether();
  const { transport, model } = await station(t, ether, { spreadingFactor: 10 });
  await t.rejects(transport.send(Uint8Array.of(1)), { name: 'TransportError' }, 'not open yet');
  await transport.open();
  t.equal(transport.mtu, 127, "SF10: SF9's size, enough for a link handshake act");
  await t.rejects(transport.send(new Uint8Array(128)), { name: 'TransportError', message: /exceeds the LoRa MTU of 127/ });
  await t.rejects(transport.send(new Uint8Array(0)), { name: 'TransportError' });
  await transport.close();
  await t.rejects(transport.send(Uint8Array.of(1)), { name: 'TransportError' });
  for (let waited = 0; model.radioOnline && waited < 1000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  t.notOk(model.radioOnline, 'closing switched the radio off, as RNS does when it detaches');
});

t.test('corrupt input and firmware errors become warnings and counters, and frames still flow', { skip }, async (t) => {
  const warnings: string[] = [];
  const { transport, model } = await station(t, new Ether(), { logger: warningsInto(warnings) });
  await transport.open();
  const frames: string[] = [];
  transport.on('frame', (frame) => frames.push(hex(frame)));
  model.writeRaw(Uint8Array.of(0xc0, 0x00, 0x01, 0xdb, 0x41, 0x02, 0xc0)); // FESC followed by a byte it cannot escape
  model.writeRaw(Uint8Array.of(0xc0, 0x90, 0x04, 0xc0)); // CMD_ERROR ERROR_QUEUE_FULL
  model.writeRaw(Uint8Array.of(0xc0, 0x00, 0xc0)); // an empty data frame
  model.writeRaw(Uint8Array.of(0xc0, 0x00, 0x2a, 0xc0)); // a good one
  while (frames.length < 1) await once(transport, 'frame');
  t.same(frames, ['2a'], 'only the good frame is delivered');
  t.equal(transport.stats.framesDropped, 2, 'the corrupt frame and the empty one');
  t.equal(transport.stats.radioErrors, 1);
  t.match(warnings.join('\n'), /dropped 1 corrupt frame/);
  t.match(warnings.join('\n'), /transmit queue is full/);
});

t.test('the duty cycle holds back a frame that would exceed the budget', { skip }, async (t) => {
  const ether = new Ether();
  // 100 ms of airtime per second, so that the wait is short; each 20-byte frame takes about 73 ms.
  const dutyCycle = { windowMs: 1000, maxFraction: 0.1 };
  const alice = await station(t, ether, { dutyCycle });
  const bob = await station(t, ether, { dutyCycle });
  await Promise.all([alice.transport.open(), bob.transport.open()]);
  const airtime = alice.transport.frameAirtimeMs(20);
  t.ok(airtime > 50 && airtime < 100, `one frame fits the budget, two do not (${airtime} ms each)`);

  const heard: string[] = [];
  bob.transport.on('frame', (frame) => heard.push(hex(frame)));
  const started = Date.now();
  const resolvedAt: number[] = [];
  const first = alice.transport.send(new Uint8Array(20).fill(1)).then(() => resolvedAt.push(Date.now() - started));
  const second = alice.transport.send(new Uint8Array(20).fill(2)).then(() => resolvedAt.push(Date.now() - started));
  await Promise.all([first, second]);
  t.ok((resolvedAt[0] ?? Infinity) < 500, `the first goes at once (${resolvedAt[0]} ms)`);
  t.ok((resolvedAt[1] ?? 0) >= 990, `the second waits for the first to leave the window (${resolvedAt[1]} ms)`);
  t.ok(alice.transport.dutyCycle.usedMs <= alice.transport.dutyCycle.budgetMs, 'the window holds at most the budget');
  while (heard.length < 2) await once(bob.transport, 'frame');
  t.same(heard, ['01'.repeat(20), '02'.repeat(20)], 'both arrive, in order');
  const [one, two] = ether.packets;
  t.ok(one && two && two.startMs - one.startMs >= 800, `the second went on the air about a second after the first (${two && one ? two.startMs - one.startMs : 'missing'} ms)`);
});

t.test('closing drops the frames still waiting for the duty cycle', { skip }, async (t) => {
  // 120 ms of airtime per minute: the first 73 ms frame goes, the next two would wait a minute.
  const { transport } = await station(t, new Ether(), { dutyCycle: { windowMs: 60_000, maxFraction: 0.002 } });
  await transport.open();
  await transport.send(new Uint8Array(20));
  const outcomes = [transport.send(new Uint8Array(20)), transport.send(new Uint8Array(20))].map((send) =>
    send.then(
      () => 'sent',
      (error: Error) => error.name,
    ),
  );
  const started = Date.now();
  await transport.close();
  t.same(await Promise.all(outcomes), ['TransportError', 'TransportError'], 'both rejected');
  t.ok(Date.now() - started < 1000, 'at once, not a minute later');
  t.equal(transport.stats.framesSent, 1);
});

t.test('the queue in front of the radio is bounded: 2,000 frames sent at once hold at most maxQueuedFrames of airtime', { skip }, async (t) => {
  // EU868 at SF9: 36 s of airtime an hour. Before the bound, 2,000 frames of 60 bytes queued about 657 s
  // of it, some 18 hours of backlog ahead of every later frame, a channel message of ours included.
  const { transport } = await station(t, new Ether(), { spreadingFactor: 9, maxQueuedFrames: 16 });
  await transport.open();
  const outcomes = Array.from({ length: 2000 }, () =>
    transport.send(new Uint8Array(60)).then(
      () => 'sent',
      (error: Error) => error.message,
    ),
  );
  const refused = (await Promise.race([Promise.all(outcomes.slice(16)), new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 5000))])).filter((outcome) =>
    /frames waiting for the radio, its limit \(maxQueuedFrames\)/.test(outcome),
  );
  t.equal(refused.length, 2000 - 16, 'all but 16 refused at once, with an error that names the limit');
  const queuedAirtimeMs = 16 * transport.frameAirtimeMs(60);
  t.ok(queuedAirtimeMs < 36_000 / 4, `the backlog is ${(queuedAirtimeMs / 1000).toFixed(1)} s of airtime, under a quarter of the hour's budget`);
  t.throws(() => new LoRaTransport({ path: '/dev/null', ...RADIO, maxQueuedFrames: 0 }), { name: 'InvalidInputError' }, 'a bound of 0 is refused');
  await transport.close();
  t.same(new Set(await Promise.all(outcomes.slice(0, 16))).size >= 1, true);
});

t.test('a setting the radio does not take is a RadioError naming it', { skip }, async (t) => {
  t.test('TX power clamped by the board', async (t) => {
    const { transport, model } = await station(t, new Ether(), { txPowerDbm: 17 }, { maxTxPowerDbm: 14 });
    await t.rejects(transport.open(), { name: 'RadioError', setting: 'txPowerDbm', message: /asked for 17, the radio reports 14/ });
    t.notOk(model.radioOnline, 'the radio was never switched on');
  });
  t.test('a bandwidth the chip rounds', async (t) => {
    const { transport } = await station(t, new Ether(), { bandwidthHz: 100_000, dutyCycle: 'US915', frequencyHz: 915_000_000 });
    await t.rejects(transport.open(), { name: 'RadioError', setting: 'bandwidthHz', message: /asked for 100000, the radio reports 125000/ });
  });
  t.test('no RNode on the port', async (t) => {
    const pair = await openPtyPair();
    t.teardown(() => pair.close());
    const transport = new LoRaTransport({ path: pair.a, ...RADIO, answerTimeoutMs: 300 });
    await t.rejects(transport.open(), { name: 'RadioError', setting: 'detect', message: /no answer/ });
  });
  t.test('no such port', async (t) => {
    const transport = new LoRaTransport({ path: '/dev/lnmesh-no-such-port', ...RADIO });
    await t.rejects(transport.open(), { name: 'TransportError', message: /lnmesh-no-such-port/ });
  });
});

t.test('bad options are refused before any port is touched', async (t) => {
  t.throws(() => new LoRaTransport({ path: '/dev/null', ...RADIO, spreadingFactor: 13 }), { name: 'InvalidInputError', field: 'spreadingFactor' });
  t.throws(() => new LoRaTransport({ path: '/dev/null', ...RADIO, frequencyHz: 915_000_000 }), { name: 'InvalidInputError', field: 'dutyCycle' });
  t.throws(() => new LoRaTransport({ path: '', ...RADIO }), { name: 'InvalidInputError', field: 'path' });
});

t.test('losing the serial port takes the link down', { skip }, async (t) => {
  const warnings: string[] = [];
  const { transport, pair } = await station(t, new Ether(), { logger: warningsInto(warnings) });
  await transport.open();
  const down = once(transport, 'link');
  await pair.close(); // the cable is pulled: socat and both pty ends go away
  // Linux reports a hung-up pty (or tty) at the next write, not before.
  await t.rejects(transport.send(Uint8Array.of(1)), { name: 'TransportError' }, 'the next send fails');
  t.same(await down, [false], 'link down');
  t.ok(warnings.some((message) => /was lost/.test(message)), 'and a warning says why');
  await t.rejects(transport.send(Uint8Array.of(1)), { name: 'TransportError', message: /not open/ });
});
