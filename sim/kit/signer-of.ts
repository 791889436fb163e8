/** The keys of a test network's nodes: node `i` has the same keys in every run. */
import { sha256 } from '@noble/hashes/sha2.js';
import { SeedSigner } from '../../node/keys/signer.js';

/** The signer (and node key) of node `i` of a network. */
export function signerOf(i: number): SeedSigner {
  return new SeedSigner(sha256(Uint8Array.of(0x5e, i)));
}
