/**
 * All secp256k1 arithmetic lnmesh does, in one small module.
 *
 * Everything else works on byte arrays (33-byte compressed points, 32-byte
 * scalars, 64-byte compact signatures) and calls these functions, so the
 * curve library behind them can be swapped for a faster one on hot paths
 * without touching BOLT code. Today it is @noble/curves throughout.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { InvalidInputError, checkBytes } from '../input.js';

const Point = secp256k1.Point;
const ORDER = Point.Fn.ORDER;

/** Thrown when bytes that should be a point or a scalar are not one. */
export class InvalidKeyError extends InvalidInputError {
  override name = 'InvalidKeyError';
}

/** A compressed public key that lies on the curve. */
export function checkPublicKey(field: string, value: unknown): Uint8Array {
  const bytes = checkBytes(field, value, 33);
  if (!isPublicKey(bytes)) throw new InvalidKeyError(field, 'not a valid compressed secp256k1 point');
  return bytes;
}

/** A 32-byte scalar in [1, n-1]: a valid private key. */
export function checkSecretKey(field: string, value: unknown): Uint8Array {
  const bytes = checkBytes(field, value, 32);
  if (!secp256k1.utils.isValidSecretKey(bytes)) throw new InvalidKeyError(field, 'not a valid secp256k1 private key');
  return bytes;
}

export function isPublicKey(bytes: Uint8Array): boolean {
  if (bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return false;
  try {
    Point.fromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The compressed public key of a private key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(checkSecretKey('secretKey', secretKey), true);
}

/** a + b (points). */
export function addPublicKeys(a: Uint8Array, b: Uint8Array): Uint8Array {
  const sum = Point.fromBytes(checkPublicKey('a', a)).add(Point.fromBytes(checkPublicKey('b', b)));
  return sum.toBytes(true);
}

/** point + tweak·G, where tweak is any 32-byte big-endian number reduced mod n. */
export function tweakAddPublicKey(point: Uint8Array, tweak: Uint8Array): Uint8Array {
  const t = scalarOf('tweak', tweak);
  const base = Point.fromBytes(checkPublicKey('point', point));
  return (t === 0n ? base : base.add(Point.BASE.multiply(t))).toBytes(true);
}

/** point · tweak (tweak reduced mod n, must not be zero). */
export function tweakMultiplyPublicKey(point: Uint8Array, tweak: Uint8Array): Uint8Array {
  const t = scalarOf('tweak', tweak);
  if (t === 0n) throw new InvalidKeyError('tweak', 'is zero mod n');
  return Point.fromBytes(checkPublicKey('point', point)).multiply(t).toBytes(true);
}

/** (a + b) mod n as a private key. */
export function addSecretKeys(a: Uint8Array, b: Uint8Array): Uint8Array {
  return secretOf(Point.Fn.add(scalarOf('a', a), scalarOf('b', b)));
}

/** (a · b) mod n as a private key. */
export function multiplySecretKeys(a: Uint8Array, b: Uint8Array): Uint8Array {
  return secretOf(Point.Fn.mul(scalarOf('a', a), scalarOf('b', b)));
}

/**
 * ECDSA over a 32-byte digest (already hashed, as Bitcoin sighashes are):
 * RFC 6979 deterministic nonce, low-S, returned in the 64-byte compact form.
 */
export function signDigest(digest: Uint8Array, secretKey: Uint8Array): Uint8Array {
  checkBytes('digest', digest, 32);
  checkSecretKey('secretKey', secretKey);
  return secp256k1.sign(digest, secretKey, { prehash: false, lowS: true, format: 'compact' });
}

/** Checks a compact signature over a digest; high-S signatures are rejected, as Bitcoin's policy does. */
export function verifyDigest(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  checkBytes('signature', signature, 64);
  checkBytes('digest', digest, 32);
  checkPublicKey('publicKey', publicKey);
  try {
    return secp256k1.verify(signature, digest, publicKey, { prehash: false, lowS: true, format: 'compact' });
  } catch {
    return false;
  }
}

/** Strict DER (as BIP 66 requires) to the 64-byte compact form. */
export function derToCompact(der: Uint8Array): Uint8Array {
  checkBytes('signature', der);
  if (!isStrictDer(der)) throw new InvalidInputError('signature', 'not a strict DER signature');
  try {
    return secp256k1.Signature.fromBytes(der, 'der').toBytes('compact');
  } catch (error) {
    throw new InvalidInputError('signature', `not a valid DER signature (${(error as Error).message})`);
  }
}

/** The 64-byte compact form to DER. */
export function compactToDer(compact: Uint8Array): Uint8Array {
  checkBytes('signature', compact, 64);
  try {
    return secp256k1.Signature.fromBytes(compact, 'compact').toBytes('der');
  } catch (error) {
    throw new InvalidInputError('signature', `not a valid compact signature (${(error as Error).message})`);
  }
}

/** BIP 66's IsValidSignatureEncoding, without the trailing sighash byte. */
function isStrictDer(sig: Uint8Array): boolean {
  const n = sig.length;
  if (n < 8 || n > 72 || sig[0] !== 0x30 || sig[1] !== n - 2) return false;
  const lenR = sig[3]!;
  if (sig[2] !== 0x02 || lenR === 0 || 5 + lenR >= n) return false;
  const lenS = sig[5 + lenR]!;
  if (lenR + lenS + 6 !== n || sig[4 + lenR] !== 0x02 || lenS === 0) return false;
  if (sig[4]! & 0x80 || (lenR > 1 && sig[4] === 0 && !(sig[5]! & 0x80))) return false;
  const s = 6 + lenR;
  if (sig[s]! & 0x80 || (lenS > 1 && sig[s] === 0 && !(sig[s + 1]! & 0x80))) return false;
  return true;
}

function scalarOf(field: string, bytes: Uint8Array): bigint {
  return bytesToNumberBE(checkBytes(field, bytes, 32)) % ORDER;
}

function secretOf(scalar: bigint): Uint8Array {
  if (scalar === 0n) throw new InvalidKeyError('result', 'is zero mod n, not a valid private key');
  return numberToBytesBE(scalar, 32);
}
