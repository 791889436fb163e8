// FromRadio, what the radio tells lnmesh: byte vectors built by hand from the wire format, what the handshake and the
// transmit queue report, other ports and unknown fields decoding fine, and out-of-range fields refused with a typed error.
import t from 'tap';
import { InvalidInputError } from '../../../node/core/input.js';
import type { FromRadioInit } from '../../../transports/meshtastic/client-messages.js';
import { MeshtasticDecodeError } from '../../../transports/meshtastic/decode-error.js';
import { decodeFromRadio, encodeFromRadio } from '../../../transports/meshtastic/from-radio.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));

/** A received packet: every field lnmesh reads, by hand. */
const RECEIVED =
  '08 09' + // FromRadio.id: field 1
  '12 31' + // FromRadio.packet: field 2, 49 bytes
  '0d 44332211' + // from 0x11223344: field 1, fixed32
  '15 efbeadde' + // to 0xdeadbeef
  '22 07 088002 12026869' + // decoded { portnum 256, payload "hi" }
  '35 04030201' + // id 0x01020304
  '3d 00f15365' + // rx_time 1700000000: field 7, fixed32
  '45 0000c840' + // rx_snr 6.25: field 8, float
  '48 02' + // hop_limit 2
  '60 a6ffffffffffffffff01' + // rx_rssi -90: field 12, int32 (negative: ten bytes)
  '78 03'; // hop_start 3: field 15

t.test('a received packet, byte for byte, and back to the same bytes', async (t) => {
  const message = decodeFromRadio(fromHex(RECEIVED));
  t.same(message, {
    id: 9,
    kind: 'packet',
    packet: {
      from: 0x11223344, to: 0xdeadbeef, channel: 0, id: 0x01020304, hopLimit: 2, hopStart: 3, wantAck: false, priority: 0,
      rxTime: 1700000000, rxSnr: 6.25, rxRssi: -90, pkiEncrypted: false,
      decoded: { portnum: 256, payload: new TextEncoder().encode('hi'), wantResponse: false, requestId: 0 },
      encrypted: undefined,
    },
  });
  t.equal(hex(encodeFromRadio(message)), RECEIVED.replace(/ /g, ''));
});

t.test('a direct message encrypted to our key says so (pki_encrypted), on channel 0 whatever its sender named', async (t) => {
  const PKI = '12 16 0d 44332211 15 efbeadde 22 07 088002 12026869 8801 01'; // packet { from, to, decoded { 256, "hi" }, pki_encrypted: field 17 }
  const message = decodeFromRadio(fromHex(PKI));
  t.match(message, { kind: 'packet', packet: { channel: 0, pkiEncrypted: true } });
  t.equal(hex(encodeFromRadio(message)), PKI.replace(/ /g, ''), 'and back to the same bytes');
});

t.test('the handshake and the queue, byte for byte', async (t) => {
  // my_info: field 3 { my_node_num: field 1, 0xdeadbeef as a varint }.
  t.same(decodeFromRadio(fromHex('1a06 08effdb6f50d')), { id: 0, kind: 'myInfo', myNodeNum: 0xdeadbeef });
  t.same(decodeFromRadio(fromHex('22 08 08effdb6f50d 1200')), { id: 0, kind: 'nodeInfo', num: 0xdeadbeef }, 'a node info: its number, the user skipped');
  // config_complete_id: field 7, a varint.
  t.same(decodeFromRadio(fromHex('0803 382a')), { id: 3, kind: 'configCompleteId', nonce: 42 });
  // rebooted: field 8, a bool.
  t.same(decodeFromRadio(fromHex('4001')), { id: 0, kind: 'rebooted', rebooted: true });
  // queueStatus: field 11 { res 1, free 2, maxlen 3, mesh_packet_id 4 }.
  t.same(decodeFromRadio(fromHex('5a08 0800 1000 1810 2007')), { id: 0, kind: 'queueStatus', queueStatus: { res: 0, free: 0, maxlen: 16, meshPacketId: 7 } });
  t.equal(hex(encodeFromRadio({ kind: 'queueStatus', queueStatus: { res: 0, free: 15, maxlen: 16, meshPacketId: 7 } })), '5a06100f18102007', 'zeros are left out');
});

t.test('what lnmesh ignores decodes fine: chat on other ports, config, unknown fields, an empty message', async (t) => {
  const chat = decodeFromRadio(fromHex('12 0d 15ffffffff 22 06 0801 12026869'));
  t.equal(chat.kind === 'packet' && chat.packet.decoded?.portnum, 1, 'a TEXT_MESSAGE_APP packet to broadcast');
  t.same(decodeFromRadio(fromHex('2a02 0801')), { id: 0, kind: 'opaque', field: 5, name: 'config', bytes: fromHex('0801') });
  t.same(decodeFromRadio(fromHex('52 03 0a0100')), { id: 0, kind: 'opaque', field: 10, name: 'channel', bytes: fromHex('0a0100') });
  t.same(decodeFromRadio(fromHex('a006 05 4001')), { id: 0, kind: 'rebooted', rebooted: true }, 'unknown field 100 skipped');
  t.same(decodeFromRadio(fromHex('a201 00')), { id: 0, kind: 'none' }, 'field 20, from a newer firmware: no variant we know');
  t.same(decodeFromRadio(new Uint8Array(0)), { id: 0, kind: 'none' });
  const encrypted = decodeFromRadio(fromHex('12 07 18c801 2a020102'));
  t.same(encrypted.kind === 'packet' && [encrypted.packet.channel, hex(encrypted.packet.encrypted!)], [200, '0102'], 'not decrypted: the channel is a hash byte');
  t.same(decodeFromRadio(fromHex('382a 4001')), { id: 0, kind: 'rebooted', rebooted: true }, 'two variants of the oneof: the last wins, as protobuf says');
});

t.test('out of range or malformed: a MeshtasticDecodeError that names the field, never another error', async (t) => {
  const refused: [string, string][] = [
    ['12 02 4809', 'packet.hopLimit: 9 is outside [0, 7]'],
    ['12 02 7808', 'packet.hopStart: 8 is outside [0, 7]'],
    ['12 04 1808 2200', 'packet.channel: 8 is outside [0, 7]'],
    ['12 05 22 03 088004', 'packet.decoded.portnum: 512 is outside [0, 511]'],
    ['12 0d 22 0b 08ffffffffffffffffff01', 'packet.decoded.portnum: -1 is outside [0, 511]'],
    ['12 03 588001', 'packet.priority: 128 is outside [0, 127]'],
    ['12 05 450000c07f', 'packet.rxSnr: expected a finite number'],
    ['12 ee01 22 eb01 12 e801' + '00'.repeat(232), 'packet.decoded.payload: 232 bytes'],
    ['12 f001 22 ed01 12 ea01' + '00'.repeat(234), 'packet.decoded.payload: 234 bytes, over the 233 allowed'],
    ['12 05 4803', 'malformed protobuf'],
    ['0f', 'malformed protobuf'],
    ['08ffffffffffffffffffff01', 'malformed protobuf'],
  ];
  for (const [input, reason] of refused) {
    if (reason.endsWith('232 bytes')) {
      t.equal(decodeFromRadio(fromHex(input)).kind, 'packet', '232 bytes of payload are fine');
      continue;
    }
    t.throws(() => decodeFromRadio(fromHex(input)), { name: 'MeshtasticDecodeError', message: new RegExp(reason.replace(/[[\]()]/g, '\\$&')) }, reason);
  }
  t.throws(() => decodeFromRadio(new Uint8Array(513)), MeshtasticDecodeError, 'more than a frame carries');
  t.throws(() => decodeFromRadio('4001' as unknown as Uint8Array), InvalidInputError, 'not bytes: a caller bug, an input error');
});

t.test('the radio model encodes every variant, and bad input is refused', async (t) => {
  const messages: FromRadioInit[] = [
    { id: 1, kind: 'myInfo', myNodeNum: 0x0a0b0c0d },
    { kind: 'nodeInfo', num: 0xffffffff },
    { kind: 'configCompleteId', nonce: 0 },
    { kind: 'rebooted', rebooted: true },
    { kind: 'queueStatus', queueStatus: { res: -1, free: 0, maxlen: 16, meshPacketId: 99 } },
    { kind: 'opaque', field: 13, name: 'metadata', bytes: fromHex('0a03322e35') },
    { kind: 'packet', packet: { from: 5, to: 6, channel: 200, encrypted: new Uint8Array(256) } },
    { kind: 'none', id: 0xffffffff },
  ];
  for (const message of messages) {
    const bytes = encodeFromRadio(message);
    t.equal(hex(encodeFromRadio(decodeFromRadio(bytes))), hex(bytes), `${message.kind} round-trips`);
  }
  t.throws(() => encodeFromRadio({ kind: 'myInfo', myNodeNum: -1 }), { name: 'InvalidInputError', field: 'myNodeNum' });
  t.throws(() => encodeFromRadio({ id: 2 ** 32, kind: 'none' }), { name: 'InvalidInputError', field: 'id' });
  t.throws(() => encodeFromRadio({ kind: 'queueStatus', queueStatus: { res: 0, free: -1, maxlen: 16, meshPacketId: 0 } }), { name: 'InvalidInputError', field: 'queueStatus.free' });
  t.throws(() => encodeFromRadio({ kind: 'packet', packet: { encrypted: new Uint8Array(257) } }), { name: 'InvalidInputError', field: 'packet.encrypted' });
  t.throws(() => encodeFromRadio({ kind: 'rebooted', rebooted: 1 as unknown as boolean }), { name: 'InvalidInputError', field: 'rebooted' });
});
