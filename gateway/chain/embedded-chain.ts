/**
 * The embedded backend: a bcoin full node in the gateway's own process,
 * regtest by default, in memory or on disk. It serves demos, tests and the
 * simulator with real blocks (see `RegtestMiner`: mine on demand, on a
 * schedule, or a reorg), and can serve Bitcoin Core's JSON-RPC calls on
 * loopback, so that `CoreRpcChain` can be proven against it.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import bcoin from 'bcoin';
import type { Clock } from '../../node/core/clock.js';
import { MIN_FEERATE_PER_KW } from '../../node/core/bolt-limits.js';
import { InvalidInputError, checkInteger } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { Transaction, checkTxid } from '../../node/bolt3/transaction.js';
import { decodeBlock } from './block-decoding.js';
import { repairLevelIterators } from './level-iterators.js';
import type { BroadcastResult, ChainBlock, ChainSource, ChainSourceEvents, ChainTip, TransactionStatus } from './chain-source.js';
import { answerSendRawTransactionAsCore, submitToMempool } from './mempool-submission.js';
import { ANYONE_CAN_SPEND_OUTPUT, RegtestMiner, checkCoinbaseScript } from './regtest-miner.js';

export type BcoinNetwork = 'regtest' | 'testnet' | 'main' | 'simnet';

export interface EmbeddedChainOptions {
  /** Default 'regtest', the only network the miner works on. */
  readonly network?: BcoinNetwork;
  /** Where bcoin keeps the chain (it adds a folder per network below it). Absent: in memory, gone at close. */
  readonly dataDirectory?: string;
  /**
   * bcoin's HTTP server answers Bitcoin Core's JSON-RPC calls; with this it
   * listens on 127.0.0.1:`port` (0 or absent: a free port, see `rpcUrl`) and
   * takes HTTP basic auth with any user name and `apiKey` as the password.
   */
  readonly rpc?: { readonly port?: number; readonly apiKey: string };
  /** Where mined coinbases pay unless told otherwise; default `ANYONE_CAN_SPEND_OUTPUT`. */
  readonly coinbaseScript?: Uint8Array;
  /**
   * What `estimateFeerate` answers while bcoin's estimator has no data (it
   * needs many confirmed transactions, which a regtest chain rarely has).
   * Default on regtest: `MIN_FEERATE_PER_KW`, Lightning's floor, just above the
   * 1,000 sat/kvB minimum relay fee. Default elsewhere: none.
   */
  readonly fallbackFeeratePerKw?: number;
  /**
   * The time bcoin stamps blocks with and checks them against; default the
   * system clock. The simulator passes its virtual clock, so that block times
   * (and with them block hashes) repeat from run to run. bcoin keeps the time
   * on its network object, one per network for the whole process: two chains
   * of one network with different clocks in one process would share it.
   */
  readonly clock?: Clock;
  /** Where what the chain survives (bcoin's errors, a listener that threw) is told. Default nowhere. */
  readonly logger?: Logger;
}

/** The regtest fallback feerate: Lightning's floor, just above 1 sat/vB. */
export const REGTEST_FALLBACK_FEERATE_PER_KW = MIN_FEERATE_PER_KW;

/** Used before `open()`, after `close()`, or for mining off regtest. */
export class EmbeddedChainError extends Error {
  override name = 'EmbeddedChainError';
}

export class EmbeddedChain extends EventEmitter<ChainSourceEvents> implements ChainSource {
  readonly network: BcoinNetwork;
  private node: any;
  private miner: RegtestMiner | undefined;
  private rpcPort: number | undefined;
  private restoreTime: (() => void) | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: EmbeddedChainOptions = {}) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.network = options.network ?? 'regtest';
    if (!['regtest', 'testnet', 'main', 'simnet'].includes(this.network)) {
      throw new InvalidInputError('network', `expected regtest, testnet, main or simnet, got ${String(this.network)}`);
    }
    if (options.rpc) {
      checkInteger('rpc.port', options.rpc.port ?? 0, 0, 65535);
      if (typeof options.rpc.apiKey !== 'string' || options.rpc.apiKey.length === 0 || options.rpc.apiKey.length > 255) {
        throw new InvalidInputError('rpc.apiKey', 'expected a non-empty string of at most 255 characters');
      }
    }
    if (options.coinbaseScript !== undefined) checkCoinbaseScript('coinbaseScript', options.coinbaseScript);
    if (options.fallbackFeeratePerKw !== undefined) checkInteger('fallbackFeeratePerKw', options.fallbackFeeratePerKw, MIN_FEERATE_PER_KW, 100_000_000);
  }

  async open(): Promise<void> {
    if (this.node) throw new EmbeddedChainError('the embedded chain is already open');
    const node = new (bcoin as any).FullNode({
      network: this.network,
      memory: this.options.dataDirectory === undefined,
      prefix: this.options.dataDirectory,
      indexTX: true,
      listen: false,
      workers: false,
      logLevel: 'none',
      logFile: false,
      logConsole: false,
      // bcoin always opens its HTTP server: without `rpc`, on a free loopback port behind a key nobody knows.
      httpHost: '127.0.0.1',
      httpPort: this.options.rpc?.port ?? 0,
      apiKey: this.options.rpc?.apiKey ?? randomBytes(32).toString('hex'),
    });
    answerSendRawTransactionAsCore(node);
    repairLevelIterators(node.chain.db.db);
    this.attach(node);
    const clock = this.options.clock;
    if (clock) {
      const time = node.network.time;
      this.restoreTime = () => delete time.now;
      time.now = () => Math.floor(clock.now() / 1000);
    }
    try {
      await node.ensure(); // creates the data directory (bcoin's own launcher does this before open)
      await node.open();
    } catch (error) {
      await node.close().catch(() => undefined); // releases what did open (the data directory's lock)
      const where = this.options.dataDirectory === undefined ? '' : ` in ${this.options.dataDirectory}`;
      throw new EmbeddedChainError(`cannot open the ${this.network} node${where}: ${(error as Error).message}`);
    }
    this.node = node;
    this.rpcPort = node.http.http.address().port;
    if (this.network === 'regtest') {
      this.miner = new RegtestMiner(node, this.options.coinbaseScript ?? ANYONE_CAN_SPEND_OUTPUT, (message) => this.logger.log('warn', message));
    }
  }

  async close(): Promise<void> {
    const node = this.opened();
    this.miner?.stop();
    await this.miner?.idle();
    this.miner = undefined;
    this.node = undefined;
    const closing = node.close();
    // The JSON-RPC clients' connections (an LDK node following this chain) are cut as the close begins: left
    // alone, one with a request open outlives the close, and under load they held bcoin's close for ever (the
    // gateway's stop with it). bcoin stops listening a microtask from now, before any new connection can come.
    node.http.http.closeAllConnections();
    await closing;
    this.restoreTime?.();
    this.restoreTime = undefined;
  }

  /** The JSON-RPC endpoint, once open (meaningful when `rpc` was given). */
  get rpcUrl(): string {
    this.opened();
    return `http://127.0.0.1:${this.rpcPort}/`;
  }

  /**
   * The bcoin FullNode itself, once open: for bcoin's own wallet to follow
   * this chain (gateway/wallet/bcoin-wallet.ts attaches a WalletDB through
   * bcoin's NodeClient, as bcoin's wallet plugin does). Nothing else should
   * reach past this class into bcoin.
   */
  get bcoinNode(): unknown {
    return this.opened();
  }

  async tip(): Promise<ChainTip> {
    const node = this.opened();
    return { height: node.chain.height, hash: node.chain.tip.rhash() };
  }

  async headerAt(height: number): Promise<Uint8Array | undefined> {
    checkInteger('height', height, 0, 2 ** 31 - 1);
    const entry = await this.opened().chain.getEntry(height);
    return entry ? Uint8Array.from(entry.toRaw().subarray(0, 80)) : undefined;
  }

  async blockAt(height: number): Promise<ChainBlock | undefined> {
    checkInteger('height', height, 0, 2 ** 31 - 1);
    const node = this.opened();
    const entry = await node.chain.getEntry(height);
    if (!entry) return undefined;
    return toChainBlock(entry, await node.chain.getBlock(entry.hash));
  }

  async transaction(txid: string): Promise<Transaction | undefined> {
    const meta = await this.opened().getMeta(internalHex(checkTxid('txid', txid)));
    return meta ? Transaction.fromBuffer(meta.tx.toRaw()) : undefined;
  }

  async status(txid: string): Promise<TransactionStatus> {
    const node = this.opened();
    const meta = await node.getMeta(internalHex(checkTxid('txid', txid)));
    if (!meta) return { state: 'unknown' };
    if (meta.height < 0) return { state: 'mempool' };
    // The index is kept in step with reorgs; checking the height's block costs little and guards that.
    if ((await node.chain.getHash(meta.height)) !== meta.block) return { state: 'unknown' };
    return { state: 'confirmed', blockHash: internalHex(meta.block), height: meta.height, confirmations: node.chain.height - meta.height + 1 };
  }

  async broadcast(tx: Transaction): Promise<BroadcastResult> {
    const submission = await submitToMempool(this.opened(), tx.toBuffer());
    const txid = tx.getId();
    return submission.accepted ? { accepted: true, txid } : { accepted: false, txid, reason: submission.reason };
  }

  async estimateFeerate(targetBlocks: number): Promise<number | undefined> {
    checkInteger('targetBlocks', targetBlocks, 1, 1008);
    const fees = this.opened().fees;
    // bcoin tracks targets up to maxConfirms (15); a later target gets the estimate for that one.
    const perKvB: number = fees.estimateFee(Math.min(targetBlocks, fees.feeStats.maxConfirms), true);
    if (perKvB > 0) return Math.ceil(perKvB / 4);
    return this.options.fallbackFeeratePerKw ?? (this.network === 'regtest' ? REGTEST_FALLBACK_FEERATE_PER_KW : undefined);
  }

  /** Mines `count` blocks now (regtest), paying `outputScript` (default: the coinbase script of the options). Resolves with their hashes. */
  async mine(count: number, outputScript?: Uint8Array): Promise<string[]> {
    return this.regtestMiner().mine(count, outputScript);
  }

  /** Mines a block every `intervalMs` of `clock` until `stopMining()` or `close()` (regtest). */
  startMining(intervalMs: number, clock: Clock): void {
    this.regtestMiner().start(intervalMs, clock);
  }

  stopMining(): void {
    this.miner?.stop();
  }

  /** Replaces the last `depth` blocks with a longer branch of empty blocks (regtest): `depth` disconnects, then `depth + 1` connects. */
  async reorg(depth: number): Promise<string[]> {
    return this.regtestMiner().reorg(depth);
  }

  private attach(node: any): void {
    // Listeners on the chain run in turn and bcoin waits for them, so events leave in chain order.
    // A disconnect is told before bcoin puts the block's transactions back in the mempool,
    node.chain.prependListener('disconnect', (entry: any, block: any) => this.emitSafely('disconnect', toChainBlock(entry, block)));
    // and a connect after bcoin took them out of it (its own listener comes first), so `status` agrees with the event.
    node.chain.on('connect', (entry: any, block: any) => this.emitSafely('connect', toChainBlock(entry, block)));
    node.chain.on('disconnect', (_entry: any, block: any) => this.returnToMempool(node, block));
    // After a reorg bcoin evicts every spend of a coinbase and every transaction with a relative lock, valid or not
    // (a channel's funding from a miner's coins, a claim whose CSV delay has passed); Core keeps those still valid.
    let beforeReorg: any[] = [];
    node.chain.prependListener('reorganize', () => void (beforeReorg = [...node.mempool.map.values()].map((entry: any) => entry.tx)));
    node.chain.on('reorganize', () => this.reinsert(node, beforeReorg.splice(0)));
    node.mempool.on('tx', (tx: any) => this.emitSafely('transaction', Transaction.fromBuffer(tx.toRaw())));
    // bcoin reports what it survived as 'error' events; without a listener they would throw.
    node.on('error', (error: Error) => this.logger.log('warn', `bcoin: ${error.message}`));
  }

  /**
   * bcoin 1.0.2 puts a disconnected block's transactions back in the mempool
   * only when the mempool is not empty; Core always does. Those it left out
   * are added here (those it added are skipped; refusals are expected, for
   * example a spend of a coinbase that is no longer mature). The mempool
   * shares the chain's lock, which the reorg holds: like bcoin, this calls
   * the mempool's unlocked `insertTX` (`addTX` would wait forever).
   */
  private async returnToMempool(node: any, block: any): Promise<void> {
    await this.reinsert(node, block.txs.slice(1));
  }

  /**
   * Puts transactions back in the mempool, parents first; `insertTX` checks
   * each again, so only what is valid on the new tip returns (a spend of an
   * immature coinbase, or a lock not yet met, is refused quietly).
   */
  private async reinsert(node: any, transactions: any[]): Promise<void> {
    for (const tx of transactions) {
      if (node.mempool.hasEntry(tx.hash('hex'))) continue;
      try {
        await node.mempool.insertTX(tx, -1);
      } catch (error) {
        if ((error as { type?: string }).type !== 'VerifyError') this.logger.log('warn', `could not return ${tx.txid()} to the mempool: ${(error as Error).message}`);
      }
    }
  }

  /** A listener that throws must not break bcoin's block processing: what it threw is logged as a warning. */
  private emitSafely<E extends keyof ChainSourceEvents>(event: E, ...args: ChainSourceEvents[E]): void {
    try {
      this.emit(event, ...(args as any));
    } catch (error) {
      this.logger.log('warn', `a '${event}' listener threw: ${(error as Error).message}`);
    }
  }

  private opened(): any {
    if (!this.node) throw new EmbeddedChainError('the embedded chain is not open');
    return this.node;
  }

  private regtestMiner(): RegtestMiner {
    this.opened();
    if (!this.miner) throw new EmbeddedChainError(`mining works on regtest only; this chain is on ${this.network}`);
    return this.miner;
  }
}

function toChainBlock(entry: any, block: any): ChainBlock {
  return decodeBlock(block.toRaw(), entry.height, entry.rhash());
}

/** bcoin 1.0.2 names hashes by hex in internal byte order; Core (and we) in display order: the bytes reversed. */
function internalHex(hex: string): string {
  return Buffer.from(hex, 'hex').reverse().toString('hex');
}
