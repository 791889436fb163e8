// A link that stops says goodbye: its neighbour shows it down at once, not after the silent rounds; nobody else can say it
// for the node; what waits for it flows once it is back.
import t from 'tap';
import { createMemoryMedium } from '../../../transports/memory.js';
import { GOODBYE_WAIT_MS } from '../../../transports/link/link.js';
import { MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { FRAME_TAG_LENGTH } from '../../../transports/link/frame-aead.js';
import { FLAG_GOODBYE, FRAME_SEALED, encodeFrame } from '../../../transports/link/frame.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { createLink } from '../../../sim/kit/test-link.js';
import { hex, inbox, makeNode, nonZeroDrops } from '../../../sim/kit/link-node.js';
import type { InMemoryTransport } from '../../../transports/memory.js';

/** Alice and Bob linked on a memory medium (20 ms a frame), Bob's outbox kept so that he can start again; every frame Bob sends is recorded. */
async function pair() {
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ mtu: 255, delayMs: 20, clock });
  const [alice, bob] = [makeNode('alice'), makeNode('bob')];
  const bobOutbox = new MemoryLinkOutbox();
  const sentByBob: Uint8Array[] = [];
  const bobTransports: InMemoryTransport[] = [];
  const bobLinkOn = () => {
    const transport = medium.createTransport(bob.name);
    bobTransports.push(transport);
    const send = transport.send.bind(transport);
    transport.send = (frame, to) => (sentByBob.push(frame.slice()), send(frame, to));
    return createLink(medium, clock, bob, [alice], { outbox: bobOutbox, transport });
  };
  const aliceLink = createLink(medium, clock, alice, [bob]);
  const bobLink = bobLinkOn();
  const peerEvents: string[] = [];
  aliceLink.on('peer', (peer, up) => peerEvents.push(`${clock.now()} ms: bob ${peer === bob.id && up ? 'up' : 'down'}`));
  await Promise.all([aliceLink.start(), bobLink.start()]);
  return { clock, alice, bob, aliceLink, bobLink, bobLinkOn, bobTransports, sentByBob, peerEvents };
}

/** Bob's goodbye among the frames he sent: the sealed frame with only the goodbye flag. */
const goodbyeOf = (frames: Uint8Array[]) => frames.filter((frame) => frame[0] === (FRAME_SEALED | FLAG_GOODBYE));

t.test('a neighbour that stops is down at once; started again, it comes back up and what waited for it flows', async (t) => {
  const { clock, alice, bob, aliceLink, bobLink, bobLinkOn, sentByBob, peerEvents } = await pair();
  const atBob = inbox(bobLink, [alice, bob]);
  aliceLink.send(bob.id, Uint8Array.of(1));
  t.ok(await clock.runUntil(() => atBob.length === 1 && aliceLink.pendingCount(bob.id) === 0, 60_000), 'a session, and a message over it');
  t.ok(aliceLink.isUp(bob.id));

  const stoppedAt = clock.now();
  await bobLink.stop();
  const goodbyes = goodbyeOf(sentByBob);
  t.equal(goodbyes.length, 1, 'one goodbye for the one neighbour up');
  t.equal(goodbyes[0]!.length, 11, 'of 11 bytes: type, session id, counter, tag');
  await clock.advance(100);
  t.notOk(aliceLink.isUp(bob.id), 'alice shows bob down as soon as the goodbye arrives');
  t.equal(peerEvents.at(-1), `${stoppedAt + 20} ms: bob down`, "'peer' false, 20 ms (the medium's delay) after the stop");
  t.same(nonZeroDrops(aliceLink), {}, 'the goodbye authenticated');

  // While bob is away alice queues for him; it waits in her outbox.
  aliceLink.send(bob.id, Uint8Array.of(2));
  aliceLink.send(bob.id, Uint8Array.of(3));
  await clock.advance(10_000);
  t.equal(aliceLink.pendingCount(bob.id), 2, 'queued while bob is away, nothing lost');

  const bobAgain = bobLinkOn();
  const atBobAgain = inbox(bobAgain, [alice, bob]);
  await bobAgain.start();
  t.ok(await clock.runUntil(() => atBobAgain.length === 2 && aliceLink.pendingCount(bob.id) === 0, 600_000), "alice's handshake reaches bob once he is back");
  t.same(atBobAgain, ['alice:2:02', 'alice:3:03'], 'the messages queued meanwhile, once each, in order');
  t.ok(aliceLink.isUp(bob.id), 'bob is up again');
  t.equal(peerEvents.length, 3, 'up, down, up');
  t.equal(aliceLink.counters.dropped['internal-error'], 0);
  await Promise.all([aliceLink.stop(), bobAgain.stop()]);
});

t.test('a forged or replayed goodbye changes nothing', async (t) => {
  const { clock, alice, bob, aliceLink, bobLink, bobLinkOn, sentByBob, peerEvents } = await pair();
  bobLink.send(alice.id, Uint8Array.of(1));
  t.ok(await clock.runUntil(() => bobLink.pendingCount(alice.id) === 0, 60_000));
  const sealed = sentByBob.find((frame) => (frame[0]! & 0xe0) === FRAME_SEALED)!;
  const sessionId = sealed[1]!;
  const forge = (id: number, tag: Uint8Array) => encodeFrame({ kind: 'sealed', flags: FLAG_GOODBYE, sessionId: id, counterLow: 100, header: new Uint8Array(0), ciphertext: tag });

  aliceLink.receiveFrame(forge(sessionId, new Uint8Array(FRAME_TAG_LENGTH).fill(0x5a)), bob.name);
  t.equal(aliceLink.counters.dropped['bad-tag'], 1, 'a goodbye on her session with bob, without his key: a bad tag');
  aliceLink.receiveFrame(forge((sessionId + 1) & 0x7f, new Uint8Array(FRAME_TAG_LENGTH)), bob.name);
  t.equal(aliceLink.counters.dropped['unknown-session'], 1, 'on a session she does not have');
  t.ok(aliceLink.isUp(bob.id), 'bob is still up');
  t.equal(peerEvents.length, 1, 'no down');

  await bobLink.stop();
  await clock.advance(100);
  t.notOk(aliceLink.isUp(bob.id), 'the genuine goodbye');
  const [goodbye] = goodbyeOf(sentByBob);
  const bobAgain = bobLinkOn();
  await bobAgain.start();
  bobAgain.send(alice.id, Uint8Array.of(2));
  t.ok(await clock.runUntil(() => aliceLink.isUp(bob.id) && bobAgain.pendingCount(alice.id) === 0, 60_000), 'bob back, on a new session');
  const dropsBefore = aliceLink.counters.dropped['unknown-session'] + aliceLink.counters.dropped['bad-tag'];
  aliceLink.receiveFrame(goodbye!, bob.name);
  t.equal(aliceLink.counters.dropped['unknown-session'] + aliceLink.counters.dropped['bad-tag'], dropsBefore + 1, 'the old goodbye replayed: its session is gone (or its id, reused, has another key)');
  t.ok(aliceLink.isUp(bob.id), 'bob stays up');
  t.equal(hex(goodbye!.subarray(0, 1)), '24', 'the goodbye was 0x20 | the goodbye flag');
  await Promise.all([aliceLink.stop(), bobAgain.stop()]);
});

t.test('no goodbye to a neighbour not up, nor over a medium that is down', async (t) => {
  const quiet = await pair();
  await quiet.bobLink.stop();
  t.same(goodbyeOf(quiet.sentByBob), [], 'no session yet: nothing to end');
  await quiet.aliceLink.stop();

  const { clock, alice, bob, aliceLink, bobLink, bobTransports, sentByBob } = await pair();
  bobLink.send(alice.id, Uint8Array.of(1));
  t.ok(await clock.runUntil(() => aliceLink.isUp(bob.id) && bobLink.pendingCount(alice.id) === 0, 60_000));
  // Bob's transport says its medium went down (a broker lost, a radio unplugged): a goodbye would go nowhere.
  bobTransports[0]!.emit('link', false);
  await bobLink.stop();
  t.same(goodbyeOf(sentByBob), [], 'nothing sent');
  await aliceLink.stop();
});

t.test('a stop does not wait for a transport that never takes the goodbye beyond GOODBYE_WAIT_MS', async (t) => {
  const { clock, alice, bob, aliceLink, bobLink, bobTransports } = await pair();
  bobLink.send(alice.id, Uint8Array.of(1));
  t.ok(await clock.runUntil(() => aliceLink.isUp(bob.id) && bobLink.pendingCount(alice.id) === 0, 60_000));
  bobTransports[0]!.send = () => new Promise<void>(() => {}); // a radio that holds it for its duty cycle
  let stopped = false;
  const stopping = bobLink.stop().then(() => (stopped = true));
  await clock.advance(GOODBYE_WAIT_MS - 1);
  t.notOk(stopped, 'waits a moment for the goodbye to leave');
  await clock.advance(1);
  await stopping;
  t.ok(stopped, `and stops after ${GOODBYE_WAIT_MS} ms`);
  t.ok(aliceLink.isUp(bob.id), 'alice heard no goodbye: bob shows up until the silent rounds pass, as for a crash');
  await aliceLink.stop();
});
