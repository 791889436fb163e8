// Routing, the payload of a port 5 packet: how the radio acks or naks a packet lnmesh sent (request_id names it).
import t from 'tap';
import { InvalidInputError } from '../../../node/core/input.js';
import { RoutingError, routingErrorName } from '../../../transports/meshtastic/client-messages.js';
import { MeshtasticDecodeError } from '../../../transports/meshtastic/decode-error.js';
import { decodeFromRadio } from '../../../transports/meshtastic/from-radio.js';
import { decodeRouting, encodeRouting } from '../../../transports/meshtastic/routing.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));

t.test('error_reason is field 3: an ack is 18 00, a duty-cycle refusal 18 09', async (t) => {
  t.equal(hex(encodeRouting({ kind: 'error', errorReason: RoutingError.NONE })), '1800');
  t.equal(hex(encodeRouting({ kind: 'error', errorReason: RoutingError.DUTY_CYCLE_LIMIT })), '1809');
  t.same(decodeRouting(fromHex('1809')), { kind: 'error', errorReason: 9 });
  t.same(decodeRouting(fromHex('1828')), { kind: 'error', errorReason: 40 }, 'a code a newer firmware added is kept as its number');
  t.equal(routingErrorName(9), 'DUTY_CYCLE_LIMIT');
  t.equal(routingErrorName(8), 'NO_RESPONSE');
  t.equal(routingErrorName(7), 'TOO_LARGE');
  t.equal(routingErrorName(40), 'UNKNOWN(40)');
});

t.test('a nak as the radio hands it up: a FromRadio packet on port 5 whose request_id is the packet refused', async (t) => {
  // packet { from 0x0a0b0c0d, to 0x0a0b0c0d, decoded { portnum 5, payload Routing{error_reason 9}, request_id 0x01020304 } }
  const fromRadio = decodeFromRadio(fromHex('12 17 0d0d0c0b0a 150d0c0b0a 22 0b 0805 12021809 3504030201'));
  if (fromRadio.kind !== 'packet' || !fromRadio.packet.decoded) return t.fail('a decoded packet');
  t.equal(fromRadio.packet.decoded.portnum, 5);
  t.equal(fromRadio.packet.decoded.requestId, 0x01020304);
  t.same(decodeRouting(fromRadio.packet.decoded.payload), { kind: 'error', errorReason: RoutingError.DUTY_CYCLE_LIMIT });
});

t.test('route discovery is kept opaque, an empty payload is no variant, bad bytes are refused', async (t) => {
  t.same(decodeRouting(fromHex('0a020801')), { kind: 'routeRequest', bytes: fromHex('0801') });
  t.equal(hex(encodeRouting({ kind: 'routeReply', bytes: fromHex('0801') })), '12020801');
  t.same(decodeRouting(new Uint8Array(0)), { kind: 'none' });
  t.throws(() => decodeRouting(fromHex('18ffffffffffffffffff01')), MeshtasticDecodeError, 'a negative code');
  t.throws(() => decodeRouting(fromHex('1a05')), MeshtasticDecodeError, 'truncated');
  t.throws(() => encodeRouting({ kind: 'error', errorReason: -1 }), { name: 'InvalidInputError', field: 'errorReason' });
});
