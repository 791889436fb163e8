/**
 * What bcoin's wallet holds, in our terms: its balance counted from its
 * unspent coins (as Core counts it), and outpoints both ways.
 */
import bcoin from 'bcoin';
import type { Outpoint } from '../../node/bolt3/transaction.js';
import type { WalletBalance } from './on-chain-wallet.js';

/**
 * Confirmed: coins in blocks that nothing spends (not even in the mempool);
 * unconfirmed: coins of mempool transactions. A coinbase not yet mature
 * counts in neither, as Core does. bcoin's own `getBalance` would instead
 * count a coin spent in the mempool as still confirmed.
 */
export async function coinBalance(wallet: any, height: number, coinbaseMaturity: number): Promise<WalletBalance> {
  let confirmed = 0;
  let unconfirmed = 0;
  for (const coin of await wallet.getCoins()) {
    if (coin.height < 0) unconfirmed += coin.value;
    else if (!coin.coinbase || height - coin.height + 1 >= coinbaseMaturity) confirmed += coin.value;
  }
  return { confirmed, unconfirmed };
}

/** bcoin's Outpoint (its hash in internal byte order) from ours (display order). */
export function toBcoinOutpoint(outpoint: Outpoint): any {
  return (bcoin as any).Outpoint.fromJSON({ hash: outpoint.txid, index: outpoint.vout });
}

/** The outpoints a bcoin transaction spends, in display order. */
export function prevoutsOf(tx: any): Outpoint[] {
  return tx.inputs.map((input: any) => ({ txid: input.prevout.txid(), vout: input.prevout.index }));
}
