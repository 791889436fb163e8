/**
 * What a mesh node asks of its gateway, and checks for itself.
 *
 * - Appointments for the watchtower go in batches; the node drops them
 *   from its queue only for a receipt signed by the gateway's key over what
 *   it sent (`node/tower/receipt.ts`). A refusal (quota, bad input) leaves
 *   them queued and is reported.
 * - Headers: the node keeps its own header chain, checking proof of work
 *   and linkage (`node/chain/header-chain.ts`); a gateway that sends bad
 *   headers changes nothing and is reported. Each request overlaps the
 *   last few headers the node has, so that a short reorg is seen; when the
 *   gateway's chain does not link, the overlap doubles.
 * - Transactions that matter to the node (its funding transactions, what it
 *   broadcast) are confirmed by a merkle proof against its own headers.
 * - Broadcasts: the node hands signed transactions to the gateway and
 *   learns whether the backend accepted them, with its reason if not.
 * - Fee estimates feed the channels' feerate (update_fee).
 * - Breach alerts are checked against the gateway's key before anyone hears of them.
 *
 * Everything travels as gateway messages (`node/wire/gateway-messages.ts`)
 * through the router, so the gateway may be several hops away. Requests are
 * repeated on a timer (`pollIntervalMs`), since any of them may be lost in a
 * partition: each is idempotent.
 */
import { EventEmitter } from 'node:events';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Transaction } from '../bolt3/transaction.js';
import { hashToHex, hexToHash } from '../chain/block-header.js';
import { HeaderChainError, type ChainChange, type HeaderChain } from '../chain/header-chain.js';
import type { ChannelManager, Messenger, TaggedAppointment } from '../channel/manager.js';
import type { Clock } from '../clock.js';
import { InvalidInputError, checkHex, checkInteger } from '../input.js';
import { checkPublicKey } from '../keys/curve.js';
import type { RandomBytes } from '../keys/seed.js';
import { verifyAlert } from '../tower/alert.js';
import { verifyReceipt } from '../tower/receipt.js';
import { DecodeError } from '../wire/cbor.js';
import { type GatewayMessage, MAX_APPOINTMENTS_PER_BATCH, MAX_HEADERS_PER_MESSAGE, decodeGatewayMessage, encodeGatewayMessage } from '../wire/gateway-messages.js';

/** What the uplink needs of the channel manager. */
export type UplinkManager = Pick<ChannelManager, 'pendingAppointments' | 'appointmentDelivered' | 'updateFeerate' | 'awaitingFunding' | 'fundingConfirmed' | 'channelsForTower'>;

export interface UplinkComponents {
  /** Sends to the gateway (through the router). */
  readonly messenger: Messenger;
  readonly manager: UplinkManager;
  readonly headerChain: HeaderChain;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
  /** Our node id: receipts and alerts are signed for it. */
  readonly nodeId: Uint8Array;
}

export interface UplinkInit {
  /** The gateway's node id (hex): its key signs receipts and alerts. */
  readonly gatewayId: string;
  /** How often requests are repeated (headers, fees, proofs, appointments not yet receipted). Default 10 minutes. */
  readonly pollIntervalMs?: number;
  /** Appointments per batch. Default 16 (a batch of kits is about 3.5 kB). */
  readonly appointmentsPerBatch?: number;
  /** The fee estimate's target, in blocks. Default 6. */
  readonly feeTargetBlocks?: number;
  /**
   * How long a batch of appointments may wait for its receipt before it is
   * sent again. Default 24 hours: the links deliver exactly once, in order,
   * so a batch is lost only if the gateway crashes with it; sent again
   * sooner, it only queues duplicates behind itself on a slow radio (in the
   * simulator, a gateway outage of a day made the nodes spend their airtime
   * re-sending appointments every two polls, and payments stalled).
   */
  readonly appointmentTimeoutMs?: number;
  /**
   * Tell the tower each channel's funding outpoint, so that it keeps the
   * channel's appointments until that output is spent and buried, and then
   * forgets them. Default true; without it they stay until `dropTag`.
   */
  readonly revealFunding?: boolean;
}

export interface BroadcastOutcome {
  readonly txid: string;
  readonly accepted: boolean;
  readonly reason?: string;
}

export interface UplinkEvents {
  /** The header chain moved (connected and disconnected headers). */
  headers: [change: ChainChange];
  /** A watched transaction's depth, proven against our headers (display-order txid). */
  confirmations: [txid: string, confirmations: number];
  /** A watched transaction proven in a block of our best chain: the transaction itself (a deposit to the wallet is read from it). */
  proven: [tx: Transaction, confirmations: number];
  broadcast: [outcome: BroadcastOutcome];
  /** The tower answered a breach of one of our channels (the alert is verified). */
  breach: [alert: { breachTxid: string; justiceTxid: string }];
  /** The gateway refused a request; nothing was done. */
  refused: [what: string, reason: string];
  /** Something survived: a bad answer from the gateway, a manager that refused a feerate. */
  warning: [message: string];
}

const MIN_OVERLAP = 6;

type Request =
  | { kind: 'appointments'; batch: TaggedAppointment[] }
  | { kind: 'proof'; txid: string }
  | { kind: 'broadcast'; txid: string }
  | { kind: 'headers' }
  /** watch_funding or drop_tag, for the tag (hex). */
  | { kind: 'tag'; tag: string };
type InFlight = Request & { readonly sentAt: number };

export class Uplink extends EventEmitter<UplinkEvents> {
  readonly gatewayId: string;
  private readonly gatewayKey: Uint8Array;
  private readonly pollIntervalMs: number;
  private readonly appointmentsPerBatch: number;
  private readonly feeTargetBlocks: number;
  private readonly appointmentTimeoutMs: number;
  private nextRequestId: number;
  /** Requests in flight, by id: what each was for, and when it was sent. */
  private readonly inFlight = new Map<number, InFlight>();
  /** Transactions handed over for broadcast and not yet answered: sent again at each round. */
  private readonly unansweredBroadcasts = new Map<string, Transaction>();
  private readonly appointmentsInFlight = new Set<string>();
  /** Transactions we want proofs for (display-order txid), until this deep. */
  private readonly watched = new Map<string, number>();
  /**
   * The block each watched transaction was proven in: while that block stays
   * in our best chain, its depth follows from our headers alone, and the
   * proof (a transaction and a merkle branch, hundreds of bytes over the
   * radio) is not asked for again.
   */
  private readonly provenIn = new Map<string, string>();
  private overlap = MIN_OVERLAP;
  private readonly revealFunding: boolean;
  /** Tags whose funding outpoint the tower acknowledged (this run: repeating is harmless). */
  private readonly fundingRevealed = new Set<string>();
  private cancelPoll: (() => void) | undefined;

  constructor(
    private readonly components: UplinkComponents,
    init: UplinkInit,
  ) {
    super();
    for (const name of ['messenger', 'manager', 'headerChain', 'clock', 'randomBytes', 'nodeId'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the uplink needs it');
    }
    this.gatewayKey = checkPublicKey('gatewayId', checkHex('gatewayId', init.gatewayId));
    this.gatewayId = bytesToHex(this.gatewayKey);
    this.pollIntervalMs = checkInteger('pollIntervalMs', init.pollIntervalMs ?? 600_000, 1, 86_400_000);
    this.appointmentsPerBatch = checkInteger('appointmentsPerBatch', init.appointmentsPerBatch ?? 16, 1, MAX_APPOINTMENTS_PER_BATCH);
    this.feeTargetBlocks = checkInteger('feeTargetBlocks', init.feeTargetBlocks ?? 6, 1, 1008);
    this.revealFunding = init.revealFunding ?? true;
    this.appointmentTimeoutMs = checkInteger('appointmentTimeoutMs', init.appointmentTimeoutMs ?? 86_400_000, 1, 30 * 86_400_000);
    const random = components.randomBytes(4);
    this.nextRequestId = ((random[0]! << 24) | (random[1]! << 16) | (random[2]! << 8) | random[3]!) >>> 1;
  }

  /** The height of the node's own header chain. */
  get chainHeight(): number {
    return this.components.headerChain.height;
  }

  /** Asks for everything now, and again every `pollIntervalMs`. */
  start(): void {
    if (this.cancelPoll) return;
    const poll = () => {
      this.cancelPoll = this.components.clock.setTimer(this.pollIntervalMs, poll);
      this.sync();
    };
    this.cancelPoll = this.components.clock.setTimer(this.pollIntervalMs, poll);
    this.sync();
  }

  stop(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }

  /** One round of requests: headers, a fee estimate, proofs for what we watch, appointments not receipted. */
  sync(): void {
    this.forgetStaleRequests();
    this.requestHeaders();
    this.send({ type: 'get_fee_estimate', requestId: this.requestId(), targetBlocks: this.feeTargetBlocks });
    for (const { fundingTxid, minimumDepth } of this.components.manager.awaitingFunding()) this.watch(fundingTxid, minimumDepth, false);
    this.updateWatched();
    for (const tx of this.unansweredBroadcasts.values()) this.sendBroadcast(tx);
    this.flushAppointments();
    if (this.revealFunding) this.revealFundingOutpoints();
  }

  /** Tells the tower the funding outpoint of each channel it has not acknowledged yet. */
  revealFundingOutpoints(): void {
    for (const { tag, fundingTxid, fundingOutputIndex } of this.components.manager.channelsForTower()) {
      const tagHex = bytesToHex(tag);
      if (this.fundingRevealed.has(tagHex)) continue;
      this.send({ type: 'watch_funding', requestId: this.requestId({ kind: 'tag', tag: tagHex }), tag, fundingTxid: hexToHash(fundingTxid), fundingOutputIndex });
    }
  }

  /** Asks the tower to forget a channel's appointments now (a node that does not reveal funding outpoints, once the close is buried). */
  dropTag(tag: Uint8Array): void {
    this.send({ type: 'drop_tag', requestId: this.requestId({ kind: 'tag', tag: bytesToHex(tag) }), tag });
  }

  /** Requests unanswered for two rounds (appointments: for `appointmentTimeoutMs`) are presumed lost, and may go again. */
  private forgetStaleRequests(): void {
    const now = this.components.clock.now();
    for (const [id, request] of this.inFlight) {
      if (request.sentAt > now - (request.kind === 'appointments' ? this.appointmentTimeoutMs : 2 * this.pollIntervalMs)) continue;
      this.inFlight.delete(id);
      if (request.kind === 'appointments') this.release(request.batch);
    }
  }

  /** Sends the appointments not yet receipted nor in flight, in batches. */
  flushAppointments(): void {
    const waiting = this.components.manager.pendingAppointments().filter((appointment) => !this.appointmentsInFlight.has(bytesToHex(appointment.locator)));
    for (let start = 0; start < waiting.length; start += this.appointmentsPerBatch) {
      const batch = waiting.slice(start, start + this.appointmentsPerBatch);
      const requestId = this.requestId({ kind: 'appointments', batch });
      for (const appointment of batch) this.appointmentsInFlight.add(bytesToHex(appointment.locator));
      this.send({ type: 'appointments', requestId, appointments: batch.map(({ locator, blob, tag }) => ({ locator, blob, tag })) });
    }
  }

  /** Hands a signed transaction to the gateway for broadcast; its outcome comes as a `broadcast` event, its depth as `confirmations`. */
  broadcast(tx: Transaction): void {
    this.unansweredBroadcasts.set(tx.getId(), tx);
    this.sendBroadcast(tx);
    this.watch(tx.getId(), 6);
  }

  private sendBroadcast(tx: Transaction): void {
    this.send({ type: 'broadcast', requestId: this.requestId({ kind: 'broadcast', txid: tx.getId() }), transaction: tx.toBuffer() });
  }

  /** Wants proofs of `txid` (display order) until it is `depth` deep. */
  watch(txid: string, depth: number, requestNow = true): void {
    const known = this.watched.get(txid);
    this.watched.set(txid, Math.max(depth, known ?? 0));
    if (requestNow && known === undefined) this.requestProof(txid);
  }

  /** Takes a message that came from the gateway. Never throws: a bad message is reported and ignored. */
  handleMessage(bytes: Uint8Array): void {
    let message: ReturnType<typeof decodeGatewayMessage>;
    try {
      message = decodeGatewayMessage(bytes);
    } catch (error) {
      if (error instanceof DecodeError) return void this.emit('warning', `the gateway sent a malformed message: ${error.message}`);
      throw error;
    }
    try {
      this.handle(message);
    } catch (error) {
      this.emit('warning', `a ${message.type} message from the gateway could not be used: ${(error as Error).message}`);
    }
  }

  private handle(message: GatewayMessage | { type: 'unknown' }): void {
    switch (message.type) {
      case 'headers':
        return this.onHeaders(message);
      case 'fee_estimate':
        if (message.feeratePerKw >= 253) this.onRefusals(this.components.manager.updateFeerate(message.feeratePerKw));
        return;
      case 'appointments_accepted':
        return this.onReceipt(message.requestId, message.signature);
      case 'refused': {
        const request = this.inFlight.get(message.requestId);
        this.inFlight.delete(message.requestId);
        if (request?.kind === 'appointments') this.release(request.batch);
        // A proof refused is a transaction not yet in a block: asked again at the next round.
        if (request && request.kind !== 'proof') this.emit('refused', request.kind, new TextDecoder().decode(message.reason));
        return;
      }
      case 'tx_proof':
        return this.onProof(message);
      case 'done': {
        const request = this.inFlight.get(message.requestId);
        if (request?.kind !== 'tag') return;
        this.inFlight.delete(message.requestId);
        this.fundingRevealed.add(request.tag);
        return;
      }
      case 'broadcast_result': {
        const request = this.inFlight.get(message.requestId);
        if (request?.kind !== 'broadcast' || !this.unansweredBroadcasts.has(request.txid)) return;
        this.inFlight.delete(message.requestId);
        this.unansweredBroadcasts.delete(request.txid);
        const reason = message.reason && new TextDecoder().decode(message.reason);
        this.emit('broadcast', { txid: request.txid, accepted: message.accepted === 'yes', ...(reason && { reason }) });
        return;
      }
      case 'tx_status':
        // The gateway's word only: ask for the proof.
        if (this.watched.has(hashToHex(message.txid))) this.requestProof(hashToHex(message.txid));
        return;
      case 'breach_alert': {
        if (!verifyAlert(this.gatewayKey, this.components.nodeId, message)) return void this.emit('warning', 'a breach alert not signed by our gateway was ignored');
        this.emit('breach', { breachTxid: hashToHex(message.breachTxid), justiceTxid: hashToHex(message.justiceTxid) });
        this.watch(hashToHex(message.justiceTxid), 6);
        return;
      }
      default:
        return; // requests are the gateway's to answer; unknown odd types are ignored
    }
  }

  private onHeaders(message: Extract<GatewayMessage, { type: 'headers' }>): void {
    if (this.inFlight.get(message.requestId)?.kind === 'headers') this.inFlight.delete(message.requestId);
    const chain = this.components.headerChain;
    const before = chain.height;
    let change: ChainChange;
    try {
      change = chain.addHeaders(message.startHeight, message.headers);
    } catch (error) {
      if (!(error instanceof HeaderChainError)) throw error;
      if (error.reason === 'does not link') this.overlap = Math.min(this.overlap * 2, MAX_HEADERS_PER_MESSAGE - MIN_OVERLAP);
      this.emit('warning', `headers from the gateway refused, nothing changed: ${error.message}`);
      return;
    }
    this.overlap = MIN_OVERLAP;
    if (change.connected.length > 0 || change.disconnected.length > 0) {
      this.emit('headers', change);
      this.updateWatched();
    }
    if (message.tipHeight > chain.height && chain.height > before) this.requestHeaders();
  }

  private onReceipt(requestId: number, signature: Uint8Array): void {
    const request = this.inFlight.get(requestId);
    if (request?.kind !== 'appointments') return;
    this.inFlight.delete(requestId);
    const batch = request.batch.map(({ locator, blob, tag }) => ({ locator, blob, tag }));
    this.release(batch);
    if (!verifyReceipt(this.gatewayKey, this.components.nodeId, batch, signature)) {
      return void this.emit('warning', 'a receipt that does not verify against our gateway key: the appointments stay queued');
    }
    for (const appointment of batch) this.components.manager.appointmentDelivered(appointment.locator);
  }

  /** A batch is answered or given up: its appointments may be sent again (those still queued). */
  private release(batch: readonly { locator: Uint8Array }[]): void {
    for (const appointment of batch) this.appointmentsInFlight.delete(bytesToHex(appointment.locator));
  }

  private onProof(message: Extract<GatewayMessage, { type: 'tx_proof' }>): void {
    const request = this.inFlight.get(message.requestId);
    if (request?.kind !== 'proof') return;
    this.inFlight.delete(message.requestId);
    const tx = Transaction.fromBuffer(message.transaction);
    if (tx.getId() !== request.txid) return void this.emit('warning', `the gateway's proof for ${request.txid} carries another transaction`);
    const entry = this.components.headerChain.entryAt(message.height);
    if (!entry) return this.requestHeaders(); // our headers are behind: proofs are checked again once they arrive
    const confirmations = this.components.headerChain.transactionConfirmations({ txid: tx.getHash(), blockHash: entry.hash, index: message.index, branch: message.branch });
    if (confirmations > 0 && this.watched.has(request.txid)) this.provenIn.set(request.txid, entry.hash);
    if (confirmations > 0) this.emit('proven', tx, confirmations);
    this.confirmed(request.txid, confirmations);
  }

  /** Depths of what we watch: from our headers where a proof is known and its block still in our best chain, else by asking for a proof. */
  private updateWatched(): void {
    for (const txid of [...this.watched.keys()]) {
      const blockHash = this.provenIn.get(txid);
      const confirmations = blockHash === undefined ? 0 : this.components.headerChain.confirmations(blockHash);
      if (confirmations > 0) {
        this.confirmed(txid, confirmations);
      } else {
        this.provenIn.delete(txid); // reorged out, or never proven
        this.requestProof(txid);
      }
    }
  }

  private confirmed(txid: string, confirmations: number): void {
    this.emit('confirmations', txid, confirmations);
    for (const funding of this.components.manager.awaitingFunding()) {
      if (funding.fundingTxid === txid) this.components.manager.fundingConfirmed(funding.peer, funding.handle, confirmations);
    }
    if (confirmations >= (this.watched.get(txid) ?? 0)) {
      this.watched.delete(txid);
      this.provenIn.delete(txid);
    }
  }

  private onRefusals(refusals: string[]): void {
    for (const refusal of refusals) this.emit('warning', `the gateway's feerate was not applied: ${refusal}`);
  }

  private requestHeaders(): void {
    // One headers request at a time: over a radio an answer can take longer than a poll interval, and asking
    // again would queue the same headers twice. A request unanswered for two rounds is forgotten (forgetStaleRequests).
    for (const request of this.inFlight.values()) if (request.kind === 'headers') return;
    const chain = this.components.headerChain;
    const fromHeight = Math.max(chain.checkpoint.height + 1, chain.height + 1 - this.overlap);
    this.send({ type: 'get_headers', requestId: this.requestId({ kind: 'headers' }), fromHeight, count: MAX_HEADERS_PER_MESSAGE });
  }

  private requestProof(txid: string): void {
    this.send({ type: 'get_tx_proof', requestId: this.requestId({ kind: 'proof', txid }), txid: hexToHash(txid) });
  }

  private requestId(request?: Request): number {
    const id = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId + 1) >>> 0;
    if (request) this.inFlight.set(id, { ...request, sentAt: this.components.clock.now() });
    return id;
  }

  private send(message: GatewayMessage): void {
    this.components.messenger.send(this.gatewayId, encodeGatewayMessage(message));
  }
}
