/**
 * The gateway's answers to mesh nodes (the other side of `node/uplink/`):
 * appointments to the watchtower with a signed receipt, headers, fee
 * estimates, merkle proofs, broadcasts; and, unasked, breach alerts from
 * the tower. A request it cannot serve gets a `refused` with the reason and
 * changes nothing. Nothing a node sends throws out of `handleMessage`.
 *
 * What it answers, the node checks for itself: receipts and alerts are
 * signed, headers carry their proof of work, a transaction its merkle
 * branch. So a relay in between can drop or delay, never forge.
 */
import { EventEmitter } from 'node:events';
import { bytesToHex } from '../../node/core/hex.js';
import { Transaction } from '../../node/bolt3/transaction.js';
import { hashToHex } from '../../node/chain/block-header.js';
import { merkleProof } from '../../node/chain/merkle.js';
import type { Messenger } from '../../node/core/messenger.js';
import { InvalidInputError } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import type { SignedBreachAlert } from '../../node/gateway-protocol/alert.js';
import { DecodeError } from '../../node/core/cbor.js';
import { type GatewayMessage, decodeGatewayMessage, encodeGatewayMessage } from '../../node/gateway-protocol/gateway-messages.js';
import { ungroupAppointments } from '../../node/gateway-protocol/appointment-batch.js';
import type { ChainSource } from '../chain/chain-source.js';
import type { Watchtower } from '../tower/watchtower.js';
import type { ChainFeed } from './chain-feed.js';
import type { Bridge } from '../bridge/bridge.js';
import { packInvoice, unpackInvoice } from '../../node/gateway-protocol/compact-invoice.js';

export interface NodeServiceComponents {
  /** Sends to a node (through the gateway's router and mailbox). */
  readonly messenger: Messenger;
  readonly chain: ChainSource;
  readonly tower: Pick<Watchtower, 'submit' | 'dropTag' | 'watchFunding' | 'on' | 'off'>;
  /** The chain feed (watches, acknowledgements, pushes); without it, nodes can only ask (headers, proofs). */
  readonly feed?: Pick<ChainFeed, 'watch' | 'unwatch' | 'acknowledge'>;
  /** The bridge to the Lightning Network, when the gateway runs one: it quotes payments out and issues public invoices. */
  readonly bridge?: Pick<Bridge, 'payOutRequested' | 'publicInvoiceRequested' | 'hashesLeft'>;
  /** Where what the service survives (a malformed request, an answer not sent) is told. Default nowhere. */
  readonly logger?: Logger;
}

export interface NodeServiceEvents {
  /** A request served or refused, for logs and counters. */
  served: [nodeId: string, type: string, outcome: 'answered' | 'refused'];
}

export class NodeService extends EventEmitter<NodeServiceEvents> {
  private readonly onAlert = (alert: SignedBreachAlert) => {
    const message: GatewayMessage = { type: 'breach_alert', locator: alert.locator, breachTxid: alert.breachTxid, justiceTxid: alert.justiceTxid, signature: alert.signature };
    this.components.messenger.send(bytesToHex(alert.nodeId), encodeGatewayMessage(message));
  };

  private readonly logger: Logger;

  constructor(private readonly components: NodeServiceComponents) {
    super();
    this.logger = components?.logger ?? silentLogger;
    for (const name of ['messenger', 'chain', 'tower'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the node service needs it');
    }
  }

  /** Starts passing the tower's breach alerts to their nodes. */
  start(): void {
    this.components.tower.on('alert', this.onAlert);
  }

  stop(): void {
    this.components.tower.off('alert', this.onAlert);
  }

  /** Answers one message from `nodeId` (hex). Resolves once the answer is sent; never rejects. */
  async handleMessage(nodeId: string, bytes: Uint8Array): Promise<void> {
    let message: ReturnType<typeof decodeGatewayMessage>;
    try {
      message = decodeGatewayMessage(bytes);
    } catch (error) {
      if (error instanceof DecodeError) return void this.logger.log('warn', `a malformed message from ${nodeId}: ${error.message}`);
      return void this.logger.log('warn', `a message from ${nodeId} met an internal error: ${(error as Error).stack ?? error}`);
    }
    if (message.type === 'feed_ack' && this.components.feed) {
      await this.components.feed.acknowledge(nodeId, message).catch((error) => this.logger.log('warn', `a feed_ack from ${nodeId}: ${(error as Error).message}`));
      return void this.emit('served', nodeId, message.type, 'answered');
    }
    if (message.type === 'unknown' || !('requestId' in message)) return;
    try {
      const answers = await this.answer(nodeId, message);
      for (const answer of [answers].flat()) if (answer) this.reply(nodeId, answer);
      this.emit('served', nodeId, message.type, 'answered');
    } catch (error) {
      // What the node must know to act: a quota, a bad field, the backend's refusal.
      this.reply(nodeId, { type: 'refused', requestId: message.requestId, reason: new TextEncoder().encode((error as Error).message.slice(0, 1000)) });
      this.emit('served', nodeId, message.type, 'refused');
    }
  }

  private async answer(nodeId: string, message: GatewayMessage): Promise<GatewayMessage | GatewayMessage[] | undefined> {
    const { chain, tower, feed } = this.components;
    switch (message.type) {
      case 'watch': {
        if (!feed) throw new Error('this gateway has no chain feed');
        // The proofs of matches in blocks already sent follow the `done`, tagged with its request id.
        const proofs = await feed.watch(nodeId, message);
        return [{ type: 'done', requestId: message.requestId }, ...proofs.map((proof) => ({ ...proof, requestId: message.requestId }))];
      }
      case 'unwatch':
        if (!feed) throw new Error('this gateway has no chain feed');
        await feed.unwatch(nodeId, message);
        return { type: 'done', requestId: message.requestId };
      case 'appointments':
        return { type: 'appointments_accepted', requestId: message.requestId, signature: tower.submit(nodeId, message.appointments) };
      case 'appointment_batch': {
        const appointments = ungroupAppointments(message.groups);
        return { type: 'appointments_accepted', requestId: message.requestId, signature: tower.submit(nodeId, appointments, { requireChannels: true }) };
      }
      case 'drop_tag':
        tower.dropTag(nodeId, message.tag);
        return { type: 'done', requestId: message.requestId };
      case 'watch_funding':
        tower.watchFunding(nodeId, message.tag, { txid: hashToHex(message.fundingTxid), vout: message.fundingOutputIndex });
        return { type: 'done', requestId: message.requestId };
      case 'get_headers': {
        const tip = await chain.tip();
        const headers: Uint8Array[] = [];
        for (let height = message.fromHeight; height <= tip.height && headers.length < message.count; height++) {
          const header = await chain.headerAt(height);
          if (!header) break;
          headers.push(header);
        }
        return { type: 'headers', requestId: message.requestId, startHeight: message.fromHeight, headers, tipHeight: tip.height };
      }
      case 'get_fee_estimate':
        return { type: 'fee_estimate', requestId: message.requestId, feeratePerKw: (await chain.estimateFeerate(message.targetBlocks)) ?? 0 };
      case 'get_tx_proof':
        return this.proof(message.requestId, message.txid);
      case 'broadcast': {
        const tx = Transaction.fromBuffer(message.transaction);
        const result = await chain.broadcast(tx);
        return {
          type: 'broadcast_result',
          requestId: message.requestId,
          txid: tx.getHash(),
          accepted: result.accepted ? 'yes' : 'no',
          ...(!result.accepted && { reason: new TextEncoder().encode(result.reason.slice(0, 1000)) }),
        };
      }
      case 'bridge_pay':
      case 'public_invoice':
      case 'leave_hashes':
        return this.bridgeAnswer(nodeId, message);
      default:
        return undefined; // answers and alerts are the gateway's own; a node sending them is ignored
    }
  }

  /** A payment out quoted (the invoice then waits for the node's HTLC), a public invoice issued, or hashes left; refused with the bridge's reason. */
  private bridgeAnswer(nodeId: string, message: Extract<GatewayMessage, { type: 'bridge_pay' | 'public_invoice' | 'leave_hashes' }>): GatewayMessage {
    const bridge = this.components.bridge;
    if (!bridge) throw new Error('this gateway has no bridge to the Lightning Network');
    const { requestId } = message;
    if (message.type === 'bridge_pay') return { type: 'bridge_quote', requestId, amountMsat: bridge.payOutRequested(nodeId, unpackInvoice(message.invoice)) };
    if (message.type === 'leave_hashes') return { type: 'hashes_left', requestId, left: bridge.hashesLeft(nodeId, message.paymentHashes) };
    const { paymentHash, amountMsat, expirySecs } = message;
    const description = new TextDecoder('utf-8', { fatal: true }).decode(message.description);
    const invoice = bridge.publicInvoiceRequested(nodeId, { paymentHash, amountMsat, description, expirySecs });
    return { type: 'public_invoice_issued', requestId, invoice: packInvoice(invoice) };
  }

  /** The transaction, its block's height, its index and merkle branch; refused while it is not in a block. */
  private async proof(requestId: number, txidInternal: Uint8Array): Promise<GatewayMessage> {
    const txid = hashToHex(txidInternal);
    const status = await this.components.chain.status(txid);
    if (status.state !== 'confirmed') throw new Error(`transaction ${txid} is ${status.state === 'mempool' ? 'in the mempool, not yet in a block' : 'unknown to the gateway'}`);
    const block = await this.components.chain.blockAt(status.height);
    const index = block?.transactions.findIndex((tx) => tx.getId() === txid) ?? -1;
    if (!block || index < 0) throw new Error(`transaction ${txid} moved while its proof was built; ask again`);
    const branch = merkleProof(
      block.transactions.map((tx) => tx.getHash()),
      index,
    );
    return { type: 'tx_proof', requestId, height: status.height, index, branch, transaction: block.transactions[index]!.toBuffer() };
  }

  private reply(nodeId: string, message: GatewayMessage): void {
    try {
      this.components.messenger.send(nodeId, encodeGatewayMessage(message));
    } catch (error) {
      this.logger.log('warn', `an answer to ${nodeId} could not be sent: ${(error as Error).message}`);
    }
  }
}
