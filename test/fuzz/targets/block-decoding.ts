/**
 * Blocks as a chain backend serves them (gateway/chain/block-decoding.ts).
 * A backend that lies says the hash of whatever it serves, so most inputs
 * come with the hash of their own header: the decoder then has to check the
 * rest for real.
 */
import { decodeBlock, BlockDecodingError } from '../../../gateway/chain/block-decoding.js';
import { hashToHex, headerHash } from '../../../node/chain/block-header.js';
import type { ChainBlock } from '../../../gateway/chain/chain-source.js';
import { type FuzzTarget, fromHex, refusedWith, sameBytes } from '../target.js';
import { coinbase, sampleBlock, sampleTransaction } from './transactions.js';

/** The hash of the input's own header, unless a bit of the first byte says to claim another (as an honest mistake would). */
function claimedHash(input: Uint8Array): string {
  if (input.length >= 80 && (input[0]! & 0x40) === 0) return hashToHex(headerHash(input.subarray(0, 80)));
  return '00'.repeat(32);
}

/** A varint as Bitcoin writes it (CompactSize). */
function compactSize(value: number): number[] {
  if (value < 0xfd) return [value];
  if (value <= 0xffff) return [0xfd, value & 0xff, value >> 8];
  return [0xfe, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >>> 24];
}

export const blockDecoding: FuzzTarget<ChainBlock> = {
  name: 'gateway/block-decoding',
  exercises: 'decodeBlock (gateway/chain/block-decoding.ts)',
  weight: 3,
  seeds: () => [sampleBlock([coinbase(1)]), sampleBlock([coinbase(2), sampleTransaction(2, false, 5), sampleTransaction(1, false, 70)])],
  dictionary: ['fd', 'fe', 'ff', 'fdffff', 'feffffffff', 'ffffffffffffffffff', '0001', '00'].map(fromHex),
  maxInputBytes: 6000,
  decode: (input) => decodeBlock(input, 1, claimedHash(input)),
  refuses: refusedWith(BlockDecodingError),
  // The block again, header and transactions as Bitcoin serialises them: a block has one serialization.
  roundTrip: (block, input) => {
    const parts = [block.header, Uint8Array.from(compactSize(block.transactions.length)), ...block.transactions.map((tx) => Uint8Array.from(tx.toBuffer()))];
    return sameBytes('the block re-serialized', input, Uint8Array.from(parts.flatMap((part) => [...part])));
  },
};
