/**
 * libsecp256k1 compiled to WebAssembly (tiny-secp256k1), in the backend's
 * shape: what runs where no native build loads, outside the device bundle
 * (see secp256k1-portable.ts). Loading it compiles its 1.2 MB module and
 * copies its tables into a WebAssembly memory.
 */
import * as wasm from 'tiny-secp256k1';
import type { Secp256k1Backend } from './secp256k1-operations.js';

export const wasmBackend: Secp256k1Backend = {
  name: 'wasm',
  isPoint: (point) => wasm.isPoint(point),
  pointFromScalar: (secretKey, compressed) => wasm.pointFromScalar(secretKey, compressed),
  pointAdd: (a, b, compressed) => wasm.pointAdd(a, b, compressed),
  pointAddScalar: (point, tweak, compressed) => wasm.pointAddScalar(point, tweak, compressed),
  pointMultiply: (point, tweak, compressed) => wasm.pointMultiply(point, tweak, compressed),
  sign: (digest, secretKey) => wasm.sign(digest, secretKey),
  verify: (digest, publicKey, signature, strict) => wasm.verify(digest, publicKey, signature, strict),
};
