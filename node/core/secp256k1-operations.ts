/**
 * What a secp256k1 backend does for curve.ts (secp256k1-backend.ts picks one):
 * native libsecp256k1, its WebAssembly build, or noble.
 */
/** The operations curve.ts needs, in tiny-secp256k1's shape: null where the result is the point at infinity. */
export interface Secp256k1Backend {
  readonly name: 'native' | 'wasm' | 'noble';
  isPoint(point: Uint8Array): boolean;
  pointFromScalar(secretKey: Uint8Array, compressed: true): Uint8Array | null;
  pointAdd(a: Uint8Array, b: Uint8Array, compressed: true): Uint8Array | null;
  pointAddScalar(point: Uint8Array, tweak: Uint8Array, compressed: true): Uint8Array | null;
  pointMultiply(point: Uint8Array, tweak: Uint8Array, compressed: true): Uint8Array | null;
  sign(digest: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** Throws on a signature whose r or s is out of range; high-S is false. */
  verify(digest: Uint8Array, publicKey: Uint8Array, signature: Uint8Array, strict: true): boolean;
}
