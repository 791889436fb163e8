/**
 * One payment each way across the gateway's bridge on a `BridgeRig`, waited
 * for until it has ended on both sides, and checked: what bench/bridge.ts
 * times and counts.
 *
 * - Out: the node reads the outside node's BOLT 11 invoice and asks the
 *   gateway for its quote (`prepareBridgePayment`), then pays its HTLC to the
 *   gateway; ended when the outside node has claimed exactly the invoice,
 *   the node holds the preimage, the gateway's record says paid and neither
 *   end of the mesh channel has an HTLC left.
 * - In: the node asks the gateway for a public invoice for its own payment
 *   hash (`issuePublicInvoice`), the outside node pays it; ended when the
 *   outside node has the preimage, the node has its amount, the gateway's
 *   LDK node has claimed, its record says settled and no HTLC is left.
 */
import { performance } from 'node:perf_hooks';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../node/core/hex.js';
import { issuePublicInvoice, prepareBridgePayment } from '../node/uplink/bridge-payments.js';
import type { BridgeRig } from '../sim/kit/bridge-rig.js';
import { eventually } from '../sim/kit/poll.js';

/** How long a payment may take before the bench gives up, and how often it looks (fine enough to time it). */
const PAYMENT_WAIT_MS = 120_000;
const POLL_MS = 2;

/** When a payment ended, in ms from its start; `askedMs` the first round trip (the quote, or the invoice). */
export interface Timed {
  readonly askedMs: number;
  readonly endedMs: number;
}

function recordState(rig: BridgeRig, paymentHash: string): string | undefined {
  return rig.gateway.bridge!.bridge.payments().find((record) => record.paymentHash === paymentHash)?.state;
}

/** Neither end of the mesh channel holds an HTLC. */
function meshSettled(rig: BridgeRig): boolean {
  return rig.node.manager.balances()[0]!.pendingHtlcs === 0 && rig.gateway.manager!.balances()[0]!.pendingHtlcs === 0;
}

const nodeMsat = (rig: BridgeRig) => rig.node.manager.balances()[0]!.localMsat;

/** The node pays an outside invoice of `amountMsat`. */
export async function payOut(rig: BridgeRig, amountMsat: number): Promise<Timed> {
  const invoice = rig.outside.node.createInvoice({ amountMsat, description: 'bench: out', expirySecs: 600 });
  const before = nodeMsat(rig);
  const start = performance.now();
  const payment = await prepareBridgePayment(rig.parts(), invoice.bolt11, undefined);
  const askedMs = performance.now() - start;
  rig.node.manager.payRequest(payment.request);
  const hash = invoice.paymentHash;
  await eventually(`the payment out (${hash}) to end on both sides`, () => {
    const claimed = rig.outside.events.some((event) => event.type === 'payment-claimed' && event.paymentHash === hash && event.amountMsat === amountMsat);
    const sent = rig.nodeEvents.some((event) => event.type === 'payment_sent' && bytesToHex(sha256(event.paymentPreimage)) === hash);
    return claimed && sent && recordState(rig, hash) === 'paid' && meshSettled(rig) ? true : undefined;
  }, PAYMENT_WAIT_MS, POLL_MS);
  const endedMs = performance.now() - start;
  const paid = before - nodeMsat(rig);
  if (paid !== amountMsat + payment.bridgeFeeMsat) throw new Error(`bench: the node paid ${paid} msat for an invoice of ${amountMsat} and a fee of ${payment.bridgeFeeMsat}`);
  return { askedMs, endedMs };
}

/** The outside node pays the node's public invoice of `amountMsat`. */
export async function payIn(rig: BridgeRig, amountMsat: number): Promise<Timed> {
  const before = nodeMsat(rig);
  const start = performance.now();
  const { request, invoice } = await issuePublicInvoice(rig.parts(), { amountMsat, description: 'bench: in', expirySecs: 600 });
  const askedMs = performance.now() - start;
  const hash = bytesToHex(request.paymentHash);
  const sent = await rig.outside.node.payInvoice(invoice);
  if (bytesToHex(sha256(Buffer.from(sent.preimage, 'hex'))) !== hash) throw new Error('bench: the outside node got a wrong preimage');
  await eventually(`the payment in (${hash}) to end on both sides`, () => {
    const claimed = rig.ldk.events.some((event) => event.type === 'payment-claimed' && event.paymentHash === hash);
    const received = rig.nodeEvents.some((event) => event.type === 'payment_received' && bytesToHex(event.paymentHash) === hash);
    return claimed && received && recordState(rig, hash) === 'settled' && meshSettled(rig) ? true : undefined;
  }, PAYMENT_WAIT_MS, POLL_MS);
  const endedMs = performance.now() - start;
  if (nodeMsat(rig) - before !== amountMsat) throw new Error(`bench: the node got ${nodeMsat(rig) - before} msat of ${amountMsat}`);
  return { askedMs, endedMs };
}
