/**
 * Raw blocks, as a backend serves them, into our `ChainBlock`. Both backends
 * go through here, so a block is checked the same way whoever served it: its
 * size is bounded, its hash is the one asked for, and its transactions are
 * the ones its header commits to (a corrupt or lying backend is caught here,
 * not in the watchtower).
 */
import { Block } from 'bitcoinjs-lib';
import type { ChainBlock } from './chain-source.js';

/** Consensus caps a block's weight at 4,000,000, so its serialization can be no larger. */
export const MAX_BLOCK_BYTES = 4_000_000;

/** A block that cannot be what the backend says it is. */
export class BlockDecodingError extends Error {
  override name = 'BlockDecodingError';
  constructor(
    readonly expectedHash: string,
    readonly reason: string,
  ) {
    super(`block ${expectedHash}: ${reason}`);
  }
}

/** A block's header: the first 80 bytes, which its hash covers. */
const HEADER_BYTES = 80;

/**
 * Decodes a serialized block (with witnesses) that the best chain holds at
 * `height` under `expectedHash` (display order). The header's hash is
 * checked before the transactions are read, so a wrong block costs 80 bytes
 * of hashing rather than a parse of up to 4 MB; the bytes must end with the
 * last transaction.
 */
export function decodeBlock(raw: Uint8Array, height: number, expectedHash: string): ChainBlock {
  if (raw.length > MAX_BLOCK_BYTES) throw new BlockDecodingError(expectedHash, `${raw.length} bytes, more than a block can hold (${MAX_BLOCK_BYTES})`);
  if (raw.length < HEADER_BYTES) throw new BlockDecodingError(expectedHash, `not a block: ${raw.length} bytes, shorter than a header (${HEADER_BYTES})`);
  const hash = Block.fromBuffer(raw.subarray(0, HEADER_BYTES)).getId();
  if (hash !== expectedHash) throw new BlockDecodingError(expectedHash, `its header hashes to ${hash}`);
  let block: Block;
  try {
    block = Block.fromBuffer(raw);
  } catch (error) {
    throw new BlockDecodingError(expectedHash, `not a block: ${(error as Error).message}`);
  }
  const transactions = block.transactions ?? [];
  if (transactions.length === 0 || !block.checkTxRoots()) {
    throw new BlockDecodingError(expectedHash, 'its transactions do not match the merkle root (or witness commitment) of its header');
  }
  // The parser stops after the count of transactions the block states; anything after them is not part of it.
  const length = block.byteLength();
  if (raw.length !== length) throw new BlockDecodingError(expectedHash, `${raw.length - length} bytes more than its header and ${transactions.length} transactions take (trailing bytes after the last transaction)`);
  return { height, hash, header: block.toBuffer(true), transactions };
}
