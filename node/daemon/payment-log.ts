/**
 * What `lnmesh payments` lists: every payment this node made or asked for,
 * kept in the node's store by payment hash, updated from the channel
 * manager's events. A record is written before the payment leaves (or the
 * request is shown), so a restart loses none.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../core/hex.js';
import type { ManagerEvent, PaymentRequest } from '../channel/manager.js';
import type { Clock } from '../core/clock.js';
import type { PaymentRecord, Persister, RecordStore } from '../persist/persister.js';

export type PaymentEntry = PaymentRecord & { readonly paymentHash: string };

export class PaymentLog {
  constructor(
    private readonly store: Pick<Persister, 'put' | 'getAll'> & Pick<RecordStore, 'get'>,
    private readonly clock: Clock,
  ) {}

  /** We are about to pay `request`, and `feeMsat` to the forwarders once known. */
  sending(request: PaymentRequest, feeMsat?: number): void {
    const record = { direction: 'sent', amountMsat: request.amountMsat, payee: bytesToHex(request.payee), status: 'pending', createdAt: this.clock.now() } as const;
    this.store.put('payment', bytesToHex(request.paymentHash), { ...record, ...(feeMsat !== undefined && { feeMsat }) });
  }

  /** We asked to be paid `request`. */
  receiving(request: PaymentRequest): void {
    this.store.put('payment', bytesToHex(request.paymentHash), { direction: 'received', amountMsat: request.amountMsat, payee: bytesToHex(request.payee), status: 'pending', createdAt: this.clock.now() });
  }

  /** A payment refused before it left (no route, not affordable): failed at once, so that it can be tried again. */
  refused(paymentHash: Uint8Array, reason: string): void {
    const hash = bytesToHex(paymentHash);
    const record = this.store.get('payment', hash);
    if (!record || record.status !== 'pending') return;
    this.store.put('payment', hash, { ...record, status: 'failed', reason, settledAt: this.clock.now() });
  }

  /**
   * After a restart, once the channels have resumed (and told again the preimages they hold): a payment still
   * pending here whose HTLC is in no channel (`inFlight` false) failed while its event was lost, or never left (the
   * stop came between this record and the HTLC). Either way nothing was paid: it is marked failed, so that it can be
   * paid again. Returns how many.
   */
  settleLost(inFlight: (paymentHash: Uint8Array) => boolean): number {
    let settled = 0;
    for (const [hash, record] of this.store.getAll('payment')) {
      if (record.direction !== 'sent' || record.status !== 'pending' || inFlight(hexToBytes(hash))) continue;
      this.store.put('payment', hash, { ...record, status: 'failed', reason: 'in no channel after a restart: nothing was paid, it can be paid again', settledAt: this.clock.now() });
      settled++;
    }
    return settled;
  }

  /** Settles what the manager reports; other events pass by. */
  onEvent(event: ManagerEvent): void {
    if (event.type !== 'payment_sent' && event.type !== 'payment_failed' && event.type !== 'payment_received') return;
    const hash = bytesToHex(event.paymentHash);
    const record = this.store.get('payment', hash);
    if (!record || record.status !== 'pending') return;
    record.settledAt = this.clock.now();
    if (event.type === 'payment_failed') {
      record.status = 'failed';
      record.reason = event.reason;
    } else {
      record.status = 'succeeded';
      if (event.type === 'payment_sent') record.preimage = bytesToHex(event.paymentPreimage);
    }
    // What came: a hash left with the gateway asked only the least it accepts.
    this.store.put('payment', hash, event.type === 'payment_received' ? { ...record, amountMsat: event.amountMsat } : record);
  }

  get(paymentHash: string): PaymentEntry | undefined {
    const record = this.store.get('payment', paymentHash);
    return record && { paymentHash, ...record };
  }

  /** Newest first; at most `limit`. */
  list(limit = Number.MAX_SAFE_INTEGER): PaymentEntry[] {
    return [...this.store.getAll('payment')]
      .map(([paymentHash, record]) => ({ paymentHash, ...record }))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  pendingCount(): number {
    return [...this.store.getAll('payment').values()].filter((record) => record.status === 'pending').length;
  }
}
