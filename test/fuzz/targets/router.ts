/** The router's envelope (transports/router/envelope.ts). */
import { EnvelopeDecodeError, type Envelope, decodeEnvelope, encodeEnvelope } from '../../../transports/router/envelope.js';
import { type FuzzTarget, hex, refusedWith, sameBytes } from '../target.js';
import { counting, gatewayId, nodeId, otherId } from './fixtures.js';

export const envelope: FuzzTarget<Envelope> = {
  name: 'router/envelope',
  exercises: 'decodeEnvelope (transports/router/envelope.ts)',
  weight: 6,
  seeds: () => [
    encodeEnvelope({ kind: 'direct', payload: counting(60) }),
    encodeEnvelope({ kind: 'routed', source: hex(nodeId), destination: hex(gatewayId), hopLimit: 8, messageId: counting(8), sealed: counting(16 + 40) }),
    encodeEnvelope({ kind: 'routed', source: hex(otherId), destination: hex(nodeId), hopLimit: 255, messageId: counting(8, 200), sealed: counting(16) }),
  ],
  decode: decodeEnvelope,
  refuses: refusedWith(EnvelopeDecodeError),
  roundTrip: (decoded, input) => sameBytes('encodeEnvelope', input, encodeEnvelope(decoded)),
};
