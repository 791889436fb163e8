// Payment requests as bytes and as text: they round-trip, a typo is caught,
// and anything else is refused with DecodeError.
import t from 'tap';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  decodePaymentRequest,
  encodePaymentRequest,
  paymentRequestFromText,
  paymentRequestToText,
} from '../../../node/channel/payment-request.js';
import { publicKeyOf } from '../../../node/core/curve.js';
import { DecodeError } from '../../../node/core/cbor.js';
import { throwsField } from '../input.js';

const payee = publicKeyOf(sha256(Uint8Array.of(1)));
const request = { paymentHash: sha256(Uint8Array.of(2)), amountMsat: 150_000_000, minFinalExpiry: 802_160, payee };
const hex = (value: object) => JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));

t.test('round trips', async (t) => {
  const bytes = encodePaymentRequest(request);
  t.ok(bytes.length <= 82, `${bytes.length} bytes: fits a radio frame`);
  t.equal(hex(decodePaymentRequest(bytes)), hex(request));
  const text = paymentRequestToText(request);
  t.match(text, /^lnm1[02-9ac-hj-np-z]+$/, 'bech32m text');
  t.ok(text.length < 150, `${text.length} characters: fits a QR code`);
  t.equal(hex(paymentRequestFromText(text.toUpperCase())), hex(request), 'upper case (QR alphanumeric mode) reads too');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 499_999_999 }), (hash, amount, expiry) => {
      const r = { paymentHash: hash, amountMsat: amount, minFinalExpiry: expiry, payee };
      return hex(paymentRequestFromText(paymentRequestToText(r))) === hex(r);
    }),
  );
});

t.test('typos and garbage are refused', async (t) => {
  const text = paymentRequestToText(request);
  const typo = text.slice(0, 20) + (text[20] === 'q' ? 'p' : 'q') + text.slice(21);
  t.throws(() => paymentRequestFromText(typo), DecodeError, 'one wrong character');
  t.throws(() => paymentRequestFromText('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'), DecodeError, 'a bitcoin address');
  t.throws(() => paymentRequestFromText(''), DecodeError, 'nothing');
  t.throws(() => paymentRequestFromText('x'.repeat(1000)), DecodeError, 'too long');
  t.throws(() => decodePaymentRequest(Uint8Array.of(0x80)), DecodeError, 'an empty array');
  throwsField(t, () => encodePaymentRequest({ ...request, amountMsat: 0 }), 'amountMsat', 'a zero amount is not encoded');
  throwsField(t, () => encodePaymentRequest({ ...request, payee: new Uint8Array(33) }), 'payee', 'a payee that is no node id');
});
