/**
 * Payment requests: what a payee gives a payer (on a screen, a QR code, or a
 * radio frame). Bytes: CBOR `[payment_hash, amount_msat, min_final_expiry, payee]`,
 * about 80. Text: those bytes in bech32m with the prefix `lnm`, about 140
 * characters, with a checksum that catches a mistyped character.
 * (BOLT 11 comes with the gateway, for payers on the Lightning Network.)
 */
import { bech32m } from '@scure/base';
import { InvalidInputError, checkBytes, checkInteger } from '../core/input.js';
import { isPublicKey } from '../core/curve.js';
import { DecodeError, decodeCbor, encodeCbor } from '../core/cbor.js';
import type { PaymentRequest } from './manager.js';

export const PAYMENT_REQUEST_PREFIX = 'lnm';
const MAX_TEXT_LENGTH = 400;

export function encodePaymentRequest(request: PaymentRequest): Uint8Array {
  checkBytes('paymentHash', request.paymentHash, 32);
  checkInteger('amountMsat', request.amountMsat, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('minFinalExpiry', request.minFinalExpiry, 0, 499_999_999);
  if (!isPublicKey(checkBytes('payee', request.payee, 33))) throw new InvalidInputError('payee', 'not a node id');
  return encodeCbor([request.paymentHash, request.amountMsat, request.minFinalExpiry, request.payee]);
}

export function decodePaymentRequest(bytes: Uint8Array): PaymentRequest {
  const value = decodeCbor(bytes, { maxBytes: 200, maxDepth: 1 });
  if (!Array.isArray(value) || value.length !== 4) throw new DecodeError('paymentRequest', 'expected [payment_hash, amount_msat, min_final_expiry, payee]');
  const [paymentHash, amountMsat, minFinalExpiry, payee] = value;
  if (!(paymentHash instanceof Uint8Array) || paymentHash.length !== 32) throw new DecodeError('paymentRequest.paymentHash', 'expected 32 bytes');
  if (typeof amountMsat !== 'number' || amountMsat < 1) throw new DecodeError('paymentRequest.amountMsat', 'expected a positive amount');
  if (typeof minFinalExpiry !== 'number' || minFinalExpiry > 499_999_999) throw new DecodeError('paymentRequest.minFinalExpiry', 'expected a block height');
  if (!(payee instanceof Uint8Array) || !isPublicKey(payee)) throw new DecodeError('paymentRequest.payee', 'expected a node id');
  return { paymentHash, amountMsat, minFinalExpiry, payee };
}

export function paymentRequestToText(request: PaymentRequest): string {
  return bech32m.encode(PAYMENT_REQUEST_PREFIX, bech32m.toWords(encodePaymentRequest(request)), MAX_TEXT_LENGTH);
}

export function paymentRequestFromText(text: string): PaymentRequest {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH) throw new DecodeError('paymentRequest', `expected text of at most ${MAX_TEXT_LENGTH} characters`);
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32m.decode(text.trim().toLowerCase() as `${string}1${string}`, MAX_TEXT_LENGTH);
  } catch (error) {
    throw new DecodeError('paymentRequest', `not a payment request: ${(error as Error).message}`);
  }
  if (decoded.prefix !== PAYMENT_REQUEST_PREFIX) throw new DecodeError('paymentRequest', `expected the prefix ${PAYMENT_REQUEST_PREFIX}, got ${decoded.prefix}`);
  let bytes: Uint8Array;
  try {
    bytes = bech32m.fromWords(decoded.words);
  } catch (error) {
    throw new DecodeError('paymentRequest', `bad padding: ${(error as Error).message}`);
  }
  return decodePaymentRequest(bytes);
}
