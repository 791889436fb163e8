/**
 * The node's static key, as far as the link handshake and the router's
 * end-to-end sealing need it: its public key and ECDH with it. The `Signer`
 * has this shape, so the secret never has to leave it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { publicKeyOf, tweakMultiplyPublicKey } from './curve.js';

export interface NodeKey {
  /** The 33-byte compressed public key: the node id. */
  readonly nodeId: Uint8Array;
  /** SHA256 of the compressed point `publicKey · secret` (BOLT 8's ECDH). */
  ecdh(publicKey: Uint8Array): Uint8Array;
}

/** A `NodeKey` from a bare secret key: for tests, vectors and tools that hold the secret themselves. */
export function nodeKeyFromSecret(secretKey: Uint8Array): NodeKey {
  const nodeId = publicKeyOf(secretKey);
  return { nodeId, ecdh: (publicKey) => sha256(tweakMultiplyPublicKey(publicKey, secretKey)) };
}
