// The compact channel messages: every message type round-trips; the first
// byte tells a CBOR map from the `update`'s own layout (whose fields are
// tested in update-codec.test.ts); BOLT 1's odd/even rule for unknown types and
// fields; every field's range enforced on decoding, naming the field;
// encodeMessage refuses what decodeMessage would; and a fuzz of random and
// mutated inputs that only ever decode or throw DecodeError.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { type CborValue, decodeCbor, encodeCbor } from '../../../node/core/cbor.js';
import {
  type ChannelUpdate,
  type CommitmentSignatures,
  DecodeError,
  MAX_HANDLE,
  MAX_MESSAGE_BYTES,
  MAX_FEE_QUOTES,
  type Message,
  type Revocation,
  type Update,
  decodeMessage,
  encodeMessage,
} from '../../../node/wire/messages.js';
import { InvalidInputError } from '../../../node/core/input.js';
import { caught, throwsField } from '../input.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TYPE_NUMBERS: Record<Message['type'], number> = {
  open_channel: 2,
  accept_channel: 4,
  funding_created: 6,
  funding_signed: 8,
  channel_ready: 10,
  update: 12,
  shutdown: 14,
  closing_signed: 16,
  channel_reestablish: 18,
  error: 20,
  fee_update: 21,
};
const TYPES = Object.keys(TYPE_NUMBERS) as Message['type'][];
/** The types sent as CBOR maps: all but `update`. */
const MAP_TYPES = TYPES.filter((type) => type !== 'update');
const KNOWN_NUMBERS = new Set(Object.values(TYPE_NUMBERS));

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const filled = (length: number, byte: number): Uint8Array => new Uint8Array(length).fill(byte);

/**
 * A canonical text for a message or CBOR value: byte strings by content
 * (Buffer or Uint8Array alike), object keys sorted, an undefined property
 * shown (so `{a: undefined}` differs from `{}`).
 */
function canon(value: unknown): string {
  if (value === undefined) return '<undefined>';
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? `${value}` : `<bad number ${value}>`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `h'${hex(value)}'`;
  if (Array.isArray(value)) return `[${value.map(canon).join(',')}]`;
  if (value instanceof Map) return `{${[...value.entries()].map(([key, item]) => `${canon(key)}:${canon(item)}`).join(',')}}`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${key}=${canon((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return `<unexpected ${typeof value} ${String(value)}>`;
}

/** What decoding gives for a message: `updates` is `[]` when absent. */
const expectedOf = (message: Message): Message => (message.type === 'update' ? { ...message, updates: message.updates ?? [] } : message);

// ---- arbitraries --------------------------------------------------------------

/** An integer in [min, max], with the bounds themselves often. */
const uint = (max: number, min = 0): fc.Arbitrary<number> =>
  fc.oneof({ weight: 1, arbitrary: fc.constantFrom(min, max) }, { weight: 4, arbitrary: fc.integer({ min, max }) });
const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });
const upTo = (maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(fc.uint8Array({ maxLength: Math.min(maxLength, 8) }), fc.uint8Array({ maxLength }), fc.constant(new Uint8Array(maxLength)));
const handle = uint(MAX_HANDLE);

const offer = {
  handle,
  network: uint(255),
  dustLimitSatoshis: uint(MAX_SAFE),
  channelReserveSatoshis: uint(MAX_SAFE),
  htlcMinimumMsat: uint(MAX_SAFE),
  maxHtlcValueInFlightMsat: uint(MAX_SAFE),
  maxAcceptedHtlcs: uint(483),
  toSelfDelay: uint(0xffff),
  cltvExpiryDelta: uint(0xffff),
  keys: bytes(5 * 33),
  firstPerCommitmentPoint: bytes(33),
  channelType: fc.constantFrom('anchors' as const, 'static_remotekey' as const),
};

const updateArbs: Record<Update['kind'], fc.Arbitrary<Update>> = {
  add: fc.oneof(
    fc.record({ kind: fc.constant('add' as const), amountMsat: uint(MAX_SAFE, 1), paymentHash: bytes(32), cltvExpiry: uint(499_999_999) }),
    // Routed: the payee gets part of the amount, the rest is the forwarders' fees.
    fc
      .tuple(uint(MAX_SAFE, 1), bytes(32), uint(499_999_999), bytes(33), uint(MAX_SAFE, 1))
      .map(([amountMsat, paymentHash, cltvExpiry, destination, payee]) => ({ kind: 'add' as const, amountMsat, paymentHash, cltvExpiry, destination, payeeAmountMsat: Math.min(payee, amountMsat) })),
  ),
  fulfill: fc.record({ kind: fc.constant('fulfill' as const), id: uint(MAX_SAFE), paymentPreimage: bytes(32) }),
  fail: fc.record({ kind: fc.constant('fail' as const), id: uint(MAX_SAFE), reason: upTo(256) }),
  fee: fc.record({ kind: fc.constant('fee' as const), feeratePerKw: uint(0xffffffff, 253) }),
};
const updateArb = fc.oneof(...Object.values(updateArbs));
const revocationArb: fc.Arbitrary<Revocation> = fc.record({ perCommitmentSecret: bytes(32), nextPerCommitmentPoint: bytes(33) });
const commitmentArb: fc.Arbitrary<CommitmentSignatures> = fc.record({
  signature: bytes(64),
  htlcSignatures: fc.oneof(fc.array(bytes(64), { maxLength: 3 }), fc.array(bytes(64), { maxLength: 30 })),
});

/** An `update`, each part present or not (`updates` may be absent, empty or not). */
function channelUpdate(parts: { handle: number; sequence?: number; revocation?: Revocation; updates?: readonly Update[]; commitment?: CommitmentSignatures }): ChannelUpdate {
  const message: Record<string, unknown> = { type: 'update', handle: parts.handle, sequence: parts.sequence ?? 0 };
  if (parts.revocation) message.revocation = parts.revocation;
  if (parts.updates) message.updates = parts.updates;
  if (parts.commitment) message.commitment = parts.commitment;
  return message as unknown as ChannelUpdate;
}

const messageArbs: Record<Message['type'], fc.Arbitrary<Message>> = {
  open_channel: fc.record({
    type: fc.constant('open_channel' as const),
    ...offer,
    fundingSatoshis: uint(MAX_SAFE, 1),
    pushMsat: uint(MAX_SAFE),
    feeratePerKw: uint(0xffffffff),
  }),
  accept_channel: fc.record({ type: fc.constant('accept_channel' as const), ...offer, minimumDepth: uint(0xffff) }),
  funding_created: fc.record({
    type: fc.constant('funding_created' as const),
    handle,
    fundingTxHash: bytes(32),
    fundingOutputIndex: uint(0xffff),
    signature: bytes(64),
  }),
  funding_signed: fc.record({ type: fc.constant('funding_signed' as const), handle, signature: bytes(64) }),
  channel_ready: fc.record({ type: fc.constant('channel_ready' as const), handle, secondPerCommitmentPoint: bytes(33) }),
  update: fc
    .tuple(
      handle,
      uint(255),
      fc.option(revocationArb, { nil: undefined }),
      fc.option(fc.oneof(fc.array(updateArb, { maxLength: 3 }), fc.array(updateArb, { maxLength: 20 })), { nil: undefined }),
      fc.option(commitmentArb, { nil: undefined }),
    )
    .map(([handle, sequence, revocation, updates, commitment]) => channelUpdate({ handle, sequence, revocation, updates, commitment })),
  shutdown: fc.record({ type: fc.constant('shutdown' as const), handle, scriptPubKey: upTo(42) }),
  closing_signed: fc.record({ type: fc.constant('closing_signed' as const), handle, feeSatoshis: uint(MAX_SAFE), signature: bytes(64) }),
  channel_reestablish: fc.record({
    type: fc.constant('channel_reestablish' as const),
    handle,
    nextCommitmentNumber: uint(2 ** 48 - 1),
    nextRevocationNumber: uint(2 ** 48 - 1),
    yourLastPerCommitmentSecret: bytes(32),
    myCurrentPerCommitmentPoint: bytes(33),
  }),
  error: fc.record({ type: fc.constant('error' as const), handle, message: upTo(1000) }),
  fee_update: fc.record(
    {
      type: fc.constant('fee_update' as const),
      handle,
      baseMsat: uint(MAX_SAFE),
      proportionalMillionths: uint(MAX_SAFE),
      quotes: fc.array(fc.record({ destination: bytes(33), baseMsat: uint(MAX_SAFE), proportionalMillionths: uint(MAX_SAFE) }), { maxLength: MAX_FEE_QUOTES }),
      incomplete: fc.constant(1),
    },
    { requiredKeys: ['type', 'handle', 'baseMsat', 'proportionalMillionths'] },
  ),
};
const messageArb = fc.oneof(...Object.values(messageArbs));

// ---- fixed samples, one of each type ------------------------------------------

const offerSample = {
  handle: 7,
  network: 1,
  dustLimitSatoshis: 354,
  channelReserveSatoshis: 10_000,
  htlcMinimumMsat: 1,
  maxHtlcValueInFlightMsat: 5_000_000_000,
  maxAcceptedHtlcs: 30,
  toSelfDelay: 144,
  cltvExpiryDelta: 40,
  keys: filled(165, 2),
  firstPerCommitmentPoint: filled(33, 3),
  channelType: 'anchors' as const,
};
const add: Update = { kind: 'add', amountMsat: 1000, paymentHash: filled(32, 5), cltvExpiry: 800_000 };
const fulfill: Update = { kind: 'fulfill', id: 3, paymentPreimage: filled(32, 6) };
const fail: Update = { kind: 'fail', id: 4, reason: filled(20, 7) };
const fee: Update = { kind: 'fee', feeratePerKw: 253 };
const revocation: Revocation = { perCommitmentSecret: filled(32, 8), nextPerCommitmentPoint: filled(33, 9) };
const commitment = (htlcs: number): CommitmentSignatures => ({ signature: filled(64, 10), htlcSignatures: Array.from({ length: htlcs }, (_, i) => filled(64, 11 + i)) });

const samples: Record<Message['type'], Message> = {
  open_channel: { type: 'open_channel', ...offerSample, fundingSatoshis: 100_000, pushMsat: 0, feeratePerKw: 253 },
  accept_channel: { type: 'accept_channel', ...offerSample, channelType: 'static_remotekey', minimumDepth: 3 },
  funding_created: { type: 'funding_created', handle: 7, fundingTxHash: filled(32, 1), fundingOutputIndex: 0, signature: filled(64, 4) },
  funding_signed: { type: 'funding_signed', handle: 7, signature: filled(64, 4) },
  channel_ready: { type: 'channel_ready', handle: 7, secondPerCommitmentPoint: filled(33, 3) },
  update: { type: 'update', handle: 7, sequence: 5, revocation, updates: [add, fulfill, fail, fee], commitment: commitment(2) },
  shutdown: { type: 'shutdown', handle: 7, scriptPubKey: filled(22, 0) },
  closing_signed: { type: 'closing_signed', handle: 7, feeSatoshis: 300, signature: filled(64, 4) },
  channel_reestablish: {
    type: 'channel_reestablish',
    handle: 7,
    nextCommitmentNumber: 5,
    nextRevocationNumber: 4,
    yourLastPerCommitmentSecret: filled(32, 1),
    myCurrentPerCommitmentPoint: filled(33, 2),
  },
  error: { type: 'error', handle: 7, message: Uint8Array.from(Buffer.from('internal error')) },
  fee_update: { type: 'fee_update', handle: 7, baseMsat: 1000, proportionalMillionths: 10, quotes: [{ destination: filled(33, 2), baseMsat: 2000, proportionalMillionths: 20 }], incomplete: 1 },
};

// ---- helpers for hand-made encodings --------------------------------------------

const RAW_LIMITS = { maxBytes: 1 << 20, maxDepth: 3 };

/** The CBOR map a message is sent as. */
const rawOf = (message: Message): Map<number, CborValue> => decodeCbor(encodeMessage(message), RAW_LIMITS) as Map<number, CborValue>;

/** The encoding of `message` with field `key` replaced (or removed, for undefined). */
function withField(message: Message, key: number, value: CborValue | undefined): Uint8Array {
  const raw = rawOf(message);
  if (value === undefined) raw.delete(key);
  else raw.set(key, value);
  return encodeCbor(raw);
}

/** Asserts that `bytes` is refused with a DecodeError naming `field`. */
function refuses(t: Pick<Test, 'ok' | 'equal'>, bytes: Uint8Array, field: string, message: string): void {
  const error = caught(() => decodeMessage(bytes));
  t.ok(error instanceof DecodeError, `${message}: throws DecodeError`, { caught: String(error), input: hex(bytes) });
  t.equal((error as DecodeError | undefined)?.field, field, `${message}: field is ${field}`);
}

/** Asserts that `bytes` decodes, and returns what it decodes to. */
function accepts(t: Pick<Test, 'ok'>, bytes: Uint8Array, message: string): ReturnType<typeof decodeMessage> | undefined {
  const error = caught(() => decodeMessage(bytes));
  t.ok(error === undefined, `${message}: decodes`, { caught: String(error), input: hex(bytes) });
  return error === undefined ? decodeMessage(bytes) : undefined;
}

// ---- round trips ----------------------------------------------------------------

t.test('decodeMessage(encodeMessage(m)) = m for random messages of every type', async (t) => {
  const seen = new Map<string, number>();
  const updateParts = new Set<string>();
  fc.assert(
    fc.property(messageArb, (message) => {
      const encoded = encodeMessage(message);
      if (encoded.length > MAX_MESSAGE_BYTES) throw new Error(`${encoded.length} bytes`);
      const decoded = decodeMessage(encoded);
      if (canon(decoded) !== canon(expectedOf(message))) throw new Error(`${canon(message)} decoded as ${canon(decoded)}`);
      // What the decoder gives back is itself a message encodeMessage takes, to the same bytes.
      if (hex(encodeMessage(decoded as Message)) !== hex(encoded)) throw new Error(`${canon(message)} re-encodes differently`);
      seen.set(message.type, (seen.get(message.type) ?? 0) + 1);
      if (message.type === 'update') {
        updateParts.add(`revocation:${message.revocation !== undefined}`);
        updateParts.add(`commitment:${message.commitment?.htlcSignatures.length === 0 ? 'no htlcs' : message.commitment ? 'htlcs' : 'none'}`);
        updateParts.add(`updates:${message.updates === undefined ? 'absent' : message.updates.length === 0 ? 'empty' : 'some'}`);
        for (const update of message.updates ?? []) updateParts.add(`kind:${update.kind}${update.kind === 'add' && update.destination ? ' to a destination' : ''}`);
      }
    }),
    { numRuns: 3000, seed: 0x1e55 },
  );
  t.same([...seen.keys()].sort(), [...TYPES].sort(), 'every message type was generated');
  t.ok([...seen.values()].every((count) => count >= 100), `each type round-tripped at least 100 times (${[...seen.values()].join(', ')})`);
  t.same(
    [...updateParts].sort(),
    [
      'commitment:htlcs',
      'commitment:no htlcs',
      'commitment:none',
      'kind:add',
      'kind:add to a destination',
      'kind:fail',
      'kind:fee',
      'kind:fulfill',
      'revocation:false',
      'revocation:true',
      'updates:absent',
      'updates:empty',
      'updates:some',
    ],
    'updates with and without each part, and every kind of update, were generated',
  );
});

t.test('every combination of the parts of an update round-trips', async (t) => {
  const updateLists: (readonly Update[] | undefined)[] = [undefined, [], [add], [fulfill], [fail], [fee], [add, fulfill, fail, fee, add]];
  let combinations = 0;
  for (const rev of [undefined, revocation]) {
    for (const updates of updateLists) {
      for (const commit of [undefined, commitment(0), commitment(1), commitment(5)]) {
        const message = channelUpdate({ handle: 9, revocation: rev, updates, commitment: commit });
        const decoded = decodeMessage(encodeMessage(message));
        t.equal(
          canon(decoded),
          canon(expectedOf(message)),
          `revocation ${rev ? 'present' : 'absent'}, updates ${updates ? updates.map((u) => u.kind).join('+') || 'empty' : 'absent'}, commitment ${commit ? `with ${commit.htlcSignatures.length} HTLC signatures` : 'absent'}`,
        );
        combinations++;
      }
    }
  }
  t.equal(combinations, 56, 'all 56 combinations were checked');
  const bare = decodeMessage(encodeMessage(channelUpdate({ handle: 9 }))) as ChannelUpdate;
  t.notOk('revocation' in bare, 'an absent revocation is not a property at all');
  t.notOk('commitment' in bare, 'an absent commitment is not a property at all');
  t.same(bare.updates, [], 'absent updates decode as []');
  t.equal(hex(encodeMessage(channelUpdate({ handle: 9, updates: [] }))), '0c090000', 'empty updates are not sent: type, handle, sequence, no flags');
});

t.test('the wire format of a few messages', async (t) => {
  t.equal(hex(encodeMessage(samples.funding_signed)), `a300080107025840${'04'.repeat(64)}`, 'funding_signed: {0: 8, 1: handle, 2: signature}');
  t.equal(
    hex(encodeMessage(channelUpdate({ handle: 1, updates: [add, fee] }))),
    `0c01000202` + `00e807${'05'.repeat(32)}80ea30` + `03fd01`,
    'update: 12, handle, sequence, flags (updates), count, then an add (kind 0, amount, hash, expiry) and a fee (kind 3, feerate), integers as varints',
  );
  t.equal(
    hex(encodeMessage(channelUpdate({ handle: 1, sequence: 255, revocation, commitment: commitment(1) }))),
    `0c01ff05${'08'.repeat(32)}${'09'.repeat(33)}${'0a'.repeat(64)}01${'0b'.repeat(64)}`,
    'update: flags (revocation, commitment), the 65 bytes of the revocation, then the signature, the HTLC signature count and the HTLC signatures, with no lengths',
  );
  t.equal(hex(encodeMessage(samples.update).subarray(0, 2)), '0c07', 'the update sample starts with its type (12) and handle');
  for (const type of MAP_TYPES) {
    const raw = rawOf(samples[type]);
    t.equal(raw.get(0), TYPE_NUMBERS[type], `${type} is type ${TYPE_NUMBERS[type]}`);
    t.equal(raw.get(1), 7, `${type} carries its handle under key 1`);
    t.equal(canon(decodeMessage(encodeMessage(samples[type]))), canon(samples[type]), `the ${type} sample round-trips`);
  }
});

// ---- BOLT 1: it's ok to be odd ----------------------------------------------------

t.test('unknown message types: odd is ignored, even is an error', async (t) => {
  for (const typeNumber of [1, 3, 13, 23, 25, 255, 65537, 2 ** 53 - 1]) {
    t.same(decodeMessage(encodeCbor(new Map([[0, typeNumber]]))), { type: 'unknown', typeNumber }, `odd type ${typeNumber} decodes as unknown`);
  }
  t.same(
    decodeMessage(encodeCbor(new Map<number, CborValue>([[0, 101], [1, new Uint8Array(3)], [2, [1, [2]]], [4, 5]]))),
    { type: 'unknown', typeNumber: 101 },
    'an odd type with fields, even ones included, is still just unknown',
  );
  for (const typeNumber of [0, 22, 24, 100, 65536, 2 ** 53 - 2]) {
    refuses(t, encodeCbor(new Map([[0, typeNumber]])), 'type', `even type ${typeNumber}`);
  }
  refuses(t, encodeCbor(new Map([[1, 7]])), 'type', 'no type at all');
  refuses(t, encodeCbor(new Map<number, CborValue>([[0, new Uint8Array([12])]])), 'type', 'a type that is a byte string');
  refuses(t, encodeCbor(new Map<number, CborValue>([[0, [12]]])), 'type', 'a type that is an array');
  refuses(t, encodeCbor(new Map<number, CborValue>([[0, 12], [1, 7], [6, 0]])), 'type', 'an update as a CBOR map: it has its own layout');
  // Anything that is not a map starts below 0xa0 or at 0xc0 and above: the first byte is a type number, or refused.
  refuses(t, encodeCbor([12, 7]), 'type', 'an array (0x82 ...) instead of a map: even type 130');
  refuses(t, encodeCbor(12), 'update.handle', 'an integer 12 instead of a map: an update that ends after its type');
  refuses(t, encodeCbor(new Uint8Array(4)), 'type', 'bytes (0x44 ...) instead of a map: even type 68');
  refuses(t, Uint8Array.from([0xc2, 0x40]), 'message', 'a CBOR tag (0xc2) instead of a map');
  refuses(t, Uint8Array.from([0xbf, 0xff]), 'message', 'an indefinite-length map');
});

t.test('the first byte: a CBOR map (0xa0 to 0xbf), or the type number of a layout of its own', async (t) => {
  for (const type of MAP_TYPES) {
    const first = encodeMessage(samples[type])[0]!;
    t.ok(first >= 0xa0 && first <= 0xbf, `${type} starts with a map header (0x${first.toString(16)})`);
  }
  t.equal(encodeMessage(samples.update)[0], 12, 'update starts with 12, which is no map header');
  for (const typeNumber of [1, 3, 11, 13, 15, 0x9f]) {
    t.same(decodeMessage(Uint8Array.from([typeNumber, 1, 2, 3])), { type: 'unknown', typeNumber }, `odd first byte ${typeNumber}: an unknown message, ignored`);
  }
  for (const typeNumber of [0, 2, 10, 14, 20, 0x9e]) {
    refuses(t, Uint8Array.from([typeNumber, 1, 2, 3]), 'type', `even first byte ${typeNumber}: an unknown required message`);
  }
});

t.test('unknown fields: odd is ignored, even is an error', async (t) => {
  for (const type of MAP_TYPES) {
    const sample = samples[type];
    const lastKey = Math.max(...rawOf(sample).keys());
    const odd = lastKey % 2 === 0 ? lastKey + 1 : lastKey + 2;
    const even = lastKey % 2 === 0 ? lastKey + 2 : lastKey + 1;
    const decoded = accepts(t, withField(sample, odd, [1, new Uint8Array(2)]), `${type} with unknown odd field ${odd}`);
    t.equal(canon(decoded), canon(sample), `${type}: the odd field ${odd} is ignored`);
    // By hand: encodeCbor cannot write a key above 2^32 - 1 (see the report).
    const encoded = encodeMessage(sample);
    t.ok(encoded[0]! >= 0xa1 && encoded[0]! < 0xb7, `${type} is a map of fewer than 23 entries`);
    const far = accepts(t, Uint8Array.from([encoded[0]! + 1, ...encoded.slice(1), 0x1b, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]), `${type} with unknown odd field 2^53 - 1`);
    t.equal(canon(far), canon(sample), `${type}: the odd field 2^53 - 1 is ignored`);
    refuses(t, withField(sample, even, 0), `${type}.${even}`, `${type} with unknown even field ${even}`);
    refuses(t, withField(sample, 1000, new Uint8Array(0)), `${type}.1000`, `${type} with unknown even field 1000`);
  }
  // Within the range of known keys: open_channel's layout skips 13, 15 and 17.
  const open = samples.open_channel;
  t.equal(canon(accepts(t, withField(open, 13, 1), 'open_channel with odd 13')), canon(open), 'open_channel ignores the odd key 13 between known keys');
});

// ---- every field's range -------------------------------------------------------------

t.test('open_channel and accept_channel fields', async (t) => {
  const open = samples.open_channel;
  const accept = samples.accept_channel;
  const cases: [key: number, bad: CborValue, good: CborValue, name: string][] = [
    [1, MAX_HANDLE + 1, MAX_HANDLE, 'handle'],
    [2, 256, 255, 'network'],
    [3, new Uint8Array(1), MAX_SAFE, 'dustLimitSatoshis'],
    [4, [1], 0, 'channelReserveSatoshis'],
    [5, new Map(), MAX_SAFE, 'htlcMinimumMsat'],
    [6, new Uint8Array(8), MAX_SAFE, 'maxHtlcValueInFlightMsat'],
    [7, 484, 483, 'maxAcceptedHtlcs'],
    [8, 65536, 65535, 'toSelfDelay'],
    [9, 65536, 65535, 'cltvExpiryDelta'],
    [10, new Uint8Array(164), new Uint8Array(165), 'keys'],
    [11, new Uint8Array(32), new Uint8Array(33), 'firstPerCommitmentPoint'],
    [12, 2, 1, 'channelType'],
  ];
  for (const [key, bad, good, name] of cases) {
    for (const sample of [open, accept]) {
      refuses(t, withField(sample, key, bad), `${sample.type}.${name}`, `${sample.type} with a bad ${name}`);
      accepts(t, withField(sample, key, good), `${sample.type} with the edge value of ${name}`);
      refuses(t, withField(sample, key, undefined), `${sample.type}.${name}`, `${sample.type} without ${name}`);
    }
  }
  refuses(t, withField(open, 10, new Uint8Array(166)), 'open_channel.keys', 'open_channel with 166 bytes of keys');
  refuses(t, withField(open, 12, new Uint8Array([0])), 'open_channel.channelType', 'a channelType that is bytes');
  t.equal((decodeMessage(withField(open, 12, 0)) as { channelType: string }).channelType, 'anchors', 'channelType 0 is anchors');
  t.equal((decodeMessage(withField(open, 12, 1)) as { channelType: string }).channelType, 'static_remotekey', 'channelType 1 is static_remotekey');
  refuses(t, withField(open, 14, 0), 'open_channel.fundingSatoshis', 'fundingSatoshis 0');
  accepts(t, withField(open, 14, 1), 'fundingSatoshis 1');
  refuses(t, withField(open, 14, undefined), 'open_channel.fundingSatoshis', 'no fundingSatoshis');
  refuses(t, withField(open, 16, new Uint8Array(0)), 'open_channel.pushMsat', 'pushMsat as bytes');
  refuses(t, withField(open, 18, 2 ** 32), 'open_channel.feeratePerKw', 'feeratePerKw 2^32');
  accepts(t, withField(open, 18, 2 ** 32 - 1), 'feeratePerKw 2^32 - 1');
  refuses(t, withField(accept, 14, 65536), 'accept_channel.minimumDepth', 'minimumDepth 65536');
  refuses(t, withField(accept, 14, undefined), 'accept_channel.minimumDepth', 'no minimumDepth');
});

t.test('funding, channel_ready, shutdown, closing_signed, channel_reestablish and error fields', async (t) => {
  const cases: [Message, number, CborValue | undefined, string, string][] = [
    [samples.funding_created, 2, new Uint8Array(31), 'funding_created.fundingTxHash', 'a 31-byte funding txid'],
    [samples.funding_created, 3, 65536, 'funding_created.fundingOutputIndex', 'output index 65536'],
    [samples.funding_created, 4, new Uint8Array(63), 'funding_created.signature', 'a 63-byte signature'],
    [samples.funding_created, 4, undefined, 'funding_created.signature', 'no signature'],
    [samples.funding_signed, 2, new Uint8Array(63), 'funding_signed.signature', 'a 63-byte signature'],
    [samples.funding_signed, 2, new Uint8Array(65), 'funding_signed.signature', 'a 65-byte signature'],
    [samples.funding_signed, 2, new Uint8Array(72), 'funding_signed.signature', 'a DER-sized signature'],
    [samples.funding_signed, 2, 64, 'funding_signed.signature', 'a signature that is an integer'],
    [samples.funding_signed, 2, undefined, 'funding_signed.signature', 'no signature'],
    [samples.channel_ready, 2, new Uint8Array(32), 'channel_ready.secondPerCommitmentPoint', 'a point of 32 bytes'],
    [samples.channel_ready, 2, new Uint8Array(65), 'channel_ready.secondPerCommitmentPoint', 'an uncompressed point'],
    [samples.shutdown, 2, new Uint8Array(43), 'shutdown.scriptPubKey', 'a 43-byte script'],
    [samples.shutdown, 2, [0, 20], 'shutdown.scriptPubKey', 'a script that is an array'],
    [samples.closing_signed, 2, new Uint8Array(1), 'closing_signed.feeSatoshis', 'a fee that is bytes'],
    [samples.closing_signed, 3, new Uint8Array(0), 'closing_signed.signature', 'an empty signature'],
    [samples.channel_reestablish, 2, 2 ** 48, 'channel_reestablish.nextCommitmentNumber', 'commitment number 2^48'],
    [samples.channel_reestablish, 3, 2 ** 48, 'channel_reestablish.nextRevocationNumber', 'revocation number 2^48'],
    [samples.channel_reestablish, 4, new Uint8Array(33), 'channel_reestablish.yourLastPerCommitmentSecret', 'a 33-byte secret'],
    [samples.channel_reestablish, 5, new Uint8Array(32), 'channel_reestablish.myCurrentPerCommitmentPoint', 'a 32-byte point'],
    [samples.error, 2, new Uint8Array(1001), 'error.message', 'a 1001-byte error'],
    [samples.error, 2, 5, 'error.message', 'an error that is an integer'],
  ];
  for (const [sample, key, bad, field, message] of cases) refuses(t, withField(sample, key, bad), field, `${sample.type}: ${message}`);
  for (const type of MAP_TYPES) {
    refuses(t, withField(samples[type], 1, undefined), `${type}.handle`, `${type} without a handle`);
    refuses(t, withField(samples[type], 1, MAX_HANDLE + 1), `${type}.handle`, `${type} with handle 2^32`);
    accepts(t, withField(samples[type], 1, MAX_HANDLE), `${type} with handle 2^32 - 1`);
  }
  const edges: [Message, number, CborValue, string][] = [
    [samples.shutdown, 2, new Uint8Array(42), 'a 42-byte script'],
    [samples.shutdown, 2, new Uint8Array(0), 'an empty script'],
    [samples.error, 2, new Uint8Array(1000), 'a 1000-byte error'],
    [samples.error, 2, new Uint8Array(0), 'an empty error'],
    [samples.channel_reestablish, 2, 2 ** 48 - 1, 'commitment number 2^48 - 1'],
    [samples.closing_signed, 2, MAX_SAFE, 'a fee of 2^53 - 1'],
    [samples.funding_created, 3, 65535, 'output index 65535'],
  ];
  for (const [sample, key, value, message] of edges) accepts(t, withField(sample, key, value), `${sample.type}: ${message}`);
});

t.test('limits on the whole message', async (t) => {
  const big = new Uint8Array(MAX_MESSAGE_BYTES + 1);
  const error = caught(() => decodeMessage(big));
  t.ok(error instanceof DecodeError, 'more than 65,536 bytes: DecodeError');
  t.equal((error as DecodeError | undefined)?.field, 'message', 'more than 65,536 bytes: field is message');
  refuses(t, Uint8Array.from([...encodeMessage(samples.funding_signed), 0]), 'message', 'a byte after the message');
  refuses(t, encodeMessage(samples.funding_signed).slice(0, -1), 'message.2', 'a message one byte short');
  refuses(t, new Uint8Array(0), 'message', 'no bytes');
  const notBytes = caught(() => decodeMessage('a0' as unknown as Uint8Array));
  t.ok(notBytes instanceof DecodeError, 'a string instead of bytes: DecodeError');
  // Non-canonical encodings of a valid message are refused.
  const signed = hex(encodeMessage(samples.funding_signed));
  t.equal(signed.slice(0, 14), 'a3000801070258', 'funding_signed starts {0: 8, 1: 7, 2: ...');
  refuses(t, Buffer.from(`a3001808${signed.slice(6)}`, 'hex'), 'message.0', 'the type in a non-shortest form');
  refuses(t, Buffer.from(`a3${signed.slice(6, 10)}${signed.slice(2, 6)}${signed.slice(10)}`, 'hex'), 'message.0', 'keys out of order');
  refuses(t, Buffer.from(`a4${signed.slice(2, 10)}${signed.slice(6, 10)}${signed.slice(10)}`, 'hex'), 'message.1', 'the handle twice');
  refuses(t, Buffer.from(`a300080107025a00000040${signed.slice(16)}`, 'hex'), 'message.2', 'the signature length in a non-shortest form');
});

// ---- encodeMessage refuses what it would not accept ------------------------------------

t.test('encodeMessage refuses invalid messages, naming the field', async (t) => {
  const withProps = <M extends Message>(message: M, props: Record<string, unknown>): M => ({ ...message, ...props }) as M;
  throwsField(t, () => encodeMessage(withProps(samples.funding_signed, { signature: new Uint8Array(63) })), 'funding_signed.signature', 'a 63-byte signature');
  throwsField(t, () => encodeMessage(withProps(samples.funding_created, { signature: new Uint8Array(65) })), 'funding_created.signature', 'a 65-byte signature');
  throwsField(t, () => encodeMessage(withProps(samples.channel_ready, { secondPerCommitmentPoint: new Uint8Array(32) })), 'channel_ready.secondPerCommitmentPoint', 'a 32-byte point');
  throwsField(t, () => encodeMessage(withProps(samples.funding_signed, { handle: MAX_HANDLE + 1 })), 'funding_signed.handle', 'handle 2^32');
  throwsField(t, () => encodeMessage(withProps(samples.open_channel, { fundingSatoshis: 0 })), 'open_channel.fundingSatoshis', 'funding 0');
  throwsField(t, () => encodeMessage(withProps(samples.open_channel, { maxAcceptedHtlcs: 484 })), 'open_channel.maxAcceptedHtlcs', '484 HTLCs');
  throwsField(t, () => encodeMessage(withProps(samples.shutdown, { scriptPubKey: new Uint8Array(43) })), 'shutdown.scriptPubKey', 'a 43-byte script');
  throwsField(t, () => encodeMessage(withProps(samples.error, { message: new Uint8Array(1001) })), 'error.message', 'a 1001-byte error');
  throwsField(t, () => encodeMessage(withProps(samples.channel_reestablish, { nextCommitmentNumber: 2 ** 48 })), 'channel_reestablish.nextCommitmentNumber', 'commitment number 2^48');
  throwsField(t, () => encodeMessage(withProps(samples.funding_signed, { signature: undefined })), 'funding_signed.signature', 'a missing signature');
  throwsField(t, () => encodeMessage(withProps(samples.accept_channel, { minimumDepth: undefined })), 'accept_channel.minimumDepth', 'a missing minimumDepth');
  throwsField(t, () => encodeMessage(withProps(samples.update, { sequence: 256 })), 'update.sequence', 'a sequence number of 256');
  throwsField(t, () => encodeMessage(withProps(samples.update, { sequence: undefined })), 'update.sequence', 'a missing sequence number');
  const update = (updates: unknown[]): ChannelUpdate => channelUpdate({ handle: 1, updates: updates as Update[] });
  throwsField(t, () => encodeMessage(update([{ kind: 'add', amountMsat: 0, paymentHash: new Uint8Array(32), cltvExpiry: 1 }])), 'update.updates[0].amountMsat', 'an add of 0 msat');
  throwsField(t, () => encodeMessage(update([fee, { kind: 'fee', feeratePerKw: 252 }])), 'update.updates[1].feeratePerKw', 'a feerate of 252');
  throwsField(t, () => encodeMessage(update([{ kind: 'add', amountMsat: 1, paymentHash: new Uint8Array(32), cltvExpiry: 500_000_000 }])), 'update.updates[0].cltvExpiry', 'a cltvExpiry of 500,000,000');
  throwsField(t, () => encodeMessage(update([{ kind: 'fulfill', id: 0, paymentPreimage: new Uint8Array(31) }])), 'update.updates[0].paymentPreimage', 'a 31-byte preimage');
  throwsField(t, () => encodeMessage(update([{ kind: 'fail', id: 0, reason: new Uint8Array(257) }])), 'update.updates[0].reason', 'a 257-byte reason');
  throwsField(t, () => encodeMessage(channelUpdate({ handle: 1, revocation: { perCommitmentSecret: new Uint8Array(32), nextPerCommitmentPoint: new Uint8Array(32) } })), 'update.revocation.nextPerCommitmentPoint', 'a 32-byte next point');
  throwsField(t, () => encodeMessage(channelUpdate({ handle: 1, commitment: { signature: new Uint8Array(63), htlcSignatures: [] } })), 'update.commitment.signature', 'a 63-byte commitment signature');
  throwsField(t, () => encodeMessage(channelUpdate({ handle: 1, commitment: { signature: new Uint8Array(64), htlcSignatures: [new Uint8Array(65)] } })), 'update.commitment.htlcSignatures[0]', 'a 65-byte HTLC signature');
  throwsField(t, () => encodeMessage({ type: 'bogus', handle: 1 } as unknown as Message), 'type', 'an unknown type');
  throwsField(t, () => encodeMessage({ type: 'unknown', typeNumber: 21 } as unknown as Message), 'type', "the decoder's 'unknown'");
  throwsField(t, () => encodeMessage(null as unknown as Message), 'type', 'null');
  throwsField(t, () => encodeMessage(undefined as unknown as Message), 'type', 'undefined');
  throwsField(t, () => encodeMessage(update(Array.from({ length: 300 }, () => ({ kind: 'fail', id: 1, reason: new Uint8Array(256) })))), 'message', 'a message over 65,536 bytes');
  throwsField(t, () => encodeMessage(update(Array.from({ length: 2 * 966 + 1 }, () => fee))), 'update.updates', '1933 updates');
  // Values the CBOR subset cannot carry at all are refused too (the field is not always named: see the report).
  const refused = (label: string, message: unknown): void => {
    const error = caught(() => encodeMessage(message as Message));
    t.ok(error instanceof InvalidInputError, `${label}: throws InvalidInputError`, { caught: String(error) });
  };
  refused('a negative amount', update([{ kind: 'add', amountMsat: -1, paymentHash: new Uint8Array(32), cltvExpiry: 1 }]));
  refused('a fractional amount', update([{ kind: 'add', amountMsat: 1.5, paymentHash: new Uint8Array(32), cltvExpiry: 1 }]));
  refused('a NaN feerate', withProps(samples.open_channel, { feeratePerKw: Number.NaN }));
  refused('a handle of 2^53', withProps(samples.funding_signed, { handle: 2 ** 53 }));
  refused('a string handle', withProps(samples.funding_signed, { handle: '7' }));
  refused('a hex-string signature', withProps(samples.funding_signed, { signature: '00'.repeat(64) }));
  refused('an unknown update kind', update([{ kind: 'bogus' }]));
  refused('updates that are not an array', channelUpdate({ handle: 1, updates: 'add' as unknown as Update[] }));
  refused('a null revocation', { type: 'update', handle: 1, sequence: 0, revocation: null });
  refused("type 'toString'", { type: 'toString', handle: 1 });
  refused("type '__proto__'", { type: '__proto__', handle: 1 });
});

t.test('whatever encodeMessage returns, decodeMessage accepts', async (t) => {
  // Random corruption of one field of a valid message: encodeMessage either refuses
  // with InvalidInputError or returns bytes that decode.
  const junk: fc.Arbitrary<unknown> = fc.oneof(
    fc.integer(),
    fc.double(),
    fc.constantFrom(-1, 0, 1, 252, 253, 483, 484, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 48, 2 ** 53 - 1, 2 ** 53, 'anchors', 'x', null, undefined, true),
    fc.uint8Array({ maxLength: 70 }),
    fc.constantFrom(31, 32, 33, 63, 64, 65, 165).map((length) => new Uint8Array(length)),
    fc.array(fc.nat(5), { maxLength: 4 }),
    fc.record({ kind: fc.constantFrom('add', 'fee', 'x'), feeratePerKw: fc.nat(300) }),
  );
  let refused = 0;
  let sent = 0;
  const others: string[] = [];
  fc.assert(
    fc.property(messageArb, fc.nat(), junk, (message, which, value) => {
      const names = Object.keys(message).filter((name) => name !== 'type');
      const name = names[which % names.length]!;
      const corrupted = { ...message, [name]: value } as Message;
      let encoded: Uint8Array;
      try {
        encoded = encodeMessage(corrupted);
      } catch (error) {
        if (error instanceof InvalidInputError && typeof error.field === 'string') refused++;
        else others.push(`${name}: ${String(error)}`);
        return;
      }
      const error = caught(() => decodeMessage(encoded));
      if (error !== undefined) others.push(`${name}=${String(value)} was sent but does not decode: ${String(error)}`);
      else sent++;
    }),
    { numRuns: 3000, seed: 0xbad },
  );
  t.same(others, [], 'never another error, never bytes the decoder refuses');
  t.ok(refused > 1000, `most corruptions were refused (${refused} refused, ${sent} still valid)`);
});

// ---- fuzz -------------------------------------------------------------------------

/** xorshift32: a small seeded generator, so that the fuzz is the same on every run. */
function generator(seed: number): { next(): number; below(n: number): number; bytes(n: number): Uint8Array } {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const below = (n: number): number => next() % n;
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = next() & 0xff;
    return out;
  };
  return { next, below, bytes };
}

/** Bytes that often matter to the CBOR reader. */
const INTERESTING = [0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x40, 0x41, 0x58, 0x5b, 0x5f, 0x60, 0x80, 0x81, 0x98, 0x9b, 0x9f, 0xa0, 0xa1, 0xb8, 0xbb, 0xbf, 0xc2, 0xf5, 0xfb, 0xff];

function mutate(input: Uint8Array, random: ReturnType<typeof generator>): Uint8Array {
  const bytes = Uint8Array.from(input);
  const at = (): number => random.below(Math.max(bytes.length, 1));
  switch (random.below(8)) {
    case 0: {
      if (bytes.length > 0) bytes[at()]! ^= 1 << random.below(8);
      return bytes;
    }
    case 1: {
      if (bytes.length > 0) bytes[at()] = random.next() & 0xff;
      return bytes;
    }
    case 2:
      return bytes.slice(0, random.below(bytes.length + 1));
    case 3:
      return Uint8Array.from([...bytes, ...random.bytes(1 + random.below(16))]);
    case 4: {
      const start = random.below(bytes.length + 1);
      const end = start + random.below(bytes.length - start + 1);
      const insert = random.below(bytes.length + 1);
      return Uint8Array.from([...bytes.slice(0, insert), ...bytes.slice(start, end), ...bytes.slice(insert)]);
    }
    case 5: {
      const start = random.below(bytes.length + 1);
      const end = start + random.below(Math.min(bytes.length - start, 8) + 1);
      return Uint8Array.from([...bytes.slice(0, start), ...bytes.slice(end)]);
    }
    case 6: {
      if (bytes.length > 0) bytes[at()] = INTERESTING[random.below(INTERESTING.length)]!;
      return bytes;
    }
    default: {
      let out: Uint8Array = bytes;
      for (let i = 1 + random.below(3); i > 0; i--) out = mutate(out, random);
      return out;
    }
  }
}

const EDGE_INTEGERS = [0, 1, 2, 3, 4, 5, 12, 23, 24, 252, 253, 255, 256, 483, 484, 0xffff, 0x10000, 499_999_999, 500_000_000, 2 ** 32 - 1, 2 ** 32, 2 ** 48 - 1, 2 ** 48, MAX_SAFE];
const EDGE_LENGTHS = [0, 1, 20, 31, 32, 33, 34, 42, 43, 63, 64, 65, 66, 128, 164, 165, 166, 256, 257];

/** A random value of the CBOR subset, often at the edges the messages care about. */
function randomValue(random: ReturnType<typeof generator>, depth = 2): CborValue {
  switch (random.below(depth > 0 ? 6 : 3)) {
    case 0:
      return EDGE_INTEGERS[random.below(EDGE_INTEGERS.length)]!;
    case 1:
      return random.below(2) === 0 ? random.below(300) : random.next() * 2 ** 21 + random.below(2 ** 21);
    case 2:
      return random.bytes(random.below(3) === 0 ? random.below(80) : EDGE_LENGTHS[random.below(EDGE_LENGTHS.length)]!);
    case 3:
      return Array.from({ length: random.below(5) }, () => randomValue(random, depth - 1));
    case 4: // something shaped like an update: [kind, ...fields]
      return [random.below(6), ...Array.from({ length: random.below(5) }, () => randomValue(random, 0))];
    default:
      return new Map(Array.from({ length: random.below(3) }, (_, i) => [i, randomValue(random, depth - 1)] as [number, CborValue]));
  }
}

/** A small change to a value: an integer off by one, a byte string a byte longer or shorter, an element changed. */
function tweak(value: CborValue, random: ReturnType<typeof generator>): CborValue {
  if (typeof value === 'number') {
    const changed = value + (random.below(2) === 0 ? 1 : -1);
    return changed >= 0 && changed <= MAX_SAFE ? changed : randomValue(random, 0);
  }
  if (value instanceof Uint8Array) {
    switch (random.below(3)) {
      case 0:
        return value.slice(0, Math.max(0, value.length - 1 - random.below(2)));
      case 1:
        return Uint8Array.from([...value, ...random.bytes(1 + random.below(64))]);
      default:
        return random.bytes(value.length);
    }
  }
  if (Array.isArray(value)) {
    const items = [...value];
    const at = random.below(items.length + 1);
    switch (random.below(4)) {
      case 0:
        items.splice(at, 1);
        break;
      case 1:
        items.splice(at, 0, randomValue(random, 1));
        break;
      case 2:
        items.splice(at, 0, ...items.slice(at, at + 1 + random.below(3)));
        break;
      default:
        if (at < items.length) items[at] = tweak(items[at]!, random);
    }
    return items;
  }
  return randomValue(random, 1);
}

/** A change to the map a message is: a field added, removed, replaced or tweaked. */
function mutateFields(encoding: Uint8Array, random: ReturnType<typeof generator>): Uint8Array {
  const raw = decodeCbor(encoding, RAW_LIMITS) as Map<number, CborValue>;
  const keys = [...raw.keys()];
  const key = keys[random.below(keys.length)]!;
  for (let changes = 1 + random.below(2); changes > 0; changes--) {
    switch (random.below(5)) {
      case 0:
        raw.set(random.below(24), randomValue(random));
        break;
      case 1:
        raw.delete(key);
        break;
      case 2:
        // Keys above 2^32 - 1 are left out: encodeCbor writes them as floats (see the report).
        raw.set(random.next(), randomValue(random));
        break;
      default:
        if (raw.has(key)) raw.set(key, tweak(raw.get(key)!, random));
    }
  }
  return encodeCbor(raw);
}

t.test('fuzz: every input decodes to a message that round-trips, or throws DecodeError', async (t) => {
  const started = performance.now();
  const counts = { inputs: 0, decoded: 0, unknown: 0, rejected: 0, random: 0, mutated: 0, fields: 0 };
  const decodedTypes = new Map<string, number>();
  const failures: string[] = [];
  const fail = (bytes: Uint8Array, what: string): void => {
    if (failures.length < 20) failures.push(`${hex(bytes)}: ${what}`);
  };
  const check = (bytes: Uint8Array): void => {
    counts.inputs++;
    let message: ReturnType<typeof decodeMessage>;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      if (error instanceof DecodeError && error.name === 'DecodeError' && typeof error.field === 'string' && typeof error.reason === 'string') counts.rejected++;
      else fail(bytes, `threw ${String(error)}`);
      return;
    }
    if (message.type === 'unknown') {
      const n = message.typeNumber;
      if (Number.isSafeInteger(n) && n % 2 === 1 && !KNOWN_NUMBERS.has(n) && Object.keys(message).length === 2) counts.unknown++;
      else fail(bytes, `decoded as ${canon(message)}`);
      return;
    }
    try {
      const encoded = encodeMessage(message);
      const again = decodeMessage(encoded);
      if (canon(again) !== canon(message)) return fail(bytes, `${canon(message)} came back as ${canon(again)}`);
      // A decoded input was canonical: re-encoding a map only drops ignored odd fields; an update has exactly one encoding.
      const shorter = message.type !== 'update' && encoded.length < bytes.length;
      if (!shorter && hex(encoded) !== hex(bytes)) {
        return fail(bytes, `re-encoded differently as ${hex(encoded)}`);
      }
    } catch (error) {
      return fail(bytes, `decoded as ${canon(message)} but re-encoding threw ${String(error)}`);
    }
    counts.decoded++;
    decodedTypes.set(message.type, (decodedTypes.get(message.type) ?? 0) + 1);
  };

  // (a) Random byte strings of 0 to 200 bytes, and the same after a map header, and after an update's type.
  const random = generator(0x5eed);
  for (let i = 0; i < 20_000; i++) {
    const bytes = random.bytes(random.below(201));
    check(bytes);
    if (bytes.length > 0) {
      bytes[0] = 0xa0 + random.below(8);
      check(bytes);
      bytes[0] = 12;
      check(bytes);
    }
    counts.random += bytes.length > 0 ? 3 : 1;
  }

  // (b) Mutations of valid encodings of every message type.
  const valid: Uint8Array[] = [];
  TYPES.forEach((type, i) => {
    for (const message of fc.sample(messageArbs[type], { numRuns: 30, seed: 1000 + i })) valid.push(Uint8Array.from(encodeMessage(message)));
    valid.push(Uint8Array.from(encodeMessage(samples[type])));
  });
  const perType = Math.ceil(65_000 / valid.length);
  for (const encoding of valid) {
    for (let i = 0; i < perType; i++) {
      check(mutate(encoding, random));
      counts.mutated++;
    }
  }

  // (c) The maps, changed a field at a time rather than a byte at a time (update-codec.test.ts does it for updates).
  const maps = valid.filter((encoding) => encoding[0]! >= 0xa0);
  const perTypeFields = Math.ceil(30_000 / maps.length);
  for (const encoding of maps) {
    for (let i = 0; i < perTypeFields; i++) {
      check(mutateFields(encoding, random));
      counts.fields++;
    }
  }
  const elapsed = performance.now() - started;

  t.same(failures, [], 'no input threw anything but DecodeError, and every decoded message round-tripped');
  t.ok(counts.inputs >= 100_000, `at least 100,000 inputs (${counts.inputs})`);
  t.equal(counts.inputs, counts.random + counts.mutated + counts.fields, 'every generated input was checked');
  t.equal(counts.inputs, counts.decoded + counts.unknown + counts.rejected + failures.length, 'every input was decoded or rejected');
  t.ok(counts.decoded > 5_000, `many mutated inputs still decoded (${counts.decoded})`);
  t.ok(counts.rejected > 50_000, `many inputs were rejected (${counts.rejected})`);
  t.same([...decodedTypes.keys()].sort(), [...TYPES].sort(), 'mutations of every type decoded at least once');
  t.comment(
    `fuzz: ${counts.inputs} inputs (${counts.random} random, ${counts.mutated} byte mutations, ${counts.fields} field mutations) in ${elapsed.toFixed(0)} ms: ` +
      `${counts.decoded} decoded, ${counts.unknown} unknown odd types, ${counts.rejected} rejected with DecodeError; ` +
      `decoded by type ${[...decodedTypes.entries()].map(([type, n]) => `${type} ${n}`).join(', ')}`,
  );
});

t.test('encoding checks each part, so joined parts cannot be misread (review findings)', async (t) => {
  const base = { type: 'update' as const, handle: 1, sequence: 0, updates: [] };
  throwsField(t, () => encodeMessage({ ...base, revocation: { perCommitmentSecret: new Uint8Array(33), nextPerCommitmentPoint: new Uint8Array(32) } }), 'update.revocation.perCommitmentSecret', 'a 33-byte secret with a 32-byte point (65 in all)');
  throwsField(t, () => encodeMessage({ ...base, commitment: { signature: new Uint8Array(128), htlcSignatures: [] } }), 'update.commitment.signature', 'a 128-byte signature');
  throwsField(t, () => encodeMessage({ ...base, updates: [{ kind: 'bogus' } as never] }), 'update.updates[0].kind', 'an unknown update kind');
  throwsField(t, () => encodeMessage({ ...base, handle: -1 }), 'update.handle', 'a negative handle');
  throwsField(t, () => encodeMessage({ type: 'toString' } as never), 'type', 'a type that is a property of every object');
  const open = { ...samples.open_channel, channelType: 'bogus' } as never;
  throwsField(t, () => encodeMessage(open), 'open_channel.channelType', 'an unknown channel type is not sent as another');
  const frame = Buffer.from(encodeMessage({ type: 'funding_signed', handle: 1, signature: new Uint8Array(64).fill(7) }));
  const decoded = decodeMessage(frame) as { signature: Uint8Array };
  frame.fill(0xee);
  t.equal(decoded.signature[0], 7, 'decoded bytes do not share memory with the frame');
  t.equal(encodeCbor(new Map([[2 ** 32, 0]]))[1], 0x1b, 'a map key above 2^32 - 1 is a 64-bit integer, not a float');
});
