/**
 * The bridge: payments between mesh nodes and the Lightning Network, through
 * the gateway, atomic on both sides because both carry the same payment hash.
 *
 * Out (a node pays a BOLT 11 invoice): the node sends the invoice and an HTLC
 * to the gateway for its amount plus the bridge fee. Once both are here the
 * gateway pays the invoice with LDK, and settles the node's HTLC with the
 * preimage LDK returns, or fails it with LDK's reason. The gateway cannot
 * take the node's HTLC without having paid (it needs the preimage); it spends
 * on routing at most what the node paid above the invoice, and locks the
 * Lightning payment no later than `safetyBlocks` before the node's HTLC
 * expires, so that it can still claim that HTLC on chain.
 *
 * In (the Lightning Network pays a node's public invoice): the node gives the
 * gateway its payment hash (never the preimage) and the gateway issues the
 * invoice. When LDK holds the payer's HTLC, the gateway pays the node over
 * the mesh with the same hash, expiring `safetyBlocks` before LDK's claim
 * deadline, and claims the Lightning payment with the preimage the node
 * reveals. A node that is away is paid when it is heard again, if that is
 * before the hold window closes; otherwise the payer's HTLC is failed back.
 *
 * A node may also leave payment hashes in advance (`hashesLeft`): the gateway
 * issues an invoice for one while the node is away (`invoiceForAwayNode`),
 * each hash once, and it is paid in as above.
 *
 * Ended records are kept up to `maxEndedRecords`, the oldest ended removed
 * first; open ones are never removed.
 *
 * Every step is written to the store before it is handed to either side; a
 * restarted bridge (`start`) finishes what it had started and starts nothing twice.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../../node/core/hex.js';
import type { Clock } from '../../node/core/clock.js';
import { checkInteger, InvalidInputError } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { MAX_HASHES_PER_LEAVE } from '../../node/gateway-protocol/gateway-messages.js';
import { type Bolt11Network, readBolt11 } from '../../node/invoice/bolt11.js';
import type { BridgeRecord, PayInRecord, PayOutRecord } from './bridge-record.js';
import type { BridgeStore } from './bridge-store.js';
import type { LightningPaymentEvent, LightningPayments, MeshPaymentEvent, MeshPayments } from './bridge-ports.js';

/** The bridge's fee, as a forwarding fee (BOLT 7's shape): base plus millionths of the amount. */
export interface BridgeFee {
  readonly baseMsat: number;
  readonly proportionalMillionths: number;
}

export interface BridgeInit {
  readonly fee: BridgeFee;
  /** Which invoices the gateway pays and issues. */
  readonly network: Bolt11Network;
  /** Blocks kept between a Lightning deadline and the mesh HTLC's on the same payment: time to claim on chain. Default 36. */
  readonly safetyBlocks?: number;
  /** The final CLTV delta of the invoices issued for nodes: the hold window plus `safetyBlocks` plus the node's own need. Default 432 (3 days). */
  readonly finalCltvExpiryDelta?: number;
  /** The fewest blocks a mesh HTLC to a node may leave it before it expires. Default 36. */
  readonly meshFinalCltvExpiryDelta?: number;
  /** Blocks an invoice waits for its HTLC (or an HTLC for its invoice) before the half that came is dropped. Default 6. */
  readonly pairingBlocks?: number;
  /** Payments a node may have open at once (each costs the gateway a record and LDK an invoice). Default 16. */
  readonly maxOpenPerNode?: number;
  /** Payment hashes a node may leave with the gateway for invoices issued while it is away. Default 64. */
  readonly maxLeftHashesPerNode?: number;
  /**
   * Payments open at once and hashes left, over all nodes: a stranger with many fresh keys gets no more. Defaults
   * 1,000 and 10,000 (a record is a small file; a left hash 64 bytes).
   */
  readonly maxOpen?: number;
  readonly maxLeftHashes?: number;
  /** Ended records kept (for `lnmesh ln payments`); the oldest ended go first, open ones are never removed. Default 1,000. */
  readonly maxEndedRecords?: number;
}



export interface BridgeComponents {
  readonly lightning: LightningPayments;
  readonly mesh: MeshPayments;
  readonly store: BridgeStore;
  /** Invoice expiry is in unix seconds: `clock.now()` is milliseconds. */
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** A request the bridge refuses, with what the node needs to know; nothing was kept or sent. */
export class BridgeError extends Error {
  override name = 'BridgeError';
}

/** BOLT 7's formula, rounded down. */
export function bridgeFeeOn(fee: BridgeFee, amountMsat: number): number {
  return fee.baseMsat + Math.floor((amountMsat * fee.proportionalMillionths) / 1_000_000);
}

export class Bridge {
  private readonly records = new Map<string, BridgeRecord>();
  private readonly logger: Logger;
  private readonly settings: Required<BridgeInit>;
  private height = 0;
  /** Per node, the payment hashes (hex) it left, oldest first; each is used for one invoice. */
  private readonly left: Map<string, string[]>;

  constructor(
    private readonly components: BridgeComponents,
    init: BridgeInit,
  ) {
    this.logger = components.logger ?? silentLogger;
    this.settings = {
      fee: { baseMsat: checkInteger('fee.baseMsat', init.fee.baseMsat, 0, 1e9), proportionalMillionths: checkInteger('fee.proportionalMillionths', init.fee.proportionalMillionths, 0, 100_000) },
      network: init.network,
      safetyBlocks: checkInteger('safetyBlocks', init.safetyBlocks ?? 36, 6, 1000),
      finalCltvExpiryDelta: checkInteger('finalCltvExpiryDelta', init.finalCltvExpiryDelta ?? 432, 18, 2016),
      meshFinalCltvExpiryDelta: checkInteger('meshFinalCltvExpiryDelta', init.meshFinalCltvExpiryDelta ?? 36, 6, 2016),
      pairingBlocks: checkInteger('pairingBlocks', init.pairingBlocks ?? 6, 1, 144),
      maxOpenPerNode: checkInteger('maxOpenPerNode', init.maxOpenPerNode ?? 16, 1, 1000),
      maxLeftHashesPerNode: checkInteger('maxLeftHashesPerNode', init.maxLeftHashesPerNode ?? 64, 0, 10_000),
      maxOpen: checkInteger('maxOpen', init.maxOpen ?? 1000, 1, 1_000_000),
      maxLeftHashes: checkInteger('maxLeftHashes', init.maxLeftHashes ?? 10_000, 0, 10_000_000),
      maxEndedRecords: checkInteger('maxEndedRecords', init.maxEndedRecords ?? 1000, 0, 1_000_000),
    };
    if (this.settings.finalCltvExpiryDelta <= this.settings.safetyBlocks + this.settings.meshFinalCltvExpiryDelta) {
      throw new InvalidInputError('finalCltvExpiryDelta', `must exceed safetyBlocks + meshFinalCltvExpiryDelta (${this.settings.safetyBlocks + this.settings.meshFinalCltvExpiryDelta}): no hold window is left`);
    }
    for (const record of components.store.all()) this.records.set(keyOf(record.kind, record.paymentHash), record);
    this.left = components.store.leftHashes();
  }

  /** Every payment the bridge keeps, for `lnmesh ln payments`. */
  payments(): readonly BridgeRecord[] {
    return [...this.records.values()];
  }

  /**
   * After a restart, at `height`, before the mesh channels resume: finishes what had been handed to one side and not
   * yet answered to the other.
   */
  start(height: number): void {
    this.height = height;
    for (const record of this.records.values()) {
      if (record.kind === 'out' && record.state === 'paying' && this.components.lightning.outgoingPayment(hexToBytes(record.paymentHash)) === 'unknown') {
        // Written as paying, stopped before LDK had it: nothing left the gateway, so it is sent now, once.
        this.sendPayOut(record);
      } else if (record.kind === 'out' && record.state === 'paid') {
        this.components.mesh.fulfillHeld(hexToBytes(record.paymentHash), hexToBytes(record.paymentPreimage!));
      } else if (record.kind === 'in' && record.state === 'settled') {
        this.components.lightning.claim(hexToBytes(record.paymentPreimage!));
      } else if (record.kind === 'in' && record.state === 'forwarding' && !this.components.mesh.inFlight(hexToBytes(record.paymentHash))) {
        // Written as forwarding, stopped before the HTLC to the node was saved: it waits for the node again. (One
        // that is out ends by the manager's events, which it tells again after a restart until the HTLC is gone.)
        this.tryPayIn(this.put({ ...record, state: 'claimable' }) as PayInRecord);
      }
    }
  }

  // ---- out ----------------------------------------------------------------------------

  /**
   * A node asks the gateway to pay `invoiceText`; its HTLC comes (or came) separately. Returns what that HTLC
   * must carry: the invoice's amount plus the bridge fee. Throws BridgeError when refused.
   */
  payOutRequested(node: string, invoiceText: string): number {
    let invoice;
    try {
      invoice = readBolt11(invoiceText, this.unixNow(), this.settings.network);
    } catch (error) {
      throw new BridgeError(`cannot pay that invoice: ${(error as Error).message}`);
    }
    if (invoice.amountMsat === undefined) throw new BridgeError('the invoice names no amount: ask the payee for one that does');
    if (invoice.amountMsat > BigInt(Number.MAX_SAFE_INTEGER)) throw new BridgeError('the invoice asks more than the bridge carries');
    const paymentHash = bytesToHex(invoice.paymentHash);
    const half = { text: invoice.paymentRequest, amountMsat: Number(invoice.amountMsat), expiresAt: invoice.timestamp + invoice.expiry };
    const existing = this.records.get(keyOf('out', paymentHash)) as PayOutRecord | undefined;
    const owed = half.amountMsat + bridgeFeeOn(this.settings.fee, half.amountMsat);
    // Asked again by the same node before its HTLC came (its fee limit refused the first quote): the same quote.
    if (existing?.node === node && existing.state === 'waiting' && !existing.htlc && existing.invoice?.text === half.text) return owed;
    if (existing?.invoice) throw new BridgeError('that invoice is already being paid');
    if (!existing) this.checkRoom(node);
    const record: PayOutRecord = existing ? { ...existing, invoice: half } : { kind: 'out', paymentHash, node, state: 'waiting', invoice: half, since: this.height };
    this.put(record);
    this.tryPayOut(record);
    return owed;
  }

  /**
   * An HTLC to the gateway itself from its channel peer `node`, with no invoice of the gateway's: held for the
   * bridge. For a node beyond a forwarder, `node` is the forwarder (an HTLC does not name its sender), so the
   * invoice's node and the HTLC's are not compared: an HTLC with an invoice's hash pays that invoice, whoever
   * sent it, and nobody can take what another paid (the preimage settles only the HTLC that paid).
   */
  meshHtlcHeld(node: string, paymentHash: Uint8Array, amountMsat: number, cltvExpiry: number): void {
    const hash = bytesToHex(paymentHash);
    const existing = this.records.get(keyOf('out', hash)) as PayOutRecord | undefined;
    if (existing?.htlc?.amountMsat === amountMsat && existing.htlc.cltvExpiry === cltvExpiry) {
      // The same HTLC, reported again by a restarted manager: what was decided for it is done again (both idempotent).
      if (existing.state === 'failed') this.components.mesh.failHeld(paymentHash, existing.reason ?? 'failed');
      else if (existing.state === 'paid') this.components.mesh.fulfillHeld(paymentHash, hexToBytes(existing.paymentPreimage!));
      return;
    }
    if (existing?.htlc) {
      this.components.mesh.failHeld(paymentHash, 'that payment hash is already being paid');
      return;
    }
    const full = existing ? undefined : this.roomFor(node);
    if (full) {
      this.components.mesh.failHeld(paymentHash, full);
      return;
    }
    const htlc = { amountMsat, cltvExpiry };
    const record: PayOutRecord = existing ? { ...existing, htlc } : { kind: 'out', paymentHash: hash, node, state: 'waiting', htlc, since: this.height };
    this.put(record);
    this.tryPayOut(record);
  }

  /** Both halves here: checked, written as paying, then handed to LDK. */
  private tryPayOut(record: PayOutRecord): void {
    const { invoice, htlc } = record;
    if (record.state !== 'waiting' || !invoice || !htlc) return;
    const owed = invoice.amountMsat + bridgeFeeOn(this.settings.fee, invoice.amountMsat);
    const room = htlc.cltvExpiry - this.height - this.settings.safetyBlocks;
    let refusal: string | undefined;
    if (htlc.amountMsat < owed) refusal = `the HTLC carries ${htlc.amountMsat} msat; the invoice and the bridge fee need ${owed}`;
    else if (invoice.expiresAt <= this.unixNow()) refusal = 'the invoice expired';
    else if (room < 2 * this.settings.meshFinalCltvExpiryDelta) refusal = `the HTLC expires too soon to pay on (at ${htlc.cltvExpiry}, height ${this.height})`;
    if (refusal) return this.failPayOut(record, refusal);
    this.sendPayOut(this.put({ ...record, state: 'paying' }) as PayOutRecord);
  }

  private sendPayOut(record: PayOutRecord): void {
    const { invoice, htlc } = record;
    const room = htlc!.cltvExpiry - this.height - this.settings.safetyBlocks;
    try {
      // Everything the node paid above the invoice may go to routing: the gateway never pays more than it took.
      this.components.lightning.payInvoice(hexToBytes(record.paymentHash), invoice!.text, { maxFeeMsat: htlc!.amountMsat - invoice!.amountMsat, maxTotalCltvExpiryDelta: room });
    } catch (error) {
      this.failPayOut(record, `the Lightning Network payment could not start: ${(error as Error).message}`);
    }
  }

  private failPayOut(record: PayOutRecord, reason: string): void {
    this.put({ ...record, state: 'failed', reason });
    this.logger.log('info', `pay-out ${record.paymentHash.slice(0, 16)} failed: ${reason}`);
    if (record.htlc) this.components.mesh.failHeld(hexToBytes(record.paymentHash), reason);
  }

  // ---- in -----------------------------------------------------------------------------

  /** A node asks for a public invoice for its own payment hash; returns the BOLT 11 string. Throws BridgeError when refused. */
  publicInvoiceRequested(node: string, request: { readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly description: string; readonly expirySecs: number }): string {
    const paymentHash = bytesToHex(request.paymentHash);
    if (this.records.has(keyOf('in', paymentHash))) throw new BridgeError('an invoice for that payment hash was issued already');
    if (this.left.get(node)?.includes(paymentHash)) throw new BridgeError('that payment hash was left with the gateway: it is kept for an invoice issued while the node is away');
    this.checkRoom(node);
    const invoiceAmountMsat = request.amountMsat + bridgeFeeOn(this.settings.fee, request.amountMsat);
    const text = this.components.lightning.createInvoiceForHash({
      paymentHash: request.paymentHash,
      amountMsat: invoiceAmountMsat,
      description: request.description,
      expirySecs: request.expirySecs,
      minFinalCltvExpiryDelta: this.settings.finalCltvExpiryDelta,
    });
    this.put({ kind: 'in', paymentHash, node, amountMsat: request.amountMsat, invoiceAmountMsat, state: 'issued', expiresAt: this.unixNow() + request.expirySecs });
    return text;
  }

  /**
   * A node leaves payment hashes (their preimages stay on the node) for invoices the gateway may issue while the
   * node is away (`invoiceForAwayNode`). All are kept or none (BridgeError); returns how many the node has left now.
   */
  hashesLeft(node: string, paymentHashes: readonly Uint8Array[]): number {
    if (paymentHashes.length === 0 || paymentHashes.length > MAX_HASHES_PER_LEAVE) throw new BridgeError(`leave 1 to ${MAX_HASHES_PER_LEAVE} payment hashes at a time`);
    const kept = this.left.get(node) ?? [];
    const fresh = [...new Set(paymentHashes.map((hash) => bytesToHex(hash)))].filter((hash) => !kept.includes(hash));
    if (fresh.some((hash) => this.records.has(keyOf('in', hash)))) throw new BridgeError('an invoice was issued already for one of those payment hashes');
    const all = [...kept, ...fresh];
    if (all.length > this.settings.maxLeftHashesPerNode) {
      throw new BridgeError(`the gateway keeps at most ${this.settings.maxLeftHashesPerNode} payment hashes a node; this node has ${kept.length} left unused`);
    }
    const total = [...this.left.values()].reduce((sum, hashes) => sum + hashes.length, 0);
    if (total + fresh.length > this.settings.maxLeftHashes) throw new BridgeError(`the gateway keeps at most ${this.settings.maxLeftHashes} payment hashes in all, and is full: try again later`);
    this.setLeft(node, all);
    return all.length;
  }

  /** How many payment hashes `node` has left unused. */
  hashesLeftBy(node: string): number {
    return this.left.get(node)?.length ?? 0;
  }

  /**
   * An invoice for `node` while it is away, for one of the hashes it left (used once): issued as
   * `publicInvoiceRequested` issues one, and paid the same way, when the node is heard again.
   */
  invoiceForAwayNode(node: string, request: { readonly amountMsat: number; readonly description: string; readonly expirySecs: number }): { readonly invoice: string; readonly paymentHash: string } {
    // A hash invoiced since it was left (another node left it too) can never be used: dropped.
    const kept = (this.left.get(node) ?? []).filter((hash) => !this.records.has(keyOf('in', hash)));
    if (kept.length !== this.hashesLeftBy(node)) this.setLeft(node, kept);
    if (kept.length === 0) throw new BridgeError(`node ${node} has no payment hashes left with the gateway: it must leave more (lnmesh invoice --leave N on the node)`);
    this.checkRoom(node);
    const [paymentHash, ...rest] = kept as [string, ...string[]];
    // Taken from the list first (written), so that a crash between the two never issues a second invoice for it.
    this.setLeft(node, rest);
    try {
      return { invoice: this.publicInvoiceRequested(node, { ...request, paymentHash: hexToBytes(paymentHash) }), paymentHash };
    } catch (error) {
      this.setLeft(node, kept);
      throw error;
    }
  }

  private setLeft(node: string, hashes: readonly string[]): void {
    this.components.store.putLeftHashes(node, hashes);
    if (hashes.length > 0) this.left.set(node, [...hashes]);
    else this.left.delete(node);
  }

  /** What the gateway's LDK node reports about payments. */
  lightningEvent(event: LightningPaymentEvent): void {
    const hash = bytesToHex(event.paymentHash);
    if (event.type === 'sent' || event.type === 'failed') {
      const record = this.records.get(keyOf('out', hash)) as PayOutRecord | undefined;
      if (record?.state !== 'paying') return;
      if (event.type === 'failed') return this.failPayOut(record, `the Lightning Network payment failed: ${event.reason}`);
      // The preimage is written before the node's HTLC is settled with it: after a crash, `start` settles it again.
      this.put({ ...record, state: 'paid', paymentPreimage: bytesToHex(event.paymentPreimage), routingFeeMsat: event.feeMsat });
      this.components.mesh.fulfillHeld(event.paymentHash, event.paymentPreimage);
    } else if (event.type === 'claimable') {
      this.claimable(event.paymentHash, event.amountMsat, event.claimDeadline);
    }
  }

  /** LDK holds a payer's HTLC (again, after a restart, if it was not claimed). */
  private claimable(paymentHash: Uint8Array, amountMsat: number, claimDeadline: number): void {
    const record = this.records.get(keyOf('in', bytesToHex(paymentHash))) as PayInRecord | undefined;
    if (record?.state === 'claimable' || record?.state === 'forwarding') return;
    if (record?.state === 'settled') return this.components.lightning.claim(hexToBytes(record.paymentPreimage!));
    if (record?.state !== 'issued' || amountMsat < record.invoiceAmountMsat) return this.components.lightning.failBack(paymentHash);
    this.tryPayIn(this.put({ ...record, state: 'claimable', claimDeadline }) as PayInRecord);
  }

  /** The node's HTLC from the gateway settled: the preimage claims the Lightning payment. */
  meshPaymentSettled(paymentHash: Uint8Array, paymentPreimage: Uint8Array): void {
    const record = this.records.get(keyOf('in', bytesToHex(paymentHash))) as PayInRecord | undefined;
    if (record?.state !== 'forwarding') return;
    this.put({ ...record, state: 'settled', paymentPreimage: bytesToHex(paymentPreimage) });
    this.components.lightning.claim(paymentPreimage);
  }

  /** The node's HTLC from the gateway failed (or timed out on chain): the payer gets its HTLC back. */
  meshPaymentFailed(paymentHash: Uint8Array, reason: string): void {
    const record = this.records.get(keyOf('in', bytesToHex(paymentHash))) as PayInRecord | undefined;
    if (record?.state !== 'forwarding') return;
    this.failPayIn(record, `the node refused it: ${reason}`);
  }

  /** What the gateway's mesh channels report (see mesh-port.ts). */
  meshEvent(event: MeshPaymentEvent): void {
    if (event.type === 'held') this.meshHtlcHeld(event.node, event.paymentHash, event.amountMsat, event.cltvExpiry);
    else if (event.type === 'settled') this.meshPaymentSettled(event.paymentHash, event.paymentPreimage);
    else this.meshPaymentFailed(event.paymentHash, event.reason);
  }

  /** `node` is heard again: what waits for it is paid now. */
  nodeReachable(node: string): void {
    for (const record of this.records.values()) if (record.kind === 'in' && record.node === node && record.state === 'claimable') this.tryPayIn(record);
  }

  private tryPayIn(record: PayInRecord): void {
    const cltvExpiry = record.claimDeadline! - this.settings.safetyBlocks;
    if (cltvExpiry - this.height < this.settings.meshFinalCltvExpiryDelta) return this.failPayIn(record, 'the node stayed away past the hold window');
    if (!this.components.mesh.reachable(record.node)) return;
    const forwarding = this.put({ ...record, state: 'forwarding' }) as PayInRecord;
    try {
      this.components.mesh.pay(record.node, hexToBytes(record.paymentHash), record.amountMsat, cltvExpiry);
    } catch (error) {
      this.failPayIn(forwarding, `the mesh channel cannot carry it: ${(error as Error).message}`);
    }
  }

  private failPayIn(record: PayInRecord, reason: string): void {
    this.put({ ...record, state: 'failed', reason });
    this.logger.log('info', `pay-in ${record.paymentHash.slice(0, 16)} failed: ${reason}`);
    this.components.lightning.failBack(hexToBytes(record.paymentHash));
  }

  // ---- time ---------------------------------------------------------------------------

  /** A new block: halves that waited too long are dropped, held payments past their window failed back. */
  blockConnected(height: number): void {
    this.height = height;
    for (const record of [...this.records.values()]) {
      if (record.kind === 'out' && record.state === 'waiting' && height >= record.since + this.settings.pairingBlocks) {
        this.failPayOut(record, record.htlc ? 'no invoice came with the HTLC' : 'no HTLC came with the invoice');
      } else if (record.kind === 'in' && record.state === 'claimable') {
        this.tryPayIn(record);
      } else if (record.kind === 'in' && record.state === 'issued' && record.expiresAt <= this.unixNow()) {
        this.put({ ...record, state: 'failed', reason: 'the invoice expired unpaid' });
      }
    }
  }

  // ---- plumbing -----------------------------------------------------------------------

  /** Why one more payment for `node` cannot be opened now, or undefined when it can. */
  private roomFor(node: string): string | undefined {
    const open = [...this.records.values()].filter((record) => !ended(record));
    if (open.filter((record) => record.node === node).length >= this.settings.maxOpenPerNode) return `more than ${this.settings.maxOpenPerNode} payments open through the bridge: wait for some to end`;
    if (open.length >= this.settings.maxOpen) return `the bridge has ${this.settings.maxOpen} payments open, its most: try again later`;
    return undefined;
  }

  private checkRoom(node: string): void {
    const full = this.roomFor(node);
    if (full) throw new BridgeError(full);
  }

  private put(record: BridgeRecord): BridgeRecord {
    if (ended(record) && record.endedAt === undefined) record = { ...record, endedAt: this.height };
    this.components.store.put(record);
    this.records.set(keyOf(record.kind, record.paymentHash), record);
    if (ended(record)) this.pruneEnded();
    return record;
  }

  /** Keeps at most `maxEndedRecords` ended records, removing the oldest ended first (written before): a busy gateway's disk stays bounded. */
  private pruneEnded(): void {
    const endedRecords = [...this.records.values()].filter(ended);
    if (endedRecords.length <= this.settings.maxEndedRecords) return;
    // Records from before `endedAt` was kept count as the oldest.
    endedRecords.sort((a, b) => (a.endedAt ?? -1) - (b.endedAt ?? -1));
    for (const record of endedRecords.slice(0, endedRecords.length - this.settings.maxEndedRecords)) {
      this.components.store.remove(record);
      this.records.delete(keyOf(record.kind, record.paymentHash));
    }
  }

  private unixNow(): number {
    return Math.floor(this.components.clock.now() / 1000);
  }
}

function keyOf(kind: BridgeRecord['kind'], paymentHash: string): string {
  return `${kind}-${paymentHash}`;
}

/** Nothing more will happen to it. */
function ended(record: BridgeRecord): boolean {
  return record.state === 'failed' || record.state === 'paid' || record.state === 'settled';
}
