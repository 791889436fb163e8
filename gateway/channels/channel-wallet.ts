/**
 * The `FundingWallet` of the gateway's mesh channels: the node's own wallet
 * (`NodeWallet`: P2WPKH coins of one key, kept in the channels' store) over
 * the gateway's sweep key (`GatewaySigner.sweepKey`), so that the channels'
 * closes, sweeps and justice transactions pay back to it. It funds the
 * channels the gateway opens to nodes (an LSP's inbound liquidity: a node
 * that just joined can be paid at once) and pays the fees of anchors HTLC
 * claims, synchronously, inside the channel manager's step.
 *
 * Its coins come from the gateway's on-chain wallet (`fundChannelWallet`,
 * fund-channel-wallet.ts), which is asynchronous and chooses its own coins:
 * they are moved here ahead, not picked during an open. What the channels
 * pay back to it on chain is read from each block (channel-wallet-deposits.ts).
 */
import type { Persister, RecordStore } from '../../node/persist/persister.js';
import { NodeWallet } from '../../node/wallet/node-wallet.js';
import type { GatewaySigner } from './gateway-signer.js';

/** The mesh channels' wallet on the channels' `store` (the manager's persister). */
export function gatewayChannelWallet(signer: GatewaySigner, store: Pick<Persister, 'getAll'> & Pick<RecordStore, 'write'>): NodeWallet {
  return new NodeWallet(signer.sweepKey(), store);
}

