// Telling the gateway protocol from the channel messages by their first
// bytes: the gateway is also a channel peer, so both kinds come from it.
// Every message of both protocols, as their encoders write it, lands on its
// side; so does anything a peer could make up around the boundary.
import t from 'tap';
import fc from 'fast-check';
import { type CborValue, encodeCbor } from '../../../node/core/cbor.js';
import { type GatewayMessage, encodeGatewayMessage } from '../../../node/gateway-protocol/gateway-messages.js';
import { FIRST_GATEWAY_MESSAGE_TYPE, messageKind } from '../../../node/gateway-protocol/message-kind.js';
import { type Message, encodeMessage } from '../../../node/wire/messages.js';

const filled = (length: number, value: number) => new Uint8Array(length).fill(value);
const offer = {
  handle: 7,
  network: 3,
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

const CHANNEL_MESSAGES: Message[] = [
  { type: 'open_channel', ...offer, fundingSatoshis: 500_000, pushMsat: 0, feeratePerKw: 253 },
  { type: 'accept_channel', ...offer, minimumDepth: 3 },
  { type: 'funding_created', handle: 7, fundingTxHash: filled(32, 4), fundingOutputIndex: 1, signature: filled(64, 5) },
  { type: 'funding_signed', handle: 7, signature: filled(64, 5) },
  { type: 'channel_ready', handle: 7, secondPerCommitmentPoint: filled(33, 3) },
  { type: 'update', handle: 7, sequence: 1, updates: [{ kind: 'add', amountMsat: 1000, paymentHash: filled(32, 5), cltvExpiry: 800_000 }], commitment: { signature: filled(64, 10), htlcSignatures: [] } } as Message,
  { type: 'update', handle: 2 ** 20, sequence: 0, revocation: { perCommitmentSecret: filled(32, 8), nextPerCommitmentPoint: filled(33, 9) } } as Message,
  { type: 'shutdown', handle: 7, scriptPubKey: filled(22, 0) },
  { type: 'closing_signed', handle: 7, feeSatoshis: 300, signature: filled(64, 5) },
  { type: 'channel_reestablish', handle: 7, nextCommitmentNumber: 2 ** 40, nextRevocationNumber: 5, yourLastPerCommitmentSecret: filled(32, 1), myCurrentPerCommitmentPoint: filled(33, 2) },
  { type: 'error', handle: 7, message: new TextEncoder().encode('no') },
];

const GATEWAY_MESSAGES: GatewayMessage[] = [
  { type: 'appointments', requestId: 1, appointments: [{ locator: filled(16, 1), blob: filled(300, 2), tag: filled(16, 3) }] },
  { type: 'appointments_accepted', requestId: 0xffffffff, signature: filled(64, 1) },
  { type: 'refused', requestId: 2, reason: new TextEncoder().encode('quota') },
  { type: 'done', requestId: 0 },
  { type: 'breach_alert', locator: filled(16, 1), breachTxid: filled(32, 2), justiceTxid: filled(32, 3), signature: filled(64, 4) },
  { type: 'get_headers', requestId: 3, fromHeight: 800_000, count: 144 },
  { type: 'broadcast', requestId: 4, transaction: filled(200, 9) },
  { type: 'tx_status', txid: filled(32, 1), confirmations: 6 },
  { type: 'feed_ack', height: 900_000, hash: filled(8, 1), maxLag: 6, hello: 77 },
  { type: 'blocks', startHeight: 1, prevHash: filled(8, 1), headers: filled(100, 2), matches: [], tipHeight: 1, feeratePerKw: 253 },
  { type: 'mempool_tx', transaction: filled(150, 3) },
];

t.test('every channel message, as encoded, is a channel message', async (t) => {
  for (const message of CHANNEL_MESSAGES) t.equal(messageKind(encodeMessage(message)), 'channel', message.type);
});

t.test('every gateway message, as encoded, is a gateway message', async (t) => {
  for (const message of GATEWAY_MESSAGES) t.equal(messageKind(encodeGatewayMessage(message)), 'gateway', message.type);
});

t.test('the type number decides, whatever its size and the size of the map', async () => {
  fc.assert(
    fc.property(fc.nat(0xffffffff), fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), (type, fields) => {
      // Up to 31 entries: the map's length takes one byte (0xb8 xx) past 23.
      const entries: [number, CborValue][] = [[0, type], ...fields.map((field, i): [number, CborValue] => [i + 1, field])];
      const expected = type >= FIRST_GATEWAY_MESSAGE_TYPE ? 'gateway' : 'channel';
      return messageKind(encodeCbor(new Map(entries))) === expected;
    }),
  );
});

t.test('what is not a gateway message goes to the channels, whose decoder says what is wrong', async (t) => {
  t.equal(messageKind(new Uint8Array(0)), 'channel', 'nothing');
  t.equal(messageKind(Uint8Array.of(12)), 'channel', 'a type byte in a layout of its own (update), cut short');
  t.equal(messageKind(Uint8Array.of(0xa1)), 'channel', 'a map cut before its first key');
  t.equal(messageKind(Uint8Array.of(0xa1, 0x00)), 'channel', 'a map cut before its type');
  t.equal(messageKind(Uint8Array.of(0xa1, 0x00, 0x18)), 'channel', 'a type number cut short');
  t.equal(messageKind(Uint8Array.of(0xa1, 0x01, 0x18, 0x40)), 'channel', 'a first key other than 0');
  t.equal(messageKind(Uint8Array.of(0xa1, 0x00, 0x38, 0x40)), 'channel', 'a negative type number');
  t.equal(messageKind(Uint8Array.of(0xbf, 0x00, 0x18, 0x40, 0xff)), 'channel', 'a map of indefinite length (never encoded here)');
  t.equal(messageKind(Uint8Array.of(0xa1, 0x00, 0x18, 0x3f)), 'channel', 'type 63, the last below the gateway protocol');
  t.equal(messageKind(Uint8Array.of(0xa1, 0x00, 0x18, 0x40)), 'gateway', 'type 64, the first of it');
});
