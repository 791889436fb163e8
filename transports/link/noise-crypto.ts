/**
 * The Noise primitives as BOLT 8 instantiates them: ECDH is SHA-256 of the
 * compressed shared point (not the bare x coordinate), HKDF is HKDF-SHA256
 * with an empty info yielding two 32-byte keys, and the AEAD is
 * ChaCha20-Poly1305 (IETF) with a 96-bit nonce of 4 zero bytes followed by
 * a 64-bit little-endian counter.
 *
 * Shared by the handshake and by message encryption, so both use exactly
 * the same bytes the published vectors check.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { tweakMultiplyPublicKey } from '../../node/core/curve.js';
import { AEAD_TAG_LENGTH, openChaCha20Poly1305, sealChaCha20Poly1305 } from '../../node/core/aead.js';

/** Poly1305 tag length: every ciphertext is its plaintext plus this. */
export const TAG_LENGTH = AEAD_TAG_LENGTH;

/** The 12-byte ChaCha20-Poly1305 nonce for a counter: 4 zero bytes, then the counter as 8 bytes little-endian. */
export function nonceOf(counter: number): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, BigInt(counter), true);
  return nonce;
}

export function encryptWithAd(key: Uint8Array, counter: number, associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return sealChaCha20Poly1305(key, nonceOf(counter), associatedData, plaintext);
}

/** The plaintext, or `undefined` when the tag does not verify (wrong key, nonce, data or a changed byte). */
export function decryptWithAd(key: Uint8Array, counter: number, associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
  return openAead(key, nonceOf(counter), associatedData, ciphertext);
}

/** ChaCha20-Poly1305 decryption under any 12-byte nonce: the plaintext, or `undefined` for bytes that do not verify (never a throw). */
export function openAead(key: Uint8Array, nonce: Uint8Array, associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
  return openChaCha20Poly1305(key, nonce, associatedData, ciphertext);
}

/** HKDF(salt, ikm) with empty info, split into the two 32-byte halves BOLT 8 uses (e.g. `ck, temp_k`). */
export function hkdfTwoKeys(salt: Uint8Array, inputKeyMaterial: Uint8Array): [Uint8Array, Uint8Array] {
  const output = hkdf(sha256, inputKeyMaterial, salt, new Uint8Array(0), 64);
  return [output.slice(0, 32), output.slice(32, 64)];
}

/**
 * SHA256 of the compressed point `publicKey · secretKey`. Both must already
 * be valid (the handshake checks the peer's key first); the multiplication
 * runs on libsecp256k1, about 13 times faster than noble here.
 */
export function ecdh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return sha256(tweakMultiplyPublicKey(publicKey, secretKey));
}
