/**
 * The gateway's Lightning verbs on its control socket (`lnmesh ln ...`):
 * its LDK node and its on-chain wallet, when the config has a `lightning:`
 * section; without one each says how to enable it. Bad input is refused
 * naming the parameter before anything is asked of LDK or the wallet.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../../node/core/hex.js';
import type { ControlHandlers } from '../../node/control/control-api.js';
import { ControlError } from '../../node/control/control-protocol.js';
import type { GatewayControlApi, LnPaymentShape } from '../../node/control/gateway-api.js';
import { InvalidInputError, checkHex, checkInteger } from '../../node/core/input.js';
import { MAX_SATOSHIS } from '../../node/bolt3/transaction.js';
import { scriptToAddress } from '../../node/wallet/address.js';
import type { NetworkName } from '../../node/chain/network-params.js';
import { type Bolt11Network, readBolt11 } from '../../node/invoice/bolt11.js';
import { LightningError } from '../lightning/lightning-errors.js';
import { BridgeError } from '../bridge/bridge.js';
import type { PayInRecord } from '../bridge/bridge-record.js';
import { MESH_FINAL_CLTV_EXPIRY_DELTA } from '../bridge/gateway-bridge.js';
import type { GatewayDaemonParts } from './gateway-daemon-parts.js';
import type { GatewayLightning } from './gateway-lightning.js';

type LightningHandlers = Pick<ControlHandlers<GatewayControlApi>, 'lnInfo' | 'lnAddress' | 'lnConnect' | 'lnOpen' | 'lnChannels' | 'lnClose' | 'lnPay' | 'lnInvoice' | 'lnPayments'>;

/** How long `lnConnect` waits for the peer's handshake and `init` after TCP connected. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** An invoice's default lifetime: an hour, as LDK's and most wallets' default. */
export const DEFAULT_INVOICE_EXPIRY_SECS = 3600;
/** A week at most: a longer-lived invoice is one the payee forgets it issued. */
export const MAX_INVOICE_EXPIRY_SECS = 7 * 86_400;

export function lightningHandlers(parts: GatewayDaemonParts): LightningHandlers {
  const lightning = (): GatewayLightning => {
    if (!parts.lightning) {
      throw new ControlError('lightning_disabled', `this gateway runs no Lightning node: add a lightning: section to ${parts.config.file} (e.g. lightning: { listen: 127.0.0.1:9735 }; lnmesh init gateway's template documents it) and restart the gateway`);
    }
    return parts.lightning;
  };
  return {
    lnInfo: () => lightningInfo(parts, lightning()),
    lnAddress: async () => ({ address: scriptToAddress(await lightning().wallet.receiveScript(), parts.config.network) }),
    lnConnect: (params) => connect(lightning(), params),
    lnOpen: async (params) => {
      const { node } = lightning();
      const nodeId = checkHex('nodeId', params.nodeId, 33);
      const satoshis = checkInteger('satoshis', params.satoshis, 1_000, MAX_SATOSHIS);
      const pushMsat = checkInteger('pushMsat', params.pushMsat ?? 0, 0, satoshis * 1000);
      if (!node.peers().some((peer) => bytesToHex(peer) === bytesToHex(nodeId))) {
        throw new InvalidInputError('nodeId', `${bytesToHex(nodeId)} is not connected: lnmesh ln connect ${bytesToHex(nodeId)}@HOST:PORT first`);
      }
      const channelId = await asControlError(node.openChannel(nodeId, satoshis, { pushMsat }));
      parts.logger.info({ channelId, peer: bytesToHex(nodeId), satoshis, pushMsat }, 'lightning channel funded');
      return { channelId, satoshis };
    },
    lnChannels: () => lightning().node.channels(),
    lnClose: async (params) => {
      const channelId = bytesToHex(checkHex('channelId', params.channelId, 32));
      if (params.force !== undefined && typeof params.force !== 'boolean') throw new InvalidInputError('force', 'expected true or false');
      const force = params.force === true;
      await asControlError((async () => lightning().node.closeChannel(channelId, { force }))());
      parts.logger.info({ channelId, force }, 'lightning channel closing');
      return { channelId, force };
    },
    lnPay: (params) => pay(lightning(), params, parts.config.network, parts.clock.now()),
    lnInvoice: async (params) => {
      const { node, invoices } = lightning();
      const satoshis = checkInteger('satoshis', params.satoshis, 1, MAX_SATOSHIS);
      const expirySecs = checkInteger('expirySecs', params.expirySecs ?? DEFAULT_INVOICE_EXPIRY_SECS, 60, MAX_INVOICE_EXPIRY_SECS);
      const description = params.description ?? '';
      if (typeof description !== 'string' || Buffer.byteLength(description) > 639) throw new InvalidInputError('description', 'expected text of at most 639 bytes (what a BOLT 11 invoice holds)');
      const amountMsat = satoshis * 1000;
      if (params.forNode !== undefined) return invoiceForNode(parts, bytesToHex(checkHex('forNode', params.forNode, 33)), { amountMsat, description, expirySecs });
      const invoice = await asControlError((async () => node.createInvoice({ amountMsat, description, expirySecs }))());
      // Kept before it is handed out: `lnmesh ln payments` lists it, paid or not.
      invoices.add({ paymentHash: invoice.paymentHash, bolt11: invoice.bolt11, amountMsat, description, expiresAt: Math.floor(parts.clock.now() / 1000) + expirySecs, state: 'unpaid' });
      return { ...invoice, amountMsat, expirySecs };
    },
    lnPayments: () => [...payments(lightning(), parts.clock.now()), ...bridgedIn(parts, lightning().settings.safetyBlocks)],
  };
}

/** An invoice for a mesh node that is away, for a payment hash it left; the bridge's refusal names what to do. */
function invoiceForNode(parts: GatewayDaemonParts, node: string, request: { readonly amountMsat: number; readonly description: string; readonly expirySecs: number }) {
  const bridge = parts.gateway.bridge?.bridge;
  if (!bridge) throw new ControlError('lightning_disabled', 'this gateway runs no bridge to the mesh (it needs mesh channels and a lightning: section)');
  let issued;
  try {
    issued = bridge.invoiceForAwayNode(node, request);
  } catch (error) {
    if (error instanceof BridgeError) throw new InvalidInputError('forNode', error.message);
    throw error;
  }
  parts.logger.info({ node, paymentHash: issued.paymentHash, amountMsat: request.amountMsat }, 'invoice issued for a mesh node');
  return { bolt11: issued.invoice, paymentHash: issued.paymentHash, amountMsat: request.amountMsat, expirySecs: request.expirySecs, forNode: node, hashesLeft: bridge.hashesLeftBy(node) };
}

async function lightningInfo(parts: GatewayDaemonParts, lightning: GatewayLightning) {
  const { node, wallet, listen } = lightning;
  const channels = node.channels();
  const usable = channels.filter((channel) => channel.usable);
  const balance = await wallet.balance();
  return {
    nodeId: bytesToHex(node.nodeId),
    listen: listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`,
    network: parts.config.network,
    blockHeight: node.bestBlock.height,
    channels: channels.length,
    channelsUsable: usable.length,
    peers: node.peers().length,
    graph: node.graph(),
    outboundMsat: usable.reduce((sum, channel) => sum + channel.outboundCapacityMsat, 0),
    inboundMsat: usable.reduce((sum, channel) => sum + channel.inboundCapacityMsat, 0),
    wallet: { confirmedSat: balance.confirmed, unconfirmedSat: balance.unconfirmed },
  };
}

/** Connects, then waits until the peer's `init` came (so that `open` may follow at once). */
async function connect(lightning: GatewayLightning, params: { readonly nodeId?: unknown; readonly host?: unknown; readonly port?: unknown }) {
  const { node } = lightning;
  const nodeId = bytesToHex(checkHex('nodeId', params.nodeId, 33));
  if (typeof params.host !== 'string' || !/^[A-Za-z0-9.:-]{1,253}$/.test(params.host)) throw new InvalidInputError('host', 'expected a host name or IP address');
  const port = checkInteger('port', params.port, 1, 65535);
  const connected = () => node.peers().some((peer) => bytesToHex(peer) === nodeId);
  const address = `${params.host}:${port}`;
  if (!connected()) {
    await asControlError(node.connect(hexToBytes(nodeId), params.host, port));
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    while (!connected()) {
      if (Date.now() > deadline) throw new ControlError('connect_failed', `${address} accepted the connection but no Lightning handshake with ${nodeId} completed within ${CONNECT_TIMEOUT_MS / 1000} s: is it that node?`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { nodeId, address };
}

/** Each network's BOLT 11 prefix (`lnbcrt...` on regtest). */
const BOLT11_NETWORKS: Readonly<Record<NetworkName, Bolt11Network>> = { mainnet: 'bc', testnet: 'tb', signet: 'tbs', regtest: 'bcrt' };

async function pay(lightning: GatewayLightning, params: { readonly bolt11?: unknown; readonly maxFeeMsat?: unknown }, network: NetworkName, nowMs: number) {
  if (typeof params.bolt11 !== 'string' || params.bolt11.length === 0) throw new InvalidInputError('bolt11', 'expected a BOLT 11 invoice (lnbc..., lntb..., lnbcrt...)');
  // Checked before LDK sees it: its network (LDK would look for a route on this one), signature, expiry and amount.
  let invoice: ReturnType<typeof readBolt11>;
  try {
    invoice = readBolt11(params.bolt11, Math.floor(nowMs / 1000), BOLT11_NETWORKS[network]);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError('bolt11', `not a BOLT 11 invoice this gateway can pay: ${error.message}`);
    throw error;
  }
  if (invoice.amountMsat === undefined) throw new InvalidInputError('bolt11', 'the invoice has no amount; ask the payee for one with an amount');
  const maxFeeMsat = params.maxFeeMsat === undefined ? undefined : checkInteger('maxFeeMsat', params.maxFeeMsat, 0, Number.MAX_SAFE_INTEGER);
  const sent = await asControlError(lightning.node.payInvoice(params.bolt11, maxFeeMsat === undefined ? {} : { maxFeeMsat }));
  const record = lightning.node.outgoingPayments().find((payment) => payment.paymentHash === sent.paymentHash);
  return { ...sent, amountMsat: record?.amountMsat ?? 0 };
}

/** Sent payments as recorded before each was sent, then the invoices issued; newest last within each. */
function payments(lightning: GatewayLightning, nowMs: number): LnPaymentShape[] {
  const sent: LnPaymentShape[] = lightning.node.outgoingPayments().map((payment) => ({ direction: 'sent', ...payment }));
  const received: LnPaymentShape[] = lightning.invoices.list().map((invoice) => ({
    direction: 'received',
    paymentHash: invoice.paymentHash,
    amountMsat: invoice.receivedMsat ?? invoice.amountMsat,
    state: invoice.state === 'received' ? 'received' : invoice.expiresAt * 1000 <= nowMs ? 'expired' : 'unpaid',
    bolt11: invoice.bolt11,
    description: invoice.description,
  }));
  return [...sent, ...received];
}

/**
 * Payments to mesh nodes' invoices (issued by the bridge, held for the node, then passed on): the node the
 * invoice is for, what the payer pays, and for a payment failed back, why (the node stayed away, the mesh
 * channel could not carry it, the node refused it).
 */
function bridgedIn(parts: GatewayDaemonParts, safetyBlocks: number): LnPaymentShape[] {
  const records = parts.gateway.bridge?.bridge.payments() ?? [];
  const nowSecs = Math.floor(parts.clock.now() / 1000);
  return records.flatMap((record) => {
    if (record.kind !== 'in') return [];
    const state = bridgedInState(record, nowSecs);
    // The last height at which the node is still paid when heard (Bridge.tryPayIn's rule): after it, failed back.
    const heldUntil = state === 'held' && record.claimDeadline !== undefined ? record.claimDeadline - safetyBlocks - MESH_FINAL_CLTV_EXPIRY_DELTA : undefined;
    return [
      {
        direction: 'received',
        paymentHash: record.paymentHash,
        amountMsat: record.invoiceAmountMsat,
        state,
        forNode: record.node,
        ...(heldUntil !== undefined && { heldUntil }),
        ...(record.reason !== undefined && { reason: record.reason }),
      },
    ];
  });
}

/** A bridge record's state as `lnmesh ln payments` says it: claimable and forwarding are both held for the node. */
function bridgedInState(record: PayInRecord, nowSecs: number): LnPaymentShape['state'] {
  if (record.state === 'settled') return 'received';
  if (record.state === 'failed') return 'failed';
  if (record.state === 'issued') return record.expiresAt <= nowSecs ? 'expired' : 'unpaid';
  return 'held';
}

/** LDK's refusals: bad input names its parameter (exit 2 in the CLI); the rest say what failed, with LDK's code. */
async function asControlError<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (!(error instanceof LightningError)) throw error;
    if (error.code === 'invalid-invoice' || error.code === 'invoice-expired' || error.code === 'duplicate-payment') throw new InvalidInputError('bolt11', error.message);
    if (error.code === 'unknown-channel') throw new InvalidInputError('channelId', error.message);
    throw new ControlError(error.code.replace(/-/g, '_'), error.message);
  }
}
