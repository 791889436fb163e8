// The link frame layout: what each frame costs on the air, round trips, and a decoder that refuses anything else with LinkDecodeError.
import t from 'tap';
import fc from 'fast-check';
import {
  type Ack,
  type LinkFrame,
  LinkDecodeError,
  MAX_ACK_BITMAP_BYTES,
  MAX_ACK_ENTRIES,
  MAX_COUNTER,
  MAX_FRAGMENTS,
  MAX_SESSION_ID,
  type SealedBody,
  FLAG_ACK,
  FLAG_ACK_ENTRIES,
  FLAG_FRAGMENT,
  FLAG_GOODBYE,
  FLAG_WHOLE,
  decodeFrame,
  decodeSealedBody,
  encodeFrame,
  encodeSealedBody,
  goodbyeHeader,
  isGoodbye,
  sealedFlags,
  sealedHeader,
  varintLength,
} from '../../../transports/link/frame.js';
import { FRAME_TAG_LENGTH } from '../../../transports/link/frame-aead.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (length: number, fill = 0xaa) => new Uint8Array(length).fill(fill);

/** Decodes, and says how it failed: a LinkDecodeError's field, or rethrows anything else. */
function decodeFailure(input: Uint8Array): string | undefined {
  try {
    decodeFrame(input);
    return undefined;
  } catch (error) {
    if (error instanceof LinkDecodeError) return error.field;
    throw error;
  }
}

t.test('the layout, byte for byte', async (t) => {
  t.equal(
    hex(encodeFrame({ kind: 'act-one', initiatorSessionId: 5, act: bytes(50), neighbourTag: bytes(8, 0xbb) })),
    `0105${'aa'.repeat(50)}${'bb'.repeat(8)}`,
    'act one: type, session id, act, neighbour tag: 60 bytes',
  );
  t.throws(() => encodeFrame({ kind: 'act-one', initiatorSessionId: 5, act: bytes(50), neighbourTag: bytes(7) }), RangeError, 'a neighbour tag is 8 bytes');
  t.equal(encodeFrame({ kind: 'act-two', initiatorSessionId: 5, responderSessionId: 9, act: bytes(50) }).length, 53, 'act two: 53 bytes');
  t.equal(encodeFrame({ kind: 'act-three', responderSessionId: 9, act: bytes(66) }).length, 68, 'act three: 68 bytes, the smallest mtu the link needs');
  t.equal(hex(sealedHeader(FLAG_FRAGMENT, 9, 0)), '220900', 'sealed header: 0x20 | fragment flag, session id, counter');
  t.equal(hex(sealedHeader(FLAG_ACK | FLAG_FRAGMENT | FLAG_WHOLE, 9, 300)), '33092c', 'a counter of 300: its low byte only (the session window tells the rest)');
  t.equal(hex(sealedHeader(FLAG_ACK, 9, MAX_COUNTER)), '2109ff', 'the largest counter: one byte too');
  t.throws(() => sealedHeader(FLAG_ACK, 9, MAX_COUNTER + 1), RangeError, 'beyond the largest counter');
  const whole = { fragment: { seq: 1, index: 0, last: true, data: Uint8Array.of(0xff) } };
  t.equal(hex(encodeSealedBody(whole)), '01ff', 'a whole message: seq, data');
  t.equal(sealedFlags(whole), FLAG_FRAGMENT | FLAG_WHOLE, 'flagged whole');
  const part = { fragment: { seq: 1, index: 2, last: true, data: Uint8Array.of(0xff) } };
  t.equal(hex(encodeSealedBody(part)), '0105ff', 'a fragment of a message of several: seq, index * 2 + last, data');
  t.equal(sealedFlags(part), FLAG_FRAGMENT, 'flagged a fragment only');
  t.equal(hex(encodeSealedBody({ ack: { deliveredUpTo: 7, entries: [] } })), '07', 'a bare ack: 1 byte');
  t.equal(sealedFlags({ ack: { deliveredUpTo: 7, entries: [] } }), FLAG_ACK);
  const selective = { ack: { deliveredUpTo: 7, entries: [{ seq: 9, receivedPrefix: 3, bitmap: Uint8Array.of(0b101) }] } };
  t.equal(hex(encodeSealedBody(selective)), '07010203' + '0105', 'an ack with entries: their count, then each: seq after the previous, prefix, bitmap length, bitmap');
  t.equal(sealedFlags(selective), FLAG_ACK | FLAG_ACK_ENTRIES);
  // The overhead budget of a whole message early in a session: 1 + 1 + 1 + 8 + 1, and 1 for a bare ack riding along.
  const body = encodeSealedBody({ fragment: { seq: 3, index: 0, last: true, data: bytes(100) } });
  t.equal(sealedHeader(FLAG_FRAGMENT | FLAG_WHOLE, 9, 0).length + body.length + FRAME_TAG_LENGTH - 100, 12, 'a data frame costs 12 bytes beyond its data (21 before issue 19)');
  const withAck = encodeSealedBody({ ack: { deliveredUpTo: 5, entries: [] }, fragment: { seq: 3, index: 0, last: true, data: bytes(100) } });
  t.equal(sealedHeader(FLAG_ACK | FLAG_FRAGMENT | FLAG_WHOLE, 9, 0).length + withAck.length + FRAME_TAG_LENGTH - 100, 13, 'and 13 with an ack riding along (23 before)');
});

t.test('frames decode to what was encoded', async (t) => {
  const frames: LinkFrame[] = [
    { kind: 'act-one', initiatorSessionId: 0, act: bytes(50, 1), neighbourTag: bytes(8, 4) },
    { kind: 'act-two', initiatorSessionId: MAX_SESSION_ID, responderSessionId: 3, act: bytes(50, 2) },
    { kind: 'act-three', responderSessionId: 3, act: bytes(66, 3) },
  ];
  for (const frame of frames) t.same(decodeFrame(encodeFrame(frame)), frame, frame.kind);
  const sealed = encodeFrame({ kind: 'sealed', flags: FLAG_ACK, sessionId: 4, counterLow: 0xff, header: new Uint8Array(0), ciphertext: bytes(20) });
  const decoded = decodeFrame(sealed);
  t.equal(decoded.kind, 'sealed');
  if (decoded.kind === 'sealed') {
    t.equal(decoded.counterLow, 0xff);
    t.equal(decoded.flags, FLAG_ACK);
    t.equal(hex(decoded.header), hex(sealedHeader(FLAG_ACK, 4, MAX_COUNTER)), 'the header as received is the associated data');
    t.equal(decoded.header.length, 3, 'type, session id, counter byte');
    t.equal(hex(decoded.ciphertext), hex(bytes(20)));
  }
});

t.test('bad frames are refused with LinkDecodeError naming the field', async (t) => {
  t.equal(decodeFailure(new Uint8Array(0)), 'type', 'empty');
  t.equal(decodeFailure(Uint8Array.of(0x07)), 'type', 'unknown type');
  t.equal(decodeFailure(Uint8Array.of(0x20, 1, 0, ...bytes(16))), 'type', 'a sealed frame with neither ack nor fragment');
  for (const type of [0x11, 0x12, 0x13, 0x14]) t.equal(decodeFailure(Uint8Array.of(type, 1, 0, ...bytes(20))), 'type', `type 0x${type.toString(16)}: the framing before issue 19`);
  for (const flags of [FLAG_ACK_ENTRIES, FLAG_WHOLE, FLAG_ACK_ENTRIES | FLAG_FRAGMENT, FLAG_ACK | FLAG_WHOLE, 0x40 | FLAG_ACK, 0x80 | FLAG_ACK]) {
    t.equal(decodeFailure(Uint8Array.of(0x20 | flags, 1, 0, ...bytes(20))), 'type', `flags 0x${flags.toString(16)}: a form flag without its part, or a bit beyond`);
  }
  t.equal(decodeFailure(Uint8Array.of(0x01, 5, ...bytes(49))), 'act', 'act one a byte short');
  t.equal(decodeFailure(Uint8Array.of(0x03, 5, ...bytes(67))), 'act', 'act three a byte long');
  t.equal(decodeFailure(Uint8Array.of(0x01, 0x80, 0x01, ...bytes(50))), 'initiatorSessionId', 'a session id over 127');
  t.equal(decodeFailure(Uint8Array.of(0x22, 1, 0, ...bytes(7))), 'ciphertext', 'shorter than a tag');
  t.equal(decodeFailure(Uint8Array.of(0x22, 1)), 'counter', 'truncated header');
  t.equal(decodeFailure(new Uint8Array(70_000)), 'frame', 'beyond any medium');
});

t.test('a goodbye: the goodbye flag alone, an empty body (its tag only); anything else is refused', async (t) => {
  const goodbye = encodeFrame({ kind: 'sealed', flags: FLAG_GOODBYE, sessionId: 9, counterLow: 5, header: new Uint8Array(0), ciphertext: bytes(8) });
  t.equal(hex(goodbye), `240905${'aa'.repeat(8)}`, 'type 0x24, session id, counter, tag: 11 bytes');
  t.equal(hex(goodbyeHeader(9, 5)), '240905', 'its header, the associated data');
  const decoded = decodeFrame(goodbye);
  t.same(decoded, { kind: 'sealed', flags: FLAG_GOODBYE, sessionId: 9, counterLow: 5, header: goodbyeHeader(9, 5), ciphertext: bytes(8) }, 'round trip');
  t.ok(decoded.kind === 'sealed' && isGoodbye(decoded), 'a goodbye');
  t.equal(goodbyeHeader(9, 300).length + FRAME_TAG_LENGTH, 11, 'a counter of 300: 11 bytes still');
  const other = decodeFrame(Uint8Array.of(...sealedHeader(FLAG_ACK | FLAG_FRAGMENT, 9, 0), ...bytes(20)));
  t.notOk(other.kind === 'sealed' && isGoodbye(other), 'other sealed frames are no goodbye');

  t.equal(decodeFailure(Uint8Array.of(0x24, 9, 5, ...bytes(9))), 'ciphertext', 'a goodbye with a body');
  t.equal(decodeFailure(Uint8Array.of(0x24, 9, 5, ...bytes(7))), 'ciphertext', 'a goodbye short of its tag');
  for (const type of [0x25, 0x26, 0x27, 0x2c, 0x34, 0x3f]) t.equal(decodeFailure(Uint8Array.of(type, 9, 5, ...bytes(20))), 'type', `type 0x${type.toString(16)}: the goodbye with another flag`);
  t.throws(() => encodeFrame({ kind: 'sealed', flags: FLAG_GOODBYE, sessionId: 9, counterLow: 5, header: new Uint8Array(0), ciphertext: bytes(9) }), RangeError, 'no goodbye with a body is made');
  t.throws(() => encodeFrame({ kind: 'sealed', flags: FLAG_GOODBYE | FLAG_ACK, sessionId: 9, counterLow: 5, header: new Uint8Array(0), ciphertext: bytes(8) }), RangeError, 'nor one with an ack');
  t.throws(() => decodeSealedBody(Uint8Array.of(0), 0), { name: 'LinkDecodeError' }, 'a body with neither ack nor fragment is empty');
});

t.test('sealed bodies round trip, and bad ones are refused', async (t) => {
  const body: SealedBody = {
    ack: { deliveredUpTo: 1000, entries: [{ seq: 1001, receivedPrefix: 2, bitmap: Uint8Array.of(1, 0, 4) }, { seq: 1005, receivedPrefix: 0, bitmap: new Uint8Array(0) }] },
    fragment: { seq: 1003, index: MAX_FRAGMENTS - 1, last: false, data: bytes(10) },
  };
  t.same(decodeSealedBody(encodeSealedBody(body), sealedFlags(body)), body);
  const refuse = (input: number[], flags: number) => t.throws(() => decodeSealedBody(Uint8Array.from(input), flags), { name: 'LinkDecodeError' });
  const ACK_ENTRIES = FLAG_ACK | FLAG_ACK_ENTRIES;
  refuse([7, MAX_ACK_ENTRIES + 1], ACK_ENTRIES);
  refuse([7, 0], ACK_ENTRIES); // flagged with entries, none there
  refuse([7, 1, 0, 0, 0], ACK_ENTRIES); // an entry for the sequence already delivered
  refuse([7, 1, 1, 0, MAX_ACK_BITMAP_BYTES + 1], ACK_ENTRIES);
  refuse([7, 1, 1, 0, 2, 0xff], ACK_ENTRIES); // bitmap runs past the end
  refuse([7, 0], FLAG_ACK); // left over
  refuse([1], FLAG_FRAGMENT); // fragment without an index
  refuse([1, 1, 0xff], FLAG_FRAGMENT); // index 0 and the last: a whole message, which is flagged so
  refuse([1, 0x80, 0x80, 0x01], FLAG_FRAGMENT); // index beyond MAX_FRAGMENTS
  refuse([], FLAG_FRAGMENT | FLAG_WHOLE); // no sequence
  t.same(decodeSealedBody(Uint8Array.of(7, 1, 0xff), FLAG_ACK | FLAG_FRAGMENT | FLAG_WHOLE), { ack: { deliveredUpTo: 7, entries: [] }, fragment: { seq: 1, index: 0, last: true, data: Uint8Array.of(0xff) } }, 'a bare ack and a whole message: 3 bytes and the data');
});

const arbitraryAck: fc.Arbitrary<Ack> = fc
  .record({
    deliveredUpTo: fc.nat({ max: 2 ** 40 }),
    entries: fc.array(fc.record({ gap: fc.integer({ min: 1, max: 1000 }), receivedPrefix: fc.nat({ max: MAX_FRAGMENTS }), bitmap: fc.uint8Array({ maxLength: MAX_ACK_BITMAP_BYTES }) }), { maxLength: MAX_ACK_ENTRIES }),
  })
  .map(({ deliveredUpTo, entries }) => {
    let seq = deliveredUpTo;
    return { deliveredUpTo, entries: entries.map(({ gap, receivedPrefix, bitmap }) => ({ seq: (seq += gap), receivedPrefix, bitmap })) };
  });

t.test('property: every ack and fragment round trips, and its size is what varintLength predicts', async (t) => {
  fc.assert(
    fc.property(fc.option(arbitraryAck, { nil: undefined }), fc.option(fc.record({ seq: fc.nat(), index: fc.nat({ max: MAX_FRAGMENTS - 1 }), last: fc.boolean(), data: fc.uint8Array({ maxLength: 300 }) }), { nil: undefined }), (ack, fragment) => {
      if (!ack && !fragment) return;
      const body: SealedBody = { ...(ack ? { ack } : {}), ...(fragment ? { fragment } : {}) };
      const encoded = encodeSealedBody(body);
      const decoded = decodeSealedBody(encoded, sealedFlags(body));
      if (JSON.stringify(decoded, (_, value) => (value instanceof Uint8Array ? hex(value) : value)) !== JSON.stringify(body, (_, value) => (value instanceof Uint8Array ? hex(value) : value))) throw new Error('round trip changed the body');
      const indexBytes = fragment && (fragment.index > 0 || !fragment.last) ? varintLength(fragment.index * 2 + 1) : 0;
      if (fragment && encoded.length < varintLength(fragment.seq) + indexBytes + fragment.data.length) throw new Error('shorter than its parts');
    }),
    { numRuns: 3000 },
  );
  t.pass('3,000 bodies');
});

/** Decoding never throws anything but LinkDecodeError. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof LinkDecodeError)) throw error;
  }
}

t.test('fuzz: random bytes and mutated frames end in a frame or a LinkDecodeError, nothing else', async (t) => {
  const valid = [
    encodeFrame({ kind: 'act-one', initiatorSessionId: 5, act: bytes(50), neighbourTag: bytes(8) }),
    encodeFrame({ kind: 'act-two', initiatorSessionId: 5, responderSessionId: 9, act: bytes(50) }),
    encodeFrame({ kind: 'act-three', responderSessionId: 9, act: bytes(66) }),
    Uint8Array.of(...sealedHeader(FLAG_ACK | FLAG_FRAGMENT, 9, 1234), ...bytes(40)),
    Uint8Array.of(...goodbyeHeader(9, 1234), ...bytes(8)),
  ];
  const mutated = fc
    .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), fc.boolean())
    .map(([frame, edits, cut, truncate]) => {
      const copy = frame.slice();
      for (const [position, value] of edits) copy[position % copy.length] = value;
      return truncate ? copy.subarray(0, cut % (copy.length + 1)) : copy;
    });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (input) => decodesOrRefuses(() => decodeFrame(input))), { numRuns: 20_000 });
  fc.assert(fc.property(mutated, (input) => decodesOrRefuses(() => decodeFrame(input))), { numRuns: 30_000 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat({ max: 0x1f }), (input, flags) => decodesOrRefuses(() => decodeSealedBody(input, flags))),
    { numRuns: 15_000 },
  );
  t.pass('65,000 inputs, none threw anything but LinkDecodeError');
});
