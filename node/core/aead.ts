/**
 * ChaCha20-Poly1305 (RFC 8439) through Node's OpenSSL: every link frame,
 * end-to-end envelope and tower blob is sealed with it, and the native
 * cipher takes about half the time of @noble/ciphers and allocates a
 * fraction of what it does (a simulated mesh seals millions of frames).
 * Same bytes as noble's `chacha20poly1305(key, nonce, aad).encrypt(...)`.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { checkBytes } from './input.js';

export const AEAD_KEY_LENGTH = 32;
export const AEAD_NONCE_LENGTH = 12;
/** Poly1305's tag: every sealed message is its plaintext plus this. */
export const AEAD_TAG_LENGTH = 16;

/**
 * The ciphertext with its tag appended: the first `tagLength` bytes of the
 * Poly1305 tag (16, the whole of it, unless a format cuts it; the link's
 * frames carry 8, see transports/link/frame-aead.ts).
 */
export function sealChaCha20Poly1305(key: Uint8Array, nonce: Uint8Array, associatedData: Uint8Array, plaintext: Uint8Array, tagLength = AEAD_TAG_LENGTH): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', checkBytes('key', key, AEAD_KEY_LENGTH), checkBytes('nonce', nonce, AEAD_NONCE_LENGTH), { authTagLength: checkTagLength(tagLength) });
  cipher.setAAD(associatedData, { plaintextLength: plaintext.length });
  const sealed = new Uint8Array(plaintext.length + tagLength);
  sealed.set(cipher.update(plaintext));
  cipher.final();
  sealed.set(cipher.getAuthTag(), plaintext.length);
  return sealed;
}

/**
 * The plaintext, or `undefined` for bytes that do not verify (wrong key,
 * nonce, data, a changed byte, too short): never a throw for them. The
 * plaintext is released only once the tag has checked.
 */
export function openChaCha20Poly1305(key: Uint8Array, nonce: Uint8Array, associatedData: Uint8Array, sealed: Uint8Array, tagLength = AEAD_TAG_LENGTH): Uint8Array | undefined {
  checkBytes('key', key, AEAD_KEY_LENGTH);
  checkBytes('nonce', nonce, AEAD_NONCE_LENGTH);
  if (sealed.length < checkTagLength(tagLength)) return undefined;
  const length = sealed.length - tagLength;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: tagLength });
  decipher.setAuthTag(sealed.subarray(length));
  decipher.setAAD(associatedData, { plaintextLength: length });
  const plaintext = new Uint8Array(length);
  plaintext.set(decipher.update(sealed.subarray(0, length)));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return plaintext;
}

/** Poly1305's 16 bytes, or a prefix of them of at least 8 (the least any format here cuts to). */
function checkTagLength(tagLength: number): number {
  if (!Number.isInteger(tagLength) || tagLength < 8 || tagLength > AEAD_TAG_LENGTH) throw new RangeError(`a ChaCha20-Poly1305 tag is 8 to 16 bytes here, not ${tagLength}`);
  return tagLength;
}
