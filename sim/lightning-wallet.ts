/**
 * The on-chain wallet of the simulated gateway's LDK node (and of the
 * outside node, which funds nothing): it spends the regtest chain's
 * anyone-can-spend coinbases (P2WSH(OP_TRUE), segwit as LDK requires of a
 * funding transaction's inputs), change back to the same kind of output.
 *
 * Those coins are outside the mesh's economy on purpose: the value ledger
 * (`value-ledger.ts`) follows the coins the nodes' wallets were given, and
 * the Lightning side is checked by its own balances (`bridgeBalanced`).
 */
import { type Coin, spendAnyoneCanSpendTo } from '../gateway/chain/regtest-coins.js';
import { ANYONE_CAN_SPEND_OUTPUT } from '../gateway/chain/regtest-miner.js';
import { type OnChainWallet, type WalletBalance, type WalletOutput, InsufficientFundsError } from '../gateway/wallet/on-chain-wallet.js';
import type { Transaction } from '../node/bolt3/transaction.js';

/** Change below this is left to the fee (a dust output would not relay). */
const DUST_SATOSHIS = 1_000;

export class CoinbaseWallet implements OnChainWallet {
  private readonly coins: Coin[];
  private readonly reserved = new Map<string, Coin>();

  constructor(coins: readonly Coin[]) {
    this.coins = [...coins];
  }

  async receiveScript(): Promise<Uint8Array> {
    return ANYONE_CAN_SPEND_OUTPUT;
  }

  async balance(): Promise<WalletBalance> {
    return { confirmed: this.coins.reduce((sum, coin) => sum + coin.satoshis, 0), unconfirmed: 0 };
  }

  /** One coin in, the outputs and the change out: the fee from a draft's weight. */
  async fund(outputs: readonly WalletOutput[], feeratePerKw: number): Promise<Transaction> {
    const paying = outputs.reduce((sum, output) => sum + output.satoshis, 0);
    const index = this.coins.findIndex((coin) => coin.satoshis >= paying + DUST_SATOSHIS * 10);
    if (index < 0) throw new InsufficientFundsError(Math.max(0, ...this.coins.map((coin) => coin.satoshis)), paying + DUST_SATOSHIS * 10);
    const coin = this.coins[index]!;
    const draft = spendAnyoneCanSpendTo(coin, [...outputs, { script: ANYONE_CAN_SPEND_OUTPUT, satoshis: coin.satoshis - paying }]);
    const change = coin.satoshis - paying - Math.ceil((draft.weight() * feeratePerKw) / 1000);
    const tx = spendAnyoneCanSpendTo(coin, change >= DUST_SATOSHIS ? [...outputs, { script: ANYONE_CAN_SPEND_OUTPUT, satoshis: change }] : outputs);
    this.coins.splice(index, 1);
    this.reserved.set(tx.getId(), coin);
    if (change >= DUST_SATOSHIS) this.coins.push({ txid: tx.getId(), vout: outputs.length, satoshis: change });
    return tx;
  }

  async release(tx: Transaction): Promise<void> {
    const coin = this.reserved.get(tx.getId());
    if (!coin) return;
    this.reserved.delete(tx.getId());
    this.coins.splice(0, this.coins.length, ...this.coins.filter((kept) => kept.txid !== tx.getId()), coin);
  }
}
