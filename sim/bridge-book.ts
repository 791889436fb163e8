/**
 * The simulator's own account of the payments across the bridge (issue 17):
 * each `payOutside` and `payFromOutside` from the moment the scenario asks
 * until it ends, on the side that decides its end:
 * - out (a node pays the outside node): ends when the paying node learns
 *   the preimage (settled) or its HTLC fails back (failed), or when the
 *   gateway refuses to quote;
 * - in (the outside node pays a node): ends when the outside node's LDK
 *   payment succeeds (with the node's preimage) or fails.
 * The figures and `bridgeBalanced` compare this account with both sides.
 */

export interface BridgePaymentRecord {
  readonly kind: 'out' | 'in';
  /** The mesh node: the payer out, the payee in. */
  readonly node: string;
  /** What the outside node gets (out) or what the mesh node gets (in). */
  readonly amountMsat: number;
  readonly startMs: number;
  /** Hex, once known: the outside invoice's (out), the node's request's (in). */
  paymentHash?: string;
  /** What the invoice asks: out, the outside node's amount; in, the amount plus the bridge fee. */
  invoiceAmountMsat?: number;
  /** Out: what the node's HTLC carried to the gateway (the invoice and the bridge fee). */
  meshAmountMsat?: number;
  /** In: the invoice came from a payment hash the node left (it was away). */
  fromLeftHash?: boolean;
  /** In: the outside node has called `payInvoice`. */
  outsidePaying?: boolean;
  outcome: 'pending' | 'settled' | 'failed';
  endMs?: number;
  reason?: string;
}

export class BridgeBook {
  private readonly records: BridgePaymentRecord[] = [];
  private readonly byHash = new Map<string, BridgePaymentRecord>();

  /** Told each end, once. */
  constructor(private readonly onEnd: (record: BridgePaymentRecord) => void = () => undefined) {}

  start(kind: 'out' | 'in', node: string, amountMsat: number, startMs: number): BridgePaymentRecord {
    const record: BridgePaymentRecord = { kind, node, amountMsat, startMs, outcome: 'pending' };
    this.records.push(record);
    return record;
  }

  /** Names `record` by its payment hash, with what else is known now. */
  name(record: BridgePaymentRecord, paymentHash: string, details: Partial<Pick<BridgePaymentRecord, 'invoiceAmountMsat' | 'meshAmountMsat' | 'fromLeftHash'>>): void {
    Object.assign(record, details, { paymentHash });
    this.byHash.set(paymentHash, record);
  }

  get(paymentHash: string): BridgePaymentRecord | undefined {
    return this.byHash.get(paymentHash);
  }

  outsidePaying(paymentHash: string): void {
    const record = this.byHash.get(paymentHash);
    if (record) record.outsidePaying = true;
  }

  /** The first end counts; later ones are ignored. */
  end(recordOrHash: BridgePaymentRecord | string, outcome: 'settled' | 'failed', atMs: number, reason?: string): BridgePaymentRecord | undefined {
    const record = typeof recordOrHash === 'string' ? this.byHash.get(recordOrHash) : recordOrHash;
    if (!record || record.outcome !== 'pending') return undefined;
    record.outcome = outcome;
    record.endMs = atMs;
    if (reason !== undefined) record.reason = reason;
    this.onEnd(record);
    return record;
  }

  all(): readonly BridgePaymentRecord[] {
    return this.records;
  }

  pendingPayments(): BridgePaymentRecord[] {
    return this.records.filter((record) => record.outcome === 'pending');
  }

  /** Settled payments of `kind`, summed by `amount`. */
  settledSum(kind: 'out' | 'in', amount: (record: BridgePaymentRecord) => number): number {
    return this.records.filter((record) => record.kind === kind && record.outcome === 'settled').reduce((sum, record) => sum + amount(record), 0);
  }
}
