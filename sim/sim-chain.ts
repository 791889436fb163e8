/**
 * The simulation's Bitcoin: the gateway's embedded bcoin regtest chain, its
 * block times and schedule on the scheduler's virtual clock, and the coins
 * the nodes' wallets start with.
 *
 * bcoin answers asynchronously, and the scheduler must not move time on
 * while it works: every call into the chain is counted while it runs
 * (`tracked`), and `settle` turns the event loop until none is left, so a
 * block, a broadcast or the tower's answer to a breach happens at one
 * virtual instant, the same in every run.
 */
import type { ChainSource } from '../gateway/chain/chain-source.js';
import { EmbeddedChain } from '../gateway/chain/embedded-chain.js';
import { type Coin, coinbaseAt, mineToSegwit, spendAnyoneCanSpendTo } from '../gateway/chain/regtest-coins.js';
import { ANYONE_CAN_SPEND_OUTPUT } from '../gateway/chain/regtest-miner.js';
import type { Transaction } from '../node/bolt3/transaction.js';
import type { Checkpoint } from '../node/chain/header-chain.js';
import type { Clock } from '../node/core/clock.js';
import type { SeededRandom } from './random.js';
import type { SimWallet } from './sim-wallet.js';

/** Coinbases mature after this many blocks. */
const COINBASE_MATURITY = 100;
/** Outputs per coin-distribution transaction: well under bcoin's standard size. */
const OUTPUTS_PER_DISTRIBUTION = 400;

export class SimChainError extends Error {
  override name = 'SimChainError';
}

export interface BlockSchedule {
  /** The mean time between blocks. */
  readonly intervalMs: number;
  /** In [0, 1]: 0 every interval exactly, 1 exponential intervals (see sim/README.md). */
  readonly jitter: number;
}

export class SimChain {
  readonly chain: EmbeddedChain;
  /** The chain to hand the gateway: the same, with its calls counted for `settle`. */
  readonly tracked: ChainSource;
  private pending = 0;
  /** The coins `fundWallets` gave the wallets: what entered the economy (sim/value-ledger.ts). */
  readonly entered: { readonly txid: string; readonly vout: number; readonly satoshis: number; readonly script: Uint8Array }[] = [];
  /** The height of the block that confirmed them. */
  fundedHeight = 0;
  /** The coinbases below this height paid the wallets (`fundWallets`). */
  private coinbasesUsedBelow = 1;
  /** Coinbases handed out by `spareCoinbase`, by height. */
  private readonly sparesGiven = new Set<number>();
  /** Every transaction the mempool accepted or a reorg took out of a block, by txid, in the order seen: the candidates for the mempool at the end. */
  private readonly unconfirmedSeen = new Map<string, Transaction>();

  constructor(clock: Clock) {
    this.chain = new EmbeddedChain({ clock });
    this.tracked = countCalls(this.chain, (change) => (this.pending += change));
    this.chain.on('transaction', (tx) => this.unconfirmedSeen.set(tx.getId(), tx));
    this.chain.on('disconnect', (block) => block.transactions.slice(1).forEach((tx) => this.unconfirmedSeen.set(tx.getId(), tx)));
  }

  async open(): Promise<void> {
    await this.chain.open();
  }

  async close(): Promise<void> {
    await this.chain.close();
  }

  /** The scheduler's `settle`: turns the event loop until no call into bcoin is under way. */
  readonly settle = async (): Promise<void> => {
    do await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending > 0);
  };

  /**
   * Gives each wallet its coins: mines past segwit's activation and until
   * enough coinbases are mature, pays the amounts asked (P2WPKH to each
   * wallet, a few hundred outputs per transaction, each spending one
   * coinbase) and mines them into a block.
   */
  async fundWallets(requests: readonly { readonly wallet: SimWallet; readonly amounts: readonly number[] }[]): Promise<void> {
    await mineToSegwit(this.chain);
    const outputs = requests.flatMap(({ wallet, amounts }) => amounts.map((satoshis) => ({ wallet, satoshis })));
    const transactions: { tx: Transaction; paid: typeof outputs }[] = [];
    let height = 1;
    while (outputs.length > 0) {
      const { height: tip } = await this.chain.tip();
      if (height + COINBASE_MATURITY > tip) await this.chain.mine(height + COINBASE_MATURITY - tip);
      const coin = await coinbaseAt(this.chain, height++);
      const paid: typeof outputs = [];
      let total = 0;
      while (outputs.length > 0 && paid.length < OUTPUTS_PER_DISTRIBUTION && total + outputs[0]!.satoshis + distributionFee(paid.length + 1) <= coin.satoshis) {
        total += outputs[0]!.satoshis;
        paid.push(outputs.shift()!);
      }
      if (paid.length === 0) {
        if (coin.satoshis > 5_000_000_000 / 4) throw new SimChainError(`a wallet asks for ${outputs[0]!.satoshis} sat in one coin: more than a coinbase holds`);
        throw new SimChainError(`the coinbases ran out before every wallet was funded (block ${height - 1} pays only ${coin.satoshis} sat)`);
      }
      transactions.push({ tx: distribution(coin, paid, total), paid });
    }
    for (const { tx } of transactions) {
      const result = await this.chain.broadcast(tx);
      if (!result.accepted) throw new SimChainError(`bcoin refused a coin distribution: ${result.reason}`);
    }
    this.coinbasesUsedBelow = height;
    if (transactions.length > 0) await this.chain.mine(1);
    this.fundedHeight = (await this.chain.tip()).height;
    for (const { tx, paid } of transactions) {
      paid.forEach(({ wallet, satoshis }, vout) => {
        wallet.addCoin(tx.getId(), vout, satoshis);
        this.entered.push({ txid: tx.getId(), vout, satoshis, script: wallet.script });
      });
    }
  }

  /**
   * A mature coinbase that paid no wallet (an anyone-can-spend coin outside
   * the mesh's economy): for the gateway's Lightning wallet. After `fundWallets`.
   */
  async spareCoinbase(): Promise<Coin> {
    const { height: tip } = await this.chain.tip();
    let height = tip - COINBASE_MATURITY;
    while (this.sparesGiven.has(height)) height--;
    if (height < this.coinbasesUsedBelow) throw new SimChainError('no mature coinbase is left that paid no wallet');
    this.sparesGiven.add(height);
    return coinbaseAt(this.chain, height);
  }

  /**
   * The transactions since the wallets were funded, in an order where what a
   * transaction spends comes before it: the best chain's blocks, then what
   * is in the mempool now (parents first). For the ledger (sim/value-ledger.ts).
   */
  async transactionsSinceFunding(): Promise<{ tx: Transaction; confirmed: boolean }[]> {
    const { height: tip } = await this.chain.tip();
    const list: { tx: Transaction; confirmed: boolean }[] = [];
    for (let height = this.fundedHeight + 1; height <= tip; height++) {
      for (const tx of (await this.chain.blockAt(height))!.transactions.slice(1)) list.push({ tx, confirmed: true });
    }
    const waiting: Transaction[] = [];
    for (const [txid, tx] of this.unconfirmedSeen) if ((await this.chain.status(txid)).state === 'mempool') waiting.push(tx);
    // Parents first: a transaction waits until nothing it spends is still to come.
    const ids = new Set(waiting.map((tx) => tx.getId()));
    while (waiting.length > 0) {
      const index = waiting.findIndex((tx) => tx.ins.every((input) => !ids.has(Buffer.from(input.hash).reverse().toString('hex'))));
      const [tx] = waiting.splice(index < 0 ? 0 : index, 1);
      ids.delete(tx!.getId());
      list.push({ tx: tx!, confirmed: false });
    }
    return list;
  }

  /** Where the nodes' header chains start: the tip now (they need nothing older). */
  async checkpoint(): Promise<Checkpoint> {
    const { height } = await this.chain.tip();
    return { height, header: (await this.chain.headerAt(height))! };
  }

  /**
   * Mines a block at every interval drawn from `random` until `endMs` (a
   * scheduler event each, so the block and what it sets off happen at one
   * instant). `onBlock` runs after each, in the same event.
   */
  scheduleBlocks(scheduler: { now(): number; at(timeMs: number, label: string, callback: () => Promise<void>): unknown }, schedule: BlockSchedule, random: SeededRandom, endMs: number, onBlock: () => Promise<void>): void {
    const next = () => {
      const intervalMs = schedule.intervalMs * (1 - schedule.jitter + schedule.jitter * random.exponential(1));
      const atMs = scheduler.now() + Math.max(1, Math.round(intervalMs));
      if (atMs > endMs) return;
      scheduler.at(atMs, 'block', async () => {
        await this.chain.mine(1);
        await onBlock();
        next();
      });
    };
    next();
  }
}

/** The fee of a distribution transaction with `outputs` outputs: about 2 sat/vbyte. */
function distributionFee(outputs: number): number {
  return 1_000 + 70 * outputs;
}

/** Pays each wallet its amount from `coin` (outputs in order, so output i is `paid[i]`), the rest back to anyone-can-spend (bcoin refuses absurd fees). */
function distribution(coin: Coin, paid: readonly { wallet: SimWallet; satoshis: number }[], total: number): Transaction {
  const outputs = paid.map(({ wallet, satoshis }) => ({ script: wallet.script, satoshis }));
  const change = coin.satoshis - total - distributionFee(paid.length + 1);
  if (change > 1_000) outputs.push({ script: ANYONE_CAN_SPEND_OUTPUT, satoshis: change });
  return spendAnyoneCanSpendTo(coin, outputs);
}

/** `target` with each method call that returns a promise counted (+1 on the call, -1 when it settles). */
function countCalls<T extends object>(target: T, count: (change: 1 | -1) => void): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = value.apply(object, args);
        if (result instanceof Promise) {
          count(1);
          const done = () => count(-1);
          result.then(done, done);
        }
        return result;
      };
    },
  });
}
