/**
 * The 80-byte Bitcoin block header, its hash, and the proof of work it
 * claims: what a mesh node checks itself instead of trusting its gateway.
 *
 * Hashes are bytes in internal order (as they sit in headers and
 * transactions); `hashToHex` reverses them into the display order that
 * block explorers and Bitcoin Core print.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/hex.js';
import { InvalidInputError, checkBytes, checkHex, checkInteger } from '../core/input.js';

export const HEADER_LENGTH = 80;
const HASH_LENGTH = 32;
const UINT32_MAX = 0xffff_ffff;
const TWO_256 = 1n << 256n;

export interface BlockHeader {
  /** Signed, as in Bitcoin Core (`int32_t`). */
  readonly version: number;
  /** The previous block's hash, internal order. */
  readonly prevHash: Uint8Array;
  /** Internal order. */
  readonly merkleRoot: Uint8Array;
  /** Seconds since the epoch, as the miner claims. */
  readonly time: number;
  /** The target in compact form. */
  readonly bits: number;
  readonly nonce: number;
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  checkBytes('header', bytes, HEADER_LENGTH);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH);
  return {
    version: view.getInt32(0, true),
    prevHash: bytes.slice(4, 36),
    merkleRoot: bytes.slice(36, 68),
    time: view.getUint32(68, true),
    bits: view.getUint32(72, true),
    nonce: view.getUint32(76, true),
  };
}

export function encodeHeader(header: BlockHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, checkInteger('version', header.version, -0x8000_0000, 0x7fff_ffff), true);
  bytes.set(checkBytes('prevHash', header.prevHash, HASH_LENGTH), 4);
  bytes.set(checkBytes('merkleRoot', header.merkleRoot, HASH_LENGTH), 36);
  view.setUint32(68, checkInteger('time', header.time, 0, UINT32_MAX), true);
  view.setUint32(72, checkInteger('bits', header.bits, 0, UINT32_MAX), true);
  view.setUint32(76, checkInteger('nonce', header.nonce, 0, UINT32_MAX), true);
  return bytes;
}

/** Double SHA-256, the hash Bitcoin uses for blocks, transactions and merkle nodes; internal order. */
export function doubleSha256(bytes: Uint8Array): Uint8Array {
  return sha256(sha256(bytes));
}

/** The block hash of a serialized header, internal order. */
export function headerHash(header: Uint8Array): Uint8Array {
  return doubleSha256(checkBytes('header', header, HEADER_LENGTH));
}

/** A hash in display order (reversed), as explorers and Bitcoin Core print it. */
export function hashToHex(hash: Uint8Array): string {
  // A copy first: `slice` on a Buffer (bitcoinjs's input hashes) is a view, and reversing it would turn the caller's hash around.
  return bytesToHex(Uint8Array.from(checkBytes('hash', hash, HASH_LENGTH)).reverse());
}

/** The internal-order bytes of a display-order hex hash. */
export function hexToHash(hex: string, field = 'hash'): Uint8Array {
  return checkHex(field, hex, HASH_LENGTH).reverse();
}

/**
 * The target that compact `bits` encode, as Bitcoin Core's `SetCompact`
 * reads it: three bytes of mantissa and one of size. Throws for encodings
 * Core refuses in a header: negative (sign bit set on a non-zero mantissa),
 * overflowing 256 bits, or zero.
 */
export function targetFromBits(bits: number): bigint {
  checkInteger('bits', bits, 0, UINT32_MAX);
  const size = bits >>> 24;
  // Core's `nWord`: below size 4 the low bytes are shifted out first, and the sign bit counts only if something is left.
  const mantissa = size <= 3 ? (bits & 0x007f_ffff) >>> (8 * (3 - size)) : bits & 0x007f_ffff;
  if (mantissa !== 0 && (bits & 0x0080_0000) !== 0) throw new InvalidInputError('bits', `0x${bits.toString(16)} encodes a negative target`);
  const overflows = mantissa !== 0 && (size > 34 || (mantissa > 0xff && size > 33) || (mantissa > 0xffff && size > 32));
  if (overflows) throw new InvalidInputError('bits', `0x${bits.toString(16)} encodes a target above 2^256`);
  const target = size <= 3 ? BigInt(mantissa) : BigInt(mantissa) << BigInt(8 * (size - 3));
  if (target === 0n) throw new InvalidInputError('bits', `0x${bits.toString(16)} encodes a zero target`);
  return target;
}

/** The compact form of a target, as Bitcoin Core's `GetCompact` writes it (precision beyond three bytes is dropped). */
export function bitsFromTarget(target: bigint): number {
  if (target < 0n || target >= TWO_256) throw new InvalidInputError('target', 'outside [0, 2^256)');
  let size = byteLength(target);
  let mantissa = size <= 3 ? Number(target) << (8 * (3 - size)) : Number(target >> BigInt(8 * (size - 3)));
  // The mantissa's top bit is the sign: shift it out of the way.
  if (mantissa & 0x0080_0000) {
    mantissa >>>= 8;
    size += 1;
  }
  return ((size << 24) | mantissa) >>> 0;
}

function byteLength(value: bigint): number {
  return value === 0n ? 0 : Math.ceil(value.toString(16).length / 2);
}

/** Expected number of hashes to meet `target`: 2^256 / (target + 1), as Core's `GetBlockProof`. */
export function workOfTarget(target: bigint): bigint {
  return TWO_256 / (target + 1n);
}

/** Whether a block hash (internal order, read as a little-endian number) is at or below the target. */
export function hashMeetsTarget(hash: Uint8Array, target: bigint): boolean {
  checkBytes('hash', hash, HASH_LENGTH);
  return BigInt(`0x${bytesToHex(Uint8Array.from(hash).reverse())}`) <= target;
}
