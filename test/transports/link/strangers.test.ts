// Strangers on a shared channel: what anyone in radio range can make a link transmit, and whose handshake they can break.
// Eve knows Bob's public key (it is his node id) and hears everything on the air; she holds no key Bob knows.
import t from 'tap';
import { FRAME_ACT_ONE, FRAME_ACT_THREE, FRAME_ACT_TWO, encodeFrame } from '../../../transports/link/frame.js';
import { inbox } from '../../../sim/kit/link-node.js';
import { linkedPair } from '../../../sim/kit/link-pair.js';
import { randomBytes } from '../../../sim/kit/random.js';
import { strangerActOne } from '../../../sim/kit/stranger.js';

/** Eve's radio: what she hears from Bob, and a way to send him anything. */
async function eveOn(medium: Awaited<ReturnType<typeof linkedPair>>['medium']) {
  const eve = medium.createTransport('eve');
  await eve.open();
  const heard: Uint8Array[] = [];
  eve.on('frame', (frame) => heard.push(frame));
  return { eve, heard };
}

t.test("a stranger's act ones get no act two and cost no airtime: 1,000 of them, none answered", async (t) => {
  const { clock, medium, bob, bobLink } = await linkedPair();
  const { eve, heard } = await eveOn(medium);
  const sentBefore = bobLink.counters.framesSent;
  for (let i = 0; i < 1000; i++) await eve.send(strangerActOne(bob.id, i % 128), 'bob');
  await clock.advance(60_000);
  t.equal(heard.length, 0, 'eve heard nothing back (before this change: an act two for each, 1,000)');
  t.equal(bobLink.counters.framesSent, sentBefore, 'bob transmitted nothing');
  t.equal(bobLink.counters.dropped.stranger, 1000, 'each act one was dropped as a stranger’s');
});

t.test('1,000 replays of a captured act one: none answered once the handshake is done, a few paced answers while it is pending', async (t) => {
  await t.test('after the handshake', async (t) => {
    const { clock, medium, alice, bob, aliceLink, bobLink, bobTransport, nodes } = await linkedPair({ delayMs: 20 });
    const captured: Uint8Array[] = [];
    bobTransport.on('frame', (frame) => frame[0] === FRAME_ACT_ONE && captured.push(frame));
    const atBob = inbox(bobLink, nodes);
    aliceLink.send(bob.id, Uint8Array.of(1));
    t.ok(await clock.runUntil(() => atBob.length === 1, 60_000), 'alice and bob have a session');
    t.equal(captured.length, 1, "eve captured alice's act one off the air");
    const { eve, heard } = await eveOn(medium);
    for (let i = 0; i < 1000; i++) {
      await eve.send(captured[0]!, 'bob');
      await clock.advance(3600); // ten an hour... a thousand over an hour
    }
    t.equal(heard.length, 0, 'not one act two (before: 1,000)');
    t.equal(bobLink.counters.dropped.replayed, 1000, 'bob remembers the act ones he answered');
    t.ok(aliceLink.isUp(bob.id) && bobLink.isUp(alice.id), 'and the session goes on');
  });

  await t.test('while it is pending (alice went away before act two reached her)', async (t) => {
    const { clock, medium, bob, aliceLink, bobLink, bobTransport } = await linkedPair({ delayMs: 20 });
    const captured: Uint8Array[] = [];
    bobTransport.on('frame', (frame) => frame[0] === FRAME_ACT_ONE && captured.push(frame));
    aliceLink.send(bob.id, Uint8Array.of(1));
    await clock.advance(30);
    await aliceLink.stop();
    t.equal(captured.length, 1, "eve captured alice's act one");
    const { eve, heard } = await eveOn(medium);
    for (let i = 0; i < 1000; i++) {
      await eve.send(captured[0]!, 'bob');
      await clock.advance(3600);
    }
    const actTwos = heard.filter((frame) => frame[0] === FRAME_ACT_TWO).length;
    t.ok(actTwos <= 4, `${actTwos} act twos in the hour: at most 4 for one act one (before: 1,000)`);
    t.equal(heard.length, actTwos, 'and nothing else');
    t.ok(bobLink.counters.dropped['reply-limited'] >= 996, 'the rest were refused');
  });
});

t.test('an act three carrying a live session id gets nothing; replays of the genuine one get at most three acks', async (t) => {
  const { clock, medium, alice, bob, aliceLink, bobLink, bobTransport, nodes } = await linkedPair({ delayMs: 20 });
  const actThrees: Uint8Array[] = [];
  bobTransport.on('frame', (frame) => frame[0] === FRAME_ACT_THREE && actThrees.push(frame));
  const atBob = inbox(bobLink, nodes);
  aliceLink.send(bob.id, Uint8Array.of(1));
  t.ok(await clock.runUntil(() => atBob.length === 1, 60_000));
  const genuine = actThrees[0]!;
  const sessionId = genuine[1]!; // bob's receiving session id, in clear in the frame
  const { eve } = await eveOn(medium);
  const sentBefore = bobLink.counters.framesSent;
  for (let i = 0; i < 1000; i++) await eve.send(encodeFrame({ kind: 'act-three', responderSessionId: sessionId, act: Uint8Array.of(0, ...randomBytes(65)) }), 'bob');
  await clock.advance(60_000);
  t.equal(bobLink.counters.framesSent, sentBefore, 'forged act threes: not one ack (before: an authenticated ack each)');
  t.equal(bobLink.counters.dropped.stranger, 1000);
  for (let i = 0; i < 1000; i++) {
    await eve.send(genuine, 'bob');
    await clock.advance(3600);
  }
  const acks = bobLink.counters.framesSent - sentBefore;
  t.ok(acks <= 3, `the genuine act three replayed 1,000 times over an hour: ${acks} acks, at most 3 for the session's life`);
  t.ok(aliceLink.isUp(bob.id) && bobLink.isUp(alice.id), 'the session is untouched');
});

t.test("strangers cannot break a neighbour's handshake", async (t) => {
  await t.test('1,000 stranger act ones between its act two and act three', async (t) => {
    const { clock, medium, bob, aliceLink, bobLink, nodes } = await linkedPair({ delayMs: 20 });
    const atBob = inbox(bobLink, nodes);
    const { eve } = await eveOn(medium);
    aliceLink.send(bob.id, Uint8Array.of(7));
    await clock.advance(30); // bob has answered alice's act one; her act three is on its way
    for (let i = 0; i < 1000; i++) await eve.send(strangerActOne(bob.id, i % 128), 'bob');
    t.ok(await clock.runUntil(() => atBob.length === 1, 60_000), 'the session comes up and the message arrives (before: 16 were enough to evict it)');
    t.equal(bobLink.counters.handshakesCompleted, 1, 'on the first handshake');
  });

  await t.test('a forged act three ahead of the genuine one', async (t) => {
    const { clock, medium, bob, aliceLink, bobLink, aliceTransport, nodes } = await linkedPair({ delayMs: 20 });
    const atBob = inbox(bobLink, nodes);
    const { eve } = await eveOn(medium);
    // Eve hears bob's act two to alice, takes bob's session id from it and answers first.
    aliceTransport.on('frame', (frame) => {
      if (frame[0] === FRAME_ACT_TWO) void eve.send(encodeFrame({ kind: 'act-three', responderSessionId: frame[2]!, act: Uint8Array.of(0, ...randomBytes(65)) }), 'bob');
    });
    aliceLink.send(bob.id, Uint8Array.of(7));
    t.ok(await clock.runUntil(() => atBob.length === 1, 60_000), 'the message arrives');
    t.equal(bobLink.counters.dropped['handshake-failed'], 1, "eve's act three was refused");
    t.equal(bobLink.counters.handshakesCompleted, 1, 'and the handshake it aimed at completed all the same (before: it was over)');
  });

});
