/** The channel and gateway messages (node/wire): the CBOR subset, varints, the compact `update`, and both sets of CBOR layouts. */
import { type CborValue, DecodeError, decodeCbor, encodeCbor } from '../../../node/core/cbor.js';
import { type Message, decodeMessage, encodeMessage } from '../../../node/wire/messages.js';
import { decodeChannelUpdate, encodeChannelUpdate } from '../../../node/wire/update-codec.js';
import { type GatewayMessage, decodeGatewayMessage, encodeGatewayMessage } from '../../../node/gateway-protocol/gateway-messages.js';
import { readVarint, writeVarint } from '../../../node/core/varint.js';
import { type FuzzTarget, fromHex, refusedWith, sameBytes, sameValue } from '../target.js';
import { counting, hash32, point, signature } from './fixtures.js';

/** CBOR heads with arguments at their extremes: lengths a peer claims but never sends. */
export const CBOR_DICTIONARY = [
  '1bffffffffffffffff', '1b001fffffffffffff', '1b0020000000000000', '1a ffffffff', '19ffff', '1817', '00', '17', '18ff',
  '5bffffffffffffffff', '5affffffff', '59ffff', '58ff', '5f', '9bffffffffffffffff', '9affffffff', '99ffff', '9f', 'bbffffffffffffffff', 'baffffffff', 'b9ffff', 'bf',
  'a0', 'a1', 'a2', '80', '81', '40', 'c0', 'e0', 'f5', 'f6', 'fb7ff0000000000000', '20', '3bffffffffffffffff', '60', 'ff', '1c', '1d', '1e', '1f',
].map((text) => fromHex(text.replace(/ /g, '')));

const CBOR_LIMITS = { maxBytes: 65_536, maxDepth: 4 };

export const cbor: FuzzTarget<CborValue> = {
  name: 'wire/cbor',
  exercises: 'decodeCbor (node/core/cbor.ts)',
  weight: 8,
  seeds: () => [
    encodeCbor(new Map<number, CborValue>([[0, 2], [1, counting(33)], [3, [1, 2, [counting(4)]]], [5, 2 ** 53 - 1], [7, new Map([[1, 0xffffffff + 1]])]])),
    encodeCbor([0, counting(300), [], new Map()]),
    encodeCbor(new Map<number, CborValue>([[0, 64], [2, [new Map<number, CborValue>([[1, counting(16)], [2, counting(100)], [3, counting(8)]])]]])),
  ],
  dictionary: CBOR_DICTIONARY,
  decode: (input) => decodeCbor(input, CBOR_LIMITS),
  refuses: refusedWith(DecodeError),
  // The subset has one encoding per value (shortest integers, ascending keys, definite lengths).
  roundTrip: (value, input) => sameBytes('encodeCbor', input, encodeCbor(value)),
};

const VARINT_MAX = Number.MAX_SAFE_INTEGER;

export const varint: FuzzTarget<{ value: number; length: number }> = {
  name: 'wire/varint',
  exercises: 'readVarint (node/core/varint.ts)',
  weight: 3,
  seeds: () => [fromHex('00'), fromHex('7f'), fromHex('8001'), fromHex('ffffffffffffff0f'), fromHex('e58e26')],
  maxInputBytes: 16,
  decode: (input) => {
    const reader = { bytes: input, offset: 0 };
    const value = readVarint(reader, VARINT_MAX, (reason) => new DecodeError('varint', reason));
    return { value, length: reader.offset };
  },
  refuses: refusedWith(DecodeError),
  roundTrip: ({ value, length }, input) => {
    const out: number[] = [];
    writeVarint(out, value, 'varint');
    return sameBytes('writeVarint', input.subarray(0, length), Uint8Array.from(out));
  },
};

const offer = {
  handle: 7, network: 3, dustLimitSatoshis: 546, channelReserveSatoshis: 10_000, htlcMinimumMsat: 1, maxHtlcValueInFlightMsat: 2 ** 53 - 1, maxAcceptedHtlcs: 483,
  toSelfDelay: 1008, cltvExpiryDelta: 144, keys: counting(5 * 33), firstPerCommitmentPoint: point, channelType: 'anchors' as const,
};

/** One message of every type, `update` in each of its shapes. */
export const CHANNEL_MESSAGES: Message[] = [
  { type: 'open_channel', ...offer, fundingSatoshis: 1_000_000, pushMsat: 0, feeratePerKw: 253 },
  { type: 'accept_channel', ...offer, channelType: 'static_remotekey', minimumDepth: 3 },
  { type: 'funding_created', handle: 7, fundingTxHash: hash32, fundingOutputIndex: 1, signature },
  { type: 'funding_signed', handle: 7, signature },
  { type: 'channel_ready', handle: 7, secondPerCommitmentPoint: point },
  { type: 'shutdown', handle: 7, scriptPubKey: counting(22) },
  { type: 'closing_signed', handle: 7, feeSatoshis: 1000, signature },
  { type: 'channel_reestablish', handle: 0xffffffff, nextCommitmentNumber: 2 ** 48 - 1, nextRevocationNumber: 0, yourLastPerCommitmentSecret: hash32, myCurrentPerCommitmentPoint: point },
  { type: 'error', handle: 0, message: new TextEncoder().encode('something went wrong') },
  { type: 'update', handle: 7, sequence: 255, updates: [] },
  {
    type: 'update', handle: 300, sequence: 1,
    revocation: { perCommitmentSecret: hash32, nextPerCommitmentPoint: point },
    updates: [
      { kind: 'add', amountMsat: 1000, paymentHash: hash32, cltvExpiry: 800_000 },
      { kind: 'add', amountMsat: 2 ** 53 - 1, paymentHash: hash32, cltvExpiry: 799_990, destination: point, payeeAmountMsat: 2 ** 53 - 1_001 },
      { kind: 'fulfill', id: 0, paymentPreimage: hash32 },
      { kind: 'fail', id: 2 ** 53 - 1, reason: counting(256) },
      { kind: 'fee', feeratePerKw: 253 },
    ],
    commitment: { signature, htlcSignatures: [signature, counting(64, 9)] },
  },
  { type: 'update', handle: 7, sequence: 2, updates: [], commitment: { signature, htlcSignatures: [] } },
];

const isUpdate = (message: Message): message is Extract<Message, { type: 'update' }> => message.type === 'update';

export const messages: FuzzTarget<ReturnType<typeof decodeMessage>> = {
  name: 'wire/messages',
  exercises: 'decodeMessage (node/wire/messages.ts)',
  weight: 10,
  seeds: () => CHANNEL_MESSAGES.map(encodeMessage),
  dictionary: CBOR_DICTIONARY,
  decode: decodeMessage,
  refuses: refusedWith(DecodeError),
  roundTrip: (message, input) => {
    if (message.type === 'unknown') return undefined;
    const encoded = encodeMessage(message);
    // `update` has one encoding; a map may carry unknown odd fields, which decoding drops.
    if (message.type === 'update') return sameBytes('encodeMessage', input, encoded);
    return sameValue('encodeMessage', message, decodeMessage(encoded));
  },
};

export const updateCodec: FuzzTarget<ReturnType<typeof decodeChannelUpdate>> = {
  name: 'wire/update-codec',
  exercises: 'decodeChannelUpdate (node/wire/update-codec.ts)',
  weight: 10,
  seeds: () => CHANNEL_MESSAGES.filter(isUpdate).map(encodeChannelUpdate),
  decode: decodeChannelUpdate,
  refuses: refusedWith(DecodeError),
  roundTrip: (update, input) => sameBytes('encodeChannelUpdate', input, encodeChannelUpdate(update)),
};

const appointment = { locator: counting(16), blob: counting(200), tag: counting(8) };

/** One gateway message of every type. */
export const GATEWAY_MESSAGES: GatewayMessage[] = [
  { type: 'appointments', requestId: 1, appointments: [appointment, { ...appointment, tag: new Uint8Array(0) }] },
  { type: 'appointments_accepted', requestId: 1, signature },
  { type: 'refused', requestId: 2, reason: new TextEncoder().encode('quota') },
  { type: 'drop_tag', requestId: 3, tag: counting(32) },
  { type: 'watch_funding', requestId: 4, tag: counting(8), fundingTxid: hash32, fundingOutputIndex: 0xffff },
  { type: 'done', requestId: 0xffffffff },
  { type: 'breach_alert', locator: hash32.slice(0, 16), breachTxid: hash32, justiceTxid: counting(32), signature },
  { type: 'get_headers', requestId: 5, fromHeight: 800_000, count: 144 },
  { type: 'headers', requestId: 5, startHeight: 800_000, headers: [counting(80), counting(80, 7)], tipHeight: 800_001 },
  { type: 'get_fee_estimate', requestId: 6, targetBlocks: 6 },
  { type: 'fee_estimate', requestId: 6, feeratePerKw: 253 },
  { type: 'get_tx_proof', requestId: 7, txid: hash32 },
  { type: 'tx_proof', requestId: 7, height: 1, index: 3, branch: [hash32, counting(32)], transaction: counting(120) },
  { type: 'broadcast', requestId: 8, transaction: counting(200) },
  { type: 'broadcast_result', requestId: 8, txid: hash32, accepted: 'no', reason: new TextEncoder().encode('fee too low') },
  { type: 'broadcast_result', requestId: 9, txid: hash32, accepted: 'yes' },
  { type: 'tx_status', txid: hash32, confirmations: 6 },
  { type: 'watch', requestId: 10, outpoints: [{ txid: hash32, vout: 0 }, { txid: counting(32), vout: 0xffffffff }], txids: [hash32], fromHeight: 100 },
  { type: 'unwatch', requestId: 11, outpoints: [{ txid: hash32, vout: 1 }], txids: [] },
  { type: 'feed_ack', height: 100, hash: counting(8), maxLag: 6, hello: 12345 },
  { type: 'blocks', startHeight: 101, prevHash: counting(8), headers: counting(76), matches: [{ height: 101, index: 1, branch: [hash32], transaction: counting(90) }], tipHeight: 102, feeratePerKw: 300, answers: 12345 },
  { type: 'mempool_tx', transaction: counting(150) },
];

export const gatewayMessages: FuzzTarget<ReturnType<typeof decodeGatewayMessage>> = {
  name: 'wire/gateway-messages',
  exercises: 'decodeGatewayMessage (node/gateway-protocol/gateway-messages.ts)',
  weight: 10,
  seeds: () => GATEWAY_MESSAGES.map(encodeGatewayMessage),
  dictionary: CBOR_DICTIONARY,
  decode: decodeGatewayMessage,
  refuses: refusedWith(DecodeError),
  roundTrip: (message) => (message.type === 'unknown' ? undefined : sameValue('encodeGatewayMessage', message, decodeGatewayMessage(encodeGatewayMessage(message)))),
};

