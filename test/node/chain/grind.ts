/**
 * Headers mined here by trying nonces: real proof of work against the easy
 * targets of regtest and of networks made up for a test (regtest's target
 * is met by about one nonce in two). For what bcoin's miner cannot make:
 * headers broken in exactly one way, and chains under other difficulty rules.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type BlockHeader, decodeHeader, encodeHeader, hashMeetsTarget, headerHash, targetFromBits } from '../../../node/chain/block-header.js';

/**
 * A header with these fields and a nonce that meets its own bits (or, with
 * `failing`, one that does not), searching from `firstNonce`.
 */
export function grind(fields: Omit<BlockHeader, 'nonce'>, options: { failing?: boolean; firstNonce?: number } = {}): Uint8Array {
  const target = targetFromBits(fields.bits);
  for (let nonce = options.firstNonce ?? 0; nonce <= 0xffff_ffff; nonce++) {
    const raw = encodeHeader({ ...fields, nonce });
    if (hashMeetsTarget(headerHash(raw), target) !== Boolean(options.failing)) return raw;
  }
  throw new Error('no nonce found');
}

/** `header` with some fields changed, nonce ground again so that only those fields are wrong. */
export function regrind(header: Uint8Array, changes: Partial<Omit<BlockHeader, 'nonce'>>, options: { failing?: boolean } = {}): Uint8Array {
  const { nonce: _nonce, ...fields } = decodeHeader(header);
  return grind({ ...fields, ...changes }, options);
}

/**
 * `count` headers on top of `parent`, `spacing` seconds apart, with
 * `bits` (the parent's by default). `branch` goes into the merkle roots so
 * that two branches from one parent differ.
 */
export function mineHeaders(parent: Uint8Array, count: number, options: { bits?: number; spacing?: number; branch?: string; version?: number } = {}): Uint8Array[] {
  const headers: Uint8Array[] = [];
  let previous = parent;
  for (let i = 0; i < count; i++) {
    const parentFields = decodeHeader(previous);
    const merkleRoot = sha256(new TextEncoder().encode(`${options.branch ?? 'main'}/${i}/${Buffer.from(headerHash(previous)).toString('hex')}`));
    previous = grind({
      version: options.version ?? 0x2000_0000,
      prevHash: headerHash(previous),
      merkleRoot,
      time: parentFields.time + (options.spacing ?? 600),
      bits: options.bits ?? parentFields.bits,
    });
    headers.push(previous);
  }
  return headers;
}
