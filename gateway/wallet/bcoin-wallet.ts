/**
 * The on-chain wallet beside the embedded chain: bcoin's own wallet (its
 * WalletDB, attached to the chain's bcoin node through bcoin's NodeClient,
 * as bcoin's wallet plugin attaches it), one native segwit (P2WPKH)
 * account. bcoin chooses the coins (`createTX`), signs and locks them; the
 * locks are also kept in a file (`LockedCoins`), since bcoin forgets them
 * at a restart. Optionally serves Core's wallet calls on loopback, so that
 * `CoreRpcWallet` can be proven against it (see bcoin-wallet-rpc.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import bcoin from 'bcoin';
import { InvalidInputError, checkBytes, checkInteger } from '../../node/core/input.js';
import { type Logger, silentLogger } from '../../node/core/logger.js';
import { Transaction } from '../../node/bolt3/transaction.js';
import type { EmbeddedChain } from '../chain/embedded-chain.js';
import { repairLevelIterators } from '../chain/level-iterators.js';
import { coinBalance, prevoutsOf, toBcoinOutpoint } from './bcoin-coins.js';
import { openBcoinWalletRpc } from './bcoin-wallet-rpc.js';
import { checkFundedTransaction } from './funded-transaction.js';
import { LockedCoins } from './locked-coins.js';
import { InsufficientFundsError, type OnChainWallet, type WalletBalance, WalletError, type WalletOutput, checkFundRequest } from './on-chain-wallet.js';

export interface BcoinWalletOptions {
  /** The embedded chain the wallet follows; open before the wallet opens, closed after it closes. */
  readonly chain: EmbeddedChain;
  /** Where the wallet keeps its keys, coins and locks (the gateway's data directory's `wallet/`). Absent: in memory, gone at close. */
  readonly dataDirectory?: string;
  /**
   * The seed the wallet's keys derive from (BIP 32, 16 to 64 bytes), used
   * when the wallet is first created: the gateway's seed makes one backup
   * enough. Absent: bcoin draws its own, kept only in the wallet's files.
   */
  readonly seed?: Uint8Array;
  /** bcoin's wallet HTTP server answering Core's wallet calls on 127.0.0.1:`port` (0 or absent: a free one), with `apiKey` as the basic-auth password. */
  readonly rpc?: { readonly port?: number; readonly apiKey: string };
  /** Where what bcoin's wallet survives is told. Default nowhere. */
  readonly logger?: Logger;
}

/** Its id in bcoin's WalletDB (bcoin's own `primary` wallet is a legacy P2PKH one). */
const WALLET_ID = 'lnmesh-gateway';

interface Opened {
  readonly node: any;
  readonly wdb: any;
  readonly wallet: any;
  readonly locks: LockedCoins;
  readonly rpc?: { readonly url: string; close(): Promise<void> };
}

export class BcoinWallet implements OnChainWallet {
  private state: Opened | undefined;
  /** Fundings one at a time: between bcoin's coin choice and our lock, no other funding may choose. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  constructor(private readonly options: BcoinWalletOptions) {
    this.logger = options.logger ?? silentLogger;
    if (options.seed !== undefined) checkBytes('seed', options.seed);
    if (options.seed !== undefined && (options.seed.length < 16 || options.seed.length > 64)) throw new InvalidInputError('seed', `expected 16 to 64 bytes, got ${options.seed.length}`);
    if (options.rpc) checkInteger('rpc.port', options.rpc.port ?? 0, 0, 65535);
  }

  async open(): Promise<void> {
    if (this.state) throw new WalletError('the wallet is already open');
    const node = this.options.chain.bcoinNode as any;
    const directory = this.options.dataDirectory;
    const wdb = await this.openWalletDb(node, directory);
    try {
      const wallet = await this.ensureWallet(wdb);
      const locks = new LockedCoins(directory === undefined ? undefined : join(directory, 'locked-coins.json'));
      await relock(wallet, locks);
      const rpc = this.options.rpc ? await openBcoinWalletRpc({ node, wdb, wallet, port: this.options.rpc.port ?? 0, apiKey: this.options.rpc.apiKey }) : undefined;
      this.state = { node, wdb, wallet, locks, rpc };
    } catch (error) {
      await wdb.close().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const state = this.opened();
    this.state = undefined;
    await this.queue.catch(() => undefined);
    await state.rpc?.close();
    await state.wdb.close();
  }

  /** Core's wallet calls, once open with `rpc`. */
  get rpcUrl(): string {
    const url = this.opened().rpc?.url;
    if (!url) throw new WalletError('the wallet was opened without `rpc`');
    return url;
  }

  async receiveScript(): Promise<Uint8Array> {
    const { wallet } = this.opened();
    const key = await wallet.createReceive();
    return Uint8Array.from((bcoin as any).Script.fromAddress(key.getAddress()).toRaw());
  }

  async balance(): Promise<WalletBalance> {
    const { wdb, wallet, node } = await this.caughtUp();
    return coinBalance(wallet, wdb.state.height, node.network.coinbaseMaturity);
  }

  async fund(outputs: readonly WalletOutput[], feeratePerKw: number): Promise<Transaction> {
    checkFundRequest(outputs, feeratePerKw);
    return this.enqueue(() => this.fundNow(outputs, feeratePerKw));
  }

  async release(tx: Transaction): Promise<void> {
    const { wallet, locks } = this.opened();
    const outpoints = prevoutsOf((bcoin as any).TX.fromRaw(Buffer.from(tx.toBuffer())));
    for (const outpoint of outpoints) wallet.unlockCoin(toBcoinOutpoint(outpoint));
    locks.remove(outpoints);
  }

  private async fundNow(outputs: readonly WalletOutput[], feeratePerKw: number): Promise<Transaction> {
    const { wallet, locks } = await this.caughtUp();
    let mtx: any;
    try {
      mtx = await wallet.createTX({
        outputs: outputs.map((output) => ({ script: Buffer.from(output.script), value: output.satoshis })),
        rate: feeratePerKw * 4, // sat/kvB: 1,000 virtual bytes are 4,000 weight units
        sort: false, // the outputs stay in the order asked, the change goes last
        smart: true, // as Core: no unconfirmed coin of someone else's, who could double-spend it and strand the channel
      });
    } catch (error) {
      const { type, availableFunds, requiredFunds } = error as { type?: string; availableFunds?: number; requiredFunds?: number };
      if (type === 'FundingError' && availableFunds !== undefined && requiredFunds !== undefined && availableFunds >= 0) throw new InsufficientFundsError(availableFunds, requiredFunds);
      throw new WalletError(`bcoin's wallet could not fund the transaction: ${(error as Error).message}`);
    }
    const outpoints = prevoutsOf(mtx);
    for (const outpoint of outpoints) wallet.lockCoin(toBcoinOutpoint(outpoint));
    try {
      await wallet.sign(mtx);
      if (!mtx.verify()) throw new WalletError("bcoin's wallet could not sign every input");
      const tx = Transaction.fromBuffer(mtx.toTX().toRaw());
      checkFundedTransaction(tx, outputs);
      locks.add(outpoints); // persisted before the transaction leaves
      return tx;
    } catch (error) {
      for (const outpoint of outpoints) wallet.unlockCoin(toBcoinOutpoint(outpoint));
      throw error;
    }
  }

  /** bcoin's WalletDB, open and in step with the chain; a failure of its first sync fails the open (bcoin would only report it). */
  private async openWalletDb(node: any, directory: string | undefined): Promise<any> {
    if (directory !== undefined) mkdirSync(directory, { recursive: true });
    const wdb = new (bcoin as any).WalletDB({
      network: node.network,
      client: new (bcoin as any).wallet.NodeClient(node),
      memory: directory === undefined,
      location: directory === undefined ? undefined : join(directory, 'walletdb'),
      logger: node.logger,
    });
    repairLevelIterators(wdb.db);
    let failure: Error | undefined;
    wdb.on('error', (error: Error) => {
      failure ??= error;
      this.logger.log('warn', `bcoin wallet: ${error.message}`);
    });
    try {
      await wdb.open();
      // bcoin's NodeClient says 'connect' on the next turn of the event loop, and only then does the WalletDB sync with
      // the chain: wait until it has (under its lock), or a block mined meanwhile would be taken in before the sync.
      await new Promise((resolve) => setImmediate(resolve));
      (await wdb.txLock.lock())();
      if (failure) throw failure;
    } catch (error) {
      await wdb.close().catch(() => undefined);
      throw new WalletError(`cannot open the bcoin wallet${directory === undefined ? '' : ` in ${directory}`}: ${(error as Error).message}`);
    }
    return wdb;
  }

  /** Our wallet in the WalletDB: created at the first open (from `seed` if given), a native segwit account. */
  private async ensureWallet(wdb: any): Promise<any> {
    const seeded = this.options.seed === undefined ? undefined : (bcoin as any).HDPrivateKey.fromSeed(Buffer.from(this.options.seed));
    const existing = await wdb.get(WALLET_ID);
    if (!existing) return wdb.create({ id: WALLET_ID, witness: true, master: seeded });
    // Keys from another seed than the one the gateway backs up would be keys nobody can restore.
    if (seeded && existing.master.key && existing.master.key.toBase58(wdb.network) !== seeded.toBase58(wdb.network)) {
      throw new WalletError(`the wallet in ${this.options.dataDirectory} was made from another seed than the gateway's: move it away to start afresh from this seed, or restore the seed it was made from`);
    }
    return existing;
  }

  /** The wallet once it has taken in what the chain told it so far (bcoin's WalletDB handles blocks and transactions one at a time under its lock). */
  private async caughtUp(): Promise<Opened> {
    const state = this.opened();
    const unlock = await state.wdb.txLock.lock();
    unlock();
    return state;
  }

  private opened(): Opened {
    if (!this.state) throw new WalletError('the wallet is not open');
    return this.state;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job, job);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Locks again in bcoin what the file says was handed out; forgets those the wallet no longer holds unspent (their funding went out). */
async function relock(wallet: any, locks: LockedCoins): Promise<void> {
  const gone = [];
  for (const outpoint of locks.outpoints) {
    const coin = toBcoinOutpoint(outpoint);
    if (await wallet.getCoin(coin.hash, coin.index)) wallet.lockCoin(coin);
    else gone.push(outpoint);
  }
  locks.remove(gone);
}
