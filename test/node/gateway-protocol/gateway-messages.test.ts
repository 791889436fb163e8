// Messages between a node and its gateway: every type round-trips (property
// tests), a peer's garbage is a DecodeError naming the field and never
// anything else, and limits hold before anything is built.
import t from 'tap';
import fc from 'fast-check';
import { type CborValue, DecodeError, encodeCbor } from '../../../node/core/cbor.js';
import {
  type GatewayMessage,
  MAX_APPOINTMENTS_PER_BATCH,
  MAX_GATEWAY_MESSAGE_BYTES,
  MAX_DESCRIPTION_BYTES,
  MAX_HEADERS_PER_MESSAGE,
  decodeGatewayMessage,
  encodeGatewayMessage,
} from '../../../node/gateway-protocol/gateway-messages.js';
import { caught, throwsField } from '../input.js';
import { MAX_INVOICE_DATA_BYTES, MAX_INVOICE_HRP_BYTES, MAX_INVOICE_WORDS } from '../../../node/gateway-protocol/compact-invoice.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** A CBOR map from its entries, as a peer could send it. */
const cborMap = (...entries: [number, CborValue][]) => encodeCbor(new Map(entries));
const fixed = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const upTo = (maxLength: number) => fc.uint8Array({ maxLength });
const id = fc.nat(0xffffffff);
const compactInvoice = fc.record({ hrp: upTo(MAX_INVOICE_HRP_BYTES), words: fc.integer({ min: 1, max: MAX_INVOICE_WORDS }), data: upTo(400) });

const arbitraries: Record<GatewayMessage['type'], fc.Arbitrary<GatewayMessage>> = {
  appointments: fc.record({ type: fc.constant('appointments' as const), requestId: id, appointments: fc.array(fc.record({ locator: fixed(16), blob: upTo(600), tag: upTo(32) }), { maxLength: 20 }) }),
  appointment_batch: fc.record({
    type: fc.constant('appointment_batch' as const),
    requestId: id,
    groups: fc.array(fc.record({ tag: upTo(32), appointments: fc.array(upTo(300), { maxLength: 8 }), channel: upTo(150) }, { requiredKeys: ['tag', 'appointments'] }), { maxLength: 6 }),
  }),
  appointments_accepted: fc.record({ type: fc.constant('appointments_accepted' as const), requestId: id, signature: fixed(64) }),
  refused: fc.record({ type: fc.constant('refused' as const), requestId: id, reason: upTo(1000) }),
  drop_tag: fc.record({ type: fc.constant('drop_tag' as const), requestId: id, tag: upTo(32) }),
  watch_funding: fc.record({ type: fc.constant('watch_funding' as const), requestId: id, tag: upTo(32), fundingTxid: fixed(32), fundingOutputIndex: fc.nat(0xffff) }),
  done: fc.record({ type: fc.constant('done' as const), requestId: id }),
  breach_alert: fc.record({ type: fc.constant('breach_alert' as const), locator: fixed(16), breachTxid: fixed(32), justiceTxid: fixed(32), signature: fixed(64) }),
  get_headers: fc.record({ type: fc.constant('get_headers' as const), requestId: id, fromHeight: fc.nat(0xffffffff), count: fc.integer({ min: 1, max: MAX_HEADERS_PER_MESSAGE }) }),
  headers: fc.record({ type: fc.constant('headers' as const), requestId: id, startHeight: fc.nat(0xffffffff), headers: fc.array(fixed(80), { maxLength: 30 }), tipHeight: fc.nat(0xffffffff) }),
  get_fee_estimate: fc.record({ type: fc.constant('get_fee_estimate' as const), requestId: id, targetBlocks: fc.integer({ min: 1, max: 1008 }) }),
  fee_estimate: fc.record({ type: fc.constant('fee_estimate' as const), requestId: id, feeratePerKw: fc.nat(0xffffffff) }),
  get_tx_proof: fc.record({ type: fc.constant('get_tx_proof' as const), requestId: id, txid: fixed(32) }),
  tx_proof: fc.record({ type: fc.constant('tx_proof' as const), requestId: id, height: fc.nat(0xffffffff), index: fc.nat(0xffffffff), branch: fc.array(fixed(32), { maxLength: 24 }), transaction: upTo(2000) }),
  broadcast: fc.record({ type: fc.constant('broadcast' as const), requestId: id, transaction: upTo(2000) }),
  broadcast_result: fc.record(
    { type: fc.constant('broadcast_result' as const), requestId: id, txid: fixed(32), accepted: fc.constantFrom('yes' as const, 'no' as const), reason: upTo(1000) },
    { requiredKeys: ['type', 'requestId', 'txid', 'accepted'] },
  ),
  tx_status: fc.record({ type: fc.constant('tx_status' as const), txid: fixed(32), confirmations: fc.nat(0xffffffff) }),
  watch: fc.record({ type: fc.constant('watch' as const), requestId: id, outpoints: fc.array(fc.record({ txid: fixed(32), vout: fc.nat(0xffffffff) }), { maxLength: 64 }), txids: fc.array(fixed(32), { maxLength: 64 }), fromHeight: fc.nat(0xffffffff) }),
  unwatch: fc.record({ type: fc.constant('unwatch' as const), requestId: id, outpoints: fc.array(fc.record({ txid: fixed(32), vout: fc.nat(0xffffffff) }), { maxLength: 64 }), txids: fc.array(fixed(32), { maxLength: 64 }) }),
  feed_ack: fc.record(
    { type: fc.constant('feed_ack' as const), height: fc.nat(0xffffffff), hash: fixed(8), maxLag: fc.integer({ min: 1, max: MAX_HEADERS_PER_MESSAGE }), hello: fc.constant(1 as const) },
    { requiredKeys: ['type', 'height', 'hash', 'maxLag'] },
  ),
  blocks: fc.record({
    type: fc.constant('blocks' as const),
    startHeight: fc.integer({ min: 1, max: 0xffffffff }),
    prevHash: fixed(8),
    headers: upTo(2000),
    matches: fc.array(fc.record({ height: fc.nat(0xffffffff), index: fc.nat(0xffffffff), branch: fc.array(fixed(32), { maxLength: 24 }), transaction: upTo(500) }), { maxLength: 8 }),
    tipHeight: fc.nat(0xffffffff),
    feeratePerKw: fc.nat(0xffffffff),
  }),
  mempool_tx: fc.record({ type: fc.constant('mempool_tx' as const), transaction: upTo(2000) }),
  bridge_pay: fc.record({ type: fc.constant('bridge_pay' as const), requestId: id, invoice: compactInvoice }),
  bridge_quote: fc.record({ type: fc.constant('bridge_quote' as const), requestId: id, amountMsat: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
  public_invoice: fc.record({
    type: fc.constant('public_invoice' as const),
    requestId: id,
    paymentHash: fixed(32),
    amountMsat: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    description: upTo(MAX_DESCRIPTION_BYTES),
    expirySecs: fc.integer({ min: 60, max: 7 * 24 * 3600 }),
  }),
  public_invoice_issued: fc.record({ type: fc.constant('public_invoice_issued' as const), requestId: id, invoice: compactInvoice }),
  leave_hashes: fc.record({ type: fc.constant('leave_hashes' as const), requestId: id, paymentHashes: fc.array(fixed(32), { maxLength: 16 }) }),
  hashes_left: fc.record({ type: fc.constant('hashes_left' as const), requestId: id, left: fc.nat(0xffff) }),
};
t.test('the bridge\'s messages keep their bounds', async (t) => {
  const quote = (amountMsat: number) => encodeGatewayMessage({ type: 'bridge_quote', requestId: 1, amountMsat });
  t.match(decodeGatewayMessage(quote(Number.MAX_SAFE_INTEGER)), { amountMsat: Number.MAX_SAFE_INTEGER }, 'amounts past 2^32 travel');
  throwsField(t, () => quote(0), 'bridge_quote.amountMsat', 'a quote of nothing');
  const request = { type: 'public_invoice' as const, requestId: 1, paymentHash: new Uint8Array(32), amountMsat: 1000, description: new Uint8Array(0), expirySecs: 3600 };
  throwsField(t, () => encodeGatewayMessage({ ...request, description: new Uint8Array(MAX_DESCRIPTION_BYTES + 1) }), 'public_invoice.description', 'a description longer than BOLT 11 allows');
  throwsField(t, () => encodeGatewayMessage({ ...request, expirySecs: 8 * 24 * 3600 }), 'public_invoice.expirySecs', 'an invoice for more than a week');
  throwsField(t, () => encodeGatewayMessage({ ...request, paymentHash: new Uint8Array(31) }), 'public_invoice.paymentHash', 'a short payment hash');
  const leave = (count: number) => encodeGatewayMessage({ type: 'leave_hashes', requestId: 1, paymentHashes: Array.from({ length: count }, () => new Uint8Array(32)) });
  t.ok(leave(16), 'sixteen hashes left at once');
  throwsField(t, () => leave(17), 'leave_hashes.paymentHashes', 'no more than sixteen at once');
  throwsField(t, () => encodeGatewayMessage({ type: 'bridge_pay', requestId: 1, invoice: { hrp: new Uint8Array(4), words: 2, data: new Uint8Array(MAX_INVOICE_DATA_BYTES + 1) } }), 'bridge_pay.invoice.data', 'an invoice longer than 2048 characters');
});

const anyMessage = fc.oneof(...Object.values(arbitraries));

/** Bytes as hex, so that Buffer and Uint8Array compare equal. */
const comparable = (value: unknown): unknown =>
  value instanceof Uint8Array ? hex(value) : Array.isArray(value) ? value.map(comparable) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, comparable(item)])) : value;

t.test('every message type round-trips', (t) => {
  for (const [type, arbitrary] of Object.entries(arbitraries)) {
    fc.assert(
      fc.property(arbitrary, (message) => {
        const decoded = decodeGatewayMessage(encodeGatewayMessage(message));
        return JSON.stringify(comparable(decoded)) === JSON.stringify(comparable(message));
      }),
      { numRuns: 60 },
    );
    t.pass(`${type} round-trips`);
  }
  t.end();
});

t.test('what a node would send wrongly is refused at encoding, naming the field', (t) => {
  throwsField(t, () => encodeGatewayMessage({ type: 'broadcast', requestId: 1 } as never), 'broadcast.transaction', 'a missing field');
  throwsField(t, () => encodeGatewayMessage({ type: 'get_tx_proof', requestId: 1, txid: new Uint8Array(31) }), 'get_tx_proof.txid', 'a txid of 31 bytes');
  throwsField(t, () => encodeGatewayMessage({ type: 'get_headers', requestId: 1, fromHeight: 0, count: 0 }), 'get_headers.count', 'zero headers asked');
  throwsField(t, () => encodeGatewayMessage({ type: 'broadcast_result', requestId: 1, txid: new Uint8Array(32), accepted: 'maybe' as never }), 'broadcast_result.accepted', 'a third answer');
  throwsField(
    t,
    () => encodeGatewayMessage({ type: 'appointments', requestId: 1, appointments: [{ locator: new Uint8Array(16), blob: new Uint8Array(10), tag: new Uint8Array(33) }] }),
    'appointments.appointments[0].tag',
    'a tag over 32 bytes',
  );
  throwsField(
    t,
    () => encodeGatewayMessage({ type: 'appointments', requestId: 1, appointments: Array.from({ length: MAX_APPOINTMENTS_PER_BATCH + 1 }, () => ({ locator: new Uint8Array(16), blob: new Uint8Array(1), tag: new Uint8Array(0) })) }),
    'appointments.appointments',
    'a batch over the limit',
  );
  throwsField(t, () => encodeGatewayMessage({ type: 'carrier_pigeon' } as never), 'type', 'an unknown type');
  t.end();
});

t.test('what a peer sends wrongly is a DecodeError naming the field, and nothing else', (t) => {
  const decodeFails = (bytes: Uint8Array, field: string, what: string) => {
    const error = caught(() => decodeGatewayMessage(bytes));
    t.ok(error instanceof DecodeError, `${what}: a DecodeError`);
    t.equal((error as DecodeError).field, field, `${what}: names ${field}`);
  };
  decodeFails(cborMap([0, 86], [1, 5], [2, new Uint8Array(31)]), 'get_tx_proof.txid', 'a short txid');
  decodeFails(cborMap([0, 86], [1, 5]), 'get_tx_proof.txid', 'a missing txid');
  decodeFails(cborMap([0, 86], [1, 5], [2, new Uint8Array(32)], [4, 1]), 'get_tx_proof.4', 'an unknown even field');
  decodeFails(cborMap([0, 200]), 'type', 'an unknown even type');
  decodeFails(cborMap([0, 80], [1, 1], [2, 0], [3, Array.from({ length: MAX_HEADERS_PER_MESSAGE + 1 }, () => new Uint8Array(80))], [4, 0]), 'headers.headers', 'too many headers');
  decodeFails(cborMap([0, 80], [1, 1], [2, 0], [3, [new Uint8Array(79)]], [4, 0]), 'headers.headers[0]', 'a short header');
  decodeFails(cborMap([0, 92], [1, 1], [2, new Uint8Array(32)], [3, 2]), 'broadcast_result.accepted', 'an answer index out of range');
  decodeFails(new Uint8Array(MAX_GATEWAY_MESSAGE_BYTES + 1), 'message', 'an oversized message');
  t.same(decodeGatewayMessage(cborMap([0, 201], [1, 1])), { type: 'unknown', typeNumber: 201 }, 'an unknown odd type is returned as unknown, to be ignored');
  const withOddField = decodeGatewayMessage(cborMap([0, 74], [1, 9], [3, 7]));
  t.same(withOddField, { type: 'done', requestId: 9 }, 'an unknown odd field is ignored');
  t.end();
});

t.test('fuzz: random and mutated bytes never throw anything but DecodeError', (t) => {
  let inputs = 0;
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), anyMessage.chain((message) => fc.tuple(fc.constant(encodeGatewayMessage(message)), fc.nat(), fc.nat(255)).map(([bytes, at, value]) => {
      const mutated = Uint8Array.from(bytes);
      if (mutated.length > 0) mutated[at % mutated.length] = value;
      return at % 3 === 0 ? mutated.subarray(0, at % (mutated.length + 1)) : mutated;
    }))), (bytes) => {
      inputs++;
      try {
        decodeGatewayMessage(bytes);
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
      }
    }),
    { numRuns: 5000 },
  );
  t.equal(inputs, 5000, `${inputs} inputs, none threw anything but DecodeError`);
  t.end();
});
