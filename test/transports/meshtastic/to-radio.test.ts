// ToRadio, what lnmesh sends its radio: byte vectors built by hand from the protobuf wire format (mesh.proto's field
// numbers), round trips, and the limits an encoder enforces before anything reaches the radio.
import t from 'tap';
import { InvalidInputError } from '../../../node/core/input.js';
import { DATA_PAYLOAD_LEN, PortNum, SpecialConfigNonce, isSpecialConfigNonce, type ToRadioInit } from '../../../transports/meshtastic/client-messages.js';
import { MeshtasticDecodeError } from '../../../transports/meshtastic/decode-error.js';
import { decodeToRadio, encodeToRadio } from '../../../transports/meshtastic/to-radio.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));

t.test('the session verbs, byte for byte', async (t) => {
  // want_config_id is field 3, a varint: tag (3 << 3) | 0 = 0x18, then 0x12345678 in 7-bit groups, low first.
  t.equal(hex(encodeToRadio({ kind: 'wantConfigId', nonce: 0x12345678 })), '18' + 'f8acd19101');
  // heartbeat is field 7, a message: tag (7 << 3) | 2 = 0x3a, length 0 (or its nonce, field 1).
  t.equal(hex(encodeToRadio({ kind: 'heartbeat', nonce: 0 })), '3a00');
  t.equal(hex(encodeToRadio({ kind: 'heartbeat', nonce: 1 })), '3a020801');
  // disconnect is field 4, a bool: 0x20 0x01.
  t.equal(hex(encodeToRadio({ kind: 'disconnect' })), '2001');
  t.equal(hex(encodeToRadio({ kind: 'wantConfigId', nonce: 0 })), '1800', 'a oneof member is written even at 0');
  // 69420 and 69421 ask the firmware for only its config or only its nodes: a transport must not pick them for a session.
  t.ok(isSpecialConfigNonce(SpecialConfigNonce.onlyConfig) && isSpecialConfigNonce(69421) && !isSpecialConfigNonce(0x12345678));
});

t.test('a packet to a neighbour on PRIVATE_APP, byte for byte', async (t) => {
  const bytes = encodeToRadio({
    kind: 'packet',
    packet: { to: 0xaabbccdd, id: 7, hopLimit: 3, wantAck: true, decoded: { portnum: PortNum.privateApp, payload: fromHex('010203') } },
  });
  const meshPacket =
    '15 ddccbbaa' + // to: field 2, fixed32, little-endian
    '22 08' + '08 8002' + '12 03 010203' + // decoded: field 4 { portnum 256 = varint 80 02, payload }
    '35 07000000' + // id: field 6, fixed32
    '48 03' + // hop_limit: field 9
    '50 01'; // want_ack: field 10
  t.equal(hex(bytes), ('0a 18' + meshPacket).replace(/ /g, ''), 'ToRadio.packet is field 1; from, channel and the rest stay at 0 and are left out');
  const decoded = decodeToRadio(bytes);
  t.equal(decoded.kind, 'packet');
  if (decoded.kind !== 'packet') return;
  t.same(decoded.packet, {
    from: 0, to: 0xaabbccdd, channel: 0, id: 7, hopLimit: 3, hopStart: 0, wantAck: true, priority: 0, rxTime: 0, rxSnr: 0, rxRssi: 0, pkiEncrypted: false,
    decoded: { portnum: 256, payload: fromHex('010203'), wantResponse: false, requestId: 0 },
    encrypted: undefined,
  });
});

t.test('every variant round-trips', async (t) => {
  const messages: ToRadioInit[] = [
    { kind: 'wantConfigId', nonce: 0xffffffff },
    { kind: 'heartbeat', nonce: 42 },
    { kind: 'disconnect' },
    { kind: 'none' },
    { kind: 'opaque', field: 6, name: 'mqttClientProxyMessage', bytes: fromHex('0a0174') },
    { kind: 'packet', packet: { to: 0xffffffff, channel: 7, priority: 127, hopLimit: 7, decoded: { portnum: 511, payload: new Uint8Array(DATA_PAYLOAD_LEN).fill(9), wantResponse: true, requestId: 0xffffffff } } },
  ];
  for (const message of messages) {
    const bytes = encodeToRadio(message);
    const again = encodeToRadio(decodeToRadio(bytes));
    t.equal(hex(again), hex(bytes), `${message.kind} encodes, decodes and encodes to the same bytes`);
  }
});

t.test('bad input is refused with the field named, before any bytes exist', async (t) => {
  const packet = (overrides: object): ToRadioInit => ({ kind: 'packet', packet: { to: 1234, decoded: { portnum: 256, payload: new Uint8Array(1) }, ...overrides } });
  const refused: [string, ToRadioInit][] = [
    ['packet.decoded.payload', packet({ decoded: { portnum: 256, payload: new Uint8Array(DATA_PAYLOAD_LEN + 1) } })],
    ['packet.decoded.portnum', packet({ decoded: { portnum: 512, payload: new Uint8Array(1) } })],
    ['packet.hopLimit', packet({ hopLimit: 8 })],
    ['packet.channel', packet({ channel: 8 })],
    ['packet.to', packet({ to: 2 ** 32 })],
    ['packet.priority', packet({ priority: 128 })],
    ['packet.rxSnr', packet({ rxSnr: Number.NaN })],
    ['packet.decoded', packet({ encrypted: new Uint8Array(4) })],
    ['nonce', { kind: 'wantConfigId', nonce: -1 }],
    ['nonce', { kind: 'heartbeat', nonce: 1.5 }],
    ['message.kind', { kind: 'reboot' } as unknown as ToRadioInit],
    ['message.name', { kind: 'opaque', field: 5, name: 'config', bytes: new Uint8Array(0) }],
    ['ToRadio', { kind: 'opaque', field: 5, name: 'xmodemPacket', bytes: new Uint8Array(600) }],
  ];
  for (const [field, message] of refused) {
    t.throws(() => encodeToRadio(message), { name: 'InvalidInputError', field }, field);
  }
});

t.test('what a client sends decodes, malformed bytes are a typed error', async (t) => {
  t.same(decodeToRadio(fromHex('18f8acd19101')), { kind: 'wantConfigId', nonce: 0x12345678 });
  t.same(decodeToRadio(fromHex('')), { kind: 'none' });
  t.same(decodeToRadio(fromHex('f80601 3a00')), { kind: 'heartbeat', nonce: 0 }, 'an unknown field (111) is skipped');
  for (const bad of ['18', '0a0548', '0a02 4808', 'ff']) t.throws(() => decodeToRadio(fromHex(bad)), MeshtasticDecodeError, bad);
});
