/**
 * A simulated node's on-chain wallet: P2WPKH coins of one key, given to it
 * when the run is set up (`fundWallets` in `sim/sim-chain.ts`), spent with
 * real signatures. It funds the node's channels (one coin per channel, so
 * that no funding waits on another's change) and pays the fees of anchors
 * HTLC claims; sweeps and justice transactions pay back to its key.
 *
 * What it has spent is gone from it at once, as a real wallet's would be:
 * change comes back as a new coin, usable right away (regtest relays chains
 * of unconfirmed transactions).
 */
import { addFeeInputs } from '../node/bolt3/fee-inputs.js';
import { type FundingInput, buildFundingTransaction } from '../node/bolt3/funding.js';
import { p2wpkh } from '../node/bolt3/scripts.js';
import type { FundingWallet } from '../node/wallet/funding-wallet.js';
import { publicKeyOf, signDigest } from '../node/core/curve.js';
import type { Transaction } from '../node/bolt3/transaction.js';
import { hashToHex } from '../node/chain/block-header.js';

const keyOf = (input: { hash: Uint8Array; index: number }) => `${hashToHex(input.hash)}:${input.index}`;

export class SimWalletError extends Error {
  override name = 'SimWalletError';
}

export class SimWallet implements FundingWallet {
  readonly publicKey: Uint8Array;
  /** The output script everything of this wallet pays to. */
  readonly script: Uint8Array;
  private readonly coins: FundingInput[] = [];
  /** The coins each of its transactions took, by txid: given back if the transaction is abandoned (one owner per coin: a replacement takes over). */
  private readonly taken = new Map<string, FundingInput[]>();
  /** Coins spent by fee payments, by outpoint (`txid:vout`): a replacement spends them again. */
  private readonly spentOnFees = new Map<string, FundingInput>();

  constructor(
    /** The node's name, for errors. */
    readonly owner: string,
    private readonly secretKey: Uint8Array,
  ) {
    this.publicKey = publicKeyOf(secretKey);
    this.script = p2wpkh(this.publicKey);
  }

  /** A coin paying `script` now belongs to the wallet. */
  addCoin(txid: string, vout: number, satoshis: number): void {
    this.coins.push({ outpoint: { txid, vout }, satoshis, publicKey: this.publicKey, kind: 'p2wpkh' });
  }

  /** The coins the wallet counts as its own (the ledger checks each against the chain: sim/value-ledger.ts). */
  coinList(): { readonly txid: string; readonly vout: number; readonly satoshis: number }[] {
    return this.coins.map((coin) => ({ txid: coin.outpoint.txid, vout: coin.outpoint.vout, satoshis: coin.satoshis }));
  }

  /** Satoshis in the wallet's coins. */
  balance(): number {
    return this.coins.reduce((sum, coin) => sum + coin.satoshis, 0);
  }

  fund(request: { localFundingPubkey: Uint8Array; remoteFundingPubkey: Uint8Array; satoshis: number; feeratePerKw: number }): ReturnType<FundingWallet['fund']> {
    // The smallest coin that pays the channel and a fee of up to 10,000 sat.
    const coin = this.take((satoshis) => satoshis >= request.satoshis + 10_000, `a channel of ${request.satoshis} sat`);
    const built = buildFundingTransaction(
      { inputs: [coin], fundingSatoshis: request.satoshis, localFundingPubkey: request.localFundingPubkey, remoteFundingPubkey: request.remoteFundingPubkey, changeScript: this.script, feeratePerKw: request.feeratePerKw },
      (_input, digest) => signDigest(digest, this.secretKey),
    );
    this.taken.set(built.tx.getId(), [coin]);
    if (built.changeSatoshis > 0) {
      const vout = built.tx.outs.findIndex((output, index) => index !== built.fundingOutputIndex && Buffer.from(output.script).equals(Buffer.from(this.script)));
      if (vout >= 0) this.addCoin(built.tx.getId(), vout, built.changeSatoshis);
    }
    return { tx: built.tx, outputIndex: built.fundingOutputIndex };
  }

  sweepScript(): Uint8Array {
    return this.script;
  }

  /** `replaces`: a version of the same claim that paid less (a fee bump): its coins pay again, its change is gone. */
  payFee(tx: Transaction, baseWeight: number, feeratePerKw: number, replaces?: Transaction): void {
    const reused = replaces ? replaces.ins.flatMap((input) => this.spentOnFees.get(keyOf(input)) ?? []) : [];
    const coins = reused.length > 0 ? reused : [this.take((satoshis) => satoshis >= 100_000, 'the fee of an HTLC claim')];
    try {
      addFeeInputs(tx, { coins, changeScript: this.script, baseWeight, feeratePerKw }, (_input, digest) => signDigest(digest, this.secretKey));
    } catch (error) {
      if (reused.length === 0) this.coins.push(...coins); // not spent after all
      throw error;
    }
    for (const coin of coins) this.spentOnFees.set(`${coin.outpoint.txid}:${coin.outpoint.vout}`, coin);
    if (replaces) {
      this.forgetChange(replaces);
      this.taken.delete(replaces.getId());
    }
    this.taken.set(tx.getId(), coins);
    this.addChange(tx);
  }

  /** A miner took `after`, an earlier version of a claim whose fee the wallet paid, not `before`: `after`'s change is the wallet's. */
  replaced(before: Transaction, after: Transaction): void {
    this.forgetChange(before);
    // Both versions spend the same coins (a replacement spends those of the version it replaces).
    this.addChange(after);
    const coins = this.taken.get(before.getId());
    this.taken.delete(before.getId());
    if (coins) this.taken.set(after.getId(), coins);
  }

  /** A transaction of the wallet's that can never confirm: its coins are back, its change gone (and what spent that change undone too). */
  abandonTransaction(txid: string): void {
    const coins = this.taken.get(txid);
    if (!coins) return;
    this.taken.delete(txid);
    for (let index = this.coins.length - 1; index >= 0; index--) if (this.coins[index]!.outpoint.txid === txid) this.coins.splice(index, 1);
    for (const [other, spent] of [...this.taken]) if (spent.some((coin) => coin.outpoint.txid === txid)) this.abandonTransaction(other);
    for (const coin of coins) this.spentOnFees.delete(`${coin.outpoint.txid}:${coin.outpoint.vout}`);
    this.coins.push(...coins);
  }

  /** The change of a claim (its last output, paying the wallet; the only one of a child paying for a commitment) is a coin again once the claim is out; counted now, as `fund` does. */
  private addChange(tx: Transaction): void {
    const vout = tx.outs.length - 1;
    const change = tx.outs[vout];
    if (change && Buffer.from(change.script).equals(Buffer.from(this.script))) this.addCoin(tx.getId(), vout, Number(change.value));
  }

  private forgetChange(tx: Transaction): void {
    const txid = tx.getId();
    for (let i = this.coins.length - 1; i >= 0; i--) if (this.coins[i]!.outpoint.txid === txid) this.coins.splice(i, 1);
  }

  /** Removes and returns the smallest coin `enough` accepts. */
  private take(enough: (satoshis: number) => boolean, purpose: string): FundingInput {
    let best = -1;
    this.coins.forEach((coin, index) => {
      if (enough(coin.satoshis) && (best < 0 || coin.satoshis < this.coins[best]!.satoshis)) best = index;
    });
    if (best < 0) throw new SimWalletError(`${this.owner}'s wallet has no coin for ${purpose} (it holds ${this.balance()} sat in ${this.coins.length} coins)`);
    return this.coins.splice(best, 1)[0]!;
  }
}
