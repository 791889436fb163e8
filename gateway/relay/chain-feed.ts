/**
 * The chain feed: the gateway's side of a node's view of the chain.
 *
 * A node registers what it watches (outputs whose spends, transactions
 * whose confirmations, matter to it) and acknowledges each block it has
 * taken. The gateway pushes, unasked, the blocks after the node's cursor:
 * compact headers, the transactions that match the node's watches with
 * their merkle branches, the tip and a fee estimate. It pushes at once when
 * a block matters to the node, and otherwise only once the node is
 * `maxLag` blocks behind (the node chooses: every block while it has
 * something in flight, a few at a time when idle), so an idle node costs a
 * few hundred bytes an hour on the air, not a poll every ten minutes.
 *
 * One push is in flight per node; the next follows its acknowledgement.
 * Unanswered, it goes again once unasked or for the node's first hello,
 * then only for a hello after a wait that doubles each time: a hello or an acknowledgement of an
 * older copy while it may still be on its way (behind a slow relay) brings
 * nothing more. A node away for days gets what it missed from its cursor
 * on, a day of blocks per push. A node on another branch (a reorg) is sent blocks from
 * a few below its cursor; if even those do not link, it acknowledges a
 * lower block and the gateway goes back from there. Spends of watched
 * outputs seen in the mempool are announced at once: a revoked commitment
 * is best answered before it confirms.
 *
 * Watches and cursors are durable (`FeedStore`); pushes in flight are not:
 * after a restart the gateway pushes again from each cursor.
 */
import { EventEmitter } from 'node:events';
import { bytesToHex } from '../../node/core/hex.js';
import type { Transaction } from '../../node/bolt3/transaction.js';
import { hashToHex } from '../../node/chain/block-header.js';
import { encodeCompactHeaders } from '../../node/chain/compact-headers.js';
import { merkleProof } from '../../node/chain/merkle.js';
import type { Messenger } from '../../node/core/messenger.js';
import type { Clock } from '../../node/core/clock.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import {
  type FeedMatch,
  type GatewayMessage,
  MAX_HEADERS_PER_MESSAGE,
  MAX_MATCHES_PER_MESSAGE,
  type WatchedOutpoint,
  encodeGatewayMessage,
  feedHashPrefix,
} from '../../node/gateway-protocol/gateway-messages.js';
import type { ChainBlock, ChainSource } from '../chain/chain-source.js';
import { type FeedStore, type WatchKey, outputKey, transactionKey } from './feed-store.js';

export interface ChainFeedComponents {
  /** Sends to a node (through the router and the mailbox). */
  readonly messenger: Messenger;
  readonly chain: ChainSource;
  readonly store: FeedStore;
  readonly clock: Clock;
  /** Where what the feed survives (a push not sent, a failed round) is told. Default nowhere. */
  readonly logger?: Logger;
}

export interface ChainFeedInit {
  /** Watches one node may hold. Default 4096 (a channel needs a few; a close with HTLCs a few dozen). */
  readonly maxWatchesPerNode?: number;
  /** Watches of all nodes together. Default 1,000,000. */
  readonly maxWatches?: number;
  /**
   * A push not acknowledged this long is sent again (an acknowledgement lost in a crash), once: a node
   * that is away would otherwise find a copy per interval queued at its relay. Otherwise only the
   * node's hello (after a silence or a restart) brings the blocks again: the first hello at once (a
   * restart may have lost the push), later ones once the push has waited this times 2^(n-1) since it
   * last went, n the times it went unanswered (the wait doubles with each, up to 32 times this). A hello
   * sooner waits for the push on its way. Default 6 hours.
   */
  readonly resendAfterMs?: number;
  /** The fee estimate's target in blocks. Default 6. */
  readonly feeTargetBlocks?: number;
}

export interface ChainFeedEvents {
  /** A push went to a node: the blocks it covers and how many transactions matched. */
  pushed: [nodeId: string, fromHeight: number, toHeight: number, matches: number];
}

/** The wait before a push is sent again doubles with each unanswered one, this many times at most. */
const MAX_RESEND_DOUBLINGS = 5;

/** A push not yet acknowledged. */
interface Flight {
  /** The blocks it covers. */
  readonly from: number;
  readonly to: number;
  /** When it was last sent. */
  readonly sentAt: number;
  /** How many times it has been sent without an answer (copies and repeats from the same cursor). */
  readonly sends: number;
}

/** Blocks below a node's cursor sent again when its chain and ours part. */
const REWIND_BLOCKS = 6;
/** A watch that matched is forgotten once the node has acknowledged this many blocks above the match. */
export const RETIRE_DEPTH = 144;
/** Blocks scanned for a watch registered late; older matches are the node's to know. */
const LATE_SCAN_LIMIT = 2016;
/**
 * Blocks kept in memory, so that the nodes following the tip read each new
 * block once. Small: a mainnet block parsed is several megabytes.
 */
const BLOCK_CACHE_SIZE = 12;
/** Mempool announcements remembered, so that a transaction is announced to a node once. */
const ANNOUNCED_KEPT = 10_000;

export class ChainFeed extends EventEmitter<ChainFeedEvents> {
  private readonly maxWatchesPerNode: number;
  private readonly maxWatches: number;
  private readonly resendAfterMs: number;
  private readonly feeTargetBlocks: number;
  /** Pushes not yet acknowledged: one per node at most. */
  private readonly inFlight = new Map<string, Flight>();
  /** Nodes that refused a push reaching this height: nothing more until the chain grows past it. */
  private readonly refusedUpTo = new Map<string, number>();
  /** Nodes whose last push stopped short of the tip: the rest follows their acknowledgement, lag or not. */
  private readonly catchingUp = new Set<string>();
  /**
   * Each node's last hello, and the end of the first push that carried it
   * back: pushes built after a hello carry it (`answers`) until the node has
   * taken one, so that a node just restarted can tell them from copies of
   * pushes made before (their `tipHeight` may be long out of date).
   */
  private readonly hellos = new Map<string, { hello: number; answeredTo?: number }>();
  private readonly blocks = new Map<number, ChainBlock>();
  private readonly announced = new Set<string>();
  /** Work is done one piece at a time, in order: a push never interleaves with a watch or a reorg. */
  private queue: Promise<void> = Promise.resolve();
  private readonly chainListeners = {
    connect: () => this.enqueue(() => this.pushAll()),
    disconnect: (block: ChainBlock) => this.enqueue(async () => void this.forgetFrom(block.height)),
    transaction: (tx: Transaction) => this.enqueue(async () => this.announce(tx)),
  };
  private started = false;
  private readonly logger: Logger;

  constructor(
    private readonly components: ChainFeedComponents,
    init: ChainFeedInit = {},
  ) {
    super();
    for (const name of ['messenger', 'chain', 'store', 'clock'] as const) {
      if (!components?.[name]) throw new InvalidInputError(name, 'missing: the chain feed needs it');
    }
    this.logger = components.logger ?? silentLogger;
    this.maxWatchesPerNode = checkInteger('maxWatchesPerNode', init.maxWatchesPerNode ?? 4096, 1, 1_000_000);
    this.maxWatches = checkInteger('maxWatches', init.maxWatches ?? 1_000_000, 1, 100_000_000);
    this.resendAfterMs = checkInteger('resendAfterMs', init.resendAfterMs ?? 6 * 3_600_000, 1, 30 * 86_400_000);
    this.feeTargetBlocks = checkInteger('feeTargetBlocks', init.feeTargetBlocks ?? 6, 1, 1008);
  }

  /** Follows the chain, and pushes to every node what it missed while the gateway was down. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const chain = this.components.chain;
    chain.on('connect', this.chainListeners.connect);
    chain.on('disconnect', this.chainListeners.disconnect);
    chain.on('transaction', this.chainListeners.transaction);
    this.enqueue(() => this.pushAll());
  }

  /** Stops following the chain; resolves once the work under way is done. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const chain = this.components.chain;
    chain.off('connect', this.chainListeners.connect);
    chain.off('disconnect', this.chainListeners.disconnect);
    chain.off('transaction', this.chainListeners.transaction);
    await this.queue;
  }

  /** Resolves once everything queued so far is done (for tests and an orderly stop). */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * A node's `feed_ack`: it has every block up to `height`. Moves its
   * cursor and pushes what follows, if it is due.
   *
   * One push is in flight per node. Below it, an acknowledgement ends it
   * only if it is a refusal; a node catching up over a slow relay sends
   * many that are not: acknowledgements of older copies queued at the
   * relay, and a hello every silence (a node cut off for days has them
   * queued too: headline.yaml's n2 had 240 behind n1). Each used to bring
   * a fresh push of up to a day of blocks, which queued behind the others.
   */
  acknowledge(nodeId: string, ack: { height: number; hash: Uint8Array; maxLag: number; hello?: number }): Promise<void> {
    return this.enqueue(async () => {
      if (!this.started) return; // stopping: the node says it again after its next silence
      const before = this.components.store.cursor(nodeId);
      this.components.store.setCursor(nodeId, { height: ack.height, hashPrefix: bytesToHex(ack.hash), maxLag: ack.maxLag });
      if (before && ack.height > before.height) this.retire(nodeId, ack.height);
      const hello = ack.hello !== undefined;
      const answering = this.hellos.get(nodeId);
      if (hello) this.hellos.set(nodeId, { hello: ack.hello! });
      else if (answering?.answeredTo !== undefined && ack.height >= answering.answeredTo) this.hellos.delete(nodeId);
      const flight = this.inFlight.get(nodeId);
      if (flight && ack.height < flight.to) {
        if (hello) {
          // A node restarted, or back from a silence, may have lost the push; or it is still on its way, behind
          // a slow link's queue. It goes again for the first hello; after that, while it may be on its way and
          // still links to what the node has, it answers the hellos, until it has waited twice as long as the
          // copy before it (a repeat costs airtime, never correctness). A hello from below where it starts
          // (the node went back: a fork) gets a new push.
          if (ack.height + 1 < flight.from) this.inFlight.delete(nodeId);
          else if (this.components.clock.now() - flight.sentAt < this.resendWait(flight)) return;
          this.refusedUpTo.delete(nodeId);
          return this.push(nodeId, true, true);
        }
        // An older copy taken (the node moved on, not to the end of this push), a new lag (refreshLag), or a
        // copy of the push that brought the node to where this one starts, acknowledged there (a repeat
        // whose first copy it took): the push in flight is still on its way.
        if ((before && ack.height > before.height) || ack.maxLag !== before?.maxLag || ack.height + 1 === flight.from) return;
        // Within a push sent from below its cursor (the chains parted), without a hello: the node refused it
        // (a branch with no more work than its own). The next block may settle it, so nothing goes before
        // then (a node catching up: the next push).
        this.refusedUpTo.set(nodeId, flight.to);
        this.inFlight.delete(nodeId);
        return this.push(nodeId, this.catchingUp.has(nodeId));
      }
      // The push in flight taken (or more), or none in flight.
      this.refusedUpTo.delete(nodeId);
      this.inFlight.delete(nodeId);
      await this.push(nodeId, hello || this.catchingUp.has(nodeId));
    });
  }

  /** How long a push waits for its acknowledgement before a hello brings it again: none the first time, then doubled with each unanswered send. */
  private resendWait(flight: Flight): number {
    return flight.sends <= 1 ? 0 : this.resendAfterMs * 2 ** Math.min(flight.sends - 1, MAX_RESEND_DOUBLINGS);
  }

  /**
   * Registers a node's watches. Returns the proofs of matches in blocks the
   * node has already been sent (a watch registered late), to send after the
   * `done`. Throws `InvalidInputError` past a quota; then nothing is added.
   */
  watch(nodeId: string, request: { outpoints: readonly WatchedOutpoint[]; txids: readonly Uint8Array[]; fromHeight: number }): Promise<GatewayMessage[]> {
    return this.enqueueWithResult(async () => {
      if (!this.started) throw new Error('the gateway is stopping; the node sends its watches again');
      const store = this.components.store;
      const keys = watchKeys(request);
      const fresh = keys.filter((key) => !store.watchersOf(key)?.has(nodeId));
      if (store.watchCount(nodeId) + fresh.length > this.maxWatchesPerNode) throw new InvalidInputError('watch', `a node may watch ${this.maxWatchesPerNode} outputs and transactions; this one holds ${store.watchCount(nodeId)}`);
      if (store.totalWatches + fresh.length > this.maxWatches) throw new InvalidInputError('watch', `the gateway watches ${this.maxWatches} outputs and transactions at most, for all nodes`);
      const added = new Set(store.addWatches(nodeId, keys));
      const proofs = await this.lateMatches(nodeId, added, [...new Set(keys)].filter((key) => !added.has(key)), request.fromHeight);
      // Blocks the node has not had yet may now matter to it: they go at once.
      await this.push(nodeId);
      return proofs;
    });
  }

  unwatch(nodeId: string, request: { outpoints: readonly WatchedOutpoint[]; txids: readonly Uint8Array[] }): Promise<void> {
    return this.enqueue(async () => {
      if (!this.started) return;
      this.components.store.removeWatches(nodeId, watchKeys(request));
    });
  }

  private async pushAll(): Promise<void> {
    for (const nodeId of this.components.store.nodes()) await this.push(nodeId);
  }

  /**
   * Sends a node the blocks after its cursor, if it is due for them and none
   * are in flight. `answer`: the node said hello; with nothing new, the
   * tip's block goes again, so that it knows it is current. `again`: the
   * push in flight is sent again now (a hello after its wait).
   */
  private async push(nodeId: string, answer = false, again = false): Promise<void> {
    const { chain, store, clock } = this.components;
    const cursor = store.cursor(nodeId);
    if (!cursor) return;
    const flight = this.inFlight.get(nodeId);
    // Sent again unasked once when unanswered: a node away for ten days got forty copies of its push (up
    // to a day of headers each) queued at its relay, and back, was still taking them over LoRa three days
    // later, with what came after them, its justice's proof among it, still waiting (headline.yaml).
    if (flight && !again && (flight.sends > 1 || clock.now() - flight.sentAt < this.resendAfterMs)) return;
    const tip = await chain.tip();
    if (!answer && tip.height <= (this.refusedUpTo.get(nodeId) ?? -1)) return;
    let from = cursor.height + 1;
    const ours = cursor.height <= tip.height ? await this.blockAt(cursor.height) : undefined;
    const onOurChain = ours !== undefined && bytesToHex(feedHashPrefix(ours.hash)) === cursor.hashPrefix;
    if (!onOurChain) from = Math.max(1, Math.min(cursor.height, tip.height + 1) - REWIND_BLOCKS + 1);
    if (from > tip.height) {
      // Nothing new. A hello is answered all the same, with no headers: the node learns that it is current.
      if (answer && onOurChain) {
        const feeratePerKw = (await chain.estimateFeerate(this.feeTargetBlocks)) ?? 0;
        this.send(nodeId, { type: 'blocks', startHeight: from, prevHash: feedHashPrefix(ours.hash), headers: new Uint8Array(0), matches: [], tipHeight: tip.height, feeratePerKw, ...this.answers(nodeId, cursor.height) });
      }
      return;
    }
    const last = Math.min(tip.height, from + MAX_HEADERS_PER_MESSAGE - 1);
    const headers: Uint8Array[] = [];
    const matches: FeedMatch[] = [];
    /** Matches of one block beyond what a push carries: sent right after it as proofs, never dropped. */
    let overflow: FeedMatch[] = [];
    for (let height = from; height <= last; height++) {
      const block = await this.blockAt(height);
      if (!block) break; // the chain moved under us: send what we have
      const found = this.matchesIn(nodeId, block);
      if (matches.length + found.length > MAX_MATCHES_PER_MESSAGE && headers.length > 0) break;
      headers.push(block.header);
      const room = MAX_MATCHES_PER_MESSAGE - matches.length;
      matches.push(...found.slice(0, room));
      if (found.length > room) {
        overflow = found.slice(room); // only when this block is the push's first: it ends the push
        break;
      }
    }
    if (headers.length === 0) return;
    const due = answer || !onOurChain || matches.length > 0 || tip.height - cursor.height >= cursor.maxLag;
    if (!due) return;
    const previous = await this.blockAt(from - 1);
    if (!previous) return;
    const to = from + headers.length - 1;
    const feeratePerKw = (await chain.estimateFeerate(this.feeTargetBlocks)) ?? 0;
    const message: GatewayMessage = {
      type: 'blocks',
      startHeight: from,
      prevHash: feedHashPrefix(previous.hash),
      headers: encodeCompactHeaders(previous.header, headers),
      matches,
      tipHeight: tip.height,
      feeratePerKw,
      ...this.answers(nodeId, to),
    };
    for (const match of [...matches, ...overflow]) this.markMatched(nodeId, match);
    this.inFlight.set(nodeId, { from, to, sentAt: clock.now(), sends: (flight?.sends ?? 0) + 1 });
    if (to < tip.height) this.catchingUp.add(nodeId);
    else this.catchingUp.delete(nodeId);
    this.send(nodeId, message);
    // The node takes these once it has the block (they come after the push): a proof of a block it has.
    for (const match of overflow) this.send(nodeId, { type: 'tx_proof', requestId: 0, height: match.height, index: match.index, branch: match.branch, transaction: match.transaction });
    this.emit('pushed', nodeId, from, to, matches.length + overflow.length);
  }

  /** The node's last hello, for a push ending at `to`, while the node has taken none that carried it. */
  private answers(nodeId: string, to: number): { answers?: number } {
    const answering = this.hellos.get(nodeId);
    if (!answering) return {};
    answering.answeredTo = Math.min(answering.answeredTo ?? to, to);
    return { answers: answering.hello };
  }

  /** The transactions of `block` that a node's watches select, with their merkle branches. */
  private matchesIn(nodeId: string, block: ChainBlock, only?: ReadonlySet<WatchKey>): FeedMatch[] {
    const store = this.components.store;
    const watched = (key: WatchKey) => (only ? only.has(key) : store.watchersOf(key)?.has(nodeId) === true);
    const matches: FeedMatch[] = [];
    let txids: Uint8Array[] | undefined;
    block.transactions.forEach((tx, index) => {
      const hit = watched(transactionKey(tx.getId())) || tx.ins.some((input) => watched(spentOutputKey(input)));
      if (!hit) return;
      txids ??= block.transactions.map((each) => each.getHash());
      matches.push({ height: block.height, index, branch: merkleProof(txids, index), transaction: tx.toBuffer() });
    });
    return matches;
  }

  private markMatched(nodeId: string, match: FeedMatch): void {
    const store = this.components.store;
    const block = this.blocks.get(match.height);
    const tx = block?.transactions[match.index];
    if (!tx) return;
    for (const key of [transactionKey(tx.getId()), ...tx.ins.map(spentOutputKey)]) {
      if (store.watchersOf(key)?.has(nodeId)) store.markMatched(nodeId, key, match.height);
    }
  }

  /** Watches whose match is buried deep below what the node has taken are done. */
  private retire(nodeId: string, height: number): void {
    const store = this.components.store;
    store.removeWatches(nodeId, store.matchedAtOrBelow(nodeId, height - RETIRE_DEPTH));
  }

  /**
   * Matches in blocks the node already has, for the watches of a request:
   * proofs to send now, since the feed will not.
   *
   * `added`, watches new to us, are looked for: a transaction by its status,
   * spends by a scan from the request's `fromHeight` (at most
   * LATE_SCAN_LIMIT blocks, and only when something is new).
   *
   * `again`, watches we held already: the node names them only while it has
   * not had our `done` for them, so the answer to its first request, and
   * the proofs after it, may have been lost on the air (or in its restart).
   * Their matches are proven again. Each was found already (by that
   * request's scan or status, or by a push since, the feed matching every
   * block after it against the watch) and its record says where
   * (`matchedAt`): one block read per watch so matched, none for the
   * others, so a request repeated (by a node whose answers keep getting
   * lost, or a stranger) costs at most a message's worth of block reads, not
   * a scan. The node takes a proof it had as a repeat.
   */
  private async lateMatches(nodeId: string, added: ReadonlySet<WatchKey>, again: readonly WatchKey[], fromHeight: number): Promise<GatewayMessage[]> {
    if (added.size === 0 && again.length === 0) return [];
    const store = this.components.store;
    const cursor = store.cursor(nodeId);
    const sent = Math.max(cursor?.height ?? 0, this.inFlight.get(nodeId)?.to ?? 0);
    const start = Math.max(1, Math.max(fromHeight, sent - LATE_SCAN_LIMIT) - REWIND_BLOCKS);
    const proofs: GatewayMessage[] = [];
    const proven = new Set<number>();
    const prove = (match: FeedMatch) => {
      if (proven.has(match.height * 1e6 + match.index)) return;
      proven.add(match.height * 1e6 + match.index);
      this.markMatched(nodeId, match);
      proofs.push({ type: 'tx_proof', requestId: 0, height: match.height, index: match.index, branch: match.branch, transaction: match.transaction });
    };
    // As the first answer would have: a transaction at any height we have sent, a spend within the scan's range.
    for (const key of again) {
      const at = store.watchRecord(nodeId, key)?.matchedAt;
      if (at === undefined || at > sent || (key.startsWith('o:') && at < start)) continue;
      const block = await this.blockAt(at);
      if (block) this.matchesIn(nodeId, block, new Set([key])).forEach(prove);
    }
    if (added.size === 0) return proofs;
    // Transactions confirmed long ago (a deposit announced late) are found by their status; spends by a scan.
    for (const key of added) {
      if (!key.startsWith('t:')) continue;
      const status = await this.components.chain.status(key.slice(2));
      if (status.state !== 'confirmed' || status.height > sent) continue;
      const block = await this.blockAt(status.height);
      if (block) this.matchesIn(nodeId, block, new Set([key])).forEach(prove);
    }
    for (let height = start; height <= sent; height++) {
      const block = await this.blockAt(height);
      if (!block) break;
      this.matchesIn(nodeId, block, added).forEach(prove);
    }
    return proofs;
  }

  /** A mempool transaction spending a watched output: each watcher hears of it once. */
  private announce(tx: Transaction): void {
    const store = this.components.store;
    const nodes = new Set(tx.ins.flatMap((input) => [...(store.watchersOf(spentOutputKey(input)) ?? [])]));
    for (const nodeId of nodes) {
      const key = `${nodeId}/${tx.getId()}`;
      if (this.announced.has(key)) continue;
      this.announced.add(key);
      if (this.announced.size > ANNOUNCED_KEPT) this.announced.delete(this.announced.values().next().value!);
      this.send(nodeId, { type: 'mempool_tx', transaction: tx.toBuffer() });
    }
  }

  private async blockAt(height: number): Promise<ChainBlock | undefined> {
    const cached = this.blocks.get(height);
    if (cached) return cached;
    const block = await this.components.chain.blockAt(height);
    if (!block) return undefined;
    this.blocks.set(height, block);
    if (this.blocks.size > BLOCK_CACHE_SIZE) this.blocks.delete(Math.min(...this.blocks.keys()));
    return block;
  }

  /** A reorg: cached blocks from `height` up are no longer the best chain's. */
  private forgetFrom(height: number): void {
    for (const cached of [...this.blocks.keys()]) if (cached >= height) this.blocks.delete(cached);
  }

  private send(nodeId: string, message: GatewayMessage): void {
    try {
      this.components.messenger.send(nodeId, encodeGatewayMessage(message));
    } catch (error) {
      this.logger.log('warn', `a ${message.type} for ${nodeId} could not be sent: ${(error as Error).message}`);
    }
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    return this.enqueueWithResult(work);
  }

  private enqueueWithResult<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.then(
      () => undefined,
      (error) => void this.logger.log('warn', `chain feed: ${(error as Error).stack ?? error}`),
    );
    return result;
  }
}

/** The keys of what a watch or unwatch message names. */
function watchKeys(request: { outpoints: readonly WatchedOutpoint[]; txids: readonly Uint8Array[] }): WatchKey[] {
  return [...request.outpoints.map((outpoint) => outputKey(hashToHex(outpoint.txid), outpoint.vout)), ...request.txids.map((txid) => transactionKey(hashToHex(txid)))];
}

/** The key of the output a transaction input spends. */
function spentOutputKey(input: { hash: Uint8Array; index: number }): WatchKey {
  return outputKey(hashToHex(input.hash), input.index);
}
