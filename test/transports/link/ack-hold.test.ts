// An ack waits while a message is still arriving (ack-hold.ts): unit rules,
// and a link over the simulator's LoRa link, where a fragment takes longer
// on the air than the ack delay.
import t from 'tap';
import { ackDelayFor, noteFragment, type FragmentArrivals } from '../../../transports/link/ack-hold.js';
import { SimMedium } from '../../../sim/medium.js';
import { SeededRandom } from '../../../sim/random.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { linkOver } from '../../../sim/kit/test-link.js';
import { hex, makeNode } from '../../../sim/kit/link-node.js';

const TIMING = { ackDelayMs: 200, retransmitBaseMs: 5000, windowFragments: 8 };

t.test('the delay of an ack', async (t) => {
  const arrivals: FragmentArrivals = { sinceAck: 0 };
  noteFragment(arrivals, 7, 0, false, 1000);
  t.equal(ackDelayFor(arrivals, TIMING, false), 200, 'a message complete (or a last fragment): the ack delay');
  t.equal(ackDelayFor(arrivals, TIMING, true), 2500, 'more to come, no gap seen yet: half the first retransmission timeout');
  noteFragment(arrivals, 7, 1, false, 1370);
  t.equal(arrivals.gapMs, 370, 'the gap between two fragments of a message in order');
  noteFragment(arrivals, 7, 2, true, 1400);
  t.equal(arrivals.gapMs, 370, 'not to a last fragment: it is shorter');
  t.equal(ackDelayFor(arrivals, TIMING, true), 740, 'more to come: twice that gap');
  noteFragment(arrivals, 9, 3, false, 1400);
  t.equal(arrivals.gapMs, 370, 'fragments out of order leave the gap as it was');
  noteFragment(arrivals, 9, 4, false, 1420);
  t.equal(ackDelayFor(arrivals, TIMING, true), 200, 'never below the ack delay');
  noteFragment(arrivals, 9, 5, false, 9420);
  t.equal(ackDelayFor(arrivals, TIMING, true), 2500, 'never above half the first retransmission timeout');
  for (let index = 6; index < 10; index++) noteFragment(arrivals, 9, index, false, 9420 + index);
  t.equal(arrivals.sinceAck, 10, 'ten fragments since our last ack');
  t.equal(ackDelayFor(arrivals, TIMING, true), 200, "a window's worth since our last ack: the sender waits for it, so it goes");
});

t.test('a message of five LoRa frames draws one ack, not one between each two fragments', async (t) => {
  const clock = new VirtualClock();
  const medium = new SimMedium({ clock, random: new SeededRandom(1) });
  medium.connect('alice', 'bob', { kind: 'lora', spreadingFactor: 7, bandwidthHz: 125_000, dutyCycle: 'US915' });
  const [alice, bob] = [makeNode('alice'), makeNode('bob')];
  const init = { retransmitBaseMs: 5000, ackDelayMs: 200 };
  const aliceLink = linkOver(medium.transport('alice', 'bob'), clock, alice, [{ nodeId: bob.id }], { init });
  const bobLink = linkOver(medium.transport('bob', 'alice'), clock, bob, [{ nodeId: alice.id }], { init });
  const received: string[] = [];
  bobLink.on('message', (_peer, message) => received.push(hex(message)));
  await Promise.all([aliceLink.start(), bobLink.start()]);
  aliceLink.send(bob.id, Uint8Array.of(1)); // the handshake and a first message, not counted
  await clock.runUntil(() => received.length === 1 && aliceLink.pendingCount(bob.id) === 0, 60_000, 10);
  await clock.advance(5000);
  const before = medium.nodeStats('bob').framesSent;
  const message = Uint8Array.from({ length: 1100 }, (_, i) => i & 0xff);
  aliceLink.send(bob.id, message);
  t.ok(await clock.runUntil(() => received.length === 2 && aliceLink.pendingCount(bob.id) === 0, 60_000, 10), 'delivered and acknowledged');
  await clock.advance(10_000);
  t.equal(received[1], hex(message), 'whole');

  t.equal(medium.nodeStats('bob').framesSent - before, 1, 'one ack from bob for all five (before: three bare acks between them, then one)');
  t.equal(aliceLink.counters.retransmissions, 0, 'nothing sent twice');
  let stopped = false;
  const stopping = Promise.all([aliceLink.stop(), bobLink.stop()]).then(() => (stopped = true));
  while (!stopped) await clock.advance(100);
  await stopping;
});
