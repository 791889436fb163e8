/**
 * Preimages revealed on chain. Whoever claims an HTLC output with its
 * preimage puts the preimage in the input's witness (an HTLC-success
 * transaction, or a direct claim from a commitment): a node that forwarded
 * the HTLC reads it there and claims its own incoming HTLC with it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/hex.js';
import type { Transaction } from '../bolt3/transaction.js';

/** The preimages in `tx`'s witnesses whose hash is one of `paymentHashes` (hex), by hash. */
export function preimagesRevealed(tx: Transaction, paymentHashes: ReadonlySet<string>): Map<string, Uint8Array> {
  const found = new Map<string, Uint8Array>();
  if (paymentHashes.size === 0) return found;
  for (const input of tx.ins) {
    for (const item of input.witness) {
      if (item.length !== 32) continue;
      const hash = bytesToHex(sha256(item));
      if (paymentHashes.has(hash)) found.set(hash, Uint8Array.from(item));
    }
  }
  return found;
}
