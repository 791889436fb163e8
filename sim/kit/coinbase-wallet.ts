// A mesh node's funding wallet for tests and benches on a regtest chain: it
// funds channels from anyone-can-spend coinbases (P2WSH(OP_TRUE)) and sweeps
// to a P2WPKH of its own key. Real transactions the chain accepts.
import { type Coin, spendAnyoneCanSpendTo } from '../../gateway/chain/regtest-coins.js';
import { OP_TRUE_SCRIPT } from '../../gateway/chain/regtest-miner.js';
import { fundingOutputScript } from '../../node/bolt3/funding.js';
import { p2wpkh, p2wsh } from '../../node/bolt3/scripts.js';
import { publicKeyOf } from '../../node/core/curve.js';
import type { FundingWallet } from '../../node/wallet/funding-wallet.js';

/** A wallet funding channels from anyone-can-spend regtest coinbases, sweeping to a P2WPKH of its own. */
export function coinbaseWallet(coins: Coin[], sweepKey: Uint8Array): FundingWallet {
  return {
    fund: ({ localFundingPubkey, remoteFundingPubkey, satoshis }) => {
      const coin = coins.shift()!;
      // The funding output, 2,000 sat of fee, and the rest back to an anyone-can-spend output.
      const tx = spendAnyoneCanSpendTo(coin, [
        { script: fundingOutputScript(localFundingPubkey, remoteFundingPubkey), satoshis },
        { script: p2wsh(OP_TRUE_SCRIPT), satoshis: coin.satoshis - satoshis - 2_000 },
      ]);
      return { tx, outputIndex: 0 };
    },
    sweepScript: () => p2wpkh(publicKeyOf(sweepKey)),
    payFee: () => {
      throw new Error('no anchors HTLC claims in this test');
    },
  };
}
