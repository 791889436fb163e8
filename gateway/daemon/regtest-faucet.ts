/**
 * Coins on demand on a regtest gateway: the embedded miner pays its
 * coinbases to an output anyone can spend, so the faucet spends the next
 * mature one to the address asked for, the rest back to that same output.
 * Which coinbase comes next is kept in a file, so a restarted gateway does
 * not try the spent ones again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { EmbeddedChain } from '../chain/embedded-chain.js';
import { coinbaseAt, spendAnyoneCanSpendTo } from '../chain/regtest-coins.js';
import { ANYONE_CAN_SPEND_OUTPUT } from '../chain/regtest-miner.js';

export class FaucetError extends Error {
  override name = 'FaucetError';
}

/** Coinbases mature after 100 blocks. */
const COINBASE_MATURITY = 100;
const FEE_SATOSHIS = 1_000;

export class RegtestFaucet {
  constructor(
    private readonly chain: EmbeddedChain,
    /** Holds the height of the next coinbase to spend. */
    private readonly cursorFile: string,
  ) {}

  /** Sends `satoshis` to `script`; returns the txid (in the mempool: mine a block to confirm it). */
  async send(script: Uint8Array, satoshis: number): Promise<{ txid: string; coinbaseHeight: number }> {
    const { height: tip } = await this.chain.tip();
    for (let height = this.nextHeight(); height <= tip - COINBASE_MATURITY; height++) {
      const coin = await coinbaseAt(this.chain, height);
      if (coin.satoshis < satoshis + FEE_SATOSHIS) continue;
      const change = coin.satoshis - satoshis - FEE_SATOSHIS;
      const outputs = [{ script, satoshis }, ...(change >= 1_000 ? [{ script: ANYONE_CAN_SPEND_OUTPUT, satoshis: change }] : [])];
      const tx = spendAnyoneCanSpendTo(coin, outputs);
      const result = await this.chain.broadcast(tx);
      writeFileSync(this.cursorFile, `${height + 1}\n`);
      if (result.accepted) return { txid: tx.getId(), coinbaseHeight: height };
      // Spent already (by an earlier faucet run whose cursor was lost): try the next one.
    }
    throw new FaucetError(`no mature coinbase left to pay ${satoshis} sat from: mine more blocks (lnmesh mine)`);
  }

  private nextHeight(): number {
    try {
      const height = Number.parseInt(readFileSync(this.cursorFile, 'utf8'), 10);
      return Number.isSafeInteger(height) && height > 0 ? height : 1;
    } catch {
      return 1;
    }
  }
}
