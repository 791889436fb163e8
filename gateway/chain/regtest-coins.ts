/**
 * Coins on a regtest chain without a wallet (tests, the simulator): the embedded miner pays its
 * coinbases to P2WSH(OP_TRUE) by default, which anyone spends by putting the
 * script in the witness.
 */
import { OP_TRUE_SCRIPT } from './regtest-miner.js';
import type { ChainSource } from './chain-source.js';
import type { EmbeddedChain } from './embedded-chain.js';
import { Transaction, addInput, addOutput } from '../../node/bolt3/transaction.js';

/** Blocks to mine so that segwit is active on bcoin's regtest (BIP 9 activates it at 432) and the first coinbases are mature. */
export const SEGWIT_ACTIVE_HEIGHT = 432;

export interface Coin {
  readonly txid: string;
  readonly vout: number;
  readonly satoshis: number;
}

/** A transaction spending `coin` (a P2WSH(OP_TRUE) output) to one output of `outputScript`, leaving `fee` satoshis. */
export function spendAnyoneCanSpend(coin: Coin, outputScript: Uint8Array, fee = 1_000): Transaction {
  return spendAnyoneCanSpendTo(coin, [{ script: outputScript, satoshis: coin.satoshis - fee }]);
}

/** A transaction spending `coin` (a P2WSH(OP_TRUE) output) to `outputs`, in order; what they leave is the fee. */
export function spendAnyoneCanSpendTo(coin: Coin, outputs: readonly { readonly script: Uint8Array; readonly satoshis: number }[]): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  addInput(tx, { txid: coin.txid, vout: coin.vout }, 0xffffffff);
  for (const output of outputs) addOutput(tx, output.script, output.satoshis);
  tx.setWitness(0, [OP_TRUE_SCRIPT]);
  return tx;
}

/** The coinbase of the best chain's block at `height`, as a coin. */
export async function coinbaseAt(chain: ChainSource, height: number): Promise<Coin> {
  const block = await chain.blockAt(height);
  const coinbase = block!.transactions[0]!;
  return { txid: coinbase.getId(), vout: 0, satoshis: Number(coinbase.outs[0]!.value) };
}

/** Mines `chain` (open, on regtest) past segwit activation, so that the coinbases of blocks 1 to 332 are spendable. */
export async function mineToSegwit(chain: EmbeddedChain): Promise<void> {
  const { height } = await chain.tip();
  if (height < SEGWIT_ACTIVE_HEIGHT) await chain.mine(SEGWIT_ACTIVE_HEIGHT - height);
}
