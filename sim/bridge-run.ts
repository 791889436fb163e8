/**
 * The bridge's events in a run, as a user would make them (issue 17):
 * - `payOutside`: the outside node makes a BOLT 11 invoice; the mesh node
 *   has the gateway quote it (`prepareBridgePayment`, over the mesh) and
 *   pays the quote with an HTLC to the gateway, which pays the invoice
 *   with LDK and settles the HTLC with the preimage;
 * - `payFromOutside`: the mesh node asks the gateway for a public invoice
 *   (`issuePublicInvoice`, over the mesh), or, if it is away, the gateway
 *   issues one from a payment hash the node left earlier
 *   (`invoiceForAwayNode`); the outside node pays it, the gateway holds the
 *   payment and pays the node when it is heard, and claims with the
 *   preimage the node reveals.
 * A node that will be paid from outside leaves, once its channel with the
 * gateway is open, one payment hash per such event (`leaveHashes`).
 * The ends go into the `BridgeBook`; `check` holds them against both sides.
 */
import { bytesToHex } from '../node/core/hex.js';
import { type Bridge, bridgeFeeOn } from '../gateway/bridge/bridge.js';
import type { ManagerEvent } from '../node/channel/manager.js';
import { type BridgeParts, issuePublicInvoice, leaveHashes, prepareBridgePayment } from '../node/uplink/bridge-payments.js';
import type { BridgePaymentRecord } from './bridge-book.js';
import type { Scenario } from './scenario.js';
import type { SimLightning } from './sim-lightning.js';
import type { SimNode } from './sim-node.js';
import { GATEWAY } from './topology.js';

/** A day: the expiry of every invoice the run makes (long enough for a node away a while; LDK counts it from the last block's time). */
const INVOICE_EXPIRY_SECS = 86_400;

export interface BridgeRunHost {
  readonly lightning: SimLightning;
  node(name: string): SimNode;
  idOf(name: string): string;
  /** Virtual time from the start of the run. */
  elapsed(): number;
  /** Virtual time, absolute, in ms. */
  now(): number;
  bridge(): Bridge | undefined;
  /** Hands the mesh side of a payment out to the payment book (noFundsLost follows the payer and forwarders). */
  started(paymentHash: Uint8Array, record: { from: string; to: string; amountMsat: number; feeMsat: number; startMs: number }): void;
  log(kind: string, detail: string): void;
  count(figure: string, by?: number): void;
  later(callback: () => void): void;
}

export class BridgeRun {
  /** Payment hashes (hex) each node was paid for over the mesh, with the amount. */
  private readonly received = new Map<string, { node: string; amountMsat: number }>();

  constructor(
    private readonly host: BridgeRunHost,
    private readonly scenario: Scenario,
  ) {}

  private get book() {
    return this.host.lightning.book;
  }

  private parts(name: string): BridgeParts | undefined {
    const node = this.host.node(name);
    if (!node.isRunning || !node.mesh?.uplink) return undefined;
    return { manager: node.mesh.manager, uplink: node.mesh.uplink, network: 'regtest', now: Math.floor(this.host.now() / 1000) };
  }

  payOutside(from: string, amountSatoshis: number): void {
    const record = this.book.start('out', from, amountSatoshis * 1000, this.host.elapsed());
    this.host.count('bridgePaymentsAsked');
    const parts = this.parts(from);
    if (!parts) return this.refuse(record, `${from} is offline`);
    const invoice = this.host.lightning.outside.createInvoice({ amountMsat: record.amountMsat, description: `from ${from}`, expirySecs: INVOICE_EXPIRY_SECS });
    this.book.name(record, invoice.paymentHash, { invoiceAmountMsat: record.amountMsat });
    const mesh = this.host.node(from).mesh!;
    prepareBridgePayment(parts, invoice.bolt11, undefined)
      .then((payment) => {
        if (this.host.node(from).mesh !== mesh || !this.host.node(from).isRunning) throw new Error(`${from} went offline before it could pay`);
        const feeMsat = mesh.manager.payRequest(payment.request);
        this.book.name(record, invoice.paymentHash, { meshAmountMsat: payment.request.amountMsat });
        this.host.started(payment.request.paymentHash, { from, to: 'outside', amountMsat: payment.request.amountMsat, feeMsat, startMs: record.startMs });
        this.host.log('bridge-pay-out', `${from} ${record.amountMsat} msat, ${payment.bridgeFeeMsat} msat to the bridge, ${feeMsat} msat to the mesh`);
      })
      .catch((error: Error) => this.refuse(record, error.message));
  }

  payFromOutside(to: string, amountSatoshis: number): void {
    const record = this.book.start('in', to, amountSatoshis * 1000, this.host.elapsed());
    this.host.count('bridgePaymentsAsked');
    const request = { amountMsat: record.amountMsat, description: `to ${to}`, expirySecs: INVOICE_EXPIRY_SECS };
    const parts = this.parts(to);
    if (!parts) return this.payAwayNode(record, request);
    issuePublicInvoice(parts, request).then(
      ({ request: made, invoice }) => this.outsidePays(record, bytesToHex(made.paymentHash), invoice, false),
      (error: Error) => this.refuse(record, error.message),
    );
  }

  /** The node is away: the gateway issues the invoice from a hash it left. */
  private payAwayNode(record: BridgePaymentRecord, request: { amountMsat: number; description: string; expirySecs: number }): void {
    const bridge = this.host.bridge();
    if (!bridge) return this.refuse(record, 'the gateway is out');
    try {
      const { invoice, paymentHash } = bridge.invoiceForAwayNode(this.host.idOf(record.node), request);
      this.outsidePays(record, paymentHash, invoice, true);
    } catch (error) {
      this.refuse(record, (error as Error).message);
    }
  }

  private outsidePays(record: BridgePaymentRecord, paymentHash: string, invoice: string, fromLeftHash: boolean): void {
    const invoiceAmountMsat = this.bridgeQuote(record.amountMsat);
    this.book.name(record, paymentHash, { invoiceAmountMsat, fromLeftHash });
    this.host.log('bridge-pay-in', `${record.node} ${record.amountMsat} msat${fromLeftHash ? ', away: from a hash it left' : ''}`);
    this.host.lightning.payFromOutside(paymentHash, invoice, () => this.host.elapsed());
  }

  /** What an invoice for `amountMsat` to a node asks the payer: the amount and the bridge fee on it. */
  private bridgeQuote(amountMsat: number): number {
    return amountMsat + bridgeFeeOn(this.scenario.gateway.lightning!.fee, amountMsat);
  }

  private refuse(record: BridgePaymentRecord, reason: string): void {
    this.book.end(record, 'failed', this.host.elapsed(), reason);
    this.host.count('bridgePaymentsRefused');
    this.host.log('bridge-payment-refused', `${record.kind} ${record.node} ${record.amountMsat} msat: ${reason}`);
  }

  /** What the nodes' channel managers say that concerns the bridge. */
  meshEvent(name: string, event: ManagerEvent): void {
    if (event.type === 'payment_sent' || event.type === 'payment_failed') {
      const record = this.book.get(bytesToHex(event.paymentHash));
      if (record?.kind !== 'out') return;
      this.book.end(record, event.type === 'payment_sent' ? 'settled' : 'failed', this.host.elapsed(), event.type === 'payment_failed' ? event.reason : undefined);
    } else if (event.type === 'payment_received') {
      this.received.set(bytesToHex(event.paymentHash), { node: name, amountMsat: event.amountMsat });
    } else if (event.type === 'channel_opened' && event.peer === this.host.idOf(GATEWAY)) {
      this.host.later(() => this.leaveHashes(name));
    }
  }

  /** One hash per `payFromOutside` to `name` (at most 16, a message's worth), for invoices while it is away. */
  private leaveHashes(name: string): void {
    const count = Math.min(16, this.scenario.events.filter((event) => event.kind === 'payFromOutside' && event.to === name).length);
    const parts = this.parts(name);
    if (count === 0 || !parts) return;
    leaveHashes(parts, count).then(
      ({ left }) => this.host.log('hashes-left', `${name}: the gateway keeps ${left}`),
      (error: Error) => this.host.log('hashes-not-left', `${name}: ${error.message}`),
    );
  }

  /** The mesh side of a settled payment in: what the node was paid for its hash. */
  receivedFor(paymentHash: string): { node: string; amountMsat: number } | undefined {
    return this.received.get(paymentHash);
  }
}

/** Where the checks report: a violation of an invariant (once per subject), a figure. */
export interface BridgeCheckReport {
  violation(invariant: 'paymentsEnd' | 'bridgeBalanced', subject: string, detail: string): void;
  figure(name: string, value: number): void;
}

/**
 * At the end of a run: every bridge payment ended (when the mesh is whole);
 * each end agrees on both sides (a payment out settled is one the outside
 * node claimed for the invoice's amount, one in settled is one the node was
 * paid for over the mesh; a failed one moved nothing); the outside node's
 * side of its channel moved by exactly what was paid to it less what it
 * paid; the gateway's mesh channels and its Lightning channel together moved
 * by the bridge fees it earned, never less.
 */
export async function checkBridge(run: BridgeRun, lightning: SimLightning, gatewayMesh: { localMsat: number; startMsat: number } | undefined, whole: boolean, report: BridgeCheckReport): Promise<void> {
  const book = lightning.book;
  for (const record of book.pendingPayments()) {
    if (whole) report.violation('paymentsEnd', `bridge ${record.kind} ${record.node} ${record.startMs}`, `the bridge payment ${record.kind} of ${record.node} (${record.amountMsat} msat), asked at ${record.startMs} ms, had not ended with the mesh whole`);
  }
  for (const record of book.all()) checkEnds(run, lightning, record, report);
  const outsideExpected = book.settledSum('out', (record) => record.amountMsat) - book.settledSum('in', (record) => record.invoiceAmountMsat ?? 0);
  if (!(await lightning.outsideSettles(outsideExpected))) {
    report.violation('bridgeBalanced', 'outside node', `the outside node's side moved by ${lightning.changes().outsideMsat} msat, not the ${outsideExpected} msat it was paid less what it paid`);
  }
  const changes = lightning.changes();
  const meshChange = gatewayMesh ? gatewayMesh.localMsat - gatewayMesh.startMsat : 0;
  const meshExpected = book.settledSum('out', (record) => record.meshAmountMsat ?? 0) - book.settledSum('in', (record) => record.amountMsat);
  if (gatewayMesh && meshChange !== meshExpected) report.violation('bridgeBalanced', 'gateway mesh', `the gateway's mesh channels moved by ${meshChange} msat, not the ${meshExpected} msat of the payments across the bridge`);
  if (changes.gatewayMsat !== -changes.outsideMsat) report.violation('bridgeBalanced', 'gateway lightning', `the gateway's side of the outside channel moved by ${changes.gatewayMsat} msat and the outside node's by ${changes.outsideMsat} msat: they should mirror`);
  figures(book, changes, meshChange, report);
}

/** One payment's end, on both sides. */
function checkEnds(run: BridgeRun, lightning: SimLightning, record: BridgePaymentRecord, report: BridgeCheckReport): void {
  if (record.paymentHash === undefined || record.outcome === 'pending') return;
  const subject = `bridge ${record.kind} ${record.paymentHash}`;
  if (record.kind === 'out') {
    const claimed = lightning.outsideClaims.get(record.paymentHash);
    if (record.outcome === 'settled' && claimed !== record.amountMsat) report.violation('bridgeBalanced', subject, `${record.node} paid out ${record.amountMsat} msat and the outside node claimed ${claimed ?? 'nothing'}`);
    if (record.outcome === 'failed' && claimed !== undefined) report.violation('bridgeBalanced', subject, `${record.node}'s payment out failed, yet the outside node claimed ${claimed} msat: the gateway paid and was not paid`);
    return;
  }
  const received = run.receivedFor(record.paymentHash);
  if (record.outcome === 'settled' && (received?.node !== record.node || received.amountMsat !== record.amountMsat)) {
    report.violation('bridgeBalanced', subject, `the outside node paid ${record.node} ${record.amountMsat} msat and the mesh shows ${received ? `${received.node} paid ${received.amountMsat} msat` : 'no payment'}`);
  }
  if (record.outcome === 'failed' && received !== undefined) report.violation('bridgeBalanced', subject, `the outside node's payment to ${record.node} failed, yet ${received.node} was paid ${received.amountMsat} msat over the mesh: the gateway paid and was not paid`);
}

function figures(book: SimLightning['book'], changes: { outsideMsat: number; gatewayMsat: number }, meshChange: number, report: BridgeCheckReport): void {
  const count = (kind: 'out' | 'in', outcome: BridgePaymentRecord['outcome']) => book.all().filter((record) => record.kind === kind && record.outcome === outcome).length;
  report.figure('bridgeOutSettled', count('out', 'settled'));
  report.figure('bridgeOutFailed', count('out', 'failed'));
  report.figure('bridgeInSettled', count('in', 'settled'));
  report.figure('bridgeInFailed', count('in', 'failed'));
  report.figure('bridgePendingAtEnd', book.pendingPayments().length);
  report.figure('bridgeInFromLeftHashes', book.all().filter((record) => record.kind === 'in' && record.fromLeftHash && record.outcome === 'settled').length);
  report.figure('outsideReceivedMsat', book.settledSum('out', (record) => record.amountMsat));
  report.figure('outsidePaidMsat', book.settledSum('in', (record) => record.invoiceAmountMsat ?? 0));
  report.figure('outsideChangeMsat', changes.outsideMsat);
  report.figure('gatewayLightningChangeMsat', changes.gatewayMsat);
  report.figure('gatewayMeshChangeMsat', meshChange);
  report.figure('bridgeFeesEarnedMsat', meshChange + changes.gatewayMsat);
}
