/**
 * A regtest wallet without keys, for the simulator's LDK nodes and the
 * tests: it spends the chain's anyone-can-spend coinbases (P2WSH(OP_TRUE):
 * segwit, as LDK requires of a funding transaction's inputs), change back
 * to the same kind of output, which it then holds too. Real transactions
 * the chain accepts.
 */
import { type Coin, spendAnyoneCanSpendTo } from '../chain/regtest-coins.js';
import { ANYONE_CAN_SPEND_OUTPUT } from '../chain/regtest-miner.js';
import { type OnChainWallet, type WalletBalance, type WalletOutput, InsufficientFundsError } from './on-chain-wallet.js';
import type { Transaction } from '../../node/bolt3/transaction.js';

/** Change below this is left to the fee (a dust output would not relay). */
const DUST_SATOSHIS = 1_000;

export class RegtestCoinbaseWallet implements OnChainWallet {
  private readonly coins: Coin[];
  /** Coins spent by a funded transaction, by its txid, until released. */
  private readonly reserved = new Map<string, Coin[]>();
  readonly funded: Transaction[] = [];

  constructor(coins: readonly Coin[]) {
    this.coins = [...coins];
  }

  async receiveScript(): Promise<Uint8Array> {
    return ANYONE_CAN_SPEND_OUTPUT;
  }

  async balance(): Promise<WalletBalance> {
    return { confirmed: this.coins.reduce((sum, coin) => sum + coin.satoshis, 0), unconfirmed: 0 };
  }

  async fund(outputs: readonly WalletOutput[], feeratePerKw: number): Promise<Transaction> {
    const paying = outputs.reduce((sum, output) => sum + output.satoshis, 0);
    // One input, one change output: fee from the weight of a draft.
    const index = this.coins.findIndex((coin) => coin.satoshis >= paying + DUST_SATOSHIS * 10);
    if (index < 0) throw new InsufficientFundsError(Math.max(0, ...this.coins.map((coin) => coin.satoshis)), paying + DUST_SATOSHIS * 10);
    const coin = this.coins[index]!;
    const draft = spendAnyoneCanSpendTo(coin, [...outputs, { script: ANYONE_CAN_SPEND_OUTPUT, satoshis: coin.satoshis - paying }]);
    const fee = Math.ceil((draft.weight() * feeratePerKw) / 1000);
    const change = coin.satoshis - paying - fee;
    const tx = spendAnyoneCanSpendTo(coin, change >= DUST_SATOSHIS ? [...outputs, { script: ANYONE_CAN_SPEND_OUTPUT, satoshis: change }] : outputs);
    this.coins.splice(index, 1);
    this.reserved.set(tx.getId(), [coin]);
    if (change >= DUST_SATOSHIS) this.coins.push({ txid: tx.getId(), vout: outputs.length, satoshis: change });
    this.funded.push(tx);
    return tx;
  }

  async release(tx: Transaction): Promise<void> {
    const txid = tx.getId();
    const coins = this.reserved.get(txid);
    if (!coins) return;
    this.reserved.delete(txid);
    const kept = this.coins.filter((coin) => coin.txid !== txid);
    this.coins.splice(0, this.coins.length, ...kept, ...coins);
  }
}
