/**
 * BIP 32's hardened child private key (CKDpriv), as @scure/bip32's
 * `deriveChild` computes it, without the child's public key: scure works
 * that out at every level (a curve multiplication in JavaScript), and a
 * signer that wants only secrets never reads it. Opening a channel derives
 * six secrets; with scure from the root that was thirty multiplications.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { checkBytes, checkInteger } from '../core/input.js';
import { addSecretKeys } from '../core/curve.js';

const HARDENED_OFFSET = 0x8000_0000;

export interface ExtendedSecret {
  readonly privateKey: Uint8Array;
  readonly chainCode: Uint8Array;
}

/** The child at `index'` (hardened: `index` below 2^31, the offset is added here). */
export function hardenedChild(parent: ExtendedSecret, index: number): ExtendedSecret {
  checkInteger('index', index, 0, HARDENED_OFFSET - 1);
  const data = new Uint8Array(37);
  data.set(checkBytes('privateKey', parent.privateKey, 32), 1);
  new DataView(data.buffer).setUint32(33, index + HARDENED_OFFSET, false);
  const digest = hmac(sha512, checkBytes('chainCode', parent.chainCode, 32), data);
  const tweak = digest.subarray(0, 32);
  // BIP 32: such a child is invalid (a chance below 2^-127); addSecretKeys refuses a sum of zero.
  if (bytesToNumberBE(tweak) >= secp256k1.Point.Fn.ORDER) throw new RangeError(`BIP 32: the child ${index}' is invalid; use the next index`);
  return { privateKey: addSecretKeys(tweak, parent.privateKey), chainCode: digest.slice(32) };
}
