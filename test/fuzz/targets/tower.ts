/** The watchtower's formats (node/gateway-protocol): justice data in appointments, receipts, breach alerts, signed HTTP requests. */
import { InvalidInputError } from '../../../node/core/input.js';
import { type JusticeData, createAppointment, decodeJusticeData, encodeJusticeData, justiceFromTransaction, openAppointment } from '../../../node/gateway-protocol/appointment.js';
import { signAlert, verifyAlert } from '../../../node/gateway-protocol/alert.js';
import {
  parseAppointmentsRequest,
  parseDropTagRequest,
  signAppointmentsRequest,
  signDropTagRequest,
  verifyAppointmentsRequest,
  verifyDropTagRequest,
} from '../../../node/gateway-protocol/http-request.js';
import { signReceipt, towerSignerFromSecret, verifyReceipt } from '../../../node/gateway-protocol/receipt.js';
import { DecodeError } from '../../../node/core/cbor.js';
import { type TowerChannelParams, openChannelRecord, sealChannelRecord } from '../../../node/gateway-protocol/tower-channel.js';
import { type GatewayMessage, type TowerAppointment, decodeGatewayMessage, encodeGatewayMessage } from '../../../node/gateway-protocol/gateway-messages.js';
import { mutateJson } from '../text-mutations.js';
import { type FuzzTarget, hex, refusedWith, sameBytes, sameValue, text, utf8 } from '../target.js';
import { counting, gatewayId, gatewaySecret, hash32, nodeId, nodeSecret, point, signature } from './fixtures.js';
import { CBOR_DICTIONARY } from './wire.js';
import { sampleTransaction } from './transactions.js';

const breach = sampleTransaction(1, true);
const breachHash = Uint8Array.from(breach.getHash());

const JUSTICE: JusticeData[] = [
  { kind: 'transaction', transaction: Uint8Array.from(sampleTransaction(1, true, 90).toBuffer()) },
  { kind: 'kit', revocationPubkey: point, localDelayedPubkey: nodeId, toSelfDelay: 1008, destinationScript: counting(22), feeratePerKw: 253, signature },
  { kind: 'compact', perCommitmentPoint: point, feeratePerKw: 253, signature },
];

export const justiceData: FuzzTarget<JusticeData> = {
  name: 'tower/justice-data',
  exercises: 'decodeJusticeData, justiceFromTransaction (node/gateway-protocol/appointment.ts)',
  weight: 4,
  seeds: () => JUSTICE.map(encodeJusticeData),
  dictionary: CBOR_DICTIONARY,
  decode: (input) => {
    const data = decodeJusticeData(input);
    // The tower's next step for a whole transaction: it must parse and spend the breach, or be ignored (undefined), never throw.
    if (data.kind === 'transaction') justiceFromTransaction(breach, data.transaction);
    return data;
  },
  refuses: refusedWith(DecodeError),
  roundTrip: (data, input) => sameBytes('encodeJusticeData', input, encodeJusticeData(data)),
};

/** Blobs as the tower opens them when a locator matched: mutated sealed appointments. */
export const appointmentBlob: FuzzTarget<JusticeData> = {
  name: 'tower/appointment-blob',
  exercises: 'openAppointment (node/gateway-protocol/appointment.ts)',
  weight: 2,
  seeds: () => JUSTICE.map((data) => createAppointment(breachHash, data).blob),
  decode: (input) => openAppointment(breachHash, input),
  refuses: refusedWith(DecodeError),
};

const fundingScript = counting(71);
const CHANNELS: TowerChannelParams[] = [
  { revocationBasepoint: point, delayedPaymentBasepoint: nodeId, toSelfDelay: 2160, destinationScript: counting(22) },
  { revocationBasepoint: nodeId, delayedPaymentBasepoint: point, toSelfDelay: 100, destinationScript: counting(34) },
];

/** A channel's record, as the tower opens it at a breach with the funding script the breach shows. */
export const channelRecord: FuzzTarget<TowerChannelParams> = {
  name: 'tower/channel-record',
  exercises: 'openChannelRecord (node/gateway-protocol/tower-channel.ts)',
  weight: 1,
  seeds: () => CHANNELS.map((params) => sealChannelRecord(fundingScript, params)),
  decode: (input) => openChannelRecord(fundingScript, input),
  refuses: refusedWith(DecodeError),
  roundTrip: (params, input) => sameBytes('sealChannelRecord', input, sealChannelRecord(fundingScript, params)),
};

const tower = towerSignerFromSecret(gatewaySecret);
const node = towerSignerFromSecret(nodeSecret);
const batch: TowerAppointment[] = [
  { locator: counting(16), blob: counting(120), tag: counting(8) },
  { locator: counting(16, 50), blob: counting(30), tag: new Uint8Array(0) },
];

/** An `appointments` message the node sent, then the gateway's 64-byte receipt signature: the node checks one against the other. */
export const receipt: FuzzTarget<boolean> = {
  name: 'tower/receipt',
  exercises: 'verifyReceipt (node/gateway-protocol/receipt.ts) on a decoded batch',
  weight: 2,
  seeds: () => {
    const sent = encodeGatewayMessage({ type: 'appointments', requestId: 1, appointments: batch });
    return [Uint8Array.from([...sent, ...signReceipt(tower, nodeId, batch)])];
  },
  dictionary: CBOR_DICTIONARY,
  decode: (input) => {
    const message = decodeGatewayMessage(input.subarray(0, Math.max(0, input.length - 64)));
    if (message.type !== 'appointments') return false;
    return verifyReceipt(gatewayId, nodeId, message.appointments, input.subarray(Math.max(0, input.length - 64)));
  },
  // An empty batch, or a signature cut short: InvalidInputError, as the receipt's checks document.
  refuses: refusedWith(DecodeError, InvalidInputError),
};

export const alert: FuzzTarget<boolean> = {
  name: 'tower/alert',
  exercises: 'verifyAlert (node/gateway-protocol/alert.ts) on a decoded breach_alert',
  weight: 2,
  seeds: () => {
    const signed = signAlert(tower, nodeId, { locator: hash32.slice(0, 16), breachTxid: hash32, justiceTxid: counting(32) });
    const message: GatewayMessage = { type: 'breach_alert', locator: signed.locator, breachTxid: signed.breachTxid, justiceTxid: signed.justiceTxid, signature: signed.signature };
    return [encodeGatewayMessage(message)];
  },
  dictionary: CBOR_DICTIONARY,
  decode: (input) => {
    const message = decodeGatewayMessage(input);
    // Whatever came off the air, verifyAlert answers true or false.
    return message.type === 'breach_alert' ? verifyAlert(gatewayId, nodeId, message) : false;
  },
  refuses: refusedWith(DecodeError),
};

/**
 * A request body as the tower's HTTP API reads it: text, JSON.parse (a
 * SyntaxError there is the API's 400), then both parsers and, for what
 * parses, the signature check.
 */
export const httpRequest: FuzzTarget<object> = {
  name: 'tower/http-request',
  exercises: 'parseAppointmentsRequest, parseDropTagRequest, verify* (node/gateway-protocol/http-request.ts)',
  weight: 3,
  seeds: () => [
    utf8(JSON.stringify(signAppointmentsRequest(node, gatewayId, batch, 1_700_000_000))),
    utf8(JSON.stringify(signDropTagRequest(node, gatewayId, counting(8), 1_700_000_000))),
  ],
  mutate: mutateJson,
  maxInputBytes: 80_000,
  decode: (input) => {
    let body: unknown;
    try {
      body = JSON.parse(text(input));
    } catch {
      throw new InvalidInputError('body', 'not JSON'); // what the API answers (400)
    }
    let refusal: unknown;
    for (const [parse, verify] of [
      [parseAppointmentsRequest, verifyAppointmentsRequest],
      [parseDropTagRequest, verifyDropTagRequest],
    ] as const) {
      try {
        const request = parse(body);
        verify(gatewayId, request as never);
        return request;
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        refusal = error;
      }
    }
    throw refusal;
  },
  refuses: refusedWith(InvalidInputError),
  // The body again, from what was parsed: it must parse to the same request.
  roundTrip: (request) => {
    const { nodeId: id, signedAt, signature: sig, ...rest } = request as Record<string, unknown> & { nodeId: Uint8Array; signedAt: number; signature: Uint8Array };
    const body: Record<string, unknown> = { nodeId: hex(id), signedAt, signature: hex(sig) };
    if ('tag' in rest) body.tag = hex(rest.tag as Uint8Array);
    if ('appointments' in rest) body.appointments = (rest.appointments as TowerAppointment[]).map(({ locator, blob, tag }) => ({ locator: hex(locator), blob: hex(blob), tag: hex(tag) }));
    const again = 'tag' in rest ? parseDropTagRequest(body) : parseAppointmentsRequest(body);
    return sameValue('the request body', request, again);
  },
};

