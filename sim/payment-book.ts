/**
 * The simulator's own account of the money: every payment it asked for and
 * how it ended, and what each node should hold in its open channels if no
 * money appears or vanishes (`expectedMsat`). The nodes never see this book;
 * the invariants compare their balances against it.
 *
 * A node's expected holding starts with its side of each channel as the
 * scenario opened it, gains what it is paid (when the payee releases the
 * preimage), loses what it pays (when the payer learns the preimage), and
 * drops the balance of a channel that left for the chain (checked on chain
 * instead, for breaches). The payer also pays the forwarders' fees, and each
 * forwarder gains its fee when the payment it forwarded is fulfilled: fees
 * move money between nodes, and none appears or vanishes.
 */
import { bytesToHex } from '../node/core/hex.js';

export interface PaymentRecord {
  readonly from: string;
  readonly to: string;
  readonly amountMsat: number;
  /** The forwarders' fees the payer pays on top of `amountMsat`. */
  readonly feeMsat: number;
  readonly startMs: number;
  outcome: 'pending' | 'settled' | 'failed';
  endMs?: number;
  /** Why it failed, as the payer heard it. */
  reason?: string;
}

export class PaymentBook {
  private readonly payments = new Map<string, PaymentRecord>();
  private readonly expected = new Map<string, number>();
  private pendingCount = 0;
  private settledTotal = 0;

  /** A payment handed to the payer's node. */
  started(paymentHash: Uint8Array, record: Omit<PaymentRecord, 'outcome'>): void {
    this.payments.set(bytesToHex(paymentHash), { ...record, outcome: 'pending' });
    this.pendingCount++;
  }

  /** The payer has the preimage: the payment is settled for it. Returns the record, or undefined if not ours or ended already. */
  settled(paymentHash: Uint8Array, atMs: number): PaymentRecord | undefined {
    const record = this.end(paymentHash, 'settled', atMs);
    if (record) {
      this.add(record.from, -record.amountMsat - record.feeMsat);
      this.settledTotal++;
    }
    return record;
  }

  failed(paymentHash: Uint8Array, atMs: number, reason: string): PaymentRecord | undefined {
    const record = this.end(paymentHash, 'failed', atMs);
    if (record) record.reason = reason;
    return record;
  }

  /** A forwarder passed a preimage upstream: it keeps `feeMsat`. */
  forwarded(node: string, feeMsat: number): void {
    this.add(node, feeMsat);
  }

  /** The payee released the preimage for `amountMsat`. */
  received(payee: string, amountMsat: number): void {
    this.add(payee, amountMsat);
  }

  /** What `node` should hold in its open channels. */
  expectedMsat(node: string): number {
    return this.expected.get(node) ?? 0;
  }

  /** A channel opened (+ the node's side) or left for the chain (- its last balance). */
  add(node: string, msat: number): void {
    this.expected.set(node, this.expectedMsat(node) + msat);
  }

  get settledCount(): number {
    return this.settledTotal;
  }

  get pending(): number {
    return this.pendingCount;
  }

  pendingPayments(): PaymentRecord[] {
    return [...this.payments.values()].filter((record) => record.outcome === 'pending');
  }

  private end(paymentHash: Uint8Array, outcome: 'settled' | 'failed', atMs: number): PaymentRecord | undefined {
    const record = this.payments.get(bytesToHex(paymentHash));
    if (!record || record.outcome !== 'pending') return undefined;
    record.outcome = outcome;
    record.endMs = atMs;
    this.pendingCount--;
    // Ended payments leave the book (a month of a large mesh has many); the figures keep the count.
    this.payments.delete(bytesToHex(paymentHash));
    return record;
  }
}
