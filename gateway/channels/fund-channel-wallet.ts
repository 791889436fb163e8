/**
 * Coins for the mesh channels' wallet (channel-wallet.ts) from the
 * gateway's on-chain wallet: one transaction paying the channels' P2WPKH
 * script, broadcast through the chain backend. Its output is the channel
 * wallet's own coin at once, unconfirmed, as a node's change is: a funding
 * transaction may spend it before it confirms, and both confirm together.
 *
 * The coin is written once the backend took the transaction: refused, the
 * on-chain wallet's inputs are released and nothing changed. A crash in
 * between loses no coin: the block that confirms the transfer pays the
 * channel wallet's script, which it takes in (`takeDeposits`). (Written
 * first instead, a crash would leave a coin that never went out.)
 */
import { MAX_SATOSHIS } from '../../node/bolt3/transaction.js';
import { checkInteger } from '../../node/core/input.js';
import type { NodeWallet } from '../../node/wallet/node-wallet.js';
import type { ChainSource } from '../chain/chain-source.js';
import { type OnChainWallet, dustLimit } from '../wallet/on-chain-wallet.js';

/** The chain backend refused the transfer: nothing was moved (the message has the backend's reason). */
export class ChannelWalletFundingError extends Error {
  override name = 'ChannelWalletFundingError';
}

export interface ChannelWalletFunding {
  readonly onChain: OnChainWallet;
  readonly channelWallet: NodeWallet;
  readonly chain: Pick<ChainSource, 'broadcast'>;
  readonly feeratePerKw: number;
}

/** Sends `satoshis` from the on-chain wallet to the channel wallet; resolves once the backend took the transaction. */
export async function fundChannelWallet(parts: ChannelWalletFunding, satoshis: number): Promise<{ txid: string; satoshis: number }> {
  const { onChain, channelWallet, chain } = parts;
  checkInteger('satoshis', satoshis, dustLimit(channelWallet.script), MAX_SATOSHIS);
  // InsufficientFundsError (the on-chain wallet's) says how much it holds; nothing is locked then.
  const tx = await onChain.fund([{ script: channelWallet.script, satoshis }], parts.feeratePerKw);
  const txid = tx.getId();
  const result = await chain.broadcast(tx);
  if (!result.accepted) {
    await onChain.release(tx);
    throw new ChannelWalletFundingError(`the chain backend refused the transfer ${txid} to the channel wallet: ${result.reason}`);
  }
  channelWallet.addOutputsOf(tx);
  return { txid, satoshis };
}
