/**
 * The secp256k1 backend contract (node/core/secp256k1-backend.ts) as a
 * compliance suite: every backend (native libsecp256k1, noble for the
 * device) answers exactly as libsecp256k1's WebAssembly build, the
 * reference, on random keys and on the edge cases callers rely on (the
 * point at infinity as null, high-S refused, r and s out of range thrown).
 */
import type { Test } from 'tap';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import type { Secp256k1Backend } from '../../node/core/secp256k1-backend.js';
import { wasmBackend } from '../../node/core/secp256k1-wasm.js';

const ORDER = secp256k1.Point.Fn.ORDER;
const hex = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString('hex'));
const scalar = fc.bigInt({ min: 1n, max: ORDER - 1n }).map((value) => numberToBytesBE(value, 32));

/** Runs the suite on `backend` (`name` in the messages), with `numRuns` random cases. */
export async function behavesAsACurveBackend(t: Test, name: string, backend: Secp256k1Backend, numRuns = 100): Promise<void> {
  await t.test('same answers as the WebAssembly build', async (t) => {
    const same = (what: string, a: unknown, b: unknown) => {
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: ${name} ${JSON.stringify(a)}, wasm ${JSON.stringify(b)}`);
    };
    fc.assert(
      fc.property(scalar, scalar, fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b, digest) => {
        const [pointA, pointB] = [wasmBackend.pointFromScalar(a, true)!, wasmBackend.pointFromScalar(b, true)!];
        same('pointFromScalar', hex(backend.pointFromScalar(a, true)), hex(pointA));
        same('pointAdd', hex(backend.pointAdd(pointA, pointB, true)), hex(wasmBackend.pointAdd(pointA, pointB, true)));
        same('pointAddScalar', hex(backend.pointAddScalar(pointA, b, true)), hex(wasmBackend.pointAddScalar(pointA, b, true)));
        same('pointMultiply', hex(backend.pointMultiply(pointA, b, true)), hex(wasmBackend.pointMultiply(pointA, b, true)));
        const signature = backend.sign(digest, a);
        same('sign', hex(signature), hex(wasmBackend.sign(digest, a)));
        same('verify', backend.verify(digest, pointA, signature, true), true);
        const highS = Uint8Array.from([...signature.slice(0, 32), ...numberToBytesBE(ORDER - bytesToNumberBE(signature.slice(32)), 32)]);
        same('verify high-S', backend.verify(digest, pointA, highS, true), wasmBackend.verify(digest, pointA, highS, true));
        same('verify another key', backend.verify(digest, pointB, signature, true), a.every((byte, i) => byte === b[i]));
        return true;
      }),
      { numRuns },
    );
    t.pass('pointFromScalar, pointAdd, pointAddScalar, pointMultiply, sign and verify agree');
  });

  await t.test('edge cases as tiny-secp256k1 answers them', async (t) => {
    const k = numberToBytesBE(7n, 32);
    const minusK = numberToBytesBE(ORDER - 7n, 32);
    const point = wasmBackend.pointFromScalar(k, true)!;
    const negated = wasmBackend.pointFromScalar(minusK, true)!;
    t.equal(backend.pointAdd(point, negated, true), null, 'P + (-P) is the point at infinity: null');
    t.equal(wasmBackend.pointAdd(point, negated, true), null, 'as the WebAssembly says');
    t.equal(backend.pointAddScalar(point, minusK, true), null, 'kG + (n-k)G: null');
    t.equal(hex(backend.pointAddScalar(point, new Uint8Array(32), true)), hex(wasmBackend.pointAddScalar(point, new Uint8Array(32), true)), 'a zero tweak leaves the point');
    t.equal(hex(backend.pointAdd(point, point, true)), hex(wasmBackend.pointAdd(point, point, true)), 'P + P doubles');
    t.equal(backend.isPoint(point), true, 'a point');
    const notOnCurve = Uint8Array.from(point);
    let found = false;
    for (let byte = 0; byte < 256 && !found; byte++) {
      notOnCurve[32] = byte;
      if (!wasmBackend.isPoint(notOnCurve)) found = true;
    }
    t.ok(found, 'some x has no point');
    t.equal(backend.isPoint(notOnCurve), false, 'isPoint refuses an x with no point on the curve');
    t.equal(backend.isPoint(Uint8Array.of(4, ...point.subarray(1))), wasmBackend.isPoint(Uint8Array.of(4, ...point.subarray(1))), 'a 33-byte key with prefix 4: as the WebAssembly says');
    const overflow = new Uint8Array(64).fill(0xff);
    t.throws(() => backend.verify(new Uint8Array(32), point, overflow, true), 'r and s out of range: throws, as the WebAssembly does');
    t.throws(() => wasmBackend.verify(new Uint8Array(32), point, overflow, true), 'the WebAssembly throws too');
    t.equal(backend.verify(new Uint8Array(32), point, new Uint8Array(64), true), false, 'r and s zero: not valid');
    t.equal(wasmBackend.verify(new Uint8Array(32), point, new Uint8Array(64), true), false, 'as the WebAssembly says');
  });
}
