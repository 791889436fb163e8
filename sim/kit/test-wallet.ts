/**
 * A test double of the `FundingWallet`: it funds channels and pays fees from
 * made-up segwit coins (no chain in these tests), each signed for real so
 * the transactions are valid but for their inputs' existence.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../../node/core/hex.js';
import { addFeeInputs } from '../../node/bolt3/fee-inputs.js';
import { buildFundingTransaction } from '../../node/bolt3/funding.js';
import { p2wpkh } from '../../node/bolt3/scripts.js';
import type { FundingWallet } from '../../node/wallet/funding-wallet.js';
import { publicKeyOf, signDigest } from '../../node/core/curve.js';

/** The wallet of node `i`; it sweeps to a P2WPKH of its own. */
export function testWallet(i: number): FundingWallet {
  const walletKey = sha256(Uint8Array.of(0x3a, i));
  let coins = 0;
  const coin = (satoshis: number) => ({ outpoint: { txid: bytesToHex(sha256(Uint8Array.of(i, coins++))), vout: 0 }, satoshis, publicKey: publicKeyOf(walletKey), kind: 'p2wpkh' as const });
  return {
    fund: ({ localFundingPubkey, remoteFundingPubkey, satoshis, feeratePerKw }) => {
      const built = buildFundingTransaction(
        { inputs: [coin(satoshis + 100_000)], fundingSatoshis: satoshis, localFundingPubkey, remoteFundingPubkey, changeScript: p2wpkh(publicKeyOf(walletKey)), feeratePerKw },
        (_input, digest) => signDigest(digest, walletKey),
      );
      return { tx: built.tx, outputIndex: built.fundingOutputIndex };
    },
    sweepScript: () => p2wpkh(publicKeyOf(walletKey)),
    payFee: (tx, baseWeight, feeratePerKw) => {
      addFeeInputs(tx, { coins: [coin(100_000)], changeScript: p2wpkh(publicKeyOf(walletKey)), baseWeight, feeratePerKw }, (_input, digest) => signDigest(digest, walletKey));
    },
  };
}
