/**
 * A BOLT 11 invoice as the gateway protocol carries it: the human-readable
 * part, and the bech32 data part as its 5-bit words packed eight bits to the
 * byte, without the checksum (recomputed from both). BOLT 11's example
 * invoice of 271 characters travels in a `bridge_pay` of 185 bytes, 86 (32%)
 * less than its text alone (test/node/gateway-protocol/compact-invoice.test.ts measures it).
 * The receiver reads the rebuilt text with its BOLT 11 checks as if it had
 * been pasted: nothing here vouches for it.
 */
import { bech32 } from '@scure/base';
import { InvalidInputError } from '../core/input.js';
import { DecodeError } from '../core/cbor.js';
import { MAX_INVOICE_CHARS } from '../invoice/bolt11.js';
import { packWords } from '../invoice/signature.js';

export interface CompactInvoice {
  /** The human-readable part (`lnbc2500u`, ...), ASCII. */
  readonly hrp: Uint8Array;
  /** How many 5-bit words the data part has (the packed bytes end with padding). */
  readonly words: number;
  readonly data: Uint8Array;
}

/** Bounds for the layouts: an invoice of `MAX_INVOICE_CHARS`. */
export const MAX_INVOICE_HRP_BYTES = 90;
export const MAX_INVOICE_WORDS = MAX_INVOICE_CHARS;
export const MAX_INVOICE_DATA_BYTES = Math.ceil((MAX_INVOICE_WORDS * 5) / 8);

/** Packs a BOLT 11 string; one that is not bech32 is an `InvalidInputError`. */
export function packInvoice(text: string): CompactInvoice {
  let decoded;
  try {
    decoded = bech32.decode(text.toLowerCase() as `${string}1${string}`, MAX_INVOICE_CHARS);
  } catch (error) {
    throw new InvalidInputError('invoice', `not a bech32 string: ${(error as Error).message}`);
  }
  return { hrp: new TextEncoder().encode(decoded.prefix), words: decoded.words.length, data: packWords(decoded.words) };
}

/** The invoice's text again; a packing no invoice gives is a `DecodeError`. */
export function unpackInvoice(compact: CompactInvoice): string {
  const { hrp, words, data } = compact;
  if (data.length !== Math.ceil((words * 5) / 8)) throw new DecodeError('invoice', `${words} words do not pack into ${data.length} bytes`);
  const prefix = new TextDecoder().decode(hrp);
  if (!/^[\x21-\x7e]+$/.test(prefix) || prefix.toLowerCase() !== prefix) throw new DecodeError('invoice', 'the human-readable part is not lower-case ASCII');
  const unpacked: number[] = [];
  for (let i = 0; i < words; i++) {
    const bit = i * 5;
    const pair = (data[bit >> 3]! << 8) | (data[(bit >> 3) + 1] ?? 0);
    unpacked.push((pair >> (11 - (bit & 7))) & 31);
  }
  return bech32.encode(prefix, unpacked, false);
}
