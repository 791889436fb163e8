/**
 * Signatures on transaction inputs.
 *
 * On the wire (and in BOLT 2 messages) a signature is its 64-byte compact
 * form; in a witness it is strict DER followed by the sighash type byte.
 * These functions take a raw secret key: only a `Signer` implementation
 * should call the signing ones.
 */
import { InvalidInputError, checkBytes, checkInteger } from '../core/input.js';
import { compactToDer, derToCompact, signDigest, verifyDigest } from '../core/curve.js';
import { SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY, Transaction, segwitSighash } from './transaction.js';

/** A signature as it appears in a witness: DER || sighash type. */
export function encodeBitcoinSignature(compact: Uint8Array, sighashType: number): Uint8Array {
  checkSighashType(sighashType);
  const der = compactToDer(compact);
  const out = new Uint8Array(der.length + 1);
  out.set(der);
  out[der.length] = sighashType;
  return out;
}

export function decodeBitcoinSignature(bytes: Uint8Array): { compact: Uint8Array; sighashType: number } {
  checkBytes('signature', bytes);
  if (bytes.length < 9) throw new InvalidInputError('signature', 'too short for DER plus a sighash byte');
  const sighashType = bytes[bytes.length - 1]!;
  checkSighashType(sighashType);
  return { compact: derToCompact(bytes.subarray(0, -1)), sighashType };
}

/** Signs input `inputIndex` of `tx` (segwit v0), returning the compact signature. */
export function signSegwitInput(
  tx: Transaction,
  inputIndex: number,
  scriptCode: Uint8Array,
  satoshis: number,
  secretKey: Uint8Array,
  sighashType: number = SIGHASH_ALL,
): Uint8Array {
  checkSighashType(sighashType);
  return signDigest(segwitSighash(tx, inputIndex, scriptCode, satoshis, sighashType), secretKey);
}

/** Checks a compact signature on input `inputIndex` of `tx` (segwit v0). */
export function verifySegwitInput(
  tx: Transaction,
  inputIndex: number,
  scriptCode: Uint8Array,
  satoshis: number,
  compact: Uint8Array,
  publicKey: Uint8Array,
  sighashType: number = SIGHASH_ALL,
): boolean {
  checkSighashType(sighashType);
  return verifyDigest(compact, segwitSighash(tx, inputIndex, scriptCode, satoshis, sighashType), publicKey);
}

/** Only the sighash types BOLT 3 uses are accepted. */
function checkSighashType(sighashType: number): void {
  checkInteger('sighashType', sighashType, 0, 0xff);
  if (sighashType !== SIGHASH_ALL && sighashType !== SIGHASH_SINGLE_ANYONECANPAY) {
    throw new InvalidInputError('sighashType', `0x${sighashType.toString(16)} is not SIGHASH_ALL or SIGHASH_SINGLE|ANYONECANPAY`);
  }
}
