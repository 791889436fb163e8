/**
 * curve.ts's hot operations in JavaScript (@noble/curves), for the device
 * bundle. The WebAssembly build of libsecp256k1 costs a device about 5 MB
 * resident for as long as it runs (its 1.2 MB module, the memory it
 * copies its tables into, its compiled code, V8's WebAssembly compiler);
 * noble is already loaded there (curve.ts's scalar and DER work, BIP 32),
 * so this costs nothing more. It is 3 to 13 times slower (`npm run bench --
 * --filter curve`): milliseconds per channel update, which a device that
 * signs a few commitments an hour does not feel. Same answers as
 * libsecp256k1 (RFC 6979 nonces, low-S; secp256k1-noble.test.ts checks them).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { Secp256k1Backend } from './secp256k1-operations.js';

const Point = secp256k1.Point;

/** Noble throws where libsecp256k1 answers null: a result at infinity, or an input that is not a point or a scalar. */
function pointOrNull(operation: () => InstanceType<typeof Point>): Uint8Array | null {
  try {
    const point = operation();
    return point.is0() ? null : point.toBytes(true);
  } catch {
    return null;
  }
}

function scalarOf(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

export const nobleBackend: Secp256k1Backend = {
  name: 'noble',
  isPoint(point) {
    try {
      Point.fromBytes(point);
      return true;
    } catch {
      return false;
    }
  },
  pointFromScalar: (secretKey) => pointOrNull(() => Point.BASE.multiply(scalarOf(secretKey))),
  pointAdd: (a, b) => pointOrNull(() => Point.fromBytes(a).add(Point.fromBytes(b))),
  // tweak·G + point; a tweak of zero leaves the point (libsecp256k1 does the same).
  pointAddScalar: (point, tweak) => {
    const t = scalarOf(tweak);
    return pointOrNull(() => (t === 0n ? Point.fromBytes(point) : Point.BASE.multiply(t).add(Point.fromBytes(point))));
  },
  pointMultiply: (point, tweak) => pointOrNull(() => Point.fromBytes(point).multiply(scalarOf(tweak))),
  sign: (digest, secretKey) => secp256k1.sign(digest, secretKey, { prehash: false, lowS: true }),
  verify(digest, publicKey, signature) {
    const r = scalarOf(signature.subarray(0, 32));
    const s = scalarOf(signature.subarray(32, 64));
    if (r >= Point.Fn.ORDER || s >= Point.Fn.ORDER) throw new RangeError('signature r or s out of range');
    if (r === 0n || s === 0n) return false;
    return secp256k1.verify(signature, digest, publicKey, { prehash: false, lowS: true });
  },
};
