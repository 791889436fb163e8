/** The node's control handlers for payments: ask to be paid, pay, and what became of each. */
import { bytesToHex } from '../core/hex.js';
import { paymentRequestFromText, paymentRequestToText } from '../channel/payment-request.js';
import type { ControlHandlers } from '../control/control-api.js';
import { messageOf } from '../control/control-protocol.js';
import type { NodeControlApi } from '../control/node-api.js';
import { DecodeError } from '../core/cbor.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { InvoiceError } from '../invoice/invoice-error.js';
import type { NodeDaemonParts } from './node-daemon-parts.js';
import { type BridgeParts, isBolt11, issuePublicInvoice, leaveHashes, prepareBridgePayment } from '../uplink/bridge-payments.js';
import { MAX_HASHES_PER_LEAVE } from '../gateway-protocol/gateway-messages.js';

type PaymentHandlers = Pick<ControlHandlers<NodeControlApi>, 'invoice' | 'leave_hashes' | 'pay' | 'payment' | 'payments'>;

export function paymentHandlers(parts: NodeDaemonParts): PaymentHandlers {
  const { node, payments } = parts;
  const manager = node.manager;
  return {
    invoice: (params) => {
      const amountMsat = checkInteger('amountMsat', params.amountMsat, 1, 16_777_215_000);
      if (params.public === true) return publicInvoice(parts, amountMsat, params);
      // The payment's expiry counts from the chain's height: with no chain view yet it would be long past.
      const height = node.uplink?.chainHeight ?? 0;
      if (height === 0) throw new InvalidInputError('amountMsat', 'this node does not follow the chain yet (no gateway configured, or no headers from it so far): an invoice needs the height');
      const request = manager.receive(amountMsat, height);
      payments.receiving(request);
      return { paymentRequest: paymentRequestToText(request), paymentHash: bytesToHex(request.paymentHash), amountMsat };
    },

    leave_hashes: async (params) => {
      const { requests, left } = await leaveHashes(bridgeParts(parts), checkInteger('count', params.count, 1, MAX_HASHES_PER_LEAVE), (request) => payments.receiving(request));
      return { paymentHashes: requests.map((request) => bytesToHex(request.paymentHash)), left };
    },

    pay: (params) => {
      if (typeof params.request !== 'string') throw new InvalidInputError('request', 'expected a payment request (lnm1...)');
      if (isBolt11(params.request)) return payInvoice(parts, params.request, params.maxFeeMsat);
      let request;
      try {
        request = paymentRequestFromText(params.request);
      } catch (error) {
        throw new InvalidInputError('request', requestProblem(error));
      }
      const paymentHash = bytesToHex(request.paymentHash);
      const known = payments.get(paymentHash);
      if (known && known.direction === 'sent' && known.status !== 'failed') throw new InvalidInputError('request', `already paid or being paid (${known.status}): see lnmesh payments`);
      if (bytesToHex(request.payee) === parts.nodeId) throw new InvalidInputError('request', 'this is a request of this node itself');
      const maxFeeMsat = params.maxFeeMsat === undefined ? defaultMaxFeeMsat(request.amountMsat) : checkInteger('maxFeeMsat', params.maxFeeMsat, 0, Number.MAX_SAFE_INTEGER);
      payments.sending(request);
      let feeMsat: number;
      try {
        feeMsat = manager.feeFor(request);
        if (feeMsat > maxFeeMsat) throw new InvalidInputError('maxFeeMsat', `the forwarding fees to ${bytesToHex(request.payee)} are ${feeMsat} msat, above the limit of ${maxFeeMsat} msat (raise it with --max-fee-msat)`);
        payments.sending(request, feeMsat); // written before the HTLC leaves
        manager.payRequest(request);
      } catch (error) {
        payments.refused(request.paymentHash, messageOf(error));
        throw error;
      }
      return { paymentHash, amountMsat: request.amountMsat, feeMsat, payee: bytesToHex(request.payee) };
    },

    payment: (params) => {
      const hash = typeof params.paymentHash === 'string' ? params.paymentHash.toLowerCase() : '';
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new InvalidInputError('paymentHash', 'expected 64 hex characters');
      const payment = payments.get(hash);
      if (!payment) throw new InvalidInputError('paymentHash', 'no such payment on this node');
      return payment;
    },

    /** Newest first: `limit` (default 50) keeps the answer within the control socket's line limit. */
    payments: (params) => payments.list(params.limit === undefined ? 50 : checkInteger('limit', params.limit, 1, 150)),
  };
}

/** The bridge's parts on this node: refused when it has no gateway. */
function bridgeParts(parts: NodeDaemonParts): BridgeParts {
  const uplink = parts.node.uplink;
  if (!uplink) throw new InvalidInputError('request', 'this node has no gateway configured: only a gateway reaches the Lightning Network');
  return { manager: parts.node.manager, uplink, network: parts.config.network, now: Math.floor(parts.clock.now() / 1000) };
}

/** A BOLT 11 invoice, paid through the gateway: quoted, checked, logged, then the HTLC to the gateway. */
async function payInvoice(parts: NodeDaemonParts, text: string, maxFeeMsat: unknown) {
  const limit = maxFeeMsat === undefined ? undefined : checkInteger('maxFeeMsat', maxFeeMsat, 0, Number.MAX_SAFE_INTEGER);
  let payment;
  try {
    payment = await prepareBridgePayment(bridgeParts(parts), text, limit);
  } catch (error) {
    if (error instanceof InvoiceError && error.field === 'expiry') throw new InvalidInputError('request', `the invoice ${error.reason}: ask the payee for a new one`);
    if (error instanceof InvalidInputError) throw error.field === 'maxFeeMsat' ? error : new InvalidInputError('request', messageOf(error));
    throw error;
  }
  const { request, invoiceAmountMsat, bridgeFeeMsat, meshFeeMsat, payee } = payment;
  const paymentHash = bytesToHex(request.paymentHash);
  const known = parts.payments.get(paymentHash);
  if (known && known.direction === 'sent' && known.status !== 'failed') throw new InvalidInputError('request', `already paid or being paid (${known.status}): see lnmesh payments`);
  parts.payments.sending(request, meshFeeMsat); // written before the HTLC leaves
  try {
    parts.node.manager.payRequest(request);
  } catch (error) {
    parts.payments.refused(request.paymentHash, messageOf(error));
    throw error;
  }
  return { paymentHash, amountMsat: invoiceAmountMsat, feeMsat: bridgeFeeMsat + meshFeeMsat, payee, bridgeFeeMsat };
}

/** An invoice of this node's, issued by the gateway as BOLT 11 for the Lightning Network. */
async function publicInvoice(parts: NodeDaemonParts, amountMsat: number, params: { readonly description?: unknown; readonly expirySecs?: unknown }) {
  if (params.description !== undefined && typeof params.description !== 'string') throw new InvalidInputError('description', 'expected text');
  const expirySecs = params.expirySecs === undefined ? 24 * 3600 : checkInteger('expirySecs', params.expirySecs, 60, 7 * 24 * 3600);
  const { request, invoice } = await issuePublicInvoice(bridgeParts(parts), { amountMsat, description: params.description ?? '', expirySecs });
  parts.payments.receiving(request);
  return { paymentRequest: invoice, paymentHash: bytesToHex(request.paymentHash), amountMsat };
}

/** The fees a payment may pay unless told otherwise: 1% of the amount and 1 sat (a 1-sat payment through one default forwarder fits). */
export function defaultMaxFeeMsat(amountMsat: number): number {
  return Math.floor(amountMsat / 100) + 1000;
}

/** Why a payment request does not decode, without its own field name (`paymentRequest: `) after `request: `. */
function requestProblem(error: unknown): string {
  if (!(error instanceof DecodeError)) return messageOf(error);
  const part = error.field.replace(/^paymentRequest\.?/, '');
  return part ? `${part}: ${error.reason}` : error.reason;
}
