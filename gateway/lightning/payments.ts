/**
 * Payments through LDK's `ChannelManager`: paying a BOLT 11 invoice,
 * creating invoices (LDK's own preimage, or a payment hash whose preimage
 * someone else holds: the mesh node's), and the held payments of the
 * latter, claimed or failed back by the owner. LDK's payment events come in
 * through `handle` and leave as our `LightningEvent`s.
 *
 * A payment's id is its payment hash: LDK refuses a second payment with the
 * same id, so an invoice is never paid twice.
 */
import { bytesToHex } from '../../node/core/hex.js';
import { checkHex, checkInteger } from '../../node/core/input.js';
import type { Logger } from '../../node/core/logger.js';
import type { ChannelManager, Event, Event_PaymentClaimable, Event_PaymentFailed, Event_PaymentSent } from 'lightningdevkit';
import type { Ldk } from './ldk.js';
import type { LightningEvent } from './lightning-events.js';
import { LightningError } from './lightning-errors.js';
import type { OutgoingPayments } from './outgoing-payments.js';

/** How many times LDK tries other routes before it reports a payment failed. */
export const PAYMENT_ATTEMPTS = 3;

export interface PaymentSent {
  readonly paymentHash: string;
  readonly preimage: string;
  readonly feeMsat: number;
}

export interface CreatedInvoice {
  readonly bolt11: string;
  readonly paymentHash: string;
}

export interface InvoiceRequest {
  readonly amountMsat: number;
  readonly description: string;
  readonly expirySecs: number;
}

interface Waiter {
  resolve(sent: PaymentSent): void;
  reject(error: LightningError): void;
}

export interface PayOptions {
  /** The most spent on routing fees; LDK's default without it (1% + 50 sat). */
  readonly maxFeeMsat?: number;
  /** The most blocks the payment may be locked for (every hop's delta and the payee's final one); LDK's default 1008 without it. */
  readonly maxTotalCltvExpiryDelta?: number;
}

export class Payments {
  private readonly waiting = new Map<string, Waiter>();

  constructor(
    private readonly ldk: Ldk,
    private readonly channelManager: ChannelManager,
    private readonly emit: (event: LightningEvent) => void,
    private readonly logger: Logger,
    private readonly outgoing: OutgoingPayments,
  ) {}

  /** Pays `bolt11` (it must carry an amount); resolves once the payee revealed the preimage, rejects with a `LightningError`. */
  async payInvoice(bolt11: string, options: PayOptions = {}): Promise<PaymentSent> {
    const { ldk } = this;
    const parsed = ldk.Bolt11Invoice.constructor_from_str(bolt11);
    if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) {
      throw new LightningError('invalid-invoice', `not a BOLT 11 invoice: ${(parsed as { err?: { to_str(): string } }).err?.to_str() ?? 'unreadable'}`);
    }
    const params = ldk.UtilMethods.constructor_payment_parameters_from_invoice(parsed.res);
    if (!(params instanceof ldk.Result_C3Tuple_ThirtyTwoBytesRecipientOnionFieldsRouteParametersZNoneZ_OK)) {
      throw new LightningError('invalid-invoice', 'the invoice has no amount; amountless invoices are not paid here');
    }
    const [paymentHash, onion, route] = [params.res.get_a(), params.res.get_b(), params.res.get_c()];
    if (options.maxFeeMsat !== undefined) {
      checkInteger('maxFeeMsat', options.maxFeeMsat, 0, Number.MAX_SAFE_INTEGER);
      route.set_max_total_routing_fee_msat(ldk.Option_u64Z.constructor_some(BigInt(options.maxFeeMsat)));
    }
    if (options.maxTotalCltvExpiryDelta !== undefined) {
      // The route's whole lock, final delta included: the bridge must claim the mesh HTLC after the preimage comes.
      route.get_payment_params().set_max_total_cltv_expiry_delta(checkInteger('maxTotalCltvExpiryDelta', options.maxTotalCltvExpiryDelta, 1, 0xffff));
    }
    const hash = bytesToHex(paymentHash);
    const before = this.outgoing.get(hash);
    if (this.waiting.has(hash) || (before && before.state !== 'failed')) {
      throw new LightningError('duplicate-payment', `the invoice with payment hash ${hash} was paid or is being paid already`);
    }
    // Recorded before LDK sends: a crash after this never lets the invoice be paid a second time.
    this.outgoing.put({ paymentHash: hash, bolt11, amountMsat: Number(route.get_final_value_msat()), state: 'pending' });
    const sent = this.channelManager.send_payment(paymentHash, onion, paymentHash, route, ldk.Retry.constructor_attempts(PAYMENT_ATTEMPTS));
    if (sent instanceof ldk.Result_NoneRetryableSendFailureZ_Err) {
      const refusal = sendRefusal(ldk, sent.err, hash);
      // Nothing left this node; a duplicate stays recorded as what it was.
      if (refusal.code !== 'duplicate-payment') this.outgoing.update(hash, { state: 'failed', reason: refusal.message });
      throw refusal;
    }
    return new Promise((resolve, reject) => this.waiting.set(hash, { resolve, reject }));
  }

  /** An invoice for `amountMsat` whose preimage LDK makes and keeps: its payment is claimed as it arrives. */
  createInvoice(request: InvoiceRequest): CreatedInvoice {
    checkInvoiceRequest(request);
    const { ldk } = this;
    const made = ldk.UtilMethods.constructor_create_invoice_from_channelmanager(
      this.channelManager, ldk.Option_u64Z.constructor_some(BigInt(request.amountMsat)), request.description, request.expirySecs, ldk.Option_u16Z.constructor_none(),
    );
    return this.invoiceOf(made);
  }

  /**
   * An invoice for someone else's payment hash, signed by this node: its
   * payment is held (`payment-claimable`) until `claim` or `failBack`.
   * `minFinalCltvExpiryDelta` (blocks) is how long the holder may take
   * before LDK fails it back; LDK adds 3 blocks of slack.
   */
  createInvoiceForHash(request: InvoiceRequest & { readonly paymentHash: string; readonly minFinalCltvExpiryDelta: number }): CreatedInvoice {
    checkInvoiceRequest(request);
    const hash = checkHex('paymentHash', request.paymentHash, 32);
    checkInteger('minFinalCltvExpiryDelta', request.minFinalCltvExpiryDelta, 12, 0xffff);
    const { ldk } = this;
    const made = ldk.UtilMethods.constructor_create_invoice_from_channelmanager_with_payment_hash(
      this.channelManager, ldk.Option_u64Z.constructor_some(BigInt(request.amountMsat)), request.description, request.expirySecs, hash,
      ldk.Option_u16Z.constructor_some(request.minFinalCltvExpiryDelta),
    );
    return this.invoiceOf(made);
  }

  /** Claims a held payment with its preimage (LDK checks it hashes to a claimable payment's hash; `payment-claimed` follows). */
  claim(preimage: string): void {
    this.channelManager.claim_funds(checkHex('preimage', preimage, 32));
  }

  /** Fails a held payment back to its payer. */
  failBack(paymentHash: string): void {
    this.channelManager.fail_htlc_backwards(checkHex('paymentHash', paymentHash, 32));
  }

  /** Handles LDK's payment events; false for an event that is not one. */
  handle(event: Event): boolean {
    const { ldk } = this;
    if (event instanceof ldk.Event_PaymentClaimable) this.claimable(event);
    else if (event instanceof ldk.Event_PaymentClaimed) {
      this.emit({ type: 'payment-claimed', paymentHash: bytesToHex(event.payment_hash), amountMsat: Number(event.amount_msat) });
    } else if (event instanceof ldk.Event_PaymentSent) this.sent(event);
    else if (event instanceof ldk.Event_PaymentFailed) this.failed(event);
    else if (event instanceof ldk.Event_PendingHTLCsForwardable) this.channelManager.process_pending_htlc_forwards();
    else return event instanceof ldk.Event_PaymentPathSuccessful || event instanceof ldk.Event_PaymentPathFailed;
    return true;
  }

  private claimable(event: Event_PaymentClaimable): void {
    const { ldk } = this;
    const preimage = event.purpose.preimage();
    // Our own invoice (createInvoice): LDK knows the preimage, claim now.
    if (preimage instanceof ldk.Option_ThirtyTwoBytesZ_Some) return this.channelManager.claim_funds(preimage.some);
    const deadline = event.claim_deadline;
    this.emit({
      type: 'payment-claimable',
      paymentHash: bytesToHex(event.payment_hash),
      amountMsat: Number(event.amount_msat),
      claimDeadlineHeight: deadline instanceof ldk.Option_u32Z_Some ? deadline.some : undefined,
    });
  }

  private sent(event: Event_PaymentSent): void {
    const fee = event.fee_paid_msat;
    const sent: PaymentSent = {
      paymentHash: bytesToHex(event.payment_hash),
      preimage: bytesToHex(event.payment_preimage),
      feeMsat: fee instanceof this.ldk.Option_u64Z_Some ? Number(fee.some) : 0,
    };
    this.outgoing.update(sent.paymentHash, { state: 'sent', preimage: sent.preimage, feeMsat: sent.feeMsat });
    this.emit({ type: 'payment-sent', ...sent });
    this.waiting.get(sent.paymentHash)?.resolve(sent);
    this.waiting.delete(sent.paymentHash);
  }

  private failed(event: Event_PaymentFailed): void {
    const { ldk } = this;
    const hash = event.payment_hash instanceof ldk.Option_ThirtyTwoBytesZ_Some ? bytesToHex(event.payment_hash.some) : bytesToHex(event.payment_id);
    const reason = event.reason instanceof ldk.Option_PaymentFailureReasonZ_Some ? failureReason(ldk, event.reason.some) : 'unknown';
    this.outgoing.update(hash, { state: 'failed', reason });
    this.emit({ type: 'payment-failed', paymentHash: hash, reason });
    this.waiting.get(hash)?.reject(new LightningError('payment-failed', `the payment ${hash} failed: ${reason}; nothing was paid`));
    this.waiting.delete(hash);
  }

  private invoiceOf(made: ReturnType<Ldk['UtilMethods']['constructor_create_invoice_from_channelmanager']>): CreatedInvoice {
    if (!(made instanceof this.ldk.Result_Bolt11InvoiceSignOrCreationErrorZ_OK)) {
      const why = (made as { err?: { to_str(): string } }).err?.to_str() ?? 'unknown';
      this.logger.log('warn', 'LDK could not create an invoice', { error: why });
      throw new LightningError('invoice-creation-failed', `cannot create the invoice: ${why}`);
    }
    return { bolt11: made.res.to_str(), paymentHash: bytesToHex(made.res.payment_hash()) };
  }
}

function checkInvoiceRequest(request: InvoiceRequest): void {
  checkInteger('amountMsat', request.amountMsat, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('expirySecs', request.expirySecs, 1, 0xffffffff);
  if (typeof request.description !== 'string' || Buffer.byteLength(request.description) > 639) {
    throw new LightningError('invoice-creation-failed', 'description: expected a string of at most 639 bytes');
  }
}

function sendRefusal(ldk: Ldk, failure: number, hash: string): LightningError {
  const F = ldk.RetryableSendFailure;
  switch (failure) {
    case F.LDKRetryableSendFailure_PaymentExpired:
      return new LightningError('invoice-expired', `the invoice with payment hash ${hash} has expired; ask the payee for a new one`);
    case F.LDKRetryableSendFailure_DuplicatePayment:
      return new LightningError('duplicate-payment', `the invoice with payment hash ${hash} was paid or is being paid already`);
    case F.LDKRetryableSendFailure_RouteNotFound:
      return new LightningError('route-not-found', `no route to the payee of ${hash} with enough outbound capacity`);
    default:
      return new LightningError('payment-failed', `LDK refused to send the payment ${hash} (onion too large)`);
  }
}

function failureReason(ldk: Ldk, reason: number): string {
  const R = ldk.PaymentFailureReason;
  const names: Record<number, string> = {
    [R.LDKPaymentFailureReason_RecipientRejected]: 'the recipient rejected it',
    [R.LDKPaymentFailureReason_UserAbandoned]: 'abandoned',
    [R.LDKPaymentFailureReason_RetriesExhausted]: 'every route tried failed',
    [R.LDKPaymentFailureReason_PaymentExpired]: 'the invoice expired',
    [R.LDKPaymentFailureReason_RouteNotFound]: 'no route found',
    [R.LDKPaymentFailureReason_UnexpectedError]: 'unexpected error',
  };
  return names[reason] ?? `reason ${reason}`;
}
