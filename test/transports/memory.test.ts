// The in-memory medium: named transports reach each other, and the medium loses, delays and partitions as told.
import t from 'tap';
import { VirtualClock } from '../../sim/kit/virtual-clock.js';
import { createMemoryMedium, type InMemoryTransport } from '../../transports/memory.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** Lets queued deliveries (microtasks) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Records what a transport receives, as "from:hex". */
function inbox(transport: InMemoryTransport): string[] {
  const received: string[] = [];
  transport.on('frame', (frame, from) => received.push(`${from}:${hex(frame)}`));
  return received;
}


/** mulberry32: a small seeded generator, so a lossy run is the same every time. */
function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let value = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

async function openAll(...transports: InMemoryTransport[]) {
  await Promise.all(transports.map((transport) => transport.open()));
}

t.test('a frame goes to the named peer only, says who sent it, and is a copy', async (t) => {
  const medium = createMemoryMedium();
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => medium.createTransport(name)) as [InMemoryTransport, InMemoryTransport, InMemoryTransport];
  await openAll(alice, bob, carol);
  const [bobInbox, carolInbox] = [inbox(bob), inbox(carol)];
  const frame = Uint8Array.of(1, 2, 3);
  let received: Uint8Array | undefined;
  bob.once('frame', (copy) => (received = copy));
  const sending = alice.send(frame, 'bob');
  t.same(bobInbox, [], 'never delivered inside send: a reply cannot re-enter the sender');
  frame[0] = 0xff; // the sender reuses its buffer at once
  await sending;
  await settle();
  t.same(bobInbox, ['alice:010203']);
  t.same(carolInbox, []);
  received![1] = 0xee; // and a receiver scribbling on its copy changes nobody else's
  t.equal(hex(frame), 'ff0203');
  t.same(medium.stats, { sent: 1, delivered: 1, lost: 0, cut: 0, unaddressed: 0 });
});

t.test('a broadcast (no address) reaches every other open transport', async (t) => {
  const medium = createMemoryMedium();
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => medium.createTransport(name)) as [InMemoryTransport, InMemoryTransport, InMemoryTransport];
  const dave = medium.createTransport('dave'); // made but never opened: not on the medium
  await openAll(alice, bob, carol);
  const inboxes = [alice, bob, carol, dave].map(inbox);
  await bob.send(Uint8Array.of(7));
  await settle();
  t.same(inboxes, [['bob:07'], [], ['bob:07'], []]);
  await alice.send(Uint8Array.of(8), 'dave');
  await settle();
  t.equal(medium.stats.unaddressed, 1, 'a frame to a name nobody holds is lost and counted');
});

t.test('names are unique on a medium; a closed transport neither sends nor receives', async (t) => {
  const medium = createMemoryMedium();
  const alice = medium.createTransport('alice');
  const bob = medium.createTransport('bob');
  const links: boolean[] = [];
  bob.on('link', (up) => links.push(up));
  await openAll(alice, bob);
  await t.rejects(medium.createTransport('alice').open(), { name: 'TransportError', message: /already in use/ });
  const bobInbox = inbox(bob);
  const sending = alice.send(Uint8Array.of(1), 'bob');
  await bob.close(); // before the frame arrives
  await sending;
  await settle();
  t.same(bobInbox, []);
  await t.rejects(bob.send(Uint8Array.of(1), 'alice'), { name: 'TransportError' });
  t.same(links, [true, false]);
  await bob.open();
  await alice.send(Uint8Array.of(2), 'bob');
  await settle();
  t.same(bobInbox, ['alice:02'], 'reopened under the same name');
});

t.test('frames over the mtu are refused', async (t) => {
  const medium = createMemoryMedium({ mtu: 16 });
  const alice = medium.createTransport('alice');
  await alice.open();
  t.equal(alice.mtu, 16);
  await alice.send(new Uint8Array(16), 'bob');
  await t.rejects(alice.send(new Uint8Array(17), 'bob'), { name: 'TransportError', message: /mtu of 16/ });
  t.equal(createMemoryMedium().mtu, 255, 'a LoRa-sized default');
});

t.test('loss follows the injected random source: the same seed loses the same frames', async (t) => {
  const run = async (seed: number) => {
    const medium = createMemoryMedium({ lossProbability: 0.3, random: seededRandom(seed) });
    const alice = medium.createTransport('alice');
    const bob = medium.createTransport('bob');
    await openAll(alice, bob);
    const bobInbox = inbox(bob);
    for (let i = 0; i < 200; i++) await alice.send(Uint8Array.of(i), 'bob');
    await settle();
    t.equal(medium.stats.lost + medium.stats.delivered, 200);
    return bobInbox;
  };
  const first = await run(42);
  t.same(await run(42), first);
  t.not(JSON.stringify(await run(43)), JSON.stringify(first), 'another seed, other losses');
  t.ok(first.length > 100 && first.length < 180, `about 70% arrive (${first.length} of 200)`);
  const always = createMemoryMedium({ lossProbability: 1, random: seededRandom(1) });
  const [x, y] = [always.createTransport('x'), always.createTransport('y')];
  await openAll(x, y);
  const yInbox = inbox(y);
  await x.send(Uint8Array.of(1), 'y');
  await settle();
  t.same(yInbox, []);
  t.throws(() => createMemoryMedium({ lossProbability: 1.5 }), { name: 'TransportError' });
});

t.test('delay runs on the injected clock', async (t) => {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ delayMs: 100, clock });
  const alice = medium.createTransport('alice');
  const bob = medium.createTransport('bob');
  await openAll(alice, bob);
  const arrivals: number[] = [];
  bob.on('frame', () => arrivals.push(clock.now()));
  await alice.send(Uint8Array.of(1), 'bob');
  clock.tick(60);
  await alice.send(Uint8Array.of(2), 'bob');
  await settle();
  t.same(arrivals, [], 'nothing before its time, whatever the real clock does');
  clock.tick(40);
  t.same(arrivals, [100]);
  clock.tick(100);
  t.same(arrivals, [100, 200]);
});

t.test('cut and restore: a partition between two names, both ways, frames in flight included', async (t) => {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ delayMs: 10, clock });
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => medium.createTransport(name)) as [InMemoryTransport, InMemoryTransport, InMemoryTransport];
  await openAll(alice, bob, carol);
  const [aliceInbox, bobInbox, carolInbox] = [alice, bob, carol].map(inbox);
  await alice.send(Uint8Array.of(1), 'bob'); // in flight when the cut comes
  medium.cut('bob', 'alice');
  t.ok(medium.isCut('alice', 'bob'));
  await bob.send(Uint8Array.of(2), 'alice');
  await alice.send(Uint8Array.of(3)); // broadcast: carol still hears it
  clock.tick(10);
  t.same([aliceInbox, bobInbox, carolInbox], [[], [], ['alice:03']]);
  t.equal(medium.stats.cut, 3);
  medium.restore('alice', 'bob');
  await alice.send(Uint8Array.of(4), 'bob');
  clock.tick(10);
  t.same(bobInbox, ['alice:04']);
});
