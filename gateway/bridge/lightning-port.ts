/**
 * The bridge's `LightningPayments` on the gateway's LDK node: hex and
 * promises on the node's side, bytes and events on the bridge's. A payment
 * LDK refuses before anything leaves (no route, an invoice it cannot read)
 * reaches the bridge as a `failed` event like one that failed on its way; a
 * refusal as a duplicate does not, since the first attempt's outcome will.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../../node/core/hex.js';
import type { LightningNode } from '../lightning/lightning-node.js';
import type { LightningEvent } from '../lightning/lightning-events.js';
import { LightningError } from '../lightning/lightning-errors.js';
import type { LightningPaymentEvent, LightningPayments } from './bridge-ports.js';

export class LightningPort implements LightningPayments {
  private readonly onEvent = (event: LightningEvent) => {
    const translated = bridgeEventOf(event, this.node.bestBlock.height);
    if (translated) this.deliver(translated);
  };

  constructor(
    private readonly node: LightningNode,
    /** Where the bridge hears of payments (`Bridge.lightningEvent`). */
    private readonly deliver: (event: LightningPaymentEvent) => void,
  ) {
    node.on('event', this.onEvent);
  }

  /** Stops delivering the node's events (the gateway stops; the node may serve a new bridge), or starts again. */
  attach(attached: boolean): void {
    this.node.off('event', this.onEvent);
    if (attached) this.node.on('event', this.onEvent);
  }

  payInvoice(paymentHash: Uint8Array, invoice: string, limits: { readonly maxFeeMsat: number; readonly maxTotalCltvExpiryDelta: number }): void {
    this.node.payInvoice(invoice, limits).catch((error: unknown) => {
      if (error instanceof LightningError && (error.code === 'duplicate-payment' || error.code === 'payment-failed')) return; // its event says it
      this.deliver({ type: 'failed', paymentHash, reason: error instanceof Error ? error.message : String(error) });
    });
  }

  outgoingPayment(paymentHash: Uint8Array): 'unknown' | 'pending' | 'ended' {
    const hash = bytesToHex(paymentHash);
    const payment = this.node.outgoingPayments().find((candidate) => candidate.paymentHash === hash);
    return payment === undefined ? 'unknown' : payment.state === 'pending' ? 'pending' : 'ended';
  }

  createInvoiceForHash(request: Parameters<LightningPayments['createInvoiceForHash']>[0]): string {
    return this.node.createInvoiceForHash({ ...request, paymentHash: bytesToHex(request.paymentHash) }).bolt11;
  }

  claim(preimage: Uint8Array): void {
    this.node.claim(bytesToHex(preimage));
  }

  failBack(paymentHash: Uint8Array): void {
    this.node.failBack(bytesToHex(paymentHash));
  }
}

/**
 * The node's event as the bridge reads it, or undefined for one that is not
 * about payments. A claimable payment without a deadline (LDK always gives
 * one for BOLT 11) is given the nearest: the bridge then fails it back.
 */
export function bridgeEventOf(event: LightningEvent, height: number): LightningPaymentEvent | undefined {
  switch (event.type) {
    case 'payment-claimable':
      return { type: 'claimable', paymentHash: hexToBytes(event.paymentHash), amountMsat: event.amountMsat, claimDeadline: event.claimDeadlineHeight ?? height };
    case 'payment-claimed':
      return { type: 'claimed', paymentHash: hexToBytes(event.paymentHash), amountMsat: event.amountMsat };
    case 'payment-sent':
      return { type: 'sent', paymentHash: hexToBytes(event.paymentHash), paymentPreimage: hexToBytes(event.preimage), feeMsat: event.feeMsat };
    case 'payment-failed':
      return { type: 'failed', paymentHash: hexToBytes(event.paymentHash), reason: event.reason };
    default:
      return undefined;
  }
}
