// A packet's size on the air, as the sending firmware encodes it.
import t from 'tap';
import { encodedDataLength, onAirLength } from '../../../../sim/kit/meshtastic/on-air.js';

const data = (portnum: number, length: number, extra: { requestId?: number; wantResponse?: boolean } = {}) => ({
  portnum, payload: new Uint8Array(length), wantResponse: extra.wantResponse ?? false, requestId: extra.requestId ?? 0,
});

t.test('the Data protobuf: port, payload, request id, and the bitfield the originator always adds', async (t) => {
  t.equal(encodedDataLength(data(256, 231), true), 3 + 3 + 231 + 2, 'port 256 is a 2-byte varint; 231 a 2-byte length; bitfield 0 still 2 bytes');
  t.equal(encodedDataLength(data(256, 231), false), 237, 'without the bitfield (a decoded packet not yet sent)');
  t.equal(encodedDataLength(data(1, 10), true), 2 + 2 + 10 + 2);
  t.equal(encodedDataLength(data(5, 2, { requestId: 7 }), true), 2 + 4 + 5 + 2, 'request_id is a fixed32');
  t.equal(encodedDataLength(data(256, 0, { wantResponse: true }), true), 3 + 2 + 2);
  t.equal(onAirLength(239, false), 255, 'the largest LoRa packet');
  t.equal(onAirLength(227, true), 255, 'with the 12 bytes of a PKI message');
});
