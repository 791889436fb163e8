/**
 * The BOLT 11 signature: over sha256(hrp as UTF-8 || the data part's 5-bit
 * words before the signature, packed to bytes and zero-padded), 64 bytes of
 * compact signature then a recovery id (0 to 3).
 *
 * The key is recovered (curve.ts's recoverPublicKey), then the signature is
 * checked with verifyDigest (libsecp256k1, low-S), like every other one.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { isPublicKey, recoverPublicKey, verifyDigest } from '../core/curve.js';
import { InvoiceError } from './invoice-error.js';

/** 65 bytes of signature are 104 five-bit words at the end of the data part. */
export const SIGNATURE_WORDS = 104;

/** 5-bit words to bytes, the last byte padded with zero bits (BOLT 11 signs it so). */
export function packWords(words: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(Math.ceil((words.length * 5) / 8));
  let bits = 0;
  let accumulator = 0;
  let index = 0;
  for (const word of words) {
    accumulator = (accumulator << 5) | word;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[index++] = (accumulator >> bits) & 0xff;
    }
    accumulator &= (1 << bits) - 1;
  }
  if (bits > 0) bytes[index] = (accumulator << (8 - bits)) & 0xff;
  return bytes;
}

/** The digest the payee signed: sha256(hrp || packed data words). */
export function signingDigest(hrp: string, dataWords: readonly number[]): Uint8Array {
  const prefix = new TextEncoder().encode(hrp);
  const data = packWords(dataWords);
  const message = new Uint8Array(prefix.length + data.length);
  message.set(prefix);
  message.set(data, prefix.length);
  return sha256(message);
}

/**
 * The payee's node id: `claimed` (the `n` field) if given, else recovered
 * from the signature; either way the signature must verify against it.
 */
export function checkSignature(signature: Uint8Array, digest: Uint8Array, claimed?: Uint8Array): Uint8Array {
  if (signature.length !== 65) throw new InvoiceError('signature', `expected 65 bytes, got ${signature.length}`);
  const compact = signature.subarray(0, 64);
  const recoveryId = signature[64]!;
  if (recoveryId > 3) throw new InvoiceError('signature', `recovery id ${recoveryId} is not 0 to 3`);
  if (claimed && !isPublicKey(claimed)) throw new InvoiceError('payee', 'the n field is not a valid public key');
  const payee = claimed ?? recoverPublicKey(compact, recoveryId, digest);
  if (!payee) throw new InvoiceError('signature', 'no public key recovers from it');
  if (!verifyDigest(compact, digest, payee)) {
    throw new InvoiceError(claimed ? 'payee' : 'signature', claimed ? 'the signature is not by the n field\'s key' : 'does not verify');
  }
  return payee;
}

