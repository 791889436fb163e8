/**
 * What a mesh node asks of its gateway, and checks for itself.
 *
 * - The chain: the gateway pushes blocks (compact headers, and the
 *   transactions that touch what the node watches, with merkle proofs) to
 *   the node's `ChainFeedClient`, which checks them against the node's own
 *   header chain and hands them to the channels. Nothing is polled while
 *   the feed talks; after a long silence the node asks.
 * - Appointments for the watchtower go in batches; the node drops them
 *   from its queue only for a receipt signed by the gateway's key over what
 *   it sent (`node/gateway-protocol/receipt.ts`). A refusal (quota, bad input) leaves
 *   them queued and is reported.
 * - Broadcasts: the node hands signed transactions to the gateway and
 *   learns whether the backend accepted them, with its reason if not; their
 *   confirmation comes through the feed.
 * - Fee estimates ride on the feed's pushes and feed the channels' feerate (update_fee).
 * - Breach alerts are checked against the gateway's key before anyone hears of them.
 *
 * Everything travels as gateway messages (`node/gateway-protocol/gateway-messages.ts`)
 * through the router, so the gateway may be several hops away. What is not
 * answered (appointments, broadcasts, tags) goes again on a timer
 * (`pollIntervalMs`), which sends nothing when nothing waits.
 */
import { EventEmitter } from 'node:events';
import { bytesToHex } from '../core/hex.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Transaction } from '../bolt3/transaction.js';
import { hashToHex, hexToHash } from '../chain/block-header.js';
import type { HeaderChain } from '../chain/header-chain.js';
import type { ChannelManager, TaggedAppointment } from '../channel/manager.js';
import type { Messenger } from '../core/messenger.js';
import { MIN_FEERATE_PER_KW } from '../core/bolt-limits.js';
import type { Clock } from '../core/clock.js';
import { InvalidInputError, checkHex, checkInteger } from '../core/input.js';
import { type Logger, childLogger, silentLogger } from '../core/logger.js';
import { checkPublicKey } from '../core/curve.js';
import { type RandomBytes, randomUint32 } from '../core/random.js';
import { verifyAlert } from '../gateway-protocol/alert.js';
import { verifyReceipt } from '../gateway-protocol/receipt.js';
import { groupAppointments, ungroupAppointments } from '../gateway-protocol/appointment-batch.js';
import { DecodeError } from '../core/cbor.js';
import type { Persister, RecordStore } from '../persist/persister.js';
import { type GatewayMessage, MAX_APPOINTMENTS_PER_BATCH, type TowerAppointment, decodeGatewayMessage, encodeGatewayMessage } from '../gateway-protocol/gateway-messages.js';
import { ChainFeedClient, type ChainFeedClientInit } from './chain-feed-client.js';
import { packInvoice, unpackInvoice } from '../gateway-protocol/compact-invoice.js';

/** What the uplink needs of the channel manager. */
export type UplinkManager = Pick<ChannelManager, 'pendingAppointments' | 'appointmentDelivered' | 'updateFeerate' | 'channelsForTower'>;

export interface UplinkComponents {
  /** Sends to the gateway (through the router). */
  readonly messenger: Messenger;
  readonly manager: UplinkManager;
  readonly headerChain: HeaderChain;
  /** Where the chain feed keeps its cursor and watches. */
  readonly store: RecordStore & Pick<Persister, 'getAll'>;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
  /** Our node id: receipts and alerts are signed for it. */
  readonly nodeId: Uint8Array;
  /** Where what the uplink survives (a bad answer from the gateway, a refused feerate) is told. Default nowhere. */
  readonly logger?: Logger;
}

export interface UplinkInit {
  /** The gateway's node id (hex): its key signs receipts and alerts. */
  readonly gatewayId: string;
  /** How long a bridge request (quote, public invoice) waits for its answer. Default 2 minutes. */
  readonly bridgeTimeoutMs?: number;
  /** How often unanswered requests are looked at (appointments not yet receipted, broadcasts, tags). Default 10 minutes. */
  readonly pollIntervalMs?: number;
  /** The chain feed's settings (its silence before asking, its lag while idle). */
  readonly feed?: ChainFeedClientInit;
  /** Appointments per batch. Default 16 (a batch of compact kits is about 2.2 kB, with a channel's record 2.3 kB). */
  readonly appointmentsPerBatch?: number;
  /** How long a new appointment waits for others to join its batch before it goes. Default 30 seconds. */
  readonly appointmentDelayMs?: number;
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

/** The gateway refused a request (its reason), or never answered it. */
export class GatewayRefusalError extends Error {
  override name = 'GatewayRefusalError';
}

export interface BroadcastOutcome {
  readonly txid: string;
  readonly accepted: boolean;
  readonly reason?: string;
}

export interface UplinkEvents {
  /** A watched transaction proven in a block of our best chain: the transaction itself (a deposit to the wallet is read from it). */
  proven: [tx: Transaction, confirmations: number];
  broadcast: [outcome: BroadcastOutcome];
  /** The tower answered a breach of one of our channels (the alert is verified). */
  breach: [alert: { breachTxid: string; justiceTxid: string }];
  /** The gateway refused a request; nothing was done. */
  refused: [what: string, reason: string];
}

type Request =
  /** `sent`: what the receipt signs (an `appointment_batch` reorders the appointments by tag, and carries records). */
  | { kind: 'appointments'; batch: TaggedAppointment[]; sent: TowerAppointment[] }
  | { kind: 'broadcast'; txid: string }
  /** watch_funding or drop_tag, for the tag (hex). */
  | { kind: 'tag'; tag: string }
  /** bridge_pay, public_invoice or leave_hashes: someone awaits the answer (or the refusal, or the silence). */
  | { kind: 'bridge'; answered: (message: GatewayMessage) => void; failed: (error: Error) => void };
type InFlight = Request & { readonly sentAt: number };

export class Uplink extends EventEmitter<UplinkEvents> {
  readonly gatewayId: string;
  /** The node's view of the chain, pushed by the gateway. */
  readonly feed: ChainFeedClient;
  private readonly gatewayKey: Uint8Array;
  private readonly pollIntervalMs: number;
  private readonly appointmentsPerBatch: number;
  private readonly appointmentTimeoutMs: number;
  private nextRequestId: number;
  /** Requests in flight, by id: what each was for, and when it was sent. */
  private readonly inFlight = new Map<number, InFlight>();
  /** Transactions handed over for broadcast and not yet answered: sent again at each round. */
  private readonly unansweredBroadcasts = new Map<string, Transaction>();
  private readonly appointmentsInFlight = new Set<string>();
  /**
   * Channel records sent (tag hex / sha256 of the record, hex), this run:
   * each goes once, in the first batch of its tag, and again after a
   * refusal of a batch of its tag (the tower may lack it: a batch overtook
   * the one with the record, or its store started again) or when the batch
   * that carried it is given up.
   */
  private readonly recordsSent = new Set<string>();
  private readonly revealFunding: boolean;
  /** Tags whose funding outpoint the tower acknowledged (this run: repeating is harmless). */
  private readonly fundingRevealed = new Set<string>();
  private cancelPoll: (() => void) | undefined;
  private cancelFlush: (() => void) | undefined;
  private readonly appointmentDelayMs: number;
  private readonly bridgeTimeoutMs: number;
  private readonly logger: Logger;

  constructor(
    private readonly components: UplinkComponents,
    init: UplinkInit,
  ) {
    super();
    for (const name of ['messenger', 'manager', 'headerChain', 'store', 'clock', 'randomBytes', 'nodeId'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the uplink needs it');
    }
    this.logger = components.logger ?? silentLogger;
    this.gatewayKey = checkPublicKey('gatewayId', checkHex('gatewayId', init.gatewayId));
    this.gatewayId = bytesToHex(this.gatewayKey);
    this.pollIntervalMs = checkInteger('pollIntervalMs', init.pollIntervalMs ?? 600_000, 1, 86_400_000);
    this.appointmentsPerBatch = checkInteger('appointmentsPerBatch', init.appointmentsPerBatch ?? 16, 1, MAX_APPOINTMENTS_PER_BATCH);
    this.revealFunding = init.revealFunding ?? true;
    this.appointmentDelayMs = checkInteger('appointmentDelayMs', init.appointmentDelayMs ?? 30_000, 0, 86_400_000);
    this.bridgeTimeoutMs = checkInteger('bridgeTimeoutMs', init.bridgeTimeoutMs ?? 120_000, 1, 86_400_000);
    this.appointmentTimeoutMs = checkInteger('appointmentTimeoutMs', init.appointmentTimeoutMs ?? 86_400_000, 1, 30 * 86_400_000);
    this.nextRequestId = randomUint32(components.randomBytes) >>> 1;
    this.feed = new ChainFeedClient(
      { headerChain: components.headerChain, store: components.store, clock: components.clock, send: (message) => this.send(message), requestId: () => this.requestId(), randomBytes: components.randomBytes, logger: childLogger(this.logger, 'chain feed') },
      init.feed,
    );
    this.feed.on('feerate', (feeratePerKw) => this.onRefusals(this.components.manager.updateFeerate(feeratePerKw)));
    this.feed.on('confirmed', (tx, height) => this.emit('proven', tx, this.components.headerChain.height - height + 1));
  }

  /** The height of the node's own header chain. */
  get chainHeight(): number {
    return this.components.headerChain.height;
  }

  /**
   * An appointment was queued: it goes within `appointmentDelayMs`, with
   * whatever else is queued by then (one batch, one receipt). Waiting for
   * the next round (`pollIntervalMs`) would leave a revoked state
   * unwatched by the tower for as long.
   */
  appointmentQueued(): void {
    if (this.cancelFlush || !this.cancelPoll) return;
    this.cancelFlush = this.components.clock.setTimer(this.appointmentDelayMs, () => {
      this.cancelFlush = undefined;
      this.flushAppointments();
      this.feed.refreshLag();
    });
  }

  /** Starts the feed, sends what waits, and looks again every `pollIntervalMs`. */
  start(): void {
    if (this.cancelPoll) return;
    this.feed.start();
    const poll = () => {
      this.cancelPoll = this.components.clock.setTimer(this.pollIntervalMs, poll);
      this.sync();
    };
    this.cancelPoll = this.components.clock.setTimer(this.pollIntervalMs, poll);
    this.sync();
  }

  stop(): void {
    this.feed.stop();
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }

  /** One round: what is still unanswered goes again (broadcasts, appointments not receipted, funding outpoints for the tower). */
  sync(): void {
    this.forgetStaleRequests();
    this.feed.refreshLag();
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
      if (request.kind === 'bridge' || request.sentAt > now - (request.kind === 'appointments' ? this.appointmentTimeoutMs : 2 * this.pollIntervalMs)) continue; // bridge requests time out on their own
      this.inFlight.delete(id);
      if (request.kind === 'appointments') {
        this.release(request.batch);
        this.forgetRecordsOf(request.batch);
      }
    }
  }

  /**
   * Sends the appointments not yet receipted nor in flight, in batches:
   * those with their channel's record as an `appointment_batch` (the record
   * once, until the tower receipted it), those queued before records (none)
   * as `appointments`.
   */
  flushAppointments(): void {
    const waiting = this.components.manager.pendingAppointments().filter((appointment) => !this.appointmentsInFlight.has(bytesToHex(appointment.locator)));
    for (const compact of [true, false]) {
      const kind = waiting.filter((appointment) => (appointment.channel !== undefined) === compact);
      for (let start = 0; start < kind.length; start += this.appointmentsPerBatch) this.sendAppointments(kind.slice(start, start + this.appointmentsPerBatch), compact);
    }
  }

  private sendAppointments(batch: TaggedAppointment[], compact: boolean): void {
    for (const appointment of batch) this.appointmentsInFlight.add(bytesToHex(appointment.locator));
    if (!compact) {
      const appointments = batch.map(({ locator, blob, tag }) => ({ locator, blob, tag }));
      return this.send({ type: 'appointments', requestId: this.requestId({ kind: 'appointments', batch, sent: appointments }), appointments });
    }
    const groups = groupAppointments(batch, (tag, record) => !this.recordsSent.has(recordKey(tag, record)));
    const sent = ungroupAppointments(groups);
    for (const { tag, channel } of sent) if (channel) this.recordsSent.add(recordKey(tag, channel));
    this.send({ type: 'appointment_batch', requestId: this.requestId({ kind: 'appointments', batch, sent }), groups });
  }

  /** Transactions handed over for broadcast that the gateway has not answered yet. */
  get unansweredBroadcastCount(): number {
    return this.unansweredBroadcasts.size;
  }

  /** Hands a signed transaction to the gateway for broadcast; its outcome comes as a `broadcast` event, its confirmation as `proven`. */
  broadcast(tx: Transaction): void {
    this.unansweredBroadcasts.set(tx.getId(), tx);
    this.sendBroadcast(tx);
    this.feed.watchTransaction(tx.getId());
  }

  private sendBroadcast(tx: Transaction): void {
    this.send({ type: 'broadcast', requestId: this.requestId({ kind: 'broadcast', txid: tx.getId() }), transaction: tx.toBuffer() });
  }

  /** Wants to hear (`proven`) when `txid` (display order) confirms. */
  watch(txid: string): void {
    this.feed.watchTransaction(txid);
  }

  /**
   * Asks the gateway what our HTLC must carry to have it pay this BOLT 11
   * invoice (its amount plus the bridge fee); the gateway then waits for that
   * HTLC. Rejects with the gateway's refusal, or when no answer comes in time.
   */
  async quoteBridgePayment(invoice: string): Promise<number> {
    const answer = await this.askBridge((requestId) => ({ type: 'bridge_pay', requestId, invoice: packInvoice(invoice) }), 'bridge_quote');
    return answer.amountMsat;
  }

  /** Asks the gateway for a BOLT 11 invoice for our payment hash (the preimage stays here); resolves with its text. */
  async requestPublicInvoice(request: { readonly paymentHash: Uint8Array; readonly amountMsat: number; readonly description: string; readonly expirySecs: number }): Promise<string> {
    const description = new TextEncoder().encode(request.description);
    const answer = await this.askBridge((requestId) => ({ type: 'public_invoice', requestId, ...request, description }), 'public_invoice_issued');
    return unpackInvoice(answer.invoice);
  }

  /** Leaves payment hashes of ours with the gateway for invoices issued while we are away; resolves with how many it now keeps for us. */
  async leaveHashes(paymentHashes: readonly Uint8Array[]): Promise<number> {
    const answer = await this.askBridge((requestId) => ({ type: 'leave_hashes', requestId, paymentHashes }), 'hashes_left');
    return answer.left;
  }

  private askBridge<T extends 'bridge_quote' | 'public_invoice_issued' | 'hashes_left'>(build: (requestId: number) => GatewayMessage, answerType: T): Promise<Extract<GatewayMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      let requestId = 0;
      const cancel = this.components.clock.setTimer(this.bridgeTimeoutMs, () => {
        this.inFlight.delete(requestId);
        reject(new GatewayRefusalError(`the gateway did not answer within ${Math.round(this.bridgeTimeoutMs / 1000)} s`));
      });
      const answered = (message: GatewayMessage) => {
        cancel();
        if (message.type === answerType) resolve(message as Extract<GatewayMessage, { type: T }>);
        else reject(new GatewayRefusalError(`the gateway answered ${message.type}, not ${answerType}`));
      };
      const failed = (error: Error) => {
        cancel();
        reject(error);
      };
      requestId = this.requestId({ kind: 'bridge', answered, failed });
      try {
        this.send(build(requestId));
      } catch (error) {
        this.inFlight.delete(requestId);
        failed(error as Error);
      }
    });
  }

  /** Takes a message that came from the gateway. Never throws: a bad message is reported and ignored. */
  handleMessage(bytes: Uint8Array): void {
    let message: ReturnType<typeof decodeGatewayMessage>;
    try {
      message = decodeGatewayMessage(bytes);
    } catch (error) {
      if (error instanceof DecodeError) return void this.logger.log('warn', `the gateway sent a malformed message: ${error.message}`);
      throw error;
    }
    try {
      this.handle(message);
    } catch (error) {
      this.logger.log('warn', `a ${message.type} message from the gateway could not be used: ${(error as Error).message}`);
    }
  }

  private handle(message: GatewayMessage | { type: 'unknown' }): void {
    if (message.type !== 'unknown' && this.feed.handle(message)) return;
    switch (message.type) {
      case 'fee_estimate':
        if (message.feeratePerKw >= MIN_FEERATE_PER_KW) this.onRefusals(this.components.manager.updateFeerate(message.feeratePerKw));
        return;
      case 'appointments_accepted':
        return this.onReceipt(message.requestId, message.signature);
      case 'refused': {
        const request = this.inFlight.get(message.requestId);
        this.inFlight.delete(message.requestId);
        if (request?.kind === 'appointments') {
          this.release(request.batch);
          this.forgetRecordsOf(request.batch);
        }
        if (request?.kind === 'bridge') return request.failed(new GatewayRefusalError(new TextDecoder().decode(message.reason)));
        if (request) this.emit('refused', request.kind, new TextDecoder().decode(message.reason));
        return;
      }
      case 'bridge_quote':
      case 'public_invoice_issued':
      case 'hashes_left': {
        const request = this.inFlight.get(message.requestId);
        if (request?.kind !== 'bridge') return;
        this.inFlight.delete(message.requestId);
        return request.answered(message);
      }
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
      case 'breach_alert': {
        if (!verifyAlert(this.gatewayKey, this.components.nodeId, message)) return void this.logger.log('warn', 'a breach alert not signed by our gateway was ignored');
        this.emit('breach', { breachTxid: hashToHex(message.breachTxid), justiceTxid: hashToHex(message.justiceTxid) });
        this.watch(hashToHex(message.justiceTxid));
        return;
      }
      default:
        return; // requests are the gateway's to answer; unknown odd types are ignored
    }
  }

  private onReceipt(requestId: number, signature: Uint8Array): void {
    const request = this.inFlight.get(requestId);
    if (request?.kind !== 'appointments') return;
    this.inFlight.delete(requestId);
    this.release(request.batch);
    const appointments = request.sent;
    if (!verifyReceipt(this.gatewayKey, this.components.nodeId, appointments, signature)) {
      return void this.logger.log('warn', 'a receipt that does not verify against our gateway key: the appointments stay queued');
    }
    for (const appointment of appointments) this.components.manager.appointmentDelivered(appointment.locator);
  }

  /** The records of the batch's tags are presumed missing at the tower: they go with the next batch of each tag. */
  private forgetRecordsOf(batch: readonly { tag: Uint8Array }[]): void {
    const tags = new Set(batch.map(({ tag }) => `${bytesToHex(tag)}/`));
    for (const key of this.recordsSent) if (tags.has(key.slice(0, key.indexOf('/') + 1))) this.recordsSent.delete(key);
  }

  /** A batch is answered or given up: its appointments may be sent again (those still queued). */
  private release(batch: readonly { locator: Uint8Array }[]): void {
    for (const appointment of batch) this.appointmentsInFlight.delete(bytesToHex(appointment.locator));
  }

  private onRefusals(refusals: string[]): void {
    for (const refusal of refusals) this.logger.log('warn', `the gateway's feerate was not applied: ${refusal}`);
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

/** A channel record as `recordsSent` knows it: tag hex / sha256 of the record, hex. */
function recordKey(tag: Uint8Array, record: Uint8Array): string {
  return `${bytesToHex(tag)}/${bytesToHex(sha256(record))}`;
}
