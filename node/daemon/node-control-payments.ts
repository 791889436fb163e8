/** The node's control handlers for payments: ask to be paid, pay, and what became of each. */
import { bytesToHex } from '@noble/hashes/utils.js';
import { paymentRequestFromText, paymentRequestToText } from '../channel/payment-request.js';
import type { ControlHandlers } from '../control/control-api.js';
import { messageOf } from '../control/control-protocol.js';
import type { NodeControlApi } from '../control/node-api.js';
import { DecodeError } from '../core/cbor.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import type { NodeDaemonParts } from './node-daemon-parts.js';

type PaymentHandlers = Pick<ControlHandlers<NodeControlApi>, 'invoice' | 'pay' | 'payment' | 'payments'>;

export function paymentHandlers(parts: NodeDaemonParts): PaymentHandlers {
  const { node, payments } = parts;
  const manager = node.manager;
  return {
    invoice: (params) => {
      const amountMsat = checkInteger('amountMsat', params.amountMsat, 1, 16_777_215_000);
      // The payment's expiry counts from the chain's height: with no chain view yet it would be long past.
      const height = node.uplink?.chainHeight ?? 0;
      if (height === 0) throw new InvalidInputError('amountMsat', 'this node does not follow the chain yet (no gateway configured, or no headers from it so far): an invoice needs the height');
      const request = manager.receive(amountMsat, height);
      payments.receiving(request);
      return { paymentRequest: paymentRequestToText(request), paymentHash: bytesToHex(request.paymentHash), amountMsat };
    },

    pay: (params) => {
      if (typeof params.request !== 'string') throw new InvalidInputError('request', 'expected a payment request (lnm1...)');
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
