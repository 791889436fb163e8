// A link session seals each frame on its own: a lost frame costs only itself, a replayed one is refused.
import t from 'tap';
import { type SealedBody, type SealedFrame, decodeFrame } from '../../../transports/link/frame.js';
import { COUNTER_TRIES, LinkSession, REPLAY_WINDOW, ReplayWindow } from '../../../transports/link/session.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const keyA = new Uint8Array(32).fill(1);
const keyB = new Uint8Array(32).fill(2);

/** Two ends of one session, as a handshake would leave them. */
function pair(maxCounter?: number) {
  const alice = new LinkSession({ sendingKey: keyA, receivingKey: keyB, sendingSessionId: 7, receivingSessionId: 3 }, maxCounter);
  const bob = new LinkSession({ sendingKey: keyB, receivingKey: keyA, sendingSessionId: 3, receivingSessionId: 7 }, maxCounter);
  return { alice, bob };
}

const sealed = (frame: Uint8Array) => decodeFrame(frame) as SealedFrame;
/** A body of one whole message (sequence 1) holding `data`: its plaintext is 0x01 then the data. */
const whole = (...data: number[]): SealedBody => ({ fragment: { seq: 1, index: 0, last: true, data: Uint8Array.from(data) } });
const ackOf = (deliveredUpTo: number): SealedBody => ({ ack: { deliveredUpTo, entries: [] } });

t.test('frames open in any order, once each; losing one costs only that one', async (t) => {
  const { alice, bob } = pair();
  const frames = [0, 1, 2, 3].map((i) => alice.seal(whole(i, i)));
  t.equal(sealed(frames[0]!).sessionId, 7, "frames carry the receiver's session id");
  t.equal(frames[0]!.length, 3 + 3 + 8, 'header, body, tag');
  const opened = [frames[3]!, frames[1]!, frames[0]!].map((frame) => bob.open(sealed(frame)));
  t.same(
    opened.map((result) => (result.ok ? hex(result.plaintext) : result.reason)),
    ['010303', '010101', '010000'],
    'frame 2 lost, the others open, out of order',
  );
  t.same(bob.open(sealed(frames[1]!)), { ok: false, reason: 'replayed' }, 'a replay is refused');
  t.equal(alice.framesSealed, 4);
});

t.test('an altered frame fails its tag and does not use up its counter', async (t) => {
  const { alice, bob } = pair();
  const frame = alice.seal(ackOf(3));
  const altered = frame.slice();
  altered[0] = 0x23; // claims a fragment too: the header is authenticated
  t.same(bob.open(sealed(altered)), { ok: false, reason: 'bad-tag' });
  const flipped = frame.slice();
  flipped[flipped.length - 1]! ^= 1;
  t.same(bob.open(sealed(flipped)), { ok: false, reason: 'bad-tag' });
  const genuine = bob.open(sealed(frame));
  t.ok(genuine.ok, 'the genuine frame with the same counter still opens');
  t.same(alice.open(sealed(frame)), { ok: false, reason: 'bad-tag' }, 'a frame does not open with the sending key: each direction has its own');
});

t.test('a goodbye is sealed like any frame: it opens once, with the session key only, and its flag is authenticated', async (t) => {
  const { alice, bob } = pair();
  alice.seal(whole(1));
  const goodbye = alice.sealGoodbye();
  t.equal(hex(goodbye.subarray(0, 3)), '240701', 'type 0x24, the receiver\'s session id, the next counter');
  t.equal(goodbye.length, 11, 'header and tag: an empty body');
  t.same(bob.open(sealed(goodbye)), { ok: true, plaintext: new Uint8Array(0) });
  t.same(bob.open(sealed(goodbye)), { ok: false, reason: 'replayed' }, 'once');
  const relabelled = alice.sealGoodbye();
  relabelled[0] = 0x21; // the same frame as an ack: the header is the associated data
  t.same(bob.open(sealed(relabelled)), { ok: false, reason: 'bad-tag' }, 'its flag cannot be changed');
  const made = bob.seal(ackOf(0));
  made[0] = 0x24;
  t.same(alice.open(sealed(made.subarray(0, 11))), { ok: false, reason: 'bad-tag' }, 'nor put on another frame');
  t.same(alice.open(sealed(alice.sealGoodbye())), { ok: false, reason: 'bad-tag' }, 'the sending key does not open it');
});

t.test('the replay window', async (t) => {
  const window = new ReplayWindow();
  t.ok(window.isFresh(0));
  window.accept(100);
  t.ok(window.isFresh(100 - REPLAY_WINDOW + 1), 'just inside the window');
  t.notOk(window.isFresh(100 - REPLAY_WINDOW), 'too old to tell: refused');
  t.notOk(window.isFresh(100));
  window.accept(90);
  t.notOk(window.isFresh(90));
  t.ok(window.isFresh(91));
  window.accept(100 + REPLAY_WINDOW * 3);
  t.ok(window.isFresh(100 + REPLAY_WINDOW * 3 - 1), 'a jump forward clears the bitmap');
  t.notOk(window.isFresh(100), 'and the old counters are now too old');
});

t.test('a session that ran out of counters refuses to seal: no nonce is ever used twice', async (t) => {
  const { alice } = pair(2);
  alice.seal(whole(0));
  alice.seal(whole(1));
  alice.seal(whole(2));
  t.throws(() => alice.seal(whole(3)), { name: 'SessionExhaustedError' });
});

t.test("a frame's overhead stays 11 bytes beyond its body however long the session: the counter goes as its low byte", async (t) => {
  const { alice } = pair();
  t.equal(alice.nextOverhead, 1 + 1 + 1 + 8, 'type, session id, counter byte, tag');
  t.equal(alice.seal(whole()).length - 1, 11, 'the first frame, beyond its 1-byte body');
  for (let i = 1; i < 70_000; i++) alice.seal(whole());
  t.equal(alice.seal(whole()).length - 1, 11, 'frame 70,000: the same (a 3-byte counter before)');
});

t.test('the receiver finds the counter from its low byte and the window', async (t) => {
  const { alice, bob } = pair();
  const frames = Array.from({ length: 2101 }, (_, i) => alice.seal(whole(i & 0xff, i >> 8)));
  const opens = (i: number) => {
    const result = bob.open(sealed(frames[i]!));
    return result.ok && hex(result.plaintext) === hex(Uint8Array.of(1, i & 0xff, i >> 8));
  };
  t.ok([0, 1, 2].every(opens), 'in order');
  t.ok([250, 258, 255, 256, 251].every(opens), 'out of order across a wrap of the byte');
  t.same(bob.open(sealed(frames[256]!)), { ok: false, reason: 'replayed' }, 'a replay after the wrap is refused');
  t.ok(opens(258 + 700), '700 frames lost in a row: the next still opens (a later 256 tried)');
  t.ok(opens(959), 'and the one after it');
  t.notOk(bob.open(sealed(frames[2100]!)).ok, `${2100 - 959} lost in a row, beyond ${COUNTER_TRIES} tries: not opened (a new handshake follows the silence)`);
  t.ok(opens(960), 'the session itself still works for frames within reach');
  const garbled = frames[961]!.slice();
  garbled[garbled.length - 1]! ^= 1;
  t.same(bob.open(sealed(garbled)), { ok: false, reason: 'bad-tag' }, 'a garbled frame: a bad tag, after at most COUNTER_TRIES checks');
  t.ok(opens(961), 'and the genuine one opens after it');
});
