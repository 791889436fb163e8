/** Outpoints as keys (`txid:vout`, display order), for matching what a transaction spends. */
import { hashToHex } from '../chain/block-header.js';

/** The key of the output an input spends. */
export function spentOutpoint(input: { hash: Uint8Array; index: number }): string {
  return `${hashToHex(input.hash)}:${input.index}`;
}
