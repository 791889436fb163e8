// The simulated media on virtual time: LoRa frames take their time on air,
// one at a time per radio and within the duty cycle; serial and MQTT links
// have their own timing; losses follow the seed; links, nodes and partitions
// go down and come back; and a real `Link` pair runs over it all.
import t from 'tap';
import { bytesToHex } from '@noble/hashes/utils.js';
import { nodeKeyFromSecret } from '../../node/core/node-key.js';
import { Link } from '../../transports/link/link.js';
import { newEphemeralKey } from '../../transports/link/noise.js';
import { MemoryLinkOutbox } from '../../transports/link/outbox.js';
import { frameDurationMs, type LinkModel } from '../../sim/link-model.js';
import { SimMedium, type SimTransport } from '../../sim/medium.js';
import { SeededRandom } from '../../sim/random.js';
import { Scheduler } from '../../sim/scheduler.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const HOUR = 3_600_000;
const SF9: LinkModel = { kind: 'lora', spreadingFactor: 9, bandwidthHz: 125_000 };
const SF12: LinkModel = { kind: 'lora', spreadingFactor: 12, bandwidthHz: 125_000 };
const frameOf = (length: number, fill = 1) => new Uint8Array(length).fill(fill);

/** A scheduler, a medium seeded with `seed`, the links asked for, every transport open. */
async function mesh(links: [string, string, LinkModel][], seed: number | string = 1) {
  const scheduler = new Scheduler();
  const medium = new SimMedium({ clock: scheduler, random: new SeededRandom(seed), log: (kind, detail) => scheduler.log(kind, detail) });
  const made = links.map(([a, b, model]) => medium.connect(a, b, model));
  await Promise.all(made.flatMap((link) => link.ends.map((end) => link.transportOf(end).open())));
  return { scheduler, medium, links: made };
}

/** What a transport receives: when, what, from whom. */
function arrivals(transport: SimTransport, scheduler: Scheduler) {
  const received: { atMs: number; frame: string; from: string | undefined }[] = [];
  transport.on('frame', (frame, from) => received.push({ atMs: scheduler.now(), frame: hex(frame), from }));
  return received;
}

t.test('LoRa: a frame arrives its time on air later; a radio sends one frame at a time', async (t) => {
  const { scheduler, medium } = await mesh([['A', 'B', SF9]]);
  const airtimeMs = frameDurationMs(SF9, 50);
  const slot = Math.ceil(airtimeMs);
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  const leftAt: number[] = [];
  for (const fill of [1, 2, 3]) void medium.transport('A', 'B').send(frameOf(50, fill)).then(() => leftAt.push(scheduler.now()));
  await scheduler.runUntil(10_000);
  t.same(leftAt, [0, slot, 2 * slot], `each send resolves as its frame goes on the air (${airtimeMs.toFixed(3)} ms each)`);
  t.same(atB, [1, 2, 3].map((fill, i) => ({ atMs: (i + 1) * slot, frame: hex(frameOf(50, fill)), from: undefined })), 'in order, the sender unnamed as on a real radio');
  const stats = medium.nodeStats('A');
  t.equal(stats.framesSent, 3);
  t.equal(stats.bytesSent, 150);
  t.equal(stats.airtimeMs, 3 * airtimeMs);
  t.same(stats.dutyCycle, { usedMs: 3 * airtimeMs, budgetMs: 36_000 }, 'EU868: 1% of an hour');
  t.equal(medium.nodeStats('B').framesReceived, 3);
});

t.test('one radio per node: frames on two LoRa links of a node take turns', async (t) => {
  const { scheduler, medium } = await mesh([
    ['A', 'B', SF9],
    ['B', 'C', SF9],
  ]);
  const slot = Math.ceil(frameDurationMs(SF9, 50));
  const atA = arrivals(medium.transport('A', 'B'), scheduler);
  const atC = arrivals(medium.transport('C', 'B'), scheduler);
  void medium.transport('B', 'A').send(frameOf(50));
  void medium.transport('B', 'C').send(frameOf(50));
  // A and C each have their own radio: they may send at the same time as B.
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  void medium.transport('A', 'B').send(frameOf(50));
  await scheduler.runUntil(10_000);
  t.same(atA.map((arrival) => arrival.atMs), [slot]);
  t.same(atC.map((arrival) => arrival.atMs), [2 * slot], 'after the frame to A has left the antenna');
  t.same(atB.map((arrival) => arrival.atMs), [slot]);
  t.equal(medium.nodeStats('B').dutyCycle?.usedMs, 2 * frameDurationMs(SF9, 50), 'both count against B\'s one duty cycle');
});

t.test('EU868: the duty cycle holds frames back, then releases them as the hour slides', async (t) => {
  const { scheduler, medium } = await mesh([['A', 'B', SF12]]);
  const airtimeMs = frameDurationMs(SF12, 127);
  const perHour = Math.floor(36_000 / airtimeMs);
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  const starts: number[] = [];
  for (let i = 0; i < 20; i++) void medium.transport('A', 'B').send(frameOf(127, i)).then(() => starts.push(scheduler.now()));
  await scheduler.runUntil(60_000);
  t.equal(starts.length, perHour, `${perHour} frames of ${airtimeMs.toFixed(0)} ms fit in the first hour's 36 s`);
  t.equal(medium.nodeStats('A').queuedFrames, 20 - perHour, 'the rest wait for the radio');
  t.ok(medium.nodeStats('A').dutyCycle!.usedMs <= 36_000);
  await scheduler.runUntil(4 * HOUR);
  t.equal(atB.length, 20, 'all arrive in the end');
  t.same(atB.map((arrival) => arrival.frame), Array.from({ length: 20 }, (_, i) => hex(frameOf(127, i))), 'in order');
  t.ok(starts[perHour]! >= HOUR - airtimeMs, `the next waits for the first to leave the window: ${(starts[perHour]! / 60_000).toFixed(1)} minutes`);
  for (const start of starts) {
    const inHour = starts.filter((other) => other >= start && other < start + HOUR).length;
    if (inHour * airtimeMs > 36_000) t.fail(`${inHour} frames start in the hour from ${start}`);
  }
  t.pass('no hour-long window holds more than 36 s of airtime');
  t.equal(medium.nodeStats('A').queuedFrames, 0);
});

t.test('US915: no duty cycle, the frames go back to back', async (t) => {
  const model: LinkModel = { ...SF12, dutyCycle: 'US915' };
  const { scheduler, medium } = await mesh([['A', 'B', model]]);
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  for (let i = 0; i < 20; i++) void medium.transport('A', 'B').send(frameOf(127, i));
  await scheduler.runUntil(HOUR);
  t.equal(atB.length, 20);
  t.equal(atB.at(-1)?.atMs, 20 * Math.ceil(frameDurationMs(model, 127)));
  t.throws(() => medium.connect('A', 'C', SF12), { name: 'InvalidInputError' }, "A's one radio cannot be under two rules");
});

t.test('serial: ten bit times per framed byte, one frame after the other in each direction', async (t) => {
  const serial: LinkModel = { kind: 'serial', baudRate: 9600 };
  const { scheduler, medium } = await mesh([['A', 'B', serial]]);
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  const atA = arrivals(medium.transport('A', 'B'), scheduler);
  const frameMs = frameDurationMs(serial, 100); // 110.4 ms
  await medium.transport('A', 'B').send(frameOf(100));
  await medium.transport('A', 'B').send(frameOf(100));
  await medium.transport('B', 'A').send(frameOf(100));
  t.equal(scheduler.now(), 0, 'send resolves at once: the port buffers');
  await scheduler.runUntil(1_000);
  t.same(atB.map((arrival) => arrival.atMs), [Math.ceil(frameMs), Math.ceil(2 * frameMs)]);
  t.same(atA.map((arrival) => arrival.atMs), [Math.ceil(frameMs)], 'the other direction has its own wire');
  t.equal(atB[0]?.from, undefined);
});

t.test('MQTT: a fixed latency, the sender named, an address nobody has goes nowhere', async (t) => {
  const { scheduler, medium } = await mesh([['A', 'B', { kind: 'mqtt', latencyMs: 80 }]]);
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  await medium.transport('A', 'B').send(Uint8Array.of(1), 'B');
  await medium.transport('A', 'B').send(Uint8Array.of(2));
  await medium.transport('A', 'B').send(Uint8Array.of(3), 'Z');
  await scheduler.runUntil(1_000);
  t.same(atB, [
    { atMs: 80, frame: '01', from: 'A' },
    { atMs: 80, frame: '02', from: 'A' },
  ]);
  t.equal(medium.nodeStats('A').framesUnheard, 1);
});

t.test('frames over the MTU, empty LoRa frames and sends on a closed transport are refused', async (t) => {
  const { medium } = await mesh([
    ['A', 'B', { kind: 'lora', spreadingFactor: 10, bandwidthHz: 125_000 }],
    ['A', 'C', { kind: 'mqtt', latencyMs: 10, mtu: 100 }],
  ]);
  const lora = medium.transport('A', 'B');
  t.equal(lora.mtu, 127, 'SF10 at 125 kHz: one packet of 128 bytes, the RNode header included');
  await t.rejects(lora.send(frameOf(128)), { name: 'TransportError' });
  await t.rejects(lora.send(new Uint8Array(0)), { name: 'TransportError' });
  await t.rejects(medium.transport('A', 'C').send(frameOf(101)), { name: 'TransportError' });
  await lora.close();
  await t.rejects(lora.send(frameOf(10)), { name: 'TransportError' });
  t.throws(() => medium.transport('B', 'C'), { name: 'InvalidInputError' }, 'no link between B and C');
  t.throws(() => medium.connect('A', 'A', SF9), { name: 'InvalidInputError' });
});

t.test('closing a transport fails the frames still waiting for its radio', async (t) => {
  const { scheduler, medium } = await mesh([['A', 'B', SF12]]);
  const sender = medium.transport('A', 'B');
  const first = sender.send(frameOf(100));
  const second = sender.send(frameOf(100));
  await first;
  await sender.close();
  await t.rejects(second, { name: 'TransportError' });
  await scheduler.runUntil(60_000);
  t.equal(medium.nodeStats('A').framesDropped, 1);
  t.equal(medium.nodeStats('B').framesReceived, 1, 'the frame already on the air arrives');
});

t.test('loss: the rate asked for, and the same frames lost for the same seed', async (t) => {
  const lostFrames = async (seed: number) => {
    const { scheduler, medium } = await mesh([['A', 'B', { kind: 'mqtt', latencyMs: 5, lossRate: 0.2 }]], seed);
    const received = new Set<number>();
    medium.transport('B', 'A').on('frame', (frame) => received.add(new DataView(frame.buffer, frame.byteOffset).getUint16(0)));
    for (let i = 0; i < 10_000; i++) await medium.transport('A', 'B').send(Uint8Array.of(i >> 8, i & 0xff));
    await scheduler.runUntil(100);
    t.equal(medium.nodeStats('A').framesLost, 10_000 - received.size, 'every missing frame is counted lost');
    return Array.from({ length: 10_000 }, (_, i) => i).filter((i) => !received.has(i));
  };
  const lost = await lostFrames(7);
  // Binomial(10000, 0.2): mean 2000, standard deviation 40.
  t.ok(Math.abs(lost.length - 2000) < 160, `${lost.length} of 10000 lost at 20%`);
  t.same(await lostFrames(7), lost, 'the same seed loses the same frames');
  t.notSame(await lostFrames(8), lost, 'another seed, other frames');
});

t.test('a link cut stops frames, those in the air too; restored, frames pass again', async (t) => {
  const { scheduler, medium } = await mesh([['A', 'B', SF12]]);
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  const sender = medium.transport('A', 'B');
  await sender.send(frameOf(50, 1)); // on the air for about 1.5 s
  scheduler.at(500, 'cut', () => medium.linkDown('A', 'B'));
  await scheduler.runUntil(10_000);
  t.same(atB, [], 'cut while in the air');
  t.notOk(medium.canReach('A', 'B'));
  await sender.send(frameOf(50, 2));
  await scheduler.runUntil(20_000);
  t.same(atB, [], 'cut when sent');
  medium.linkUp('A', 'B');
  t.ok(medium.canReach('A', 'B'));
  await sender.send(frameOf(50, 3));
  await scheduler.runUntil(30_000);
  t.same(atB.map((arrival) => arrival.frame), [hex(frameOf(50, 3))]);
  t.equal(medium.nodeStats('A').framesCut, 2);
  t.same(
    scheduler.recentRecords().map((record) => `${record.timeMs} ${record.kind} ${record.detail}`),
    ['500 link-down A B', '20000 link-up A B'],
    'the changes are in the event log',
  );
  t.throws(() => medium.linkDown('A', 'C'), { name: 'InvalidInputError' }, 'no such node');
});

t.test('a partition splits the nodes into groups; heal joins them again', async (t) => {
  const mqtt: LinkModel = { kind: 'mqtt', latencyMs: 10 };
  const { medium } = await mesh([
    ['A', 'B', mqtt],
    ['B', 'C', mqtt],
    ['C', 'D', mqtt],
  ]);
  const reach = () => [medium.canReach('A', 'B'), medium.canReach('B', 'C'), medium.canReach('C', 'D')];
  medium.partition([['A']]);
  t.same(reach(), [false, true, true], 'A alone; B, C and D are the rest');
  medium.partition([['A', 'B'], ['C']]);
  t.same(reach(), [true, false, false], 'a new partition replaces the old: {A, B}, {C}, {D}');
  medium.heal();
  t.same(reach(), [true, true, true]);
  t.throws(() => medium.partition([['A', 'Z']]), { name: 'InvalidInputError', message: /groups\[0\]: no node "Z"/ });
  t.throws(() => medium.partition([['A'], ['A']]), { name: 'InvalidInputError', message: /already in groups\[0\]/ });
  t.same(reach(), [true, true, true], 'a refused partition changes nothing');
});

t.test("a node's radio off: its links report down, its frames are dropped, frames to it lost; on again, up", async (t) => {
  const { scheduler, medium } = await mesh([
    ['A', 'B', SF12],
    ['B', 'C', { kind: 'mqtt', latencyMs: 10 }],
  ]);
  const linkEvents: string[] = [];
  for (const [node, peer] of [['B', 'A'], ['B', 'C'], ['A', 'B']] as const) medium.transport(node, peer).on('link', (up) => linkEvents.push(`${node}-${peer} ${up ? 'up' : 'down'}`));
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  const sends = [1, 2, 3].map((fill) => medium.transport('A', 'B').send(frameOf(50, fill)));
  scheduler.at(100, 'B off', () => medium.nodeDown('B'));
  scheduler.at(200, 'A off', () => medium.nodeDown('A'));
  await scheduler.runUntil(10_000);
  await Promise.all(sends);
  t.same(linkEvents, ['B-A down', 'B-C down', 'A-B down'], "only the node's own transports report it");
  t.same(atB, [], 'the frame in the air is lost with B off; the two queued are dropped with A off');
  t.equal(medium.nodeStats('A').framesCut, 1);
  t.equal(medium.nodeStats('A').framesDropped, 2);
  await medium.transport('C', 'B').send(Uint8Array.of(9));
  await scheduler.runUntil(11_000);
  t.equal(medium.nodeStats('C').framesCut, 1, 'to a node whose radio is off');
  t.notOk(medium.isUp('B'));
  medium.nodeUp('B');
  medium.nodeUp('A');
  t.same(linkEvents.slice(3), ['B-A up', 'B-C up', 'A-B up']);
  await medium.transport('A', 'B').send(frameOf(50, 4));
  await scheduler.runUntil(20_000);
  t.same(atB.map((arrival) => arrival.frame), [hex(frameOf(50, 4))]);
});

t.test('with logFrames, every frame has a record of its fate', async (t) => {
  const scheduler = new Scheduler();
  const medium = new SimMedium({ clock: scheduler, random: new SeededRandom(3), log: (kind, detail) => scheduler.log(kind, detail) }, { logFrames: true });
  const link = medium.connect('A', 'B', { kind: 'mqtt', latencyMs: 10 });
  await link.transportOf('A').open();
  await link.transportOf('A').send(Uint8Array.of(1));
  await scheduler.runUntil(100);
  await link.transportOf('B').open();
  await link.transportOf('A').send(Uint8Array.of(1, 2));
  await scheduler.runUntil(200);
  t.same(
    scheduler.recentRecords().map((record) => `${record.timeMs} ${record.kind} ${record.detail}`),
    ['10 frame A>B A~B 1 unheard', '110 frame A>B A~B 2 delivered'],
  );
});

/**
 * Alice and Bob, each a real `Link` with keys from the seed, over a lossy
 * LoRa link that is partitioned for the first hour. Alice sends at once;
 * the message must arrive after the partition heals, not before.
 */
async function messageAcrossPartition(seed: number) {
  const scheduler = new Scheduler();
  const random = new SeededRandom(seed);
  const medium = new SimMedium({ clock: scheduler, random: random.fork('medium'), log: (kind, detail) => scheduler.log(kind, detail) }, { logFrames: true });
  const simLink = medium.connect('alice', 'bob', { kind: 'lora', spreadingFactor: 8, bandwidthHz: 125_000, lossRate: 0.1 });
  const keys = ['alice', 'bob'].map((name) => nodeKeyFromSecret(newEphemeralKey(random.fork(`key ${name}`).bytes)));
  const ids = keys.map((key) => bytesToHex(key.nodeId));
  const [alice, bob] = (['alice', 'bob'] as const).map(
    (name, i) =>
      new Link(
        { transport: simLink.transportOf(name), clock: scheduler, outbox: new MemoryLinkOutbox(), nodeKey: keys[i]!, randomBytes: random.fork(`link ${name}`).bytes },
        { knownPeers: [ids[1 - i]!] },
      ),
  ) as [Link, Link];
  const received: { atMs: number; from: string; message: string }[] = [];
  bob.on('message', (peer, message) => received.push({ atMs: scheduler.now(), from: peer, message: hex(message) }));
  medium.partition([['alice']]);
  await Promise.all([alice.start(), bob.start()]);
  const message = Uint8Array.from({ length: 600 }, (_, i) => (i * 13) & 0xff); // three LoRa frames and more
  alice.send(ids[1]!, message);
  scheduler.at(HOUR, 'heal', () => medium.heal());
  const healed = await scheduler.runWhile(() => received.length === 0, 2 * HOUR);
  await Promise.all([alice.stop(), bob.stop()]);
  return { healed, received, message: hex(message), aliceId: ids[0], hash: scheduler.eventLogHash(), events: scheduler.counters.eventsRun, cut: medium.nodeStats('alice').framesCut };
}

t.test('a real Link pair over the sim medium: the message crosses once the partition heals; the run repeats from its seed', async (t) => {
  const run = await messageAcrossPartition(11);
  t.ok(run.healed, 'delivered within the second hour');
  t.equal(run.received.length, 1, 'exactly once');
  t.equal(run.received[0]?.from, run.aliceId, 'from Alice, authenticated by the handshake');
  t.equal(run.received[0]?.message, run.message, 'whole');
  t.ok(run.received[0]!.atMs >= HOUR, `after the heal: at ${(run.received[0]!.atMs / 60_000).toFixed(1)} minutes`);
  t.ok(run.cut > 0, `${run.cut} frames cut by the partition before`);
  const again = await messageAcrossPartition(11);
  t.equal(again.hash, run.hash, 'the same seed: the same event log hash');
  t.equal(again.events, run.events);
  const other = await messageAcrossPartition(12);
  t.not(other.hash, run.hash, 'another seed: another run');
});

const LONG_FAST: LinkModel = { kind: 'meshtastic', preset: 'LongFast', region: 'EU_868' };

t.test('Meshtastic: a frame takes its packet\'s time on air; the MTU is what the firmware takes on the private port', async (t) => {
  const { scheduler, medium } = await mesh([['A', 'B', LONG_FAST]]);
  const airtimeMs = frameDurationMs(LONG_FAST, 219);
  t.equal(medium.transport('A', 'B').mtu, 219, 'to a node key: 255 - 16 (header) - 8 (Data around the frame) - 12 (PKC)');
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  void medium.transport('A', 'B').send(frameOf(219));
  await t.rejects(medium.transport('A', 'B').send(frameOf(220)), /exceeds the meshtastic MTU of 219 bytes/);
  await scheduler.runUntil(10_000);
  t.same(atB.map((arrival) => arrival.atMs), [Math.ceil(airtimeMs)], `${airtimeMs.toFixed(1)} ms on LongFast`);
  t.same(medium.nodeStats('A').dutyCycle, { usedMs: airtimeMs, budgetMs: 360_000 }, 'EU_868: 10% of the hour');
});

t.test('Meshtastic, 2 hops: the relay retransmits the whole frame, one at a time for both directions', async (t) => {
  const twoHops: LinkModel = { ...LONG_FAST, hops: 2 };
  const { scheduler, medium, links } = await mesh([['A', 'B', twoHops]]);
  const airtimeMs = frameDurationMs(twoHops, 100);
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  const atA = arrivals(medium.transport('A', 'B'), scheduler);
  void medium.transport('A', 'B').send(frameOf(100, 1));
  void medium.transport('B', 'A').send(frameOf(100, 2));
  await scheduler.runUntil(10_000);
  const hop = Math.ceil(airtimeMs);
  t.same(atB.map((arrival) => arrival.atMs), [Math.ceil(hop + airtimeMs)], 'A to the relay, the relay to B');
  t.same(atA.map((arrival) => arrival.atMs), [Math.ceil(hop + 2 * airtimeMs)], 'B\'s frame waits for the relay\'s radio');
  t.equal(medium.nodeStats('A').airtimeMs, airtimeMs, 'A spends one hop\'s airtime');
  t.equal(links[0]!.relayAirtimeMs, 2 * airtimeMs, 'the relay one per frame');
});

t.test('Meshtastic, EU_868: past 10% of the hour frames wait for the firmware, none is lost', async (t) => {
  const { scheduler, medium } = await mesh([['A', 'B', LONG_FAST]]);
  const airtimeMs = frameDurationMs(LONG_FAST, 219);
  const atB = arrivals(medium.transport('B', 'A'), scheduler);
  // The firmware sends while the hour is at or under 360 s: one packet more than fits.
  const allowed = Math.floor(360_000 / airtimeMs) + 1;
  for (let i = 0; i < allowed + 10; i++) void medium.transport('A', 'B').send(frameOf(219));
  await scheduler.runUntil(HOUR - 1);
  t.equal(atB.length, allowed, `${allowed} frames of ${airtimeMs.toFixed(1)} ms in the first hour`);
  t.ok(medium.nodeStats('A').dutyCycle!.usedMs > 360_000, 'the last one took the hour over the limit, as on the radio');
  await scheduler.runUntil(2 * HOUR);
  t.equal(atB.length, allowed + 10, 'the rest when the first minutes left the hour');
  t.equal(medium.nodeStats('A').framesLost, 0);
  t.equal(medium.nodeStats('A').queuedFrames, 0);
});

t.test('Meshtastic: a relay over its duty cycle or with 16 packets queued drops what it would relay, as the firmware does', async (t) => {
  const { scheduler, medium, links } = await mesh([['A', 'B', { ...LONG_FAST, hops: 2 }]]);
  let delivered = 0;
  for (const [from, to] of [['A', 'B'], ['B', 'A']] as const) {
    medium.transport(to, from).on('frame', () => delivered++);
    for (let i = 0; i < 200; i++) void medium.transport(from, to).send(frameOf(219));
  }
  await scheduler.runUntil(HOUR - 1);
  const lost = medium.nodeStats('A').framesLost + medium.nodeStats('B').framesLost;
  t.ok(links[0]!.relayFramesRefused > 100, `the relay carries both ends' 10%: it refused ${links[0]!.relayFramesRefused}`);
  t.equal(lost, links[0]!.relayFramesRefused, 'each counted lost at its sender');
  t.equal(delivered + lost, medium.nodeStats('A').framesSent + medium.nodeStats('B').framesSent, 'every frame that left either arrived or was refused');
  t.ok(links[0]!.relayAirtimeMs <= 360_000 + 17 * frameDurationMs(LONG_FAST, 219), `the relay kept to its own 10%, give or take the 16 packets its queue held (${(links[0]!.relayAirtimeMs / 1000).toFixed(1)} s)`);
});

t.test('Meshtastic: losses compound over the hops; one radio per node, one preset', async (t) => {
  const lossy: LinkModel = { ...LONG_FAST, region: 'US', hops: 3, lossRate: 0.1 };
  const { scheduler, medium } = await mesh([['A', 'B', lossy]], 'losses');
  let delivered = 0;
  medium.transport('B', 'A').on('frame', () => delivered++);
  for (let i = 0; i < 2000; i++) void medium.transport('A', 'B').send(frameOf(20));
  await scheduler.runUntil(10 * HOUR);
  const lostShare = medium.nodeStats('A').framesLost / 2000;
  t.ok(Math.abs(lostShare - (1 - 0.9 ** 3)) < 0.03, `${(lostShare * 100).toFixed(1)}% lost, about 1 - 0.9^3 = 27.1%`);
  t.equal(delivered + medium.nodeStats('A').framesLost, 2000);

  const both = await mesh([
    ['A', 'B', LONG_FAST],
    ['A', 'C', SF9],
  ]);
  void both.medium.transport('A', 'B').send(frameOf(50));
  void both.medium.transport('A', 'C').send(frameOf(50));
  const atC = arrivals(both.medium.transport('C', 'A'), both.scheduler);
  await both.scheduler.runUntil(10_000);
  t.same(atC.map((arrival) => arrival.atMs), [Math.ceil(frameDurationMs(SF9, 50))], 'an RNode and a Meshtastic radio send at the same time');
  t.throws(() => both.medium.connect('A', 'D', { ...LONG_FAST, preset: 'MediumFast' }), { field: 'preset', message: /"A" has one Meshtastic radio, already at LongFast EU_868, not MediumFast EU_868/ });
});
