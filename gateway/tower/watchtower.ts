/**
 * The gateway's watchtower. Mesh nodes hand it appointments (through the
 * relay, which has authenticated them by their link key) and get a signed
 * receipt; it scans every transaction of every block and of the mempool for
 * their locators, and answers a breach with the justice transaction (see
 * `Responder`), telling the node with a signed alert.
 *
 * Chain events are handled one at a time, in order, in a queue: a block's
 * scan never interleaves with a reorg's. The blocks scanned are written
 * down (`ResponseStore`), so that `start()` after a restart scans the
 * blocks it missed, undoes what a reorg while it was down took away, and
 * resumes tracking every response still open.
 */
import { hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../../node/clock.js';
import { checkArray, checkInteger } from '../../node/input.js';
import type { Outpoint, Transaction } from '../../node/bolt3/transaction.js';
import type { SignedBreachAlert } from '../../node/tower/alert.js';
import { LOCATOR_LENGTH } from '../../node/tower/appointment.js';
import { type TowerSigner, signReceipt } from '../../node/tower/receipt.js';
import { MAX_APPOINTMENTS_PER_BATCH, type TowerAppointment } from '../../node/wire/gateway-messages.js';
import type { ChainBlock, ChainSource } from '../chain/chain-source.js';
import type { AppointmentStore } from './appointment-store.js';
import { FundingRetention, type RetiredTag } from './funding-retention.js';
import { Responder } from './responder.js';
import type { ResponseRecord, ResponseStore } from './response-store.js';
import { transactionHash } from './transaction-hash.js';

export interface WatchtowerComponents {
  readonly store: AppointmentStore;
  readonly responses: ResponseStore;
  readonly chain: ChainSource;
  readonly clock: Clock;
  /** The gateway's key: it signs receipts and alerts. */
  readonly signer: TowerSigner;
}

export interface WatchtowerInit {
  /** Confirmations after which a justice transaction is final and no longer followed. Default 100 (TEOS's "irrevocably resolved"). */
  readonly justiceBuriedDepth?: number;
  /** Confirmations of a watched funding output's spend after which the tag's appointments are dropped. Default 100. */
  readonly fundingBuriedDepth?: number;
}

export interface WatchtowerEvents {
  /**
   * A signed breach alert for a node, to deliver through the relay. Sent
   * once; but if no listener is attached, or one throws, it goes again at
   * the next block (or the next start).
   */
  alert: [alert: SignedBreachAlert];
  /** A response was created or changed (detected, broadcast, confirmed deeper, buried, found invalid). */
  response: [record: ResponseRecord];
  /** A tag's appointments were dropped because its funding output's spend is buried. */
  retired: [tag: RetiredTag];
  /** Something the tower survived (a refused broadcast, a failing backend); for logs. */
  warning: [message: string];
}

/** A component was not given. */
export class WatchtowerConfigError extends Error {
  override name = 'WatchtowerConfigError';
}

export class Watchtower extends EventEmitter<WatchtowerEvents> {
  readonly justiceBuriedDepth: number;
  readonly fundingBuriedDepth: number;
  private readonly responder: Responder;
  private readonly retention: FundingRetention;
  /** The chain events not yet handled, in order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly chainListeners = {
    connect: (block: ChainBlock) => void this.blockConnected(block),
    disconnect: (block: ChainBlock) => void this.blockDisconnected(block),
    transaction: (tx: Transaction) => void this.transactionSeen(tx),
  };
  private started = false;

  constructor(
    private readonly components: WatchtowerComponents,
    init: WatchtowerInit = {},
  ) {
    super();
    for (const name of ['store', 'responses', 'chain', 'clock', 'signer'] as const) {
      if (!components?.[name]) throw new WatchtowerConfigError(`the watchtower needs a ${name}`);
    }
    this.justiceBuriedDepth = checkInteger('justiceBuriedDepth', init.justiceBuriedDepth ?? 100, 1, 10_000);
    this.fundingBuriedDepth = checkInteger('fundingBuriedDepth', init.fundingBuriedDepth ?? 100, 1, 10_000);
    this.responder = new Responder(components, this.justiceBuriedDepth, {
      response: (record) => this.emit('response', record),
      alert: (alert) => {
        // Nobody listening (the relay not started yet): not delivered; it goes again at the next block.
        if (!this.emit('alert', alert)) throw new Error('no listener takes alerts yet');
      },
      warning: (message) => this.emit('warning', message),
    });
    this.retention = new FundingRetention(components.store, this.fundingBuriedDepth);
  }

  /**
   * Listens to the chain, scans the blocks missed since the last run (or
   * starts at the tip, the first time), and checks every open response.
   * Rejects (listening to nothing) when the chain cannot be read.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { chain } = this.components;
    chain.on('connect', this.chainListeners.connect);
    chain.on('disconnect', this.chainListeners.disconnect);
    chain.on('transaction', this.chainListeners.transaction);
    const catchingUp = this.queue.then(async () => {
      await this.catchUp();
      await this.responder.trackAll();
    });
    this.queue = catchingUp.catch(() => {});
    try {
      await catchingUp;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops listening and waits for the work under way. The stores stay open (their owner closes them). */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const { chain } = this.components;
    chain.off('connect', this.chainListeners.connect);
    chain.off('disconnect', this.chainListeners.disconnect);
    chain.off('transaction', this.chainListeners.transaction);
    await this.idle();
  }

  /** Resolves when every chain event received so far has been handled. */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * Stores a batch of `nodeId`'s appointments (all or nothing) and returns
   * the receipt: the gateway's signature (see `node/tower/receipt.ts`).
   * Throws `InvalidInputError` naming the bad field, or `TowerQuotaError`.
   */
  submit(nodeId: string, appointments: readonly TowerAppointment[]): Uint8Array {
    checkArray('appointments', appointments, 1, MAX_APPOINTMENTS_PER_BATCH);
    this.components.store.add(nodeId, appointments);
    return signReceipt(this.components.signer, Buffer.from(nodeId, 'hex'), appointments);
  }

  /** The node closed the tag's channel: its appointments go. Returns how many. */
  dropTag(nodeId: string, tag: Uint8Array): number {
    const dropped = this.components.store.dropTag(nodeId, tag);
    this.retention.forget(nodeId, tag);
    return dropped;
  }

  /** Keeps the tag's appointments until this funding output is spent and buried. */
  watchFunding(nodeId: string, tag: Uint8Array, outpoint: Outpoint): void {
    this.retention.watch(nodeId, tag, outpoint);
  }

  /** Every response, in the store's order. */
  responses(): ResponseRecord[] {
    return this.components.responses.all();
  }

  /** A block joined the best chain (the `connect` listener calls this). */
  blockConnected(block: ChainBlock): Promise<void> {
    return this.enqueue(() => this.connect(block));
  }

  /** A block left the best chain (the `disconnect` listener calls this). */
  blockDisconnected(block: ChainBlock): Promise<void> {
    return this.enqueue(async () => {
      this.disconnectAt(block.height);
      await this.responder.trackAll();
    });
  }

  /** The mempool accepted a transaction (the `transaction` listener calls this). */
  transactionSeen(tx: Transaction): Promise<void> {
    return this.enqueue(async () => {
      // A breach back in the mempool after a reorg: its response may need a broadcast again.
      if (await this.scan(tx)) await this.responder.trackAll();
    });
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job).catch((error: unknown) => {
      this.emit('warning', `the watchtower failed to handle a chain event: ${(error as Error).stack ?? String(error)}`);
    });
    this.queue = run;
    return run;
  }

  private async connect(block: ChainBlock): Promise<void> {
    const { responses } = this.components;
    if (responses.scannedAt(block.height) === block.hash) return; // seen already (by a catch-up)
    const last = responses.lastScanned();
    const previousHash = Buffer.from(block.header.subarray(4, 36)).reverse().toString('hex');
    if (last && (last.height !== block.height - 1 || last.hash !== previousHash)) {
      // A gap or a fork we were not told about: ask the chain.
      await this.catchUp();
    } else {
      await this.scanBlock(block);
    }
    await this.responder.trackAll();
  }

  private async scanBlock(block: ChainBlock): Promise<void> {
    this.retention.blockConnected(block);
    for (const tx of block.transactions) await this.scan(tx);
    this.components.responses.markScanned(block);
    for (const retired of this.retention.retireBuried(block.height)) this.emit('retired', retired);
  }

  /** Looks a transaction's locator up and answers every appointment under it. True when it was a breach already answered, still followed. */
  private async scan(tx: Transaction): Promise<boolean> {
    const txHash = transactionHash(tx);
    let known = false;
    for (const appointment of this.components.store.lookup(txHash.subarray(0, LOCATOR_LENGTH))) {
      if (await this.responder.respond(tx, txHash, appointment)) known = true;
    }
    return known;
  }

  /** Walks back to where our scanned blocks and the chain agree, then scans forward to the tip. */
  private async catchUp(): Promise<void> {
    const { chain, responses } = this.components;
    const tip = await chain.tip();
    let last = responses.lastScanned();
    if (!last) {
      // A new tower starts at the tip: appointments are only for breaches still to come.
      responses.markScanned(tip);
      return;
    }
    while (last && (last.height > tip.height || (await this.hashAt(last.height)) !== last.hash)) {
      this.disconnectAt(last.height);
      last = responses.lastScanned();
    }
    if (!last) this.emit('warning', `a reorg deeper than the blocks the tower remembers: scanning again from ${Math.max(0, tip.height - 1000)}`);
    for (let height = last ? last.height + 1 : Math.max(0, tip.height - 1000); height <= tip.height; height++) {
      const block = await chain.blockAt(height);
      if (!block) break; // the chain moved under us; its events will tell
      await this.scanBlock(block);
    }
  }

  private disconnectAt(height: number): void {
    this.components.responses.unmarkScanned(height);
    this.retention.blockDisconnected(height);
  }

  private async hashAt(height: number): Promise<string | undefined> {
    const header = await this.components.chain.headerAt(height);
    return header ? blockHash(header) : undefined;
  }
}

/** A block's hash in display order, from its 80-byte header. */
function blockHash(header: Uint8Array): string {
  return hash('sha256', hash('sha256', header, 'buffer'), 'buffer').reverse().toString('hex');
}
