/**
 * The production backend: Bitcoin Core over JSON-RPC. No ZMQ: a poll (on the
 * `Clock`) asks for the best block hash, and when it moved, walks back along
 * the blocks it saw last (`RecentBlocks`) to the fork point, tells the
 * blocks that left the best chain (tip first) and then the new ones (in
 * order); a poll of the mempool's txids tells the transactions that entered
 * it. A poll that fails (the server restarts, the network drops) is retried
 * at the next tick; the loss and the recovery are logged as warnings.
 */
import { EventEmitter } from 'node:events';
import { Block } from 'bitcoinjs-lib';
import { type Clock, systemClock } from '../../node/core/clock.js';
import { checkInteger } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { Transaction, checkTxid } from '../../node/bolt3/transaction.js';
import { MAX_BLOCK_BYTES, decodeBlock } from './block-decoding.js';
import type { BroadcastResult, ChainBlock, ChainSource, ChainSourceEvents, ChainTip, TransactionStatus } from './chain-source.js';
import { JsonRpcClient, RpcCallError, type RpcCredentials, RpcResponseError } from './json-rpc-client.js';
import { RecentBlocks } from './recent-blocks.js';

export interface CoreRpcChainOptions {
  /** For example http://127.0.0.1:8332/ (mainnet), :18443 (regtest). */
  readonly url: string;
  readonly credentials: RpcCredentials;
  readonly clock?: Clock;
  /** Where what the backend survives (a lost RPC server, a reorg deeper than tracked) is told. Default nowhere. */
  readonly logger?: Logger;
  /** How often to ask for a new tip and new mempool transactions; default 2,000 ms. */
  readonly pollIntervalMs?: number;
  /**
   * How many blocks below the tip are remembered, default 32: the deepest
   * reorg told block by block, and how far back a confirmed transaction is
   * found when Core runs without `txindex=1` (then only among blocks
   * connected since `open`). Mainnet costs about 0.5 MB per block.
   */
  readonly trackedBlocks?: number;
  /** Tell `transaction` events from the mempool (default true). Costs a getrawmempool per poll. */
  readonly watchMempool?: boolean;
  /** Per request; default 30 s. */
  readonly requestTimeoutMs?: number;
}

/** Core's codes for "no such block height" and "no such transaction". */
const RPC_INVALID_PARAMETER = -8;

/** Txids per getrawtransaction batch when the mempool grew. */
const MEMPOOL_BATCH = 500;

/** A mempool larger than this (Core's default 300 MB holds some 500,000) is not a mempool answer. */
const MAX_MEMPOOL_TXIDS = 5_000_000;

export class CoreRpcChain extends EventEmitter<ChainSourceEvents> implements ChainSource {
  private readonly rpc: JsonRpcClient;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly watchMempool: boolean;
  private readonly trackedBlocks: number;
  private recent: RecentBlocks;
  private mempool = new Set<string>();
  private opened = false;
  /** The poll under way; polls never overlap. */
  private work: Promise<void> = Promise.resolve();
  private cancelPoll: (() => void) | undefined;
  private failedPolls = 0;
  /** Counts opens, so that a poll of an earlier session does not schedule another. */
  private session = 0;
  private chainName: string | undefined;

  constructor(options: CoreRpcChainOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.rpc = new JsonRpcClient({ url: options.url, credentials: options.credentials, clock: this.clock, timeoutMs: options.requestTimeoutMs });
    this.pollIntervalMs = checkInteger('pollIntervalMs', options.pollIntervalMs ?? 2_000, 1, 2 ** 31 - 1);
    this.trackedBlocks = checkInteger('trackedBlocks', options.trackedBlocks ?? 32, 1, 10_000);
    this.recent = new RecentBlocks(this.trackedBlocks);
    this.watchMempool = options.watchMempool ?? true;
  }

  get url(): string {
    return this.rpc.url;
  }

  /** Core's name of its network ('main', 'test', 'regtest', 'signet'), once open. */
  get chain(): string | undefined {
    return this.chainName;
  }

  /** Checks the server answers and accepts us (else throws RpcConnectionError or RpcAuthenticationError naming the url), learns the last blocks, starts polling. */
  async open(): Promise<void> {
    if (this.opened) return;
    const { blocks, chain } = this.fieldsOf('getblockchaininfo', await this.rpc.call('getblockchaininfo'));
    this.chainName = this.expect('getblockchaininfo.chain', chain, 'string');
    const height = this.expect('getblockchaininfo.blocks', blocks, 'number');
    const lowest = Math.max(0, height - this.recent.capacity + 1);
    const heights = Array.from({ length: height - lowest + 1 }, (_, i) => lowest + i);
    this.recent = new RecentBlocks(this.trackedBlocks);
    const hashes = await this.rpc.batch(heights.map((h) => ({ method: 'getblockhash', params: [h] })));
    hashes.forEach((outcome, i) => {
      if ('error' in outcome) throw outcome.error;
      this.recent.push({ height: heights[i]!, hash: this.expectHash('getblockhash', outcome.result), txids: [] });
    });
    if (this.watchMempool) this.mempool = new Set(await this.mempoolTxids());
    this.opened = true;
    this.session++;
    this.failedPolls = 0;
    this.schedulePoll();
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    this.cancelPoll?.();
    this.rpc.abortInFlight();
    await this.work.catch(() => undefined);
  }

  /**
   * Polls now: tells what changed since the last poll (blocks, then mempool
   * transactions). Rejects if the server fails; the scheduled polls go on.
   */
  sync(): Promise<void> {
    const poll = this.work.then(() => this.pollOnce());
    this.work = poll.catch(() => undefined);
    return poll;
  }

  async tip(): Promise<ChainTip> {
    // One call, so height and hash are of the same moment.
    const { blocks, bestblockhash } = this.fieldsOf('getblockchaininfo', await this.rpc.call('getblockchaininfo'));
    return { height: this.expect('getblockchaininfo.blocks', blocks, 'number'), hash: this.expectHash('getblockchaininfo.bestblockhash', bestblockhash) };
  }

  async headerAt(height: number): Promise<Uint8Array | undefined> {
    const hash = await this.hashAt(height);
    if (hash === undefined) return undefined;
    const header = this.bytesFrom(`getblockheader ${hash}`, await this.rpc.call('getblockheader', [hash, false]), 80, true);
    if (Block.fromBuffer(header).getId() !== hash) throw new RpcResponseError(this.url, `getblockheader ${hash} answered another block's header`);
    return header;
  }

  async blockAt(height: number): Promise<ChainBlock | undefined> {
    const hash = await this.hashAt(height);
    return hash === undefined ? undefined : this.fetchBlock(hash, height);
  }

  async transaction(txid: string): Promise<Transaction | undefined> {
    checkTxid('txid', txid);
    try {
      return this.decodeTransaction(txid, await this.rpc.call('getrawtransaction', [txid, false]));
    } catch (error) {
      if (!(error instanceof RpcCallError)) throw error;
    }
    // Without txindex Core finds only mempool transactions: look in the blocks we saw lately.
    const tracked = this.recent.blockOf(txid);
    if (!tracked) return undefined;
    const block = await this.fetchBlock(tracked.hash, tracked.height);
    return block.transactions.find((tx) => tx.getId() === txid);
  }

  async status(txid: string): Promise<TransactionStatus> {
    checkTxid('txid', txid);
    let found: Record<string, unknown> | undefined;
    try {
      found = this.fieldsOf('getrawtransaction', await this.rpc.call('getrawtransaction', [txid, true]));
    } catch (error) {
      if (!(error instanceof RpcCallError)) throw error;
    }
    if (found && typeof found.blockhash !== 'string') return { state: 'mempool' };
    let block: { hash: string; height: number } | undefined = this.recent.blockOf(txid);
    if (found) {
      const hash = this.expectHash('getrawtransaction.blockhash', found.blockhash);
      const { height } = this.fieldsOf('getblockheader', await this.rpc.call('getblockheader', [hash, true]));
      block = { hash, height: this.expect('getblockheader.height', height, 'number') };
    }
    if (!block) return { state: 'unknown' };
    // With txindex, a transaction reorged out (and not back in the mempool) still names its old block: is that block still in the best chain?
    if ((await this.hashAt(block.height)) !== block.hash) return { state: 'unknown' };
    const tipHeight = this.expect('getblockcount', await this.rpc.call('getblockcount'), 'number');
    return { state: 'confirmed', blockHash: block.hash, height: block.height, confirmations: tipHeight - block.height + 1 };
  }

  async broadcast(tx: Transaction): Promise<BroadcastResult> {
    const txid = tx.getId();
    try {
      await this.rpc.call('sendrawtransaction', [tx.toHex()]);
      return { accepted: true, txid };
    } catch (error) {
      if (error instanceof RpcCallError) return { accepted: false, txid, reason: error.rpcMessage };
      throw error; // unreachable or unreadable: we cannot tell whether it was accepted
    }
  }

  async estimateFeerate(targetBlocks: number): Promise<number | undefined> {
    checkInteger('targetBlocks', targetBlocks, 1, 1008);
    let answer: Record<string, unknown>;
    try {
      answer = this.fieldsOf('estimatesmartfee', await this.rpc.call('estimatesmartfee', [targetBlocks]));
    } catch (error) {
      if (error instanceof RpcCallError) return undefined;
      throw error;
    }
    // Core answers BTC per 1000 virtual bytes, or `errors` instead of `feerate` while it has too little data.
    if (typeof answer.feerate !== 'number' || !(answer.feerate > 0)) return undefined;
    const satoshisPerKvB = Math.round(answer.feerate * 1e8);
    return Math.ceil(satoshisPerKvB / 4);
  }

  private schedulePoll(): void {
    const session = this.session;
    this.cancelPoll = this.clock.setTimer(this.pollIntervalMs, () => {
      this.sync().then(
        () => {
          if (this.failedPolls > 0) this.logger.log('warn', `the Bitcoin RPC server at ${this.url} answers again, after ${this.failedPolls} failed poll(s)`);
          this.failedPolls = 0;
        },
        (error: Error) => {
          if (!this.opened) return;
          if (this.failedPolls++ === 0) this.logger.log('warn', `poll failed, retrying every ${this.pollIntervalMs} ms: ${error.message}`);
        },
      ).finally(() => {
        // Not after close, nor twice after a close and a new open.
        if (this.opened && this.session === session) this.schedulePoll();
      });
    });
  }

  private async pollOnce(): Promise<void> {
    if (!this.opened) return;
    const best = this.expectHash('getbestblockhash', await this.rpc.call('getbestblockhash'));
    if (best !== this.recent.tip?.hash) await this.follow(best);
    if (this.watchMempool) await this.followMempool();
  }

  /** Brings our view to the server's best chain ending in `best`: disconnects back to the fork point, then connects up to `best`. */
  private async follow(best: string): Promise<void> {
    const { height: bestHeight } = this.fieldsOf('getblockheader', await this.rpc.call('getblockheader', [best, true]));
    const targetHeight = this.expect('getblockheader.height', bestHeight, 'number');
    // Nothing tracked happens only after a deep reorg was cut short: start again from the best block.
    let forkHeight = Math.min(this.recent.tip?.height ?? targetHeight - 1, targetHeight);
    for (;;) {
      const ours = this.recent.at(forkHeight);
      if (!ours) {
        if (!this.recent.tip) break;
        this.logger.log('warn', `a reorg deeper than the ${this.recent.capacity} blocks tracked: blocks below height ${forkHeight + 1} that left the best chain are not told`);
        break;
      }
      if ((await this.hashAt(forkHeight)) === ours.hash) break;
      forkHeight--;
    }
    while (this.recent.tip && this.recent.tip.height > forkHeight) {
      const leaving = this.recent.tip;
      let block: ChainBlock | undefined;
      try {
        block = await this.fetchBlock(leaving.hash, leaving.height);
      } catch (error) {
        if (!(error instanceof RpcCallError)) throw error;
        this.logger.log('warn', `block ${leaving.hash} at ${leaving.height} left the best chain, but the server no longer serves it (${error.rpcMessage}): its disconnect is not told`);
      }
      this.recent.popTip();
      if (block) this.emit('disconnect', block);
    }
    for (let height = forkHeight + 1; height <= targetHeight; height++) {
      const hash = await this.hashAt(height);
      if (hash === undefined) return; // the chain shrank while we read: the next poll starts over
      const block = await this.fetchBlock(hash, height);
      const parent = this.recent.tip;
      if (parent && previousHash(block.header) !== parent.hash) return; // it moved under us: likewise
      this.recent.push({ height, hash, txids: block.transactions.map((tx) => tx.getId()) });
      this.emit('connect', block);
    }
  }

  private async followMempool(): Promise<void> {
    const txids = await this.mempoolTxids();
    const current = new Set(txids);
    for (const txid of this.mempool) if (!current.has(txid)) this.mempool.delete(txid);
    const entered = txids.filter((txid) => !this.mempool.has(txid));
    for (let start = 0; start < entered.length; start += MEMPOOL_BATCH) {
      const slice = entered.slice(start, start + MEMPOOL_BATCH);
      const outcomes = await this.rpc.batch(slice.map((txid) => ({ method: 'getrawtransaction', params: [txid, false] })));
      outcomes.forEach((outcome, i) => {
        // Marked seen only once told: if this poll fails half way, the next one tells the rest.
        this.mempool.add(slice[i]!);
        // An error here is a transaction that left the mempool since getrawmempool: nothing to tell.
        if ('result' in outcome) this.emit('transaction', this.decodeTransaction(slice[i]!, outcome.result));
      });
    }
  }

  private async mempoolTxids(): Promise<string[]> {
    const txids = await this.rpc.call('getrawmempool', [false]);
    if (!Array.isArray(txids) || txids.length > MAX_MEMPOOL_TXIDS) throw new RpcResponseError(this.url, 'getrawmempool did not answer a list of txids');
    return txids.map((txid) => this.expectHash('getrawmempool', txid));
  }

  /** The best chain's block hash at `height`, or undefined above the tip. */
  private async hashAt(height: number): Promise<string | undefined> {
    checkInteger('height', height, 0, 2 ** 31 - 1);
    try {
      return this.expectHash('getblockhash', await this.rpc.call('getblockhash', [height]));
    } catch (error) {
      if (error instanceof RpcCallError && error.code === RPC_INVALID_PARAMETER) return undefined;
      throw error;
    }
  }

  private async fetchBlock(hash: string, height: number): Promise<ChainBlock> {
    const raw = this.bytesFrom(`getblock ${hash}`, await this.rpc.call('getblock', [hash, 0]), MAX_BLOCK_BYTES);
    return decodeBlock(raw, height, hash);
  }

  private decodeTransaction(txid: string, hex: unknown): Transaction {
    const raw = this.bytesFrom(`getrawtransaction ${txid}`, hex, MAX_BLOCK_BYTES);
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(raw);
    } catch (error) {
      throw new RpcResponseError(this.url, `getrawtransaction ${txid}: not a transaction (${(error as Error).message})`);
    }
    if (tx.getId() !== txid) throw new RpcResponseError(this.url, `getrawtransaction ${txid} answered transaction ${tx.getId()}`);
    return tx;
  }

  /** Hex from the server, as bytes: exactly `length` of them, or at most `maxLength`. */
  private bytesFrom(what: string, hex: unknown, maxLength: number, exact = false): Uint8Array {
    if (typeof hex !== 'string' || hex.length > 2 * maxLength || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex) || (exact && hex.length !== 2 * maxLength)) {
      throw new RpcResponseError(this.url, `${what} did not answer ${exact ? `${maxLength} bytes` : `at most ${maxLength} bytes`} of hex`);
    }
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  }

  /** A verbose answer's fields; anything but an object is a broken answer. */
  private fieldsOf(method: string, value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RpcResponseError(this.url, `${method} did not answer an object`);
    return value as Record<string, unknown>;
  }

  private expect<T extends 'string' | 'number'>(what: string, value: unknown, type: T): T extends 'string' ? string : number {
    if (typeof value !== type || (type === 'number' && !Number.isSafeInteger(value))) throw new RpcResponseError(this.url, `${what} is not a ${type}: ${JSON.stringify(value)?.slice(0, 100)}`);
    return value as T extends 'string' ? string : number;
  }

  private expectHash(what: string, value: unknown): string {
    if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) throw new RpcResponseError(this.url, `${what} is not a hash: ${JSON.stringify(value)?.slice(0, 100)}`);
    return value;
  }
}

/** The parent's hash named by an 80-byte header, in display order. */
function previousHash(header: Uint8Array): string {
  return Buffer.from(header.subarray(4, 36)).reverse().toString('hex');
}
