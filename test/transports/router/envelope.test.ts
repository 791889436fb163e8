// The envelope layout, what it costs on the air, round trips, and a decoder that refuses anything else with EnvelopeDecodeError.
import t from 'tap';
import fc from 'fast-check';
import {
  DIRECT_OVERHEAD,
  EnvelopeDecodeError,
  type Envelope,
  MAX_ENVELOPE_BYTES,
  ROUTED_OVERHEAD,
  associatedData,
  decodeEnvelope,
  encodeEnvelope,
  withHopLimitDecremented,
} from '../../../transports/router/envelope.js';
import { hex, makeNode } from '../../../sim/kit/link-node.js';

// Keys of both parities, so the parity bits of the kind byte are exercised.
const nodes = Array.from({ length: 12 }, (_, i) => makeNode(`n${i}`));
const even = nodes.find((node) => node.id.startsWith('02'))!;
const odd = nodes.find((node) => node.id.startsWith('03'))!;

function decodeFailure(input: Uint8Array): string | undefined {
  try {
    decodeEnvelope(input);
    return undefined;
  } catch (error) {
    if (error instanceof EnvelopeDecodeError) return error.field;
    throw error;
  }
}

const routed = (overrides: Partial<Extract<Envelope, { kind: 'routed' }>> = {}): Envelope => ({
  kind: 'routed',
  source: odd.id,
  destination: even.id,
  hopLimit: 8,
  messageId: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
  sealed: new Uint8Array(16 + 3).fill(0xcc),
  ...overrides,
});

t.test('the layout, byte for byte', async (t) => {
  t.equal(hex(encodeEnvelope({ kind: 'direct', payload: Uint8Array.of(0xab, 0xcd) })), '00abcd', `direct: kind 0x00 and the payload, ${DIRECT_OVERHEAD} byte of overhead`);
  const bytes = encodeEnvelope(routed());
  t.equal(hex(bytes), `12${odd.id.slice(2)}${even.id.slice(2)}08${'0102030405060708'}${'cc'.repeat(19)}`, 'routed: 0x10 | source odd (2), x of each id, hop limit, message id, sealed');
  t.equal(bytes.length - 3, ROUTED_OVERHEAD, `a routed envelope costs ${ROUTED_OVERHEAD} bytes beyond its payload (tag included)`);
  t.equal(encodeEnvelope(routed({ source: even.id, destination: odd.id }))[0], 0x11, 'destination odd: bit 0');
  t.equal(hex(associatedData(routed() as never)), hex(Uint8Array.from([...bytes.subarray(0, 65), ...bytes.subarray(66, 74)])), 'authenticated: everything but the hop limit and the sealed bytes');
  const decremented = withHopLimitDecremented(bytes);
  t.equal(decremented[65], 7, 'a relay lowers the hop limit');
  t.equal(hex(decremented.subarray(66)), hex(bytes.subarray(66)), 'and changes nothing else');
  t.equal(bytes[65], 8, 'on a copy');
  t.throws(() => withHopLimitDecremented(encodeEnvelope(routed({ hopLimit: 1 }))), RangeError);
});

t.test('envelopes decode to what was encoded', async (t) => {
  const envelope = fc.oneof(
    fc.record({ kind: fc.constant('direct' as const), payload: fc.uint8Array({ maxLength: 400 }) }),
    fc.record({
      kind: fc.constant('routed' as const),
      source: fc.constantFrom(...nodes.map((node) => node.id)),
      destination: fc.constantFrom(...nodes.map((node) => node.id)),
      hopLimit: fc.integer({ min: 1, max: 255 }),
      messageId: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      sealed: fc.uint8Array({ minLength: 16, maxLength: 400 }),
    }),
  );
  let runs = 0;
  fc.assert(
    fc.property(envelope, (value) => {
      runs++;
      const decoded = decodeEnvelope(encodeEnvelope(value));
      const normalise = (e: Envelope) => JSON.stringify(e, (_key, item) => (item instanceof Uint8Array ? hex(item) : item));
      return normalise(decoded) === normalise(value);
    }),
    { numRuns: 2000 },
  );
  t.equal(runs, 2000);
});

t.test('what is not an envelope is refused with EnvelopeDecodeError, naming the field', async (t) => {
  const valid = encodeEnvelope(routed());
  t.equal(decodeFailure(new Uint8Array(0)), 'kind', 'empty');
  t.equal(decodeFailure(Uint8Array.of(0x20)), 'kind', 'unknown kind');
  t.equal(decodeFailure(Uint8Array.of(0x14, ...valid.subarray(1))), 'kind', 'a reserved bit of the kind byte');
  t.equal(decodeFailure(valid.subarray(0, ROUTED_OVERHEAD - 1)), 'length', 'truncated before a whole tag');
  const offCurve = Uint8Array.from(valid);
  offCurve.fill(0, 1, 33);
  t.equal(decodeFailure(offCurve), 'source', 'x = 0 is on no key');
  const noHops = Uint8Array.from(valid);
  noHops[65] = 0;
  t.equal(decodeFailure(noHops), 'hop limit', 'no relay sends an envelope with no hop left');
  t.equal(decodeFailure(new Uint8Array(MAX_ENVELOPE_BYTES + 1)), 'length', 'over the size limit, whatever it holds');
  t.equal(decodeFailure(new Uint8Array(MAX_ENVELOPE_BYTES)), undefined, 'a direct envelope of the largest size');
  t.throws(() => encodeEnvelope(routed({ hopLimit: 0 })), RangeError, 'the encoder refuses what the decoder would');
  t.throws(() => encodeEnvelope(routed({ sealed: new Uint8Array(15) })), RangeError);
  t.throws(() => encodeEnvelope(routed({ messageId: new Uint8Array(7) })), RangeError);
});

t.test('fuzz: 30,000 random and mutated inputs either decode or throw EnvelopeDecodeError', async (t) => {
  const seeds = [encodeEnvelope(routed()), encodeEnvelope(routed({ source: even.id, destination: odd.id, sealed: new Uint8Array(40) })), Uint8Array.of(0, 1, 2)];
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat()).map(([seed, edits, cut]) => {
    const bytes = Uint8Array.from(seed);
    for (const [position, value] of edits) bytes[position % bytes.length] = value;
    return bytes.subarray(0, cut % (bytes.length + 2));
  });
  const kinds = fc.uint8Array({ maxLength: 200 }).map((bytes) => (bytes.length > 0 ? Uint8Array.of(0x10 + (bytes[0]! & 3), ...bytes.subarray(1)) : bytes));
  const outcomes = { decoded: 0, refused: 0 };
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated, kinds), (input) => {
      const failure = decodeFailure(input);
      outcomes[failure === undefined ? 'decoded' : 'refused']++;
    }),
    { numRuns: 30_000 },
  );
  t.equal(outcomes.decoded + outcomes.refused, 30_000, `decoded ${outcomes.decoded}, refused ${outcomes.refused}, nothing else thrown`);
  t.ok(outcomes.decoded > 100 && outcomes.refused > 100, 'both outcomes were exercised');
});
