/** Payment requests (node/channel/payment-request.ts), as bytes and as bech32m text. */
import type { PaymentRequest } from '../../../node/channel/manager.js';
import { decodePaymentRequest, encodePaymentRequest, paymentRequestFromText, paymentRequestToText } from '../../../node/channel/payment-request.js';
import { DecodeError } from '../../../node/core/cbor.js';
import { type FuzzTarget, refusedWith, sameBytes, sameValue, text, utf8 } from '../target.js';
import { CBOR_DICTIONARY } from './wire.js';
import { hash32, nodeId } from './fixtures.js';

const REQUESTS: PaymentRequest[] = [
  { paymentHash: hash32, amountMsat: 1000, minFinalExpiry: 144, payee: nodeId },
  { paymentHash: hash32, amountMsat: 2 ** 53 - 1, minFinalExpiry: 499_999_999, payee: nodeId },
];

export const paymentRequestBytes: FuzzTarget<PaymentRequest> = {
  name: 'channel/payment-request',
  exercises: 'decodePaymentRequest (node/channel/payment-request.ts)',
  weight: 3,
  seeds: () => REQUESTS.map(encodePaymentRequest),
  dictionary: CBOR_DICTIONARY,
  maxInputBytes: 400,
  decode: decodePaymentRequest,
  refuses: refusedWith(DecodeError),
  roundTrip: (request, input) => sameBytes('encodePaymentRequest', input, encodePaymentRequest(request)),
};

export const paymentRequestText: FuzzTarget<PaymentRequest> = {
  name: 'channel/payment-request-text',
  exercises: 'paymentRequestFromText (node/channel/payment-request.ts)',
  weight: 3,
  seeds: () => REQUESTS.map((request) => utf8(paymentRequestToText(request))),
  dictionary: ['1', 'lnm1', 'LNM1', ' ', 'q', 'b', 'i', 'o'].map(utf8),
  maxInputBytes: 600,
  decode: (input) => paymentRequestFromText(text(input)),
  refuses: refusedWith(DecodeError),
  roundTrip: (request) => sameValue('paymentRequestToText', request, paymentRequestFromText(paymentRequestToText(request))),
};
