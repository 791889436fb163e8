/**
 * The node's side of the chain feed (`gateway/relay/chain-feed.ts`): what
 * the gateway pushes is checked here and handed to the node's
 * `ChainListener`s (its channels) in chain order.
 *
 * - Headers arrive compact; each is rebuilt from the one before and added
 *   to the node's own header chain, which checks proof of work and
 *   linkage. A push that does not build on our chain is a reorg deeper than
 *   the gateway's guess: we acknowledge a lower block, and it goes back.
 * - Each matching transaction's merkle branch is checked against its
 *   header. A gateway that sends a bad proof or bad headers changes
 *   nothing, and is reported.
 * - Listeners get each block's transactions once, in order, then the new
 *   tip; a reorg first unwinds them (`blockDisconnected`, tip first).
 * - The cursor (the last block delivered) is written after the listeners
 *   have taken a push and before it is acknowledged: a crash in between
 *   gets the same blocks again, which listeners take as repeats.
 * - Watches (`ChainFilter`) are written down, sent, and kept until the
 *   gateway confirms them; those it has not confirmed go again after a
 *   silence, with an acknowledgement that asks for anything new.
 */
import { EventEmitter } from 'node:events';
import { bytesToHex } from '../core/hex.js';
import { type Outpoint, Transaction } from '../bolt3/transaction.js';
import { decodeHeader, hashToHex, hexToHash } from '../chain/block-header.js';
import type { ChainFilter, ChainListener } from '../chain/chain-listener.js';
import { decodeCompactHeaders } from '../chain/compact-headers.js';
import { type HeaderChain, HeaderChainError } from '../chain/header-chain.js';
import { verifyMerkleProof } from '../chain/merkle.js';
import type { Clock } from '../core/clock.js';
import { MIN_FEERATE_PER_KW } from '../core/bolt-limits.js';
import { type RandomBytes, randomUint32 } from '../core/random.js';
import { InvalidInputError, checkInteger } from '../core/input.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { Persister, RecordStore } from '../persist/persister.js';
import { type GatewayMessage, MAX_HEADERS_PER_MESSAGE, MAX_WATCHES_PER_MESSAGE, feedHashPrefix } from '../gateway-protocol/gateway-messages.js';

export interface ChainFeedClientComponents {
  readonly headerChain: HeaderChain;
  /** The cursor and the watches. */
  readonly store: RecordStore & Pick<Persister, 'getAll'>;
  readonly clock: Clock;
  /** Sends a message to the gateway. */
  readonly send: (message: GatewayMessage) => void;
  /** A fresh request id (shared with the other requests to the gateway). */
  readonly requestId: () => number;
  /** For the number our hellos carry, new at each start. */
  readonly randomBytes: RandomBytes;
  /** Where what the feed survives (a bad push, a refused watch) is told. Default nowhere. */
  readonly logger?: Logger;
}

export interface ChainFeedClientInit {
  /**
   * Silence after which the node asks the gateway what is new (and sends
   * unconfirmed watches again), while busy. Default one hour. While idle,
   * when the gateway sends only every `idleLag` blocks, at least three
   * times as long as those blocks take on average (six hours for twelve):
   * an hour was too short, as six blocks take longer nearly half the time,
   * and each hello cost every relay on the way an acknowledgement up and
   * an answer down.
   */
  readonly silenceMs?: number;
  /** Blocks the node may fall behind while idle; 1 while `busy` says so. Default 12 (about two hours): anything that matters to it comes at once. */
  readonly idleLag?: number;
}

export interface ChainFeedClientEvents {
  /** A watched transaction confirmed (proven against our headers) at `height`. */
  confirmed: [tx: Transaction, height: number];
  /**
   * The tip moved; `synced`: we have the gateway's tip, as it was after our
   * first hello (a push made before we restarted says nothing of the chain now);
   * `gatewayTip`: the gateway's tip as the message said it (at least `height`).
   */
  tip: [height: number, synced: boolean, gatewayTip: number];
  /** The gateway's fee estimate (sat per 1000 weight units), with each push. */
  feerate: [feeratePerKw: number];
}

/** How far below its cursor the node asks again when a push does not build on its chain. */
const REWIND_STEP = 12;
/** Bitcoin's target block interval. */
const BLOCK_INTERVAL_MS = 600_000;
/** While idle, a silence counts once it lasts this many times as long as the blocks we wait for take on average. */
const IDLE_SILENCE_BLOCK_TIMES = 3;
/** A match this far below the cursor is done with: its watch is forgotten. */
const RETIRE_DEPTH = 144;

export class ChainFeedClient extends EventEmitter<ChainFeedClientEvents> implements ChainFilter {
  private readonly chainListeners: ChainListener[] = [];
  private cursor: { height: number; hash: string };
  /** Watches by key (`o:txid:vout`, `t:txid`), mirrored in the store. */
  private readonly watches = new Map<string, { registered: boolean; matchedAt?: number }>();
  /** Watch requests in flight: request id to keys. */
  private readonly watchRequests = new Map<number, string[]>();
  private flushScheduled = false;
  private lastHeardAt: number;
  private cancelTimer: (() => void) | undefined;
  private readonly silenceMs: number;
  private readonly idleLag: number;
  /** Set when the saved cursor was off our chain: the listeners are told at start. */
  private rewoundFrom: number | undefined;
  /** The block being handed to the listeners, while it is. */
  private deliveringHeight: number | undefined;
  /** For watches not yet confirmed by the gateway: the height from which they matter. */
  private readonly watchFrom = new Map<string, number>();
  /** The lag the gateway was last told. */
  private announcedLag: number | undefined;
  /** What our hellos carry: pushes built after one carry it back. */
  private readonly hello: number;
  private readonly logger: Logger;
  /** A push answering our hello has come: pushes are fresh (copies made before our start came before it, in order). */
  private answered = false;
  /** Whether the node has something in flight (then every block is wanted at once). */
  busy: () => boolean = () => false;

  constructor(
    private readonly components: ChainFeedClientComponents,
    init: ChainFeedClientInit = {},
  ) {
    super();
    for (const name of ['headerChain', 'store', 'clock', 'send', 'requestId', 'randomBytes'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the chain feed client needs it');
    }
    this.logger = components.logger ?? silentLogger;
    this.silenceMs = checkInteger('silenceMs', init.silenceMs ?? 3_600_000, 1, 30 * 86_400_000);
    this.idleLag = checkInteger('idleLag', init.idleLag ?? 12, 1, MAX_HEADERS_PER_MESSAGE);
    const chain = components.headerChain;
    const saved = components.store.get('feedCursor', 'cursor');
    if (!saved || chain.entryAt(saved.height)?.hash === saved.hash) {
      this.cursor = saved ?? { height: chain.height, hash: chain.tipHash };
    } else {
      // Off our chain: a crash between a reorg's headers and its delivery. Go back below it, and tell the
      // listeners (at start) that what they took above there may be gone; the gateway sends it again.
      const below = Math.max(chain.checkpoint.height, Math.min(saved.height, chain.height) - REWIND_STEP);
      this.cursor = { height: below, hash: chain.entryAt(below)!.hash };
      this.rewoundFrom = saved.height;
    }
    this.lastHeardAt = components.clock.now();
    this.hello = randomUint32(components.randomBytes) || 1;
  }

  /** The last block whose transactions were delivered to the listeners. */
  get height(): number {
    return this.cursor.height;
  }

  /** Hands every block from here on to `listener` too (it starts at `height`). */
  addChainListener(listener: ChainListener): void {
    this.chainListeners.push(listener);
  }

  /** Loads the watches written before, says where we are, and keeps asking after silences. */
  start(): void {
    if (this.cancelTimer) return;
    this.loadWatches();
    if (this.rewoundFrom !== undefined) {
      for (let height = this.rewoundFrom; height > this.cursor.height; height--) for (const listener of this.chainListeners) listener.blockDisconnected(height);
      this.rewoundFrom = undefined;
    }
    this.acknowledge(true);
    this.flushWatches();
    const tick = () => {
      this.cancelTimer = this.components.clock.setTimer(this.silenceMs, tick);
      if (this.components.clock.now() - this.lastHeardAt < this.silenceLimit()) return;
      this.acknowledge(true);
      this.watchRequests.clear(); // unanswered through a silence: presumed lost, sent again
      this.flushWatches();
    };
    this.cancelTimer = this.components.clock.setTimer(this.silenceMs, tick);
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  watchTransaction(txid: string): void {
    this.addWatch(`t:${txid}`);
  }

  watchOutput(outpoint: Outpoint): void {
    this.addWatch(`o:${outpoint.txid}:${outpoint.vout}`);
  }

  /** Whether `txid` is watched (and not yet retired). */
  watchesTransaction(txid: string): boolean {
    return this.watches.has(`t:${txid}`);
  }

  /** Takes a message from the gateway that belongs to the feed; false for the others. Throws for a malformed one (the caller reports it). */
  handle(message: GatewayMessage): boolean {
    switch (message.type) {
      case 'blocks':
        this.lastHeardAt = this.components.clock.now();
        this.onBlocks(message);
        return true;
      case 'mempool_tx': {
        const tx = parseTransaction(message.transaction);
        if (!tx) {
          this.logger.log('warn', 'the gateway announced a mempool transaction that does not parse: ignored');
          return true;
        }
        for (const listener of this.chainListeners) listener.transactionUnconfirmedSeen?.(tx);
        return true;
      }
      case 'done': {
        const keys = this.watchRequests.get(message.requestId);
        if (!keys) return false;
        this.watchRequests.delete(message.requestId);
        this.setWatches(keys.filter((key) => this.watches.has(key)).map((key) => [key, { ...this.watches.get(key)!, registered: true }]));
        for (const key of keys) this.watchFrom.delete(key);
        return true;
      }
      case 'tx_proof':
        // Id 0: more matches in one block than a push carries, sent right after it. Any proof is checked against our headers.
        if (message.requestId !== 0 && !this.wasWatchRequest(message.requestId)) return false;
        this.onLateProof(message);
        return true;
      case 'refused': {
        const keys = this.watchRequests.get(message.requestId);
        if (!keys) return false;
        this.watchRequests.delete(message.requestId);
        this.logger.log('warn', `the gateway refused to watch ${keys.length} outputs and transactions: ${new TextDecoder().decode(message.reason)}`);
        return true;
      }
      default:
        return false;
    }
  }

  /** Ids of recent watch requests: late proofs follow their `done` under the same id. */
  private readonly recentWatchRequests = new Set<number>();

  private wasWatchRequest(requestId: number): boolean {
    return this.recentWatchRequests.has(requestId);
  }

  private onBlocks(message: Extract<GatewayMessage, { type: 'blocks' }>): void {
    const chain = this.components.headerChain;
    const parent = chain.entryAt(message.startHeight - 1);
    if (!parent || bytesToHex(feedHashPrefix(parent.hash)) !== bytesToHex(message.prevHash)) {
      // Not built on our chain: a reorg deeper than the gateway went back. Say where we are further down.
      return this.acknowledgeBelow(message.startHeight - 1);
    }
    const refuse = (why: string) => {
      this.logger.log('warn', `blocks from the gateway refused, nothing changed: ${why}`);
      this.acknowledge();
    };
    let headers: Uint8Array[];
    try {
      headers = decodeCompactHeaders(parent.raw, message.headers, MAX_HEADERS_PER_MESSAGE);
    } catch (error) {
      if (!(error instanceof InvalidInputError) && (error as Error).name !== 'CompactHeaderError') throw error;
      return refuse((error as Error).message);
    }
    if (headers.length === 0) return this.onNothingNew(message);
    const end = message.startHeight + headers.length - 1;
    // Matches are checked whole, against the headers they came with, before anything is taken: a bad
    // proof means a broken gateway, and neither its headers nor its transactions change our state.
    const byHeight = new Map<number, Transaction[]>();
    for (const match of message.matches) {
      const header = match.height >= message.startHeight && match.height <= end ? headers[match.height - message.startHeight] : undefined;
      const tx = header && provenTransaction(match.transaction, match.index, match.branch, decodeHeader(header).merkleRoot);
      if (!tx) return refuse(`the proof of a transaction at height ${match.height} does not check out`);
      byHeight.set(match.height, [...(byHeight.get(match.height) ?? []), tx]);
    }
    let change: ReturnType<HeaderChain['addHeaders']>;
    try {
      change = chain.addHeaders(message.startHeight, headers);
    } catch (error) {
      if (!(error instanceof HeaderChainError) && !(error instanceof InvalidInputError)) throw error;
      return refuse((error as Error).message);
    }
    if (change.disconnected.length === 0 && end <= this.cursor.height) return this.onStale(end, message);
    // The gateway's estimate now, before the blocks: claims made while they are delivered pay it (a node just back knows no other).
    if (message.feeratePerKw >= MIN_FEERATE_PER_KW) this.emit('feerate', message.feeratePerKw);
    // Every block that left, even above our cursor: a crash after delivering and before writing the cursor
    // may have given the listeners blocks the cursor does not show. Listeners take a disconnection twice calmly.
    for (const entry of change.disconnected) for (const listener of this.chainListeners) listener.blockDisconnected(entry.height);
    const forkHeight = change.disconnected.length > 0 ? change.disconnected[change.disconnected.length - 1]!.height - 1 : this.cursor.height;
    const deliveredTo = Math.min(this.cursor.height, forkHeight);
    for (let height = Math.max(message.startHeight, deliveredTo + 1); height <= end; height++) {
      const transactions = byHeight.get(height);
      if (transactions) this.deliver(height, chain.entryAt(height)!.hash, transactions);
    }
    const tip = chain.entryAt(end)!;
    if (end > deliveredTo) for (const listener of this.chainListeners) listener.bestBlockUpdated(end, tip.hash);
    this.cursor = { height: end, hash: tip.hash };
    this.components.store.write([{ kind: 'feedCursor', id: 'cursor', value: this.cursor }]);
    this.retireWatches();
    this.emit('tip', end, this.fresh(message) && message.tipHeight <= end, Math.max(end, message.tipHeight));
    this.acknowledge();
  }

  /**
   * A push wholly at or below our cursor, every header of it already ours: a
   * late copy of one taken before (relays may hand over an old copy after
   * newer pushes). It changes nothing: the cursor never goes back except in a
   * reorg (`change.disconnected`), and the listeners have had its blocks.
   *
   * One ending at our cursor is acknowledged there: it may be the gateway's
   * repeat of a push whose acknowledgement it lost (or its push again after
   * a restart), and until it hears of it, it sends nothing more. One ending
   * below is not: the gateway has since sent the push that brought us to our
   * cursor, so it waits for nothing this copy could answer, and an
   * acknowledgement below the push it has in flight reads to it as a refusal
   * (which drops that push's repeat, or for a node catching up, sends the
   * push again at once). Should the gateway wait on it all the same (it
   * restarted on a chain behind ours), our hello after a silence settles it.
   */
  private onStale(end: number, message: Extract<GatewayMessage, { type: 'blocks' }>): void {
    if (end === this.cursor.height) this.acknowledge();
    // The answer to our hello, behind a push that brought us as far: it tells us we are current all the same.
    if (!this.answered && this.fresh(message)) this.emit('tip', this.cursor.height, message.tipHeight <= this.cursor.height, Math.max(this.cursor.height, message.tipHeight));
  }

  /** The answer to a hello when there is nothing new: our view is current if the gateway's tip is where we are. */
  private onNothingNew(message: Extract<GatewayMessage, { type: 'blocks' }>): void {
    if (message.matches.length > 0) return void this.logger.log('warn', 'a push with matches and no headers was ignored');
    if (message.feeratePerKw >= MIN_FEERATE_PER_KW) this.emit('feerate', message.feeratePerKw);
    this.emit('tip', this.cursor.height, this.fresh(message) && message.tipHeight <= this.cursor.height, Math.max(this.cursor.height, message.tipHeight));
  }

  /** Whether pushes speak of the chain as it is now: this one, or one before it, answers our hello. */
  private fresh(message: Extract<GatewayMessage, { type: 'blocks' }>): boolean {
    if (message.answers === this.hello) this.answered = true;
    return this.answered;
  }

  /** A proof of a match in a block we already had (a watch registered late). */
  private onLateProof(message: Extract<GatewayMessage, { type: 'tx_proof' }>): void {
    if (message.height > this.cursor.height) return; // the feed brings it in its block
    const entry = this.components.headerChain.entryAt(message.height);
    const tx = entry && provenTransaction(message.transaction, message.index, message.branch, entry.header.merkleRoot);
    if (!entry || !tx) return void this.logger.log('warn', `the gateway's proof of a transaction at height ${message.height} does not check out: ignored`);
    this.deliver(message.height, entry.hash, [tx]);
  }

  private deliver(height: number, blockHash: string, transactions: Transaction[]): void {
    // Watches registered while this block is handled (a commitment's outputs) matter from this block on.
    this.deliveringHeight = height;
    try {
      for (const listener of this.chainListeners) listener.transactionsConfirmed(height, blockHash, transactions);
    } finally {
      this.deliveringHeight = undefined;
    }
    const matched: [string, { registered: boolean; matchedAt?: number }][] = [];
    for (const tx of transactions) {
      for (const key of [`t:${tx.getId()}`, ...tx.ins.map((input) => `o:${hashToHex(input.hash)}:${input.index}`)]) {
        const watch = this.watches.get(key);
        if (watch && watch.matchedAt === undefined) matched.push([key, { ...watch, matchedAt: height }]);
      }
      this.emit('confirmed', tx, height);
    }
    this.setWatches(matched);
  }

  private retireWatches(): void {
    const done = [...this.watches].filter(([, watch]) => watch.matchedAt !== undefined && watch.matchedAt <= this.cursor.height - RETIRE_DEPTH);
    if (done.length === 0) return;
    for (const [key] of done) this.watches.delete(key);
    this.components.store.write(done.map(([key]) => ({ kind: 'feedWatch' as const, id: key, value: undefined })));
  }

  /**
   * Tells the gateway again how far behind we may fall, if that changed
   * (an HTLC now pending wants every block): a few bytes, only on a change.
   */
  refreshLag(): void {
    if (this.cancelTimer && this.wantedLag() !== this.announcedLag) this.acknowledge();
  }

  /** How long a silence must last before we ask: see `silenceMs`. */
  private silenceLimit(): number {
    return this.busy() ? this.silenceMs : Math.max(this.silenceMs, IDLE_SILENCE_BLOCK_TIMES * this.idleLag * BLOCK_INTERVAL_MS);
  }

  private wantedLag(): number {
    return this.busy() ? 1 : this.idleLag;
  }

  /** Says which block we have taken last; `hello` asks for an answer even if nothing is new. */
  private acknowledge(hello = false): void {
    this.announcedLag = this.wantedLag();
    this.sendAck(this.cursor.height, this.cursor.hash, this.announcedLag, hello);
  }

  private sendAck(height: number, blockHash: string, maxLag: number, hello: boolean): void {
    this.components.send({ type: 'feed_ack', height, hash: feedHashPrefix(blockHash), maxLag, ...(hello && { hello: this.hello }) });
  }

  /** Acknowledges a block further down our own chain than `height`, so that the gateway sends from below a deep fork. */
  private acknowledgeBelow(height: number): void {
    const chain = this.components.headerChain;
    const target = Math.max(chain.checkpoint.height, Math.min(height, chain.height) - REWIND_STEP);
    // A hello: the gateway answers at once, from there.
    this.sendAck(target, chain.entryAt(target)!.hash, 1, true);
  }

  private addWatch(key: string): void {
    if (this.watches.has(key)) return;
    this.watchFrom.set(key, this.deliveringHeight ?? this.cursor.height);
    this.setWatches([[key, { registered: false }]]);
    if (this.flushScheduled || !this.cancelTimer) return;
    // Watches added together (a close registers several outputs) go in one message.
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flushWatches();
    });
  }

  private setWatches(entries: [string, { registered: boolean; matchedAt?: number }][]): void {
    if (entries.length === 0) return;
    this.components.store.write(entries.map(([key, value]) => ({ kind: 'feedWatch' as const, id: key, value })));
    for (const [key, value] of entries) this.watches.set(key, value);
  }

  private loadWatches(): void {
    for (const [key, value] of this.components.store.getAll('feedWatch')) this.watches.set(key, value);
  }

  /** Sends the watches the gateway has not confirmed and that are not in flight. */
  private flushWatches(): void {
    const inFlight = new Set([...this.watchRequests.values()].flat());
    const waiting = [...this.watches].filter(([key, watch]) => !watch.registered && !inFlight.has(key)).map(([key]) => key);
    for (let start = 0; start < waiting.length; start += MAX_WATCHES_PER_MESSAGE) {
      const keys = waiting.slice(start, start + MAX_WATCHES_PER_MESSAGE);
      const requestId = this.components.requestId();
      this.watchRequests.set(requestId, keys);
      this.recentWatchRequests.add(requestId);
      if (this.recentWatchRequests.size > 256) this.recentWatchRequests.delete(this.recentWatchRequests.values().next().value!);
      const outpoints = keys.filter((key) => key.startsWith('o:')).map((key) => {
        const [, txid, vout] = key.split(':') as [string, string, string];
        return { txid: hexToHash(txid), vout: Number(vout) };
      });
      const txids = keys.filter((key) => key.startsWith('t:')).map((key) => hexToHash(key.slice(2)));
      // From the block that made us watch (a spend in the same push, after it, is proven again) or, for a watch
      // without one, a few blocks below the cursor (a match the gateway sent while this was on its way).
      const fromHeight = Math.min(...keys.map((key) => this.watchFrom.get(key) ?? this.cursor.height), this.cursor.height - 6);
      this.components.send({ type: 'watch', requestId, outpoints, txids, fromHeight: Math.max(0, fromHeight) });
    }
  }
}

/** A transaction from the gateway, or undefined if its bytes do not parse (bitcoinjs throws plain Errors). */
function parseTransaction(bytes: Uint8Array): Transaction | undefined {
  try {
    return Transaction.fromBuffer(bytes);
  } catch {
    return undefined;
  }
}

/** The transaction in `bytes` if it parses and the merkle branch proves it under `merkleRoot`. */
function provenTransaction(bytes: Uint8Array, index: number, branch: readonly Uint8Array[], merkleRoot: Uint8Array): Transaction | undefined {
  const tx = parseTransaction(bytes);
  return tx && verifyMerkleProof(tx.getHash(), index, branch, merkleRoot) ? tx : undefined;
}

