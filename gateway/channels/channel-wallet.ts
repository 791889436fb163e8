/**
 * The `FundingWallet` of the gateway's mesh channels, for now: the nodes
 * fund the channels they open to the gateway (lnmesh channels are
 * single-funded), so the gateway funds none yet. Its closes, sweeps and
 * justice transactions pay to a P2WPKH script of its channel seed
 * (`GatewaySigner.sweepKey`).
 *
 * What funding from the gateway needs (next): the gateway's on-chain wallet
 * (gateway/wallet/on-chain-wallet.ts) behind this interface. Its `fund` is
 * asynchronous and chooses the coins; `FundingWallet.fund` is called
 * synchronously inside the channel manager's step, so either the manager's
 * open takes a transaction funded beforehand (fund the 2-of-2 output first,
 * then open with it), or the manager awaits the wallet. `payFee` (the fees
 * of anchors HTLC claims) likewise needs coins picked ahead, or an async hook.
 * Until then an HTLC claim with anchors is tried again every block and
 * fails here, and a force close waits on the peer's claims only.
 */
import { p2wpkh } from '../../node/bolt3/scripts.js';
import type { Transaction } from '../../node/bolt3/transaction.js';
import type { FundingWallet } from '../../node/wallet/funding-wallet.js';

/** The gateway was asked to pay for something on chain, which it cannot do yet (see the file's comment). */
export class GatewayWalletError extends Error {
  override name = 'GatewayWalletError';
}

export class GatewayChannelWallet implements FundingWallet {
  private readonly script: Uint8Array;

  constructor(sweepPublicKey: Uint8Array) {
    this.script = p2wpkh(sweepPublicKey);
  }

  fund(request: { satoshis: number }): never {
    throw new GatewayWalletError(`the gateway cannot fund a mesh channel (${request.satoshis} sat) yet: the node opens it, funded by the node`);
  }

  sweepScript(): Uint8Array {
    return this.script;
  }

  payFee(tx: Transaction): never {
    throw new GatewayWalletError(`the gateway has no on-chain wallet for its mesh channels yet: the fee of ${tx.getId()} cannot be paid`);
  }
}
