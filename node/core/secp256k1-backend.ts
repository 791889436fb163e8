/**
 * Where curve.ts's hot operations run: libsecp256k1 built for this machine
 * when the `secp256k1` package brought one (its prebuilt linux-x64 binary,
 * or one node-gyp compiled at install), else the same library compiled to
 * WebAssembly (tiny-secp256k1). Same C code, same results (RFC 6979 nonces,
 * low-S); the native build is 3 to 5 times faster, which is most of a
 * payment's cost. A machine without it runs on the portable backend
 * (secp256k1-portable.ts): the WebAssembly, or in the device bundle noble's
 * JavaScript, which holds less memory.
 *
 * The package's main entry would fall back to a JavaScript implementation
 * (elliptic) when the binary is missing; only its binding is used here.
 */
import { createRequire } from 'node:module';
import type { Secp256k1Backend } from './secp256k1-operations.js';
import { portableBackend } from './secp256k1-portable.js';

export type { Secp256k1Backend } from './secp256k1-operations.js';

/** What `secp256k1/bindings` (version 5) exports, as far as it is used here. */
interface NativeSecp256k1 {
  publicKeyVerify(publicKey: Uint8Array): boolean;
  publicKeyCreate(secretKey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCombine(publicKeys: Uint8Array[], compressed: boolean): Uint8Array;
  publicKeyTweakAdd(publicKey: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyTweakMul(publicKey: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(digest: Uint8Array, secretKey: Uint8Array): { signature: Uint8Array };
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
}

/**
 * The native library throws where tiny-secp256k1 answers null (a sum or
 * product at infinity). curve.ts checks every input before it calls, so a
 * throw here can only be such a result.
 */
function orNull(operation: () => Uint8Array): Uint8Array | null {
  try {
    return operation();
  } catch {
    return null;
  }
}

export function nativeBackendOf(native: NativeSecp256k1): Secp256k1Backend {
  return {
    name: 'native',
    isPoint: (point) => native.publicKeyVerify(point),
    pointFromScalar: (secretKey, compressed) => orNull(() => native.publicKeyCreate(secretKey, compressed)),
    pointAdd: (a, b, compressed) => orNull(() => native.publicKeyCombine([a, b], compressed)),
    pointAddScalar: (point, tweak, compressed) => orNull(() => native.publicKeyTweakAdd(point, tweak, compressed)),
    pointMultiply: (point, tweak, compressed) => orNull(() => native.publicKeyTweakMul(point, tweak, compressed)),
    sign: (digest, secretKey) => native.ecdsaSign(digest, secretKey).signature,
    // libsecp256k1's verify takes only low-S signatures: what strict asks of tiny-secp256k1.
    verify: (digest, publicKey, signature) => native.ecdsaVerify(signature, digest, publicKey),
  };
}

const NATIVE_FUNCTIONS = ['publicKeyVerify', 'publicKeyCreate', 'publicKeyCombine', 'publicKeyTweakAdd', 'publicKeyTweakMul', 'ecdsaSign', 'ecdsaVerify'] as const;

/** The native binding, or undefined where this machine has no build of it (or an older version of the package, with another API, is the one found). */
export function loadNative(): NativeSecp256k1 | undefined {
  try {
    const native = createRequire(import.meta.url)('secp256k1/bindings') as Partial<NativeSecp256k1>;
    return NATIVE_FUNCTIONS.every((name) => typeof native[name] === 'function') ? (native as NativeSecp256k1) : undefined;
  } catch {
    return undefined;
  }
}

const native = loadNative();
export const backend: Secp256k1Backend = native ? nativeBackendOf(native) : portableBackend;
