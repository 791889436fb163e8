/**
 * The node's on-chain wallet: P2WPKH coins of one key from the seed, kept
 * in the node's store. It funds channels and pays the fees of anchors HTLC
 * claims; cooperative closes, sweeps and justice transactions pay back to
 * its script.
 *
 * A mesh node never talks to the Bitcoin network, so it learns its coins
 * from transactions it is shown: a deposit (`lnmesh deposit TXID`) is
 * proven by the gateway with a merkle branch against the node's own header
 * chain before its outputs count; change of its own transactions counts at
 * once. What it spends is gone from it at once, in the same write.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { addFeeInputs } from '../bolt3/fee-inputs.js';
import { type FundingInput, buildFundingTransaction } from '../bolt3/funding.js';
import { p2wpkh } from '../bolt3/scripts.js';
import type { Transaction } from '../bolt3/transaction.js';
import { hashToHex } from '../chain/block-header.js';
import { InvalidInputError } from '../core/input.js';
import type { FundingWallet } from './funding-wallet.js';
import type { WalletKey } from '../keys/signer.js';
import type { Persister, RecordStore, RecordWrite, WalletCoinRecord } from '../persist/persister.js';

/** The wallet cannot pay for what was asked: says how much it holds. */
export class WalletError extends Error {
  override name = 'WalletError';
}

/** Fee headroom a funding transaction's coin must carry beyond the channel. */
const FUNDING_FEE_HEADROOM = 10_000;
/** The smallest coin used for an HTLC claim's fee. */
const CLAIM_FEE_COIN = 20_000;

export type WalletCoin = Pick<WalletCoinRecord, 'txid' | 'vout' | 'satoshis'>;

export class NodeWallet implements FundingWallet {
  /** The output script everything of this wallet pays to. */
  readonly script: Uint8Array;

  constructor(
    private readonly key: WalletKey,
    private readonly store: Pick<Persister, 'getAll'> & Pick<RecordStore, 'write'>,
  ) {
    this.script = p2wpkh(key.publicKey);
  }

  /** Unspent coins, smallest first. */
  coins(): WalletCoin[] {
    return [...this.store.getAll('walletCoin').values()]
      .filter((coin) => coin.spentBy === undefined)
      .map(({ txid, vout, satoshis }) => ({ txid, vout, satoshis }))
      .sort((a, b) => a.satoshis - b.satoshis);
  }

  balance(): number {
    return this.coins().reduce((sum, coin) => sum + coin.satoshis, 0);
  }

  /** Takes every output of `tx` that pays the wallet (a proven deposit); returns the satoshis added. A coin known before, spent or not, is not counted again. */
  addOutputsOf(tx: Transaction): number {
    if (!tx.outs.some((output) => equalBytes(output.script, this.script))) return 0; // most blocks' transactions: no store read, no write
    const txid = tx.getId();
    const known = this.store.getAll('walletCoin');
    const writes: RecordWrite[] = [];
    let added = 0;
    tx.outs.forEach((output, vout) => {
      if (!equalBytes(output.script, this.script) || known.has(`${txid}:${vout}`)) return;
      writes.push({ kind: 'walletCoin', id: `${txid}:${vout}`, value: { txid, vout, satoshis: Number(output.value) } });
      added += Number(output.value);
    });
    if (writes.length > 0) this.store.write(writes);
    return added;
  }

  fund(request: { localFundingPubkey: Uint8Array; remoteFundingPubkey: Uint8Array; satoshis: number; feeratePerKw: number }): ReturnType<FundingWallet['fund']> {
    const inputs = this.select(request.satoshis + FUNDING_FEE_HEADROOM, `a channel of ${request.satoshis} sat`);
    const built = buildFundingTransaction(
      { inputs, fundingSatoshis: request.satoshis, localFundingPubkey: request.localFundingPubkey, remoteFundingPubkey: request.remoteFundingPubkey, changeScript: this.script, feeratePerKw: request.feeratePerKw },
      (_input, digest) => this.key.signDigest(digest),
    );
    this.spend(inputs, built.tx, true);
    return { tx: built.tx, outputIndex: built.fundingOutputIndex };
  }

  /** Whether a channel of `satoshis` can be funded now (its fee headroom included). */
  canFund(satoshis: number): boolean {
    return this.balance() >= satoshis + FUNDING_FEE_HEADROOM;
  }

  sweepScript(): Uint8Array {
    return this.script;
  }

  /**
   * A replacement (`replaces`, a version of the same claim that paid less) spends the coins that version
   * spent, and more if they cannot pay the higher fee (never that version's change: it would spend an
   * output of the transaction it replaces). A version whose change the wallet has spent since is not
   * replaced: that would take the coin from under what spent it.
   */
  payFee(tx: Transaction, baseWeight: number, feeratePerKw: number, replaces?: Transaction): void {
    const coins = replaces ? this.coinsOf(replaces) : this.select(CLAIM_FEE_COIN, 'the fee of an HTLC claim');
    const spare = this.coins().filter((coin) => coin.txid !== replaces?.getId()).reverse();
    for (;;) {
      try {
        addFeeInputs(tx, { coins, changeScript: this.script, baseWeight, feeratePerKw }, (_input, digest) => this.key.signDigest(digest));
        break;
      } catch (error) {
        // Not enough to pay that fee and leave change: one more coin, the largest left.
        const more = spare.find((coin) => !coins.some((chosen) => chosen.outpoint.txid === coin.txid && chosen.outpoint.vout === coin.vout));
        if (!more || !(error instanceof InvalidInputError)) throw error instanceof InvalidInputError ? new WalletError(`the wallet cannot pay the fee of an HTLC claim at ${feeratePerKw} sat/kw: it holds ${this.balance()} sat`) : error;
        coins.push(this.input(more));
      }
    }
    // The claim is saved with its channel before it goes out: the spend is real at once.
    if (replaces) this.replaced(replaces, tx);
    else this.spend(coins, tx, false);
  }

  /**
   * `after` takes the place of `before`, another version of the same claim (a fee bump, or a miner that took
   * an earlier version): the coins `after` spends are spent by it, those only `before` spent are the
   * wallet's again, and `after`'s change replaces `before`'s. One atomic write.
   */
  replaced(before: Transaction, after: Transaction): void {
    const beforeTxid = before.getId();
    const afterTxid = after.getId();
    const known = this.store.getAll('walletCoin');
    const spentByAfter = new Set(after.ins.map((input) => `${hashToHex(input.hash)}:${input.index}`));
    const writes: RecordWrite[] = [];
    for (const [id, coin] of known) {
      if (coin.txid === beforeTxid) {
        writes.push({ kind: 'walletCoin', id, value: undefined }); // change of a version that will not confirm
      } else if (spentByAfter.has(id) && coin.spentBy !== afterTxid) {
        writes.push({ kind: 'walletCoin', id, value: { txid: coin.txid, vout: coin.vout, satoshis: coin.satoshis, spentBy: afterTxid } });
      } else if (coin.spentBy === beforeTxid && !spentByAfter.has(id)) {
        writes.push({ kind: 'walletCoin', id, value: { txid: coin.txid, vout: coin.vout, satoshis: coin.satoshis } });
      }
    }
    after.outs.forEach((output, vout) => {
      if (equalBytes(output.script, this.script)) writes.push({ kind: 'walletCoin', id: `${afterTxid}:${vout}`, value: { txid: afterTxid, vout, satoshis: Number(output.value) } });
    });
    this.store.write(writes);
  }

  /** The wallet's coins `tx` spends, as inputs to spend again; refused if `tx`'s change is spent already. */
  private coinsOf(tx: Transaction): FundingInput[] {
    const txid = tx.getId();
    const known = this.store.getAll('walletCoin');
    const spentChange = [...known.values()].find((coin) => coin.txid === txid && coin.spentBy !== undefined);
    if (spentChange) throw new WalletError(`the change of ${txid} is spent by ${spentChange.spentBy}: that claim is not replaced`);
    return tx.ins.flatMap((input) => {
      const coin = known.get(`${hashToHex(input.hash)}:${input.index}`);
      return coin ? [this.input(coin)] : [];
    });
  }

  private input(coin: WalletCoin): FundingInput {
    return { outpoint: { txid: coin.txid, vout: coin.vout }, satoshis: coin.satoshis, publicKey: this.key.publicKey, kind: 'p2wpkh' };
  }

  /**
   * At start: funding spends of openings that never became channels (their
   * txid is not in `fundingTxids`) are undone, their coins unspent again and
   * their change gone; the others are final.
   */
  settleFundings(fundingTxids: ReadonlySet<string>): { released: string[] } {
    const coins = this.store.getAll('walletCoin');
    const never = [...coins.values()].flatMap((coin) => (coin.provisional && !fundingTxids.has(coin.spentBy!) ? [coin.spentBy!] : []));
    const { next, undone } = withoutTransactions(coins, never);
    // What is left of the provisional spends is final: their channels exist.
    for (const [id, coin] of next) {
      if (coin && (coin.provisional || coin.parent !== undefined)) next.set(id, { txid: coin.txid, vout: coin.vout, satoshis: coin.satoshis, ...(coin.spentBy !== undefined && { spentBy: coin.spentBy }) });
    }
    this.writeChanges(coins, next);
    return { released: [...undone] };
  }

  /**
   * A transaction of the wallet's that can never confirm (a claim whose
   * output the counterparty took first): its inputs are unspent again, its
   * change is gone, and so is whatever spent that change. Unknown txids
   * change nothing.
   */
  abandonTransaction(txid: string): void {
    const coins = this.store.getAll('walletCoin');
    if (![...coins.values()].some((coin) => coin.spentBy === txid || coin.txid === txid)) return;
    this.writeChanges(coins, withoutTransactions(coins, [txid]).next);
  }

  private writeChanges(coins: ReadonlyMap<string, WalletCoinRecord>, next: ReadonlyMap<string, WalletCoinRecord | undefined>): void {
    const writes: RecordWrite[] = [];
    for (const [id, value] of next) if (JSON.stringify(value) !== JSON.stringify(coins.get(id))) writes.push({ kind: 'walletCoin', id, value });
    this.store.write(writes);
  }

  /** The fewest coins, smallest first among enough, that reach `satoshis`. */
  private select(satoshis: number, purpose: string): FundingInput[] {
    const coins = this.coins();
    const single = coins.find((coin) => coin.satoshis >= satoshis);
    const chosen: WalletCoin[] = single ? [single] : [];
    if (!single) {
      let total = 0;
      for (const coin of [...coins].reverse()) {
        if (total >= satoshis) break;
        chosen.push(coin);
        total += coin.satoshis;
      }
      if (total < satoshis) throw new WalletError(`the wallet cannot pay ${purpose}: it needs ${satoshis} sat and holds ${this.balance()} sat in ${coins.length} coins`);
    }
    return chosen.map((coin) => this.input(coin));
  }

  /** `inputs` are spent by `tx` and its change joins the wallet, in one atomic write (a crash between would forget the change). */
  private spend(inputs: readonly FundingInput[], tx: Transaction, provisional: boolean): void {
    const txid = tx.getId();
    const known = this.store.getAll('walletCoin');
    const writes: RecordWrite[] = inputs.map((input) => {
      const id = `${input.outpoint.txid}:${input.outpoint.vout}`;
      const coin = known.get(id)!;
      return { kind: 'walletCoin', id, value: { ...coin, spentBy: txid, ...(provisional && { provisional: true }) } };
    });
    tx.outs.forEach((output, vout) => {
      if (equalBytes(output.script, this.script)) writes.push({ kind: 'walletCoin', id: `${txid}:${vout}`, value: { txid, vout, satoshis: Number(output.value), ...(provisional && { parent: txid }) } });
    });
    this.store.write(writes);
  }
}

/**
 * The wallet's coins as if `txids` had never been made: the coins they spent
 * unspent again, their outputs (change) gone, and, in turn, whatever spent
 * that change undone too. Returns the new records (undefined: deleted) and
 * every txid undone.
 */
function withoutTransactions(coins: ReadonlyMap<string, WalletCoinRecord>, txids: Iterable<string>): { next: Map<string, WalletCoinRecord | undefined>; undone: Set<string> } {
  const next = new Map<string, WalletCoinRecord | undefined>(coins);
  const undone = new Set<string>();
  const undo = (txid: string) => {
    if (undone.has(txid)) return;
    undone.add(txid);
    for (const [id, coin] of next) {
      if (coin?.txid === txid) {
        next.set(id, undefined); // change of a transaction that never went out
        if (coin.spentBy !== undefined) undo(coin.spentBy); // and what spent it cannot be valid either
      } else if (coin?.spentBy === txid) {
        next.set(id, { txid: coin.txid, vout: coin.vout, satoshis: coin.satoshis, ...(coin.parent !== undefined && { parent: coin.parent }) });
      }
    }
  };
  for (const txid of txids) undo(txid);
  return { next, undone };
}
