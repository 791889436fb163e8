// The link layer between neighbours on an in-memory medium with a virtual clock:
// handshake, fragmentation, loss, partitions, reboots, and bad frames.
import t from 'tap';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryMedium } from '../../../transports/memory.js';
import { Link, MIN_LINK_MTU } from '../../../transports/link/link.js';
import { LmdbLinkOutbox, MemoryLinkOutbox } from '../../../transports/link/outbox.js';
import { PacedRadio } from '../../../sim/kit/paced-radio.js';
import { VirtualClock } from '../../../sim/kit/virtual-clock.js';
import { linkedPair } from '../../../sim/kit/link-pair.js';
import { createLink } from '../../../sim/kit/test-link.js';
import { hex, inbox, makeNode, nonZeroDrops } from '../../../sim/kit/link-node.js';
import { randomBytes, seededRandom } from '../../../sim/kit/random.js';
import { SEALED_FRAME_OVERHEAD, splitMessage } from '../../../transports/link/fragment.js';
import { encodeSealedBody } from '../../../transports/link/frame.js';
import { timeOnAirMs } from '../../../transports/lora/airtime.js';
import { nodeKeyFromSecret } from '../../../node/core/node-key.js';

/** Messages of varied sizes, each starting with its number so an order mistake shows. */
function messages(count: number, random: () => number, maxBytes = 300): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const bytes = new Uint8Array(2 + Math.floor(random() * maxBytes));
    bytes[0] = i >> 8;
    bytes[1] = i & 0xff;
    for (let j = 2; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    return bytes;
  });
}

/** The time on air of `sent` as fragments of sequences 1, 2, ... at SF7, 125 kHz, 4/5 and a 255-byte MTU, each sent once. */
function burstAirtimeMs(sent: Uint8Array[], mtu = 255): number {
  const modulation = { spreadingFactor: 7, bandwidthHz: 125_000, codingRate: 5 };
  return sent
    .flatMap((message, i) => splitMessage(message, i + 1, mtu))
    .reduce((sum, fragment) => sum + timeOnAirMs(modulation, SEALED_FRAME_OVERHEAD + encodeSealedBody({ fragment }).length), 0);
}

const expected = (peerName: string, sent: Uint8Array[], firstSeq = 1) => sent.map((message, i) => `${peerName}:${firstSeq + i}:${hex(message)}`);

t.test('a handshake, then messages both ways, in order, each once', async (t) => {
  const { clock, alice, bob, aliceLink, bobLink, nodes } = await linkedPair();
  const [atAlice, atBob] = [inbox(aliceLink, nodes), inbox(bobLink, nodes)];
  const peerEvents: string[] = [];
  aliceLink.on('peer', (peer, up) => peerEvents.push(`alice sees ${peer === bob.id ? 'bob' : peer} ${up ? 'up' : 'down'}`));
  bobLink.on('peer', (peer, up) => peerEvents.push(`bob sees ${peer === alice.id ? 'alice' : peer} ${up ? 'up' : 'down'}`));

  t.equal(aliceLink.send(bob.id, Uint8Array.of(1, 2, 3)), 1, 'send returns the per-neighbour sequence');
  t.equal(aliceLink.send(bob.id, Uint8Array.of(4)), 2);
  t.ok(await clock.runUntil(() => atBob.length === 2, 60_000), "alice's messages arrive");
  t.equal(bobLink.send(alice.id, new Uint8Array(0)), 1, 'sequences are per direction; an empty message is a message');
  t.ok(await clock.runUntil(() => atAlice.length === 1, 60_000), "bob's reply arrives on the same session");
  await clock.advance(5000);

  t.same(atBob, ['alice:1:010203', 'alice:2:04']);
  t.same(atAlice, ['bob:1:']);
  t.same(peerEvents.sort(), ['alice sees bob up', 'bob sees alice up']);
  t.equal(aliceLink.pendingCount(bob.id), 0, 'acknowledged messages leave the outbox');
  t.equal(bobLink.pendingCount(alice.id), 0);
  t.ok(aliceLink.isUp(bob.id) && bobLink.isUp(alice.id));
  const heard = aliceLink.heardAgoMs(bob.id)!;
  t.ok(heard >= 0 && heard <= 10_000, `heard from ${heard} ms ago`);
  await clock.advance(20_000);
  t.ok(aliceLink.heardAgoMs(bob.id)! >= heard + 20_000, 'and the age grows while nothing arrives');
  t.equal(aliceLink.heardAgoMs('02'.padEnd(66, '0')), undefined, 'never, for a stranger');
  t.same(nonZeroDrops(aliceLink), {}, 'nothing dropped on a clean medium');
  t.same(nonZeroDrops(bobLink), {});
  t.equal(aliceLink.counters.handshakesCompleted + bobLink.counters.handshakesCompleted, 2, 'one handshake (a crossing would make two per side)');
  t.equal(aliceLink.counters.retransmissions + bobLink.counters.retransmissions, 0, 'no retransmission without loss');
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
});

t.test('both sides starting a handshake at once end up with two sessions, and lose nothing', async (t) => {
  const { clock, alice, bob, aliceLink, bobLink, nodes } = await linkedPair();
  const [atAlice, atBob] = [inbox(aliceLink, nodes), inbox(bobLink, nodes)];
  for (let i = 0; i < 5; i++) {
    aliceLink.send(bob.id, Uint8Array.of(0xa, i));
    bobLink.send(alice.id, Uint8Array.of(0xb, i));
  }
  t.ok(await clock.runUntil(() => atBob.length === 5 && atAlice.length === 5, 60_000));
  await clock.advance(10_000);
  t.same(atBob, [0, 1, 2, 3, 4].map((i) => `alice:${i + 1}:0a0${i}`));
  t.same(atAlice, [0, 1, 2, 3, 4].map((i) => `bob:${i + 1}:0b0${i}`));
  t.equal(aliceLink.counters.handshakesCompleted, 2, 'alice completed her handshake and bob\'s');
  t.same(nonZeroDrops(aliceLink), {});
  t.same(nonZeroDrops(bobLink), {});
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
});

t.test('a large message is fragmented to a small MTU and reassembled', async (t) => {
  const mtu = 70;
  const { clock, bob, aliceLink, bobLink, nodes, medium } = await linkedPair({ mtu });
  const atBob = inbox(bobLink, nodes);
  const random = seededRandom(7);
  const big = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
  const sent = [big, ...messages(5, random, 200)];
  for (const message of sent) aliceLink.send(bob.id, message);
  t.ok(await clock.runUntil(() => atBob.length === sent.length, 600_000), 'all arrive');
  t.same(atBob, expected('alice', sent));
  const payload = sent.reduce((sum, message) => sum + message.length, 0);
  t.ok(medium.stats.sent > payload / mtu, `many frames (${medium.stats.sent}) for ${payload} bytes at an mtu of ${mtu}`);
  // At mtu 70 a data frame carries 45 or 46 bytes of message for 24 or 25 of overhead; alice also sends act one and act three (120 bytes).
  const overhead = aliceLink.counters.bytesSent / payload - 1;
  t.ok(overhead < 0.6, `alice's bytes on the air are within 60% of the payload at mtu 70 (overhead ${(overhead * 100).toFixed(1)}%, handshake included)`);
  t.equal(aliceLink.counters.retransmissions, 0, 'nothing lost, nothing sent twice');
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
});

t.test('with 30% of frames lost, everything still arrives exactly once, in order', async (t) => {
  const { clock, alice, bob, aliceLink, bobLink, nodes } = await linkedPair({ mtu: 100, lossProbability: 0.3, random: seededRandom(42) });
  const [atAlice, atBob] = [inbox(aliceLink, nodes), inbox(bobLink, nodes)];
  const random = seededRandom(3);
  const toBob = messages(40, random, 400);
  const toAlice = messages(25, random, 250);
  for (const message of toBob) aliceLink.send(bob.id, message);
  for (const message of toAlice) bobLink.send(alice.id, message);
  t.ok(await clock.runUntil(() => atBob.length >= toBob.length && atAlice.length >= toAlice.length && aliceLink.pendingCount(bob.id) === 0 && bobLink.pendingCount(alice.id) === 0, 3_600_000), 'all delivered and acknowledged');
  await clock.advance(120_000);
  t.same(atBob, expected('alice', toBob));
  t.same(atAlice, expected('bob', toAlice));
  t.ok(aliceLink.counters.retransmissions > 0 && bobLink.counters.retransmissions > 0, 'losses were made good by retransmission');
  t.equal(aliceLink.counters.dropped['internal-error'] + bobLink.counters.dropped['internal-error'], 0);
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
});

t.test('crossing handshakes under loss: acks on either live session count, so a transfer never stalls', async (t) => {
  // Both sides start at once, so each sends on the session it completed last, which may be the other's older one.
  const { clock, alice, bob, aliceLink, bobLink, nodes } = await linkedPair({ mtu: 70, lossProbability: 0.1, random: seededRandom(30) });
  const [atAlice, atBob] = [inbox(aliceLink, nodes), inbox(bobLink, nodes)];
  const random = seededRandom(210);
  const make = (count: number, maxBytes: number) => Array.from({ length: count }, (_, i) => Uint8Array.from({ length: 1 + Math.floor(random() * maxBytes) }, (_, j) => (i + j) & 0xff));
  const toBob = make(30, 1500);
  const toAlice = make(20, 300);
  for (const message of toBob) aliceLink.send(bob.id, message);
  for (const message of toAlice) bobLink.send(alice.id, message);
  t.ok(await clock.runUntil(() => atBob.length >= 30 && atAlice.length >= 20 && aliceLink.pendingCount(bob.id) === 0, 3_600_000, 5000), 'delivered within the hour');
  t.same(atBob, expected('alice', toBob));
  t.same(atAlice, expected('bob', toAlice));
  t.ok(aliceLink.counters.handshakesCompleted >= 2, 'the handshakes did cross');
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
});

t.test('a link cut for three days delivers everything once it is restored, without flooding the medium meanwhile', async (t) => {
  const { clock, medium, alice, bob, aliceLink, bobLink, nodes } = await linkedPair({ mtu: 120 });
  const [atAlice, atBob] = [inbox(aliceLink, nodes), inbox(bobLink, nodes)];
  const random = seededRandom(9);
  const before = messages(3, random);
  for (const message of before) aliceLink.send(bob.id, message);
  t.ok(await clock.runUntil(() => atBob.length === 3, 60_000));

  medium.cut('alice', 'bob');
  const during = messages(20, random, 500);
  const reply = messages(5, random);
  for (const message of during) aliceLink.send(bob.id, message);
  for (const message of reply) bobLink.send(alice.id, message);
  const sentBefore = medium.stats.sent;
  const days = 3 * 24 * 3600_000;
  await clock.advance(days);
  const framesDuringCut = medium.stats.sent - sentBefore;
  t.equal(atBob.length, 3, 'nothing crosses the cut');
  t.notOk(aliceLink.isUp(bob.id), 'silence ends the session');
  // Backoff up to one attempt a minute (retransmitMaxMs here): about 2 * 3 * 24 * 60 act ones, not one per second.
  t.ok(framesDuringCut < 2 * 3 * 24 * 60 + 200, `${framesDuringCut} frames in three days of partition`);

  medium.restore('alice', 'bob');
  t.ok(await clock.runUntil(() => atBob.length === 23 && atAlice.length === 5, 3_600_000), 'everything arrives after the partition');
  await clock.advance(60_000);
  t.same(atBob, expected('alice', [...before, ...during]));
  t.same(atAlice, expected('bob', reply));
  t.equal(aliceLink.pendingCount(bob.id) + bobLink.pendingCount(alice.id), 0);
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
});

t.test('a reboot mid-transfer, of the sender then of the receiver, resumes from lmdb and delivers exactly once', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'lnmesh-link-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ mtu: 90, delayMs: 20, clock, lossProbability: 0.1, random: seededRandom(5) });
  const alice = makeNode('alice');
  const bob = makeNode('bob');
  const openOutbox = (name: string) => new LmdbLinkOutbox(join(directory, name));
  let aliceOutbox = openOutbox('alice');
  let bobOutbox = openOutbox('bob');
  let aliceLink = createLink(medium, clock, alice, [bob], { outbox: aliceOutbox });
  let bobLink = createLink(medium, clock, bob, [alice], { outbox: bobOutbox });
  const atBob: string[] = [];
  const listen = (link: Link) => link.on('message', (_peer, message, seq) => atBob.push(`alice:${seq}:${hex(message)}`));
  listen(bobLink);
  await Promise.all([aliceLink.start(), bobLink.start()]);

  const sent = messages(30, seededRandom(11), 600);
  for (const message of sent) aliceLink.send(bob.id, message);
  t.ok(await clock.runUntil(() => atBob.length >= 5, 600_000, 100));
  t.ok(atBob.length < sent.length, `the transfer is under way (${atBob.length} of ${sent.length}) when alice reboots`);

  // Alice reboots: her process (link, sessions, transport) is gone; her lmdb outbox is what remains.
  await aliceLink.stop();
  await aliceOutbox.close();
  aliceOutbox = openOutbox('alice');
  t.ok(aliceOutbox.unacknowledged(bob.id).length > 0, 'the outbox on disk still holds what bob has not acknowledged');
  aliceLink = createLink(medium, clock, alice, [bob], { outbox: aliceOutbox });
  await aliceLink.start();
  t.ok(await clock.runUntil(() => atBob.length >= 15, 600_000, 100));
  t.ok(atBob.length < sent.length, `still under way (${atBob.length}) when bob reboots`);

  // Bob reboots: what he delivered is recorded; what he held in reassembly is lost and sent again.
  await bobLink.stop();
  await bobOutbox.close();
  bobOutbox = openOutbox('bob');
  bobLink = createLink(medium, clock, bob, [alice], { outbox: bobOutbox });
  listen(bobLink);
  await bobLink.start();
  t.ok(await clock.runUntil(() => atBob.length >= sent.length && aliceLink.pendingCount(bob.id) === 0, 3_600_000), 'the transfer completes');
  await clock.advance(120_000);
  t.same(atBob, expected('alice', sent), 'every message once, in order, across both reboots');
  t.equal(bobOutbox.deliveredUpTo(alice.id), sent.length, 'bob recorded the delivery of every message');
  t.same(aliceOutbox.unacknowledged(bob.id), [], "alice's outbox is empty");
  t.equal(aliceLink.counters.dropped['internal-error'] + bobLink.counters.dropped['internal-error'], 0, 'no input reached a bug');
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
  await Promise.all([aliceOutbox.close(), bobOutbox.close()]);
});

t.test('bad frames are dropped and counted, and change nothing', async (t) => {
  const { clock, medium, bob, aliceLink, bobLink, bobTransport, nodes } = await linkedPair({ mtu: 120 });
  const atBob = inbox(bobLink, nodes);
  const heardByBob: Uint8Array[] = [];
  bobTransport.on('frame', (frame) => heardByBob.push(frame));
  const sent = messages(4, seededRandom(1), 300);
  for (const message of sent) aliceLink.send(bob.id, message);
  t.ok(await clock.runUntil(() => atBob.length === 4 && aliceLink.pendingCount(bob.id) === 0, 60_000));
  const delivered = [...atBob];

  const eve = medium.createTransport('eve');
  await eve.open();
  const heard = [...heardByBob];
  const sealed = heard.filter((frame) => frame[0]! >= 0x10);

  await t.test('replayed frames', async (t) => {
    const before = bobLink.counters.dropped.replayed;
    for (const frame of sealed) await eve.send(frame, 'bob');
    await clock.advance(1000);
    t.equal(bobLink.counters.dropped.replayed - before, sealed.length, 'every replayed sealed frame is refused');
    t.same(atBob, delivered, 'and nothing is delivered again');
  });

  await t.test('truncated, altered and random frames', async (t) => {
    const before = { ...bobLink.counters.dropped };
    for (const frame of sealed) await eve.send(frame.subarray(0, frame.length - 1), 'bob');
    for (const frame of heard) await eve.send(frame.subarray(0, 3), 'bob');
    // A counter bob has not seen yet (the header is type, session id, counter): the tag no longer matches.
    const altered = sealed[0]!.slice();
    altered[2] = 0x7f;
    await eve.send(altered, 'bob');
    const random = seededRandom(99);
    for (let i = 0; i < 200; i++) await eve.send(Uint8Array.from({ length: 1 + Math.floor(random() * 119) }, () => Math.floor(random() * 256)), 'bob');
    await eve.send(new Uint8Array(0), 'bob');
    await clock.advance(1000);
    const after = bobLink.counters.dropped;
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
    t.equal(after['bad-tag'] - before['bad-tag'], 1, 'a frame whose header was altered fails its tag');
    t.equal(after.replayed - before.replayed, sealed.length, 'a truncated copy of a frame already accepted is refused by its counter, before any decryption');
    t.ok(after.malformed - before.malformed >= heard.length, 'short and random bytes are not link frames');
    t.equal(after['internal-error'], 0, 'no input reached a bug');
    const eveSent = sealed.length + heard.length + 1 + 200 + 1;
    t.equal(total(after) - total(before), eveSent, 'every one of the bad frames was counted as a drop')
    t.same(atBob, delivered);
  });

  await t.test('a handshake from a static key bob does not know', async (t) => {
    const mallory = makeNode('mallory');
    const malloryLink = createLink(medium, clock, mallory, [bob]);
    await malloryLink.start();
    const bobSentBefore = bobLink.counters.framesSent;
    malloryLink.send(bob.id, Uint8Array.of(6, 6, 6));
    await clock.advance(10_000);
    t.ok(bobLink.counters.dropped.stranger >= 1, "refused at act one: it carries no tag of a neighbour bob knows");
    t.equal(bobLink.counters.framesSent, bobSentBefore, 'bob sent mallory nothing, not even an act two');
    t.notOk(malloryLink.isUp(bob.id) && bobLink.isUp(mallory.id));
    t.same(atBob, delivered, 'nothing from mallory is delivered');
    await malloryLink.stop();
  });

  await t.test('a fragment set larger than the receiver allows', async (t) => {
    // Carol is a known peer whose messages may be larger than bob accepts.
    const clock2 = new VirtualClock();
    const medium2 = createMemoryMedium({ mtu: 120, delayMs: 20, clock: clock2 });
    const carol = makeNode('carol');
    const dave = makeNode('dave');
    const carolLink = createLink(medium2, clock2, carol, [dave], { init: { maxMessageBytes: 20_000 } });
    const daveLink = createLink(medium2, clock2, dave, [carol], { init: { maxMessageBytes: 1000, maxReassemblyBytes: 4000 } });
    const atDave = inbox(daveLink, [carol, dave]);
    await Promise.all([carolLink.start(), daveLink.start()]);
    carolLink.send(dave.id, new Uint8Array(10_000));
    carolLink.send(dave.id, Uint8Array.of(1));
    await clock2.advance(30_000);
    t.ok(daveLink.counters.dropped['oversized-message'] >= 1, 'the oversized message is dropped and counted');
    t.same(atDave, [], 'nothing is delivered past a message that can never be');
    t.equal(daveLink.counters.dropped['internal-error'], 0);
    await Promise.all([carolLink.stop(), daveLink.stop()]);
  });

  t.same(nonZeroDrops(aliceLink), {}, 'alice saw no bad frame');
  await Promise.all([aliceLink.stop(), bobLink.stop(), eve.close()]);
});

t.test('the link refuses what it cannot do, at once', async (t) => {
  const clock = new VirtualClock();
  const alice = makeNode('alice');
  const bob = makeNode('bob');
  const small = createMemoryMedium({ mtu: MIN_LINK_MTU - 1, clock });
  t.throws(() => createLink(small, clock, alice, [bob]), { name: 'LinkError' }, 'an mtu too small for act three');
  const medium = createMemoryMedium({ clock });
  const link = createLink(medium, clock, alice, [bob], { init: { maxMessageBytes: 100 } });
  t.throws(() => link.send(makeNode('carol').id, Uint8Array.of(1)), { name: 'LinkError' }, 'an unknown peer');
  t.throws(() => link.send(bob.id, new Uint8Array(101)), { name: 'LinkError' }, 'a message over maxMessageBytes');
  t.throws(() => createLink(medium, clock, alice, [alice]), { name: 'InvalidInputError' }, 'our own key as a peer');
  t.throws(
    () => new Link({ transport: medium.createTransport('x'), clock, outbox: new MemoryLinkOutbox(), nodeKey: nodeKeyFromSecret(alice.secretKey), randomBytes }, { knownPeers: ['02' + 'ff'.repeat(32)] }),
    { name: 'InvalidKeyError' },
    'a peer key that is not a point',
  );
});

t.test("fuzz: the link's frame handler never throws, and the link still works afterwards", async (t) => {
  const { clock, bob, aliceLink, bobLink, bobTransport, nodes } = await linkedPair({ mtu: 120 });
  const atBob = inbox(bobLink, nodes);
  const heard: Uint8Array[] = [];
  bobTransport.on('frame', (frame) => heard.push(frame));
  for (const message of messages(3, seededRandom(2), 200)) aliceLink.send(bob.id, message);
  t.ok(await clock.runUntil(() => atBob.length === 3 && aliceLink.pendingCount(bob.id) === 0, 60_000));
  const captured = [...heard];
  const delivered = [...atBob];

  const mutated = fc
    .tuple(fc.constantFrom(...captured), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.nat(), fc.boolean())
    .map(([frame, edits, cut, truncate]) => {
      const copy = frame.slice();
      for (const [position, value] of edits) copy[position % copy.length] = value;
      return truncate ? copy.subarray(0, cut % (copy.length + 1)) : copy;
    });
  const handle = (input: Uint8Array) => bobLink.receiveFrame(input, 'eve');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 130 }), handle), { numRuns: 5000 });
  fc.assert(fc.property(mutated, handle), { numRuns: 3000 });
  fc.assert(fc.property(fc.constantFrom(...captured), handle), { numRuns: 500 });
  await clock.advance(1000);

  t.equal(bobLink.counters.dropped['internal-error'], 0, '8,500 frames, none reached a bug');
  t.same(atBob, delivered, 'none delivered anything');
  aliceLink.send(bob.id, Uint8Array.of(0xca, 0xfe));
  t.ok(await clock.runUntil(() => atBob.length === 4, 600_000), 'a message sent after the storm arrives');
  t.equal(atBob.at(-1), 'alice:4:cafe');
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
});

t.test('a neighbour held back by its duty cycle for most of an hour is waited for, not presumed rebooted: its sessions stay in step', async (t) => {
  // Two LoRa radios under EU868 (36 s of airtime an hour), every link setting at its default. Bob sends
  // a burst of about a minute and a half of airtime, so his radio is silent for most of the next hour; meanwhile
  // alice sends him a little, and his acks wait behind the burst. Alice's link hears nothing from him
  // for far longer than its retransmission rounds: if it took that for a reboot and dropped the session,
  // every frame bob had queued on it would be dropped as unknown-session and spent for nothing.
  const clock = new VirtualClock();
  const medium = createMemoryMedium({ mtu: 255, clock });
  const alice = makeNode('alice');
  const bob = makeNode('bob');
  const aliceRadio = new PacedRadio(medium.createTransport(alice.name), clock);
  const bobRadio = new PacedRadio(medium.createTransport(bob.name), clock);
  const defaults = { retransmitBaseMs: 5000, retransmitMaxMs: 600_000, ackDelayMs: 200 };
  const aliceLink = createLink(medium, clock, alice, [bob], { transport: aliceRadio, init: defaults });
  const bobLink = createLink(medium, clock, bob, [alice], { transport: bobRadio, init: defaults });
  const nodes = [alice, bob];
  const [atAlice, atBob] = [inbox(aliceLink, nodes), inbox(bobLink, nodes)];
  await Promise.all([aliceLink.start(), bobLink.start()]);
  aliceLink.send(bob.id, Uint8Array.of(1));
  t.ok(await clock.runUntil(() => atBob.length === 1 && aliceLink.pendingCount(bob.id) === 0, 60_000), 'the session is up');
  const handshakesBefore = aliceLink.counters.handshakesCompleted + bobLink.counters.handshakesCompleted;

  const random = seededRandom(14);
  const burst = messages(80, random, 1200);
  const toBob = messages(6, random, 400);
  for (const message of burst) bobLink.send(alice.id, message);
  // Alice sends once bob's radio has spent the hour's budget.
  await clock.advance(60_000);
  for (const message of toBob) aliceLink.send(bob.id, message);
  const done = () => atAlice.length === burst.length && atBob.length === 1 + toBob.length && aliceLink.pendingCount(bob.id) === 0 && bobLink.pendingCount(alice.id) === 0;
  const delivered = await clock.runUntil(done, 8 * 3600_000, 10_000);
  t.comment(
    `after ${(clock.now() / 3600_000).toFixed(1)} h: ${atAlice.length} of ${burst.length} at alice, ${atBob.length - 1} of ${toBob.length} at bob; airtime alice ${(aliceRadio.airtimeMs / 1000).toFixed(1)} s, bob ${(bobRadio.airtimeMs / 1000).toFixed(1)} s; ` +
      `handshakes ${aliceLink.counters.handshakesCompleted + bobLink.counters.handshakesCompleted - handshakesBefore}; dropped at alice ${JSON.stringify(nonZeroDrops(aliceLink))}, at bob ${JSON.stringify(nonZeroDrops(bobLink))}`,
  );
  t.ok(delivered, 'everything arrives and is acknowledged within the hours the duty cycle needs');
  t.same(atAlice, expected('bob', burst), "bob's burst, once, in order");
  t.same(atBob.slice(1), expected('alice', toBob, 2), "alice's messages, once, in order");
  t.equal(aliceLink.counters.dropped['unknown-session'] + bobLink.counters.dropped['unknown-session'], 0, 'no frame arrives for a session its receiver has dropped');
  t.equal(aliceLink.counters.handshakesCompleted + bobLink.counters.handshakesCompleted, handshakesBefore, 'no new handshake: the session was never lost');
  // The burst alone: its fragments' time on air. What bob sends on top (acks, retransmissions) must stay small.
  t.ok(bobRadio.airtimeMs < 1.1 * burstAirtimeMs(burst), `bob's airtime ${(bobRadio.airtimeMs / 1000).toFixed(1)} s is within 10% of his burst's ${(burstAirtimeMs(burst) / 1000).toFixed(1)} s`);
  await Promise.all([aliceLink.stop(), bobLink.stop()]);
});
