/** The keys of a test network's nodes: node `i` has the same keys in every run. */
import { sha256 } from '@noble/hashes/sha2.js';
import { HDKey } from '@scure/bip32';
import { equalBytes } from '@noble/curves/utils.js';
import { publicKeyOf } from '../../node/core/curve.js';
import { SeedSigner } from '../../node/keys/signer.js';

const seedOf = (i: number) => sha256(Uint8Array.of(0x5e, i));

/** The signer (and node key) of node `i` of a network. */
export function signerOf(i: number): SeedSigner {
  return new SeedSigner(seedOf(i));
}

/**
 * The bare secret of node `i`'s node key, for what takes one (a link, a
 * router, end-to-end keys): the signer keeps its own inside, so this derives
 * it the same way (BIP 32 path m/1017'/0'/6'/0'/0', family 6 = node) and
 * checks that it is the signer's, so that node `i` has one id in every layer.
 */
export function nodeSecretOf(i: number, signer: SeedSigner = signerOf(i)): Uint8Array {
  const secret = HDKey.fromMasterSeed(seedOf(i)).derive("m/1017'/0'/6'/0'/0'").privateKey;
  if (!secret || !equalBytes(publicKeyOf(secret), signer.nodeId)) throw new Error(`node ${i}'s secret is not its signer's node key: has SeedSigner's derivation changed?`);
  return secret;
}
