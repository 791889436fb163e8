/**
 * A mesh node's side of the gateway's bridge to the Lightning Network.
 *
 * Out (`prepareBridgePayment`): the node reads the BOLT 11 invoice itself
 * (signature, amount, expiry, network), asks the gateway for a quote (the
 * invoice plus the bridge fee), checks the quote and the mesh fees to the
 * gateway against its limit, and gets back the request to pay: an HTLC to
 * the gateway with the invoice's payment hash. The gateway can take it only
 * with the preimage, which it gets only by paying the invoice.
 *
 * In (`issuePublicInvoice`): the node makes its own invoice (the preimage
 * stays here), one that accepts the expiry the bridge's HTLC will carry,
 * and asks the gateway for the BOLT 11 text for its payment hash; it checks
 * that the text names that hash and at least that amount.
 *
 * Left hashes (`leaveHashes`): requests of ours of any amount (at least 1
 * sat), with the same expiry rule as a public invoice's, whose hashes the
 * gateway keeps to issue invoices for us while we are away.
 */
import { bytesToHex } from '../core/hex.js';
import type { ChannelManager, PaymentRequest } from '../channel/manager.js';
import type { NetworkName } from '../chain/network-params.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { type Bolt11Network, readBolt11 } from '../invoice/bolt11.js';
import { RECEIVED_HTLC_CLAIM_BUFFER_BLOCKS } from '../monitor/deadlines.js';
import { MAX_HASHES_PER_LEAVE } from '../gateway-protocol/gateway-messages.js';
import { GatewayRefusalError, type Uplink } from './uplink.js';

/**
 * The expiry of the node's HTLC to the gateway, in blocks from now: the
 * gateway may lock the Lightning payment for this minus its safety margin
 * (36), which leaves LDK's routes (typically 40 to 144 blocks a hop) room.
 */
export const BRIDGE_PAYMENT_EXPIRY_DELTA = 576;

/**
 * The final expiry delta of a public invoice: its HTLC must leave the node
 * half of it (72 blocks) when it comes, twice the 36 blocks before expiry at
 * which a node goes on chain to claim an HTLC it has the preimage of.
 */
export const PUBLIC_INVOICE_FINAL_EXPIRY_DELTA = 4 * RECEIVED_HTLC_CLAIM_BUFFER_BLOCKS;

const BOLT11_NETWORK: Record<NetworkName, Bolt11Network> = { mainnet: 'bc', testnet: 'tb', signet: 'tbs', regtest: 'bcrt' };

export interface BridgeParts {
  readonly manager: Pick<ChannelManager, 'feeFor' | 'receive'>;
  readonly uplink: Pick<Uplink, 'gatewayId' | 'chainHeight' | 'quoteBridgePayment' | 'requestPublicInvoice' | 'leaveHashes'>;
  readonly network: NetworkName;
  /** Unix seconds. */
  readonly now: number;
}

export interface BridgePayment {
  /** The HTLC to the gateway: the invoice's payment hash, the quoted amount. */
  readonly request: PaymentRequest;
  readonly invoiceAmountMsat: number;
  /** What the gateway keeps or spends on routing: the quote above the invoice. */
  readonly bridgeFeeMsat: number;
  /** What the mesh forwarders to the gateway take. */
  readonly meshFeeMsat: number;
  /** The one the invoice pays (hex). */
  readonly payee: string;
}

/** Whether `text` looks like a BOLT 11 invoice rather than an lnmesh request (`lnm1...`). */
export function isBolt11(text: string): boolean {
  return /^ln(bc|tb|tbs|bcrt|sb)[0-9a-z]*1/i.test(text) && !/^lnm1/i.test(text);
}

/** Reads, quotes and checks; nothing is paid yet. `maxFeeMsat` bounds the bridge fee and the mesh fees together. */
export async function prepareBridgePayment(parts: BridgeParts, text: string, maxFeeMsat: number | undefined): Promise<BridgePayment> {
  const invoice = readBolt11(text, parts.now, BOLT11_NETWORK[parts.network]);
  if (invoice.amountMsat === undefined) throw new InvalidInputError('request', 'the invoice names no amount: ask the payee for one that does');
  if (invoice.amountMsat > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidInputError('request', 'the invoice asks more than a mesh channel can carry');
  const invoiceAmountMsat = Number(invoice.amountMsat);
  const height = parts.uplink.chainHeight;
  if (height === 0) throw new InvalidInputError('request', 'this node does not follow the chain yet: the payment needs the height');
  const quote = await parts.uplink.quoteBridgePayment(invoice.paymentRequest);
  const gateway = Uint8Array.from(Buffer.from(parts.uplink.gatewayId, 'hex'));
  const request: PaymentRequest = { paymentHash: invoice.paymentHash, amountMsat: quote, minFinalExpiry: height + BRIDGE_PAYMENT_EXPIRY_DELTA, payee: gateway };
  const bridgeFeeMsat = quote - invoiceAmountMsat;
  if (bridgeFeeMsat < 0) throw new GatewayRefusalError(`the gateway quoted ${quote} msat, less than the invoice's ${invoiceAmountMsat}`);
  const meshFeeMsat = parts.manager.feeFor(request);
  const limit = maxFeeMsat ?? Math.floor(invoiceAmountMsat / 100) + 1000;
  if (bridgeFeeMsat + meshFeeMsat > limit) {
    throw new InvalidInputError('maxFeeMsat', `the bridge fee (${bridgeFeeMsat} msat) and the mesh fees to the gateway (${meshFeeMsat} msat) are above the limit of ${limit} msat (raise it with --max-fee-msat)`);
  }
  return { request, invoiceAmountMsat, bridgeFeeMsat, meshFeeMsat, payee: bytesToHex(invoice.payee) };
}

/** A request of ours (its preimage kept here) and the gateway's BOLT 11 invoice for it. */
export async function issuePublicInvoice(
  parts: BridgeParts,
  options: { readonly amountMsat: number; readonly description: string; readonly expirySecs: number },
): Promise<{ readonly request: PaymentRequest; readonly invoice: string }> {
  checkInteger('amountMsat', options.amountMsat, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('expirySecs', options.expirySecs, 60, 7 * 24 * 3600);
  if (new TextEncoder().encode(options.description).length > 639) throw new InvalidInputError('description', 'longer than the 639 bytes BOLT 11 allows');
  const height = parts.uplink.chainHeight;
  if (height === 0) throw new InvalidInputError('amountMsat', 'this node does not follow the chain yet: an invoice needs the height');
  const request = parts.manager.receive(options.amountMsat, height, PUBLIC_INVOICE_FINAL_EXPIRY_DELTA);
  const invoice = await parts.uplink.requestPublicInvoice({ paymentHash: request.paymentHash, ...options });
  const read = readBolt11(invoice, parts.now, BOLT11_NETWORK[parts.network]);
  if (bytesToHex(read.paymentHash) !== bytesToHex(request.paymentHash)) throw new GatewayRefusalError('the gateway issued an invoice for another payment hash');
  if (read.amountMsat === undefined || read.amountMsat < BigInt(options.amountMsat)) throw new GatewayRefusalError('the gateway issued an invoice for less than asked');
  return { request, invoice: read.paymentRequest };
}


/**
 * Makes `count` requests of ours of any amount (at least 1 sat; the preimages stay here, written before the
 * hashes leave; `made` sees each), each accepting the expiry the bridge's HTLC carries, and leaves their hashes with the gateway.
 * Returns them, and how many the gateway now keeps for this node.
 */
export async function leaveHashes(parts: BridgeParts, count: number, made: (request: PaymentRequest) => void = () => undefined): Promise<{ readonly requests: readonly PaymentRequest[]; readonly left: number }> {
  checkInteger('count', count, 1, MAX_HASHES_PER_LEAVE);
  const height = parts.uplink.chainHeight;
  if (height === 0) throw new InvalidInputError('count', 'this node does not follow the chain yet: a payment hash needs the height');
  const requests = Array.from({ length: count }, () => parts.manager.receive(1000, height, PUBLIC_INVOICE_FINAL_EXPIRY_DELTA, { anyAmount: true }));
  for (const request of requests) made(request);
  const left = await parts.uplink.leaveHashes(requests.map((request) => request.paymentHash));
  return { requests, left };
}
