// The `update` message's own layout (node/wire/update-codec.ts): what each
// message of a payment costs, byte by byte; expiries as differences; sizes
// exactly as the layout says; every truncation, unknown flag or kind, count
// over its limit and trailing byte refused with a DecodeError naming the
// field; encoding refuses what decoding would; and a fuzz of random, mutated
// and almost-valid updates that only ever decode (to an update that encodes
// to the same bytes) or throw DecodeError.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  type ChannelUpdate,
  type CommitmentSignatures,
  DecodeError,
  type Revocation,
  type Update,
  decodeMessage,
  encodeMessage,
} from '../../../node/wire/messages.js';
import { UPDATE_TYPE, decodeChannelUpdate } from '../../../node/wire/update-codec.js';
import { varintLength, writeVarint } from '../../../node/core/varint.js';
import { caught, throwsField } from '../input.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_EXPIRY = 499_999_999;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const filled = (length: number, byte: number): Uint8Array => new Uint8Array(length).fill(byte);
/** `length` bytes of `byte`, as hex. */
const run = (length: number, byte: number): string => byte.toString(16).padStart(2, '0').repeat(length);
const varint = (value: number): string => {
  const out: number[] = [];
  writeVarint(out, value, 'test');
  return hex(Uint8Array.from(out));
};
const byte = (value: number): string => value.toString(16).padStart(2, '0');
/** An update's bytes: type 12, handle 7, sequence 0, `flags`, then the parts. */
const raw = (flags: number, ...parts: string[]): Uint8Array => fromHex(`0c0700${byte(flags)}${parts.join('')}`);

const REVOCATION = 0x01;
const UPDATES = 0x02;
const COMMITMENT = 0x04;

/** A canonical text for a message: byte strings by content, keys sorted, an undefined property shown. */
function canon(value: unknown): string {
  if (value === undefined) return '<undefined>';
  if (value instanceof Uint8Array) return `h'${hex(value)}'`;
  if (Array.isArray(value)) return `[${value.map(canon).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((key) => `${key}=${canon((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Asserts that `bytes` is refused with a DecodeError naming `field`. */
function refuses(t: Pick<Test, 'ok' | 'equal'>, bytes: Uint8Array, field: string, label: string): void {
  const error = caught(() => decodeMessage(bytes));
  t.ok(error instanceof DecodeError, `${label}: DecodeError`, { caught: String(error), input: hex(bytes) });
  t.equal((error as DecodeError | undefined)?.field, field, `${label}: names ${field}`, { reason: (error as DecodeError | undefined)?.reason });
}

/** Asserts that `bytes` decodes to an update; returns it. */
function accepts(t: Pick<Test, 'ok'>, bytes: Uint8Array, label: string): ChannelUpdate | undefined {
  const error = caught(() => decodeMessage(bytes));
  t.ok(error === undefined, `${label}: decodes`, { caught: String(error) });
  return error === undefined ? (decodeMessage(bytes) as ChannelUpdate) : undefined;
}

const revocation: Revocation = { perCommitmentSecret: filled(32, 0x5e), nextPerCommitmentPoint: filled(33, 0x90) };
const commitment = (htlcs: number): CommitmentSignatures => ({ signature: filled(64, 0x51), htlcSignatures: Array.from({ length: htlcs }, (_, i) => filled(64, 0x60 + i)) });
type Add = Extract<Update, { kind: 'add' }>;
// A routed add pays 1,000 msat of fees: the payee gets 49,999,000.
const add = (cltvExpiry: number, destination?: Uint8Array): Add => ({ kind: 'add', amountMsat: 50_000_000, paymentHash: filled(32, 0xa5), cltvExpiry, ...(destination && { destination, payeeAmountMsat: 49_999_000 }) });
const message = (parts: Partial<ChannelUpdate>): ChannelUpdate => ({ type: 'update', handle: 1, sequence: 0, updates: [], ...parts });

// ---- the layout -----------------------------------------------------------------

t.test('what each message of one payment over one hop costs', async (t) => {
  const preimage = filled(32, 0x77);
  const exchange: [string, ChannelUpdate, number][] = [
    ['Alice: add + commitment with 1 HTLC', message({ updates: [{ ...add(800_000), paymentHash: sha256(preimage) }], commitment: commitment(1) }), 174],
    ['Bob: revocation + commitment with 1 HTLC', message({ revocation, commitment: commitment(1) }), 198],
    ['Alice: revocation', message({ sequence: 1, revocation }), 69],
    ['Bob: fulfill + commitment without HTLCs', message({ sequence: 1, updates: [{ kind: 'fulfill', id: 0, paymentPreimage: preimage }], commitment: commitment(0) }), 104],
    ['Alice: revocation + commitment without HTLCs', message({ sequence: 2, revocation, commitment: commitment(0) }), 134],
    ['Bob: revocation', message({ sequence: 2, revocation }), 69],
  ];
  let total = 0;
  for (const [label, update, size] of exchange) {
    t.equal(encodeMessage(update).length, size, `${label}: ${size} bytes`);
    total += size;
  }
  // The floor (DESIGN.md): 4 signatures, 2 HTLC signatures, 4 secrets, 4 points, hash and preimage.
  const floor = 4 * 64 + 2 * 64 + 4 * 32 + 4 * 33 + 64;
  t.equal(total, 748, 'one payment over one hop: 748 bytes of messages (797 as CBOR maps)');
  t.equal(total - floor, 40, 'of them 40 above the floor: 4 bytes a message (type, handle, sequence, flags), counts, the amount and the expiry');
});

t.test('the layout, byte by byte', async (t) => {
  const destination = filled(33, 0xde);
  const everything = message({
    handle: 300,
    sequence: 0xfe,
    revocation,
    updates: [add(800_000), { kind: 'fulfill', id: 5, paymentPreimage: filled(32, 0xf1) }, add(800_010, destination), { kind: 'fail', id: 200, reason: filled(3, 0xee) }, { kind: 'fee', feeratePerKw: 253 }],
    commitment: commitment(2),
  });
  const expected = [
    '0c', 'ac02', 'fe', '07', // type 12, handle 300, sequence 254, flags: revocation, updates, commitment
    run(32, 0x5e), run(33, 0x90), // the revocation: secret, next point
    '05', // 5 updates
    '00', '80e1eb17', run(32, 0xa5), '80ea30', // add: amount 50,000,000, hash, expiry 800,000
    '01', '05', run(32, 0xf1), // fulfill: id 5, preimage
    '04', '80e1eb17', run(32, 0xa5), '14', run(33, 0xde), 'e807', // add with destination: expiry +10 (zigzag 20), the node id, fees of 1,000 (the payee gets 49,999,000)
    '02', 'c801', '03', 'eeeeee', // fail: id 200, reason of 3 bytes
    '03', 'fd01', // fee: 253
    run(64, 0x51), '02', run(64, 0x60), run(64, 0x61), // commitment: signature, 2 HTLC signatures
  ].join('');
  t.equal(hex(encodeMessage(everything)), expected, 'every part and every kind of update');
  t.equal(canon(decodeMessage(fromHex(expected))), canon(everything), 'and back');
  t.equal(hex(encodeMessage(message({ handle: 0 }))), '0c000000', 'a bare update: 4 bytes');
  t.equal(UPDATE_TYPE, 12, 'the first byte is the type number, as a map would carry it');
});

t.test('expiries: the first add absolute, each later one the zigzag difference from the add before', async (t) => {
  const fee: Update = { kind: 'fee', feeratePerKw: 300 };
  const update = message({ updates: [add(800_000), fee, add(800_010), add(799_990), add(799_990), add(800_000)] });
  const encoded = hex(encodeMessage(update));
  const addWith = (expiry: string): string => `00${varint(50_000_000)}${run(32, 0xa5)}${expiry}`;
  t.equal(
    encoded,
    `0c01000206${addWith('80ea30')}03ac02${addWith('14')}${addWith('27')}${addWith('00')}${addWith('14')}`,
    '800,000, then +10, -20, 0, +10 as 20, 39, 0, 20: a fee between adds changes nothing',
  );
  t.equal(canon(decodeMessage(fromHex(encoded))), canon(update), 'and back');
  for (const [from, to] of [[0, MAX_EXPIRY], [MAX_EXPIRY, 0], [MAX_EXPIRY, MAX_EXPIRY]] as const) {
    const extremes = message({ updates: [add(from), add(to)] });
    t.equal(canon(decodeMessage(encodeMessage(extremes))), canon(extremes), `from ${from} to ${to}: the widest differences round-trip`);
  }
});

// ---- sizes and round trips ----------------------------------------------------------

const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });
const uint = (max: number, min = 0): fc.Arbitrary<number> =>
  fc.oneof({ weight: 1, arbitrary: fc.constantFrom(min, max) }, { weight: 2, arbitrary: fc.integer({ min, max: Math.min(max, min + 300) }) }, { weight: 2, arbitrary: fc.integer({ min, max }) });
const updateArb: fc.Arbitrary<Update> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), amountMsat: uint(MAX_SAFE, 1), paymentHash: bytes(32), cltvExpiry: uint(MAX_EXPIRY) }),
  fc
    .tuple(uint(MAX_SAFE, 1), bytes(32), fc.integer({ min: 800_000, max: 800_200 }), bytes(33), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([amountMsat, paymentHash, cltvExpiry, destination, share]) => ({ kind: 'add' as const, amountMsat, paymentHash, cltvExpiry, destination, payeeAmountMsat: Math.max(1, Math.floor(amountMsat * share)) })),
  fc.record({ kind: fc.constant('fulfill' as const), id: uint(MAX_SAFE), paymentPreimage: bytes(32) }),
  fc.record({ kind: fc.constant('fail' as const), id: uint(MAX_SAFE), reason: fc.oneof(fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 256 })) }),
  fc.record({ kind: fc.constant('fee' as const), feeratePerKw: uint(0xffffffff, 253) }),
);
const updateMessageArb: fc.Arbitrary<ChannelUpdate> = fc
  .tuple(
    uint(0xffffffff),
    uint(255),
    fc.option(fc.record({ perCommitmentSecret: bytes(32), nextPerCommitmentPoint: bytes(33) }), { nil: undefined }),
    fc.oneof(fc.constant([]), fc.array(updateArb, { maxLength: 4 }), fc.array(updateArb, { maxLength: 30 })),
    fc.option(fc.record({ signature: bytes(64), htlcSignatures: fc.array(bytes(64), { maxLength: 5 }) }), { nil: undefined }),
  )
  .map(([handle, sequence, revocation, updates, commitment]) => ({
    type: 'update' as const,
    handle,
    sequence,
    ...(revocation && { revocation }),
    updates,
    ...(commitment && { commitment }),
  }));

/** The size the layout's description gives, computed apart from the codec. */
function layoutSize(update: ChannelUpdate): number {
  let size = 1 + varintLength(update.handle) + 1 + 1;
  if (update.revocation) size += 32 + 33;
  if (update.updates.length > 0) size += varintLength(update.updates.length);
  let previous: number | undefined;
  for (const item of update.updates) {
    size += 1;
    if (item.kind === 'add') {
      const difference = previous === undefined ? item.cltvExpiry : item.cltvExpiry - previous;
      const expiry = previous === undefined ? difference : difference >= 0 ? 2 * difference : -2 * difference - 1;
      size += varintLength(item.amountMsat) + 32 + varintLength(expiry) + (item.destination ? 33 + varintLength(item.amountMsat - item.payeeAmountMsat!) : 0);
      previous = item.cltvExpiry;
    } else if (item.kind === 'fulfill') size += varintLength(item.id) + 32;
    else if (item.kind === 'fail') size += varintLength(item.id) + varintLength(item.reason.length) + item.reason.length;
    else size += varintLength(item.feeratePerKw);
  }
  if (update.commitment) size += 64 + varintLength(update.commitment.htlcSignatures.length) + 64 * update.commitment.htlcSignatures.length;
  return size;
}

t.test('property: every update round-trips, in exactly the bytes the layout says', async (t) => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(updateMessageArb, (update) => {
      const encoded = encodeMessage(update);
      if (encoded.length !== layoutSize(update)) throw new Error(`${encoded.length} bytes, the layout says ${layoutSize(update)}`);
      if (canon(decodeChannelUpdate(encoded)) !== canon(update)) throw new Error(`${canon(update)} came back as ${canon(decodeChannelUpdate(encoded))}`);
      seen.add(`revocation ${update.revocation !== undefined}`).add(`commitment ${update.commitment !== undefined}`).add(`updates ${update.updates.length > 0}`);
      for (const item of update.updates) seen.add(item.kind === 'add' && item.destination ? 'add to a destination' : item.kind);
    }),
    { numRuns: 2000, seed: 0xc0de },
  );
  t.same([...seen].sort(), ['add', 'add to a destination', 'commitment false', 'commitment true', 'fail', 'fee', 'fulfill', 'revocation false', 'revocation true', 'updates false', 'updates true'], 'each part present and absent, every kind of update');
});

// ---- bad input ---------------------------------------------------------------------

t.test('truncated anywhere: refused, naming the field being read', async (t) => {
  const everything = encodeMessage(
    message({
      revocation,
      updates: [add(800_000), add(800_001, filled(33, 2)), { kind: 'fulfill', id: 300, paymentPreimage: filled(32, 3) }, { kind: 'fail', id: 1, reason: filled(2, 4) }, { kind: 'fee', feeratePerKw: 1000 }],
      commitment: commitment(2),
    }),
  );
  const named = new Set<string>();
  let refused = 0;
  for (let length = 1; length < everything.length; length++) {
    const error = caught(() => decodeMessage(everything.subarray(0, length)));
    if (error instanceof DecodeError && error.field.startsWith('update.')) {
      refused++;
      named.add(error.field.replace(/\[\d+\]/, '[]'));
    }
  }
  t.equal(refused, everything.length - 1, `each of the ${everything.length - 1} shorter prefixes is refused, naming a field of the update`);
  t.same(
    [...named].sort(),
    [
      'update.commitment.htlcSignatures',
      'update.commitment.signature',
      'update.flags',
      'update.handle',
      'update.revocation.nextPerCommitmentPoint',
      'update.revocation.perCommitmentSecret',
      'update.sequence',
      'update.updates',
      'update.updates[].amountMsat',
      'update.updates[].cltvExpiry',
      'update.updates[].destination',
      'update.updates[].feeratePerKw',
      'update.updates[].id',
      'update.updates[].kind',
      'update.updates[].payeeAmountMsat',
      'update.updates[].paymentHash',
      'update.updates[].paymentPreimage',
      'update.updates[].reason',
    ],
    'every field is named by some truncation',
  );
});

t.test('flags, counts and trailing bytes', async (t) => {
  for (let bit = 3; bit < 8; bit++) refuses(t, raw(1 << bit), 'update.flags', `unknown flag bit ${bit}`);
  refuses(t, raw(0xff), 'update.flags', 'every flag bit');
  refuses(t, raw(UPDATES, '00'), 'update.updates', 'updates flagged, but none');
  refuses(t, raw(REVOCATION), 'update.revocation.perCommitmentSecret', 'a revocation flagged, but absent');
  refuses(t, raw(COMMITMENT), 'update.commitment.signature', 'a commitment flagged, but absent');

  const fee = '03fd01';
  t.equal(accepts(t, raw(UPDATES, varint(1932), fee.repeat(1932)), '1932 updates')?.updates.length, 1932, '1932 updates, the most, are accepted');
  refuses(t, raw(UPDATES, varint(1933), fee.repeat(1933)), 'update.updates', '1933 updates');
  refuses(t, raw(UPDATES, varint(1932), fee), 'update.updates[1].kind', '1932 updates claimed, one there');

  const signatures = (count: number, present = count): string => `${run(64, 1)}${varint(count)}${run(64 * present, 2)}`;
  t.equal(accepts(t, raw(COMMITMENT, signatures(966)), '966 HTLC signatures')?.commitment?.htlcSignatures.length, 966, '966 HTLC signatures, the most, are accepted');
  refuses(t, raw(COMMITMENT, signatures(967)), 'update.commitment.htlcSignatures', '967 HTLC signatures');
  refuses(t, raw(COMMITMENT, signatures(966, 1)), 'update.commitment.htlcSignatures', '966 HTLC signatures claimed, one there: refused before reading them');
  refuses(t, raw(COMMITMENT, signatures(2, 3)), 'message', 'a third HTLC signature after a count of 2');

  refuses(t, fromHex('0c070000ff'), 'message', 'a byte after a bare update');
  refuses(t, raw(REVOCATION, run(65, 1), '00'), 'message', 'a byte after the revocation');
  refuses(t, raw(UPDATES, '01', fee, '00'), 'message', 'a byte after the updates');
  refuses(t, raw(0, run(65, 1)), 'message', 'a revocation not flagged');
  refuses(t, fromHex('0c'), 'update.handle', 'the type alone');
  refuses(t, fromHex('0c07'), 'update.sequence', 'no sequence');
  refuses(t, fromHex('0c0700'), 'update.flags', 'no flags');
  t.equal(caught(() => decodeChannelUpdate(fromHex('0d070000')))?.constructor, DecodeError, 'decodeChannelUpdate checks the type byte itself');
});

t.test('every integer within its range, in its shortest form', async (t) => {
  const hash = run(32, 9);
  const addOf = (amount: string, expiry: string): string => `00${amount}${hash}${expiry}`;
  const one = (update: string): Uint8Array => raw(UPDATES, '01', update);
  const two = (first: string, second: string): Uint8Array => raw(UPDATES, '02', first, second);

  refuses(t, fromHex(`0c${varint(2 ** 32)}0000`), 'update.handle', 'handle 2^32');
  t.equal(accepts(t, fromHex(`0c${varint(2 ** 32 - 1)}0000`), 'handle 2^32 - 1')?.handle, 2 ** 32 - 1, 'handle 2^32 - 1 decodes');
  refuses(t, fromHex('0c80000000'), 'update.handle', 'handle 0 in two bytes');
  refuses(t, fromHex(`0c${'80'.repeat(8)}010000`), 'update.handle', 'a nine-byte handle');
  t.equal(accepts(t, fromHex('0c07ff00'), 'sequence 255')?.sequence, 255, 'the sequence is one byte: 255 is its largest');

  refuses(t, one(addOf('00', '01')), 'update.updates[0].amountMsat', 'an add of 0 msat');
  t.equal((accepts(t, one(addOf('01', '01')), 'an add of 1 msat')?.updates[0] as { amountMsat: number }).amountMsat, 1, 'an add of 1 msat decodes');
  accepts(t, one(addOf(varint(MAX_SAFE), '01')), 'an add of 2^53 - 1 msat');
  refuses(t, one(addOf('8080808080808010', '01')), 'update.updates[0].amountMsat', 'an add of 2^53 msat');
  refuses(t, one(addOf('8100', '01')), 'update.updates[0].amountMsat', 'an amount of 1 in two bytes');
  refuses(t, one(addOf('01', varint(500_000_000))), 'update.updates[0].cltvExpiry', 'an expiry of 500,000,000 (a time, not a height)');
  accepts(t, one(addOf('01', varint(MAX_EXPIRY))), 'an expiry of 499,999,999');
  refuses(t, two(addOf('01', varint(10)), addOf('01', varint(21))), 'update.updates[1].cltvExpiry', 'a second expiry of 10 - 11, below 0');
  t.equal((accepts(t, two(addOf('01', varint(10)), addOf('01', varint(19))), 'a second expiry of 10 - 10')?.updates[1] as { cltvExpiry: number }).cltvExpiry, 0, '10 - 10 = 0 decodes');
  refuses(t, two(addOf('01', varint(MAX_EXPIRY)), addOf('01', varint(2))), 'update.updates[1].cltvExpiry', 'a second expiry of 499,999,999 + 1');
  refuses(t, two(addOf('01', varint(0)), addOf('01', varint(2 * MAX_EXPIRY + 1))), 'update.updates[1].cltvExpiry', 'a difference past any expiry');
  refuses(t, one(`04${'01'}${hash}01${run(32, 1)}`), 'update.updates[0].destination', 'a destination of 32 bytes');
  refuses(t, one(`04${'0a'}${hash}01${run(33, 2)}0a`), 'update.updates[0].payeeAmountMsat', 'fees of all 10 msat: nothing left for the payee');
  t.equal((accepts(t, one(`04${'0a'}${hash}01${run(33, 2)}09`), 'fees of 9 of 10 msat')?.updates[0] as { payeeAmountMsat: number }).payeeAmountMsat, 1, 'the payee gets 1 msat');
  refuses(t, one(`04${'0a'}${hash}01${run(33, 2)}`), 'update.updates[0].payeeAmountMsat', 'a routed add without its fees');

  refuses(t, one('03fc01'), 'update.updates[0].feeratePerKw', 'a feerate of 252');
  accepts(t, one('03fd01'), 'a feerate of 253');
  refuses(t, one(`03${varint(2 ** 32)}`), 'update.updates[0].feeratePerKw', 'a feerate of 2^32');
  accepts(t, one(`03${varint(2 ** 32 - 1)}`), 'a feerate of 2^32 - 1');

  accepts(t, one(`01${varint(MAX_SAFE)}${hash}`), 'a fulfill of id 2^53 - 1');
  refuses(t, one(`01${'8080808080808010'}${hash}`), 'update.updates[0].id', 'a fulfill of id 2^53');
  refuses(t, one(`01${'00'}${run(31, 1)}`), 'update.updates[0].paymentPreimage', 'a 31-byte preimage');
  t.equal((accepts(t, one(`0200${varint(256)}${run(256, 1)}`), 'a 256-byte reason')?.updates[0] as { reason: Uint8Array }).reason.length, 256, 'a reason of 256 bytes, the most, decodes');
  refuses(t, one(`0200${varint(257)}${run(257, 1)}`), 'update.updates[0].reason', 'a 257-byte reason');
  refuses(t, one(`020005${run(4, 1)}`), 'update.updates[0].reason', 'a reason shorter than its length');
  t.equal((accepts(t, one('020000'), 'an empty reason')?.updates[0] as { reason: Uint8Array }).reason.length, 0, 'an empty reason decodes');

  for (const kind of [5, 6, 0x7f, 0x80, 0xff]) refuses(t, one(`${byte(kind)}00`), 'update.updates[0].kind', `update kind ${kind}`);
});

t.test('decoded bytes are copies, even out of a Node Buffer', async (t) => {
  const frame = Buffer.from(encodeMessage(message({ revocation, updates: [add(1)], commitment: commitment(1) })));
  const decoded = decodeMessage(frame) as ChannelUpdate;
  frame.fill(0xee);
  t.equal(hex(decoded.revocation!.perCommitmentSecret), run(32, 0x5e), 'the revocation is untouched');
  t.equal(hex((decoded.updates[0] as { paymentHash: Uint8Array }).paymentHash), run(32, 0xa5), 'the payment hash is untouched');
  t.equal(hex(decoded.commitment!.htlcSignatures[0]!), run(64, 0x60), 'the HTLC signature is untouched');
});

t.test('encodeMessage refuses an update decoding would refuse, naming the field', async (t) => {
  const encodes = (label: string, parts: Record<string, unknown>, field: string): void =>
    throwsField(t, () => encodeMessage({ ...message({}), ...parts } as ChannelUpdate), field, label);
  encodes('a sequence of 256 (one byte would wrap it to 0)', { sequence: 256 }, 'update.sequence');
  encodes('a sequence of -1', { sequence: -1 }, 'update.sequence');
  encodes('a fractional sequence', { sequence: 1.5 }, 'update.sequence');
  encodes('a handle of 2^32', { handle: 2 ** 32 }, 'update.handle');
  encodes('no handle', { handle: undefined }, 'update.handle');
  encodes('a first expiry of 500,000,000', { updates: [add(500_000_000)] }, 'update.updates[0].cltvExpiry');
  encodes('a second expiry of 500,000,000', { updates: [add(1), add(500_000_000)] }, 'update.updates[1].cltvExpiry');
  encodes('a fractional expiry', { updates: [add(1.5)] }, 'update.updates[0].cltvExpiry');
  encodes('a destination of 32 bytes', { updates: [add(1, filled(32, 1))] }, 'update.updates[0].destination');
  encodes('a destination that is a string', { updates: [{ ...add(1), destination: 'ab'.repeat(33) }] }, 'update.updates[0].destination');
  encodes('a routed add without the payee\'s amount', { updates: [{ ...add(1), destination: filled(33, 2) }] }, 'update.updates[0].payeeAmountMsat');
  encodes('a payee amount above the amount', { updates: [{ ...add(1, filled(33, 2)), payeeAmountMsat: 50_000_001 }] }, 'update.updates[0].payeeAmountMsat');
  encodes('a payee amount without a destination', { updates: [{ ...add(1), payeeAmountMsat: 1 }] }, 'update.updates[0].payeeAmountMsat');
  encodes('an amount of 2^53', { updates: [{ ...add(1), amountMsat: 2 ** 53 }] }, 'update.updates[0].amountMsat');
  encodes('a reason of 257 bytes', { updates: [{ kind: 'fail', id: 0, reason: filled(257, 1) }] }, 'update.updates[0].reason');
  encodes('a reason that is a string', { updates: [{ kind: 'fail', id: 0, reason: 'no' }] }, 'update.updates[0].reason');
  encodes('a fulfill without id', { updates: [{ kind: 'fulfill', paymentPreimage: filled(32, 1) }] }, 'update.updates[0].id');
  encodes('a feerate of 2^32', { updates: [{ kind: 'fee', feeratePerKw: 2 ** 32 }] }, 'update.updates[0].feeratePerKw');
  encodes('an update that is null', { updates: [null] }, 'update.updates[0].kind');
  encodes('1933 updates', { updates: Array.from({ length: 1933 }, () => ({ kind: 'fee', feeratePerKw: 253 })) }, 'update.updates');
  encodes('967 HTLC signatures', { commitment: commitment(967) }, 'update.commitment.htlcSignatures');
  encodes('HTLC signatures that are not an array', { commitment: { signature: filled(64, 1), htlcSignatures: filled(64, 1) } }, 'update.commitment.htlcSignatures');
  encodes('a null commitment', { commitment: null }, 'update.commitment.signature');
  encodes('a revocation of a 33-byte secret and a 32-byte point', { revocation: { perCommitmentSecret: filled(33, 1), nextPerCommitmentPoint: filled(32, 1) } }, 'update.revocation.perCommitmentSecret');
});

// ---- fuzz ------------------------------------------------------------------------------

/** A byte-level change: a bit flipped, a byte set, cut short, bytes inserted, removed or repeated. */
const mutationArb = fc.tuple(fc.nat(5), fc.nat(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }));

function mutate(input: Uint8Array, [kind, at, other, extra]: [number, number, number, Uint8Array]): Uint8Array {
  const bytes = Uint8Array.from(input);
  const i = at % bytes.length;
  const j = i + (other % Math.min(bytes.length - i, 9));
  switch (kind) {
    case 0:
      bytes[i]! ^= 1 << other % 8;
      return bytes;
    case 1:
      bytes[i] = other & 0xff;
      return bytes;
    case 2:
      return bytes.slice(0, i);
    case 3:
      return Uint8Array.from([...bytes.slice(0, i), ...extra, ...bytes.slice(i)]);
    case 4:
      return Uint8Array.from([...bytes.slice(0, i), ...bytes.slice(j)]);
    default:
      return Uint8Array.from([...bytes.slice(0, j), ...bytes.slice(i, j), ...bytes.slice(j)]);
  }
}

const EDGE_INTEGERS = [0, 1, 127, 128, 252, 253, 256, 257, 966, 967, 1932, 1933, MAX_EXPIRY, 500_000_000, 2 ** 32 - 1, 2 ** 32, MAX_SAFE];

/** Bytes shaped like an update, with counts, lengths, kinds and flags at and past their edges. */
const almostUpdateArb: fc.Arbitrary<Uint8Array> = (() => {
  const integer = fc.oneof(fc.constantFrom(...EDGE_INTEGERS), fc.nat(300)).map(varint);
  const nonShortest = fc.nat(127).map((value) => `${byte(value | 0x80)}00`);
  const number = fc.oneof({ weight: 8, arbitrary: integer }, { weight: 1, arbitrary: nonShortest });
  const field = (length: number) => fc.constantFrom(length - 1, length, length, length, length + 1).map((size) => run(size, 0xab));
  const item = fc.oneof(
    fc.tuple(fc.constantFrom('00', '04'), number, field(32), number, field(33)).map(([kind, amount, hash, expiry, node]) => `${kind}${amount}${hash}${expiry}${kind === '04' ? node : ''}`),
    fc.tuple(number, field(32)).map(([id, preimage]) => `01${id}${preimage}`),
    fc.tuple(number, fc.nat(260)).map(([id, length]) => `02${id}${varint(Math.min(length, 257))}${run(length, 0xcd)}`),
    number.map((feerate) => `03${feerate}`),
    fc.nat(255).map((kind) => byte(kind)),
  );
  return fc
    .tuple(number, fc.nat(255), fc.oneof({ weight: 6, arbitrary: fc.nat(7) }, { weight: 1, arbitrary: fc.nat(255) }), field(65), fc.nat(4), fc.array(item, { maxLength: 5 }), field(64), fc.nat(4), fc.nat(2), fc.boolean())
    .map(([handle, sequence, flags, revocationPart, claimed, items, signature, htlcs, extraHtlcs, trailing]) => {
      let hexText = `0c${handle}${byte(sequence)}${byte(flags)}`;
      if (flags & REVOCATION) hexText += revocationPart;
      if (flags & UPDATES) hexText += varint(claimed === 4 ? items.length + 1 : claimed === 3 ? 0 : items.length) + items.join('');
      if (flags & COMMITMENT) hexText += `${signature}${varint(htlcs)}${run(64 * Math.max(0, htlcs + extraHtlcs - 1), 0x77)}`;
      if (trailing) hexText += 'ff';
      return fromHex(hexText);
    });
})();

t.test('fuzz: every input decodes to an update that encodes to the same bytes, or throws DecodeError', async (t) => {
  const counts = { decoded: 0, unknown: 0, rejected: 0 };
  const fields = new Set<string>();
  const check = (bytes: Uint8Array): boolean => {
    let decoded: ReturnType<typeof decodeMessage>;
    try {
      decoded = decodeMessage(bytes);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      counts.rejected++;
      fields.add(error.field.replace(/\[\d+\]/, '[]'));
      return true;
    }
    if (decoded.type === 'unknown') {
      counts.unknown++;
      return true;
    }
    counts.decoded++;
    // One encoding per message: what decodes, encodes back to the very same bytes.
    return decoded.type === 'update' && hex(encodeMessage(decoded)) === hex(bytes);
  };
  const started = performance.now();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => check(Uint8Array.from([UPDATE_TYPE, ...bytes]))), { numRuns: 20_000, seed: 1 });
  fc.assert(fc.property(updateMessageArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (update, mutations) => mutations.reduce<boolean>((ok, mutation) => ok && check(mutate(encodeMessage(update), mutation)), true)), { numRuns: 15_000, seed: 2 });
  fc.assert(fc.property(almostUpdateArb, check), { numRuns: 20_000, seed: 3 });
  const total = counts.decoded + counts.unknown + counts.rejected;
  t.ok(total >= 60_000, `at least 60,000 inputs (${total})`);
  t.ok(counts.decoded > 3_000, `many still decoded, and encoded back to the same bytes (${counts.decoded})`);
  t.ok(counts.rejected > 30_000, `many were refused with DecodeError (${counts.rejected})`);
  t.ok(fields.size >= 15, `refusals named ${fields.size} different fields: ${[...fields].sort().join(', ')}`);
  t.comment(`fuzz: ${total} inputs in ${(performance.now() - started).toFixed(0)} ms: ${counts.decoded} decoded, ${counts.unknown} unknown odd types, ${counts.rejected} refused`);
});
