// The native libsecp256k1 answers exactly as its WebAssembly build does, and is the one in use where it is installed.
import t from 'tap';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { backend, loadNative, nativeBackendOf } from '../../../node/core/secp256k1-backend.js';
import { wasmBackend } from '../../../node/core/secp256k1-wasm.js';

const native = loadNative();
const ORDER = secp256k1.Point.Fn.ORDER;
const hex = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString('hex'));
const scalar = fc.bigInt({ min: 1n, max: ORDER - 1n }).map((value) => numberToBytesBE(value, 32));

const prebuilt = process.platform === 'linux' && process.arch === 'x64';
t.test('the native build is used on linux-x64, where the package ships one', { skip: prebuilt ? false : `no prebuilt binary for ${process.platform}-${process.arch}` }, async (t) => {
  t.ok(native, 'secp256k1/bindings loads');
  t.equal(backend.name, 'native');
});

t.test('same answers as the WebAssembly build', { skip: native ? false : 'no native build here' }, async (t) => {
  const fast = nativeBackendOf(native!);
  const same = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: native ${JSON.stringify(a)}, wasm ${JSON.stringify(b)}`);
  };
  fc.assert(
    fc.property(scalar, scalar, fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b, digest) => {
      const [pointA, pointB] = [wasmBackend.pointFromScalar(a, true)!, wasmBackend.pointFromScalar(b, true)!];
      same('pointFromScalar', hex(fast.pointFromScalar(a, true)), hex(pointA));
      same('pointAdd', hex(fast.pointAdd(pointA, pointB, true)), hex(wasmBackend.pointAdd(pointA, pointB, true)));
      same('pointAddScalar', hex(fast.pointAddScalar(pointA, b, true)), hex(wasmBackend.pointAddScalar(pointA, b, true)));
      same('pointMultiply', hex(fast.pointMultiply(pointA, b, true)), hex(wasmBackend.pointMultiply(pointA, b, true)));
      const signature = fast.sign(digest, a);
      same('sign', hex(signature), hex(wasmBackend.sign(digest, a)));
      same('verify', fast.verify(digest, pointA, signature, true), true);
      const highS = Uint8Array.from([...signature.slice(0, 32), ...numberToBytesBE(ORDER - bytesToNumberBE(signature.slice(32)), 32)]);
      same('verify high-S', fast.verify(digest, pointA, highS, true), wasmBackend.verify(digest, pointA, highS, true));
      same('verify another key', fast.verify(digest, pointB, signature, true), a.every((byte, i) => byte === b[i]));
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass('pointFromScalar, pointAdd, pointAddScalar, pointMultiply, sign and verify agree');
});

t.test('edge cases as tiny-secp256k1 answers them', { skip: native ? false : 'no native build here' }, async (t) => {
  const fast = nativeBackendOf(native!);
  const k = numberToBytesBE(7n, 32);
  const minusK = numberToBytesBE(ORDER - 7n, 32);
  const point = wasmBackend.pointFromScalar(k, true)!;
  const negated = wasmBackend.pointFromScalar(minusK, true)!;
  t.equal(fast.pointAdd(point, negated, true), null, 'P + (-P) is the point at infinity: null');
  t.equal(wasmBackend.pointAdd(point, negated, true), null, 'as the WebAssembly says');
  t.equal(fast.pointAddScalar(point, minusK, true), null, 'kG + (n-k)G: null');
  t.equal(hex(fast.pointAdd(point, point, true)), hex(wasmBackend.pointAdd(point, point, true)), 'P + P doubles');
  t.equal(fast.isPoint(point), true, 'a point');
  const notOnCurve = Uint8Array.from(point);
  let found = false;
  for (let byte = 0; byte < 256 && !found; byte++) {
    notOnCurve[32] = byte;
    if (!wasmBackend.isPoint(notOnCurve)) found = true;
  }
  t.ok(found, 'some x has no point');
  t.equal(fast.isPoint(notOnCurve), false, 'isPoint refuses an x with no point on the curve');
  const overflow = new Uint8Array(64).fill(0xff);
  t.throws(() => fast.verify(new Uint8Array(32), point, overflow, true), 'r and s out of range: throws, as the WebAssembly does');
  t.throws(() => wasmBackend.verify(new Uint8Array(32), point, overflow, true), 'the WebAssembly throws too');
});
