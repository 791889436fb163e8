/**
 * All secp256k1 arithmetic lnmesh does, in one small module.
 *
 * Everything else works on byte arrays (33-byte compressed points, 32-byte
 * scalars, 64-byte compact signatures) and calls these functions, so the
 * library behind each one can change without touching BOLT code.
 *
 * The hot paths (point multiplication, signing, verifying) run on
 * libsecp256k1: built for this machine where the `secp256k1` package has a
 * build, else compiled to WebAssembly (tiny-secp256k1), or on a device noble
 * (see secp256k1-backend.ts). `npm run bench -- --filter curve` measures the
 * WebAssembly 4 to 15 times faster than @noble/curves, which serves the rest
 * (scalar products, DER encoding), where it is simpler and fast enough.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, equalBytes, numberToBytesBE } from '@noble/curves/utils.js';
import { InvalidInputError, checkBytes } from './input.js';
import { backend } from './secp256k1-backend.js';

const Point = secp256k1.Point;
const ORDER = Point.Fn.ORDER;

/** Thrown when bytes that should be a point or a scalar are not one. */
export class InvalidKeyError extends InvalidInputError {
  override name = 'InvalidKeyError';
}

/**
 * Byte arrays already found to be valid points, each with a copy of the
 * bytes that were checked. The same key objects are checked at every layer
 * of a commitment (hundreds of times with many HTLCs), and decompressing a
 * point each time was most of the cost of building one; comparing 33 bytes
 * is not. A key changed in place no longer matches its copy and is checked again.
 */
const validPoints = new WeakMap<Uint8Array, Uint8Array>();

/**
 * The same, by content: a channel's state is copied (structuredClone) for
 * every change, so its keys are new objects each time and miss the WeakMap.
 * Keyed by the 33 bytes themselves (as a latin1 string), so a changed array
 * simply misses. Bounded: the oldest entry goes first.
 */
const validPointBytes = new Set<string>();
export const VALID_POINT_CACHE_MAX = 1024;

function pointCacheKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function rememberValidPoint(bytes: Uint8Array): void {
  validPoints.set(bytes, Uint8Array.from(bytes));
  const key = pointCacheKey(bytes);
  if (validPointBytes.has(key)) return;
  if (validPointBytes.size >= VALID_POINT_CACHE_MAX) validPointBytes.delete(validPointBytes.values().next().value!);
  validPointBytes.add(key);
}

/** How many points the content cache holds (for tests). */
export function validPointCacheSize(): number {
  return validPointBytes.size;
}

/** A compressed public key that lies on the curve. */
export function checkPublicKey(field: string, value: unknown): Uint8Array {
  if (value instanceof Uint8Array) {
    const checked = validPoints.get(value);
    if (checked && equalBytes(checked, value)) return value;
  }
  const bytes = checkBytes(field, value, 33);
  if (!isPublicKey(bytes)) throw new InvalidKeyError(field, 'not a valid compressed secp256k1 point');
  validPoints.set(bytes, Uint8Array.from(bytes));
  return bytes;
}

/** A 32-byte scalar in [1, n-1]: a valid private key. */
export function checkSecretKey(field: string, value: unknown): Uint8Array {
  const bytes = checkBytes(field, value, 32);
  if (!Point.Fn.isValidNot0(bytesToNumberBE(bytes))) throw new InvalidKeyError(field, 'not a valid secp256k1 private key');
  return bytes;
}

export function isPublicKey(bytes: Uint8Array): boolean {
  if (bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return false;
  if (!(bytes instanceof Uint8Array)) return false;
  if (validPointBytes.has(pointCacheKey(bytes))) return true;
  if (!backend.isPoint(bytes)) return false;
  rememberValidPoint(bytes);
  return true;
}

/** The compressed public key of a private key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return pointOrThrow(backend.pointFromScalar(checkSecretKey('secretKey', secretKey), true));
}

/** a + b (points). */
export function addPublicKeys(a: Uint8Array, b: Uint8Array): Uint8Array {
  return pointOrThrow(backend.pointAdd(checkPublicKey('a', a), checkPublicKey('b', b), true));
}

/** point + tweak·G, where tweak is any 32-byte big-endian number reduced mod n. */
export function tweakAddPublicKey(point: Uint8Array, tweak: Uint8Array): Uint8Array {
  return pointOrThrow(backend.pointAddScalar(checkPublicKey('point', point), reduced('tweak', tweak), true));
}

/** point · tweak (tweak reduced mod n, must not be zero). */
export function tweakMultiplyPublicKey(point: Uint8Array, tweak: Uint8Array): Uint8Array {
  const t = reduced('tweak', tweak);
  if (t.every((byte) => byte === 0)) throw new InvalidKeyError('tweak', 'is zero mod n');
  return pointOrThrow(backend.pointMultiply(checkPublicKey('point', point), t, true));
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
  return backend.sign(digest, checkSecretKey('secretKey', secretKey));
}

/** Checks a compact signature over a digest; high-S signatures are rejected, as Bitcoin's policy does. */
export function verifyDigest(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean {
  checkBytes('signature', signature, 64);
  checkBytes('digest', digest, 32);
  checkPublicKey('publicKey', publicKey);
  try {
    return backend.verify(digest, publicKey, signature, true);
  } catch {
    return false; // r or s out of range
  }
}

/**
 * The public key (33 bytes, compressed) that made a compact signature over
 * a digest, given its recovery id (0 to 3), as BOLT 11 invoices carry it;
 * undefined when none does. Callers verify the signature with it after.
 */
export function recoverPublicKey(signature: Uint8Array, recoveryId: number, digest: Uint8Array): Uint8Array | undefined {
  checkBytes('signature', signature, 64);
  checkBytes('digest', digest, 32);
  try {
    return secp256k1.Signature.fromBytes(signature, 'compact').addRecoveryBit(recoveryId).recoverPublicKey(digest).toBytes(true);
  } catch {
    return undefined;
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

/** Reduced mod n, as 32 bytes: libsecp256k1 refuses tweaks of n or more, BOLT 3 hashes may (in theory) be. */
function reduced(field: string, bytes: Uint8Array): Uint8Array {
  const value = bytesToNumberBE(checkBytes(field, bytes, 32));
  return value < ORDER ? bytes : numberToBytesBE(value % ORDER, 32);
}

/** libsecp256k1 answers null for the point at infinity, which no key may be. */
function pointOrThrow(point: Uint8Array | null): Uint8Array {
  if (!point) throw new InvalidKeyError('result', 'is the point at infinity');
  rememberValidPoint(point);
  return point;
}

function scalarOf(field: string, bytes: Uint8Array): bigint {
  return bytesToNumberBE(checkBytes(field, bytes, 32)) % ORDER;
}

function secretOf(scalar: bigint): Uint8Array {
  if (scalar === 0n) throw new InvalidKeyError('result', 'is zero mod n, not a valid private key');
  return numberToBytesBE(scalar, 32);
}
