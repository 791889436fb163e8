/**
 * BOLT 11 invoices, read and checked on the node before it asks anyone to pay.
 *
 * light-bolt11-decoder (a maintained decoder) splits the bech32 string into
 * its tagged fields and checks the checksum and the amount's form; it does
 * not check the signature, so signature.ts does (recovering the payee's key,
 * or checking the `n` field's). Then expiry, network and the payment hash.
 * Every refusal is an InvoiceError naming its field.
 */
import { bech32 } from '@scure/base';
import { decode } from 'light-bolt11-decoder';
import { checkHex, checkInteger } from '../core/input.js';
import { InvoiceError } from './invoice-error.js';
import { SIGNATURE_WORDS, checkSignature, packWords, signingDigest } from './signature.js';

/**
 * The longest invoice read. BOLT 11 sets no cap; everyday invoices are 200 to
 * 700 characters and each route-hint hop adds about 85, so 2,048 leaves room
 * for a dozen hops while bounding what a pasted (or relayed) string can cost
 * to decode and to carry over the mesh.
 */
export const MAX_INVOICE_CHARS = 2048;

/** BOLT 11's default expiry (seconds) when the `x` field is absent. */
export const DEFAULT_EXPIRY = 3600;

/** BOLT 11's default `min_final_cltv_expiry_delta` when the `c` field is absent. */
export const DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA = 18;

/** 21 million BTC in millisatoshis: no invoice may ask for more. */
export const MAX_AMOUNT_MSAT = 21_000_000n * 100_000_000_000n;

/** The currency prefix after `ln`: mainnet, testnet, signet, regtest, simnet. */
export type Bolt11Network = 'bc' | 'tb' | 'tbs' | 'bcrt' | 'sb';

/** One hop of an `r` field: a private channel into the payee. */
export interface RouteHintHop {
  readonly nodeId: Uint8Array;
  readonly shortChannelId: Uint8Array;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

export interface Bolt11Invoice {
  /**
   * The invoice as read, in lower case: what a node sends its gateway to have
   * it paid (the gateway checks it again; nothing shorter carries the signature).
   */
  readonly paymentRequest: string;
  readonly network: Bolt11Network;
  /** Undefined: the payer chooses ("any amount"). A bigint: up to 2.1e18 msat. */
  readonly amountMsat: bigint | undefined;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array | undefined;
  /** 33 bytes: the `n` field if present (and the signature is by it), else recovered. */
  readonly payee: Uint8Array;
  readonly description: string | undefined;
  readonly descriptionHash: Uint8Array | undefined;
  /** Unix seconds. */
  readonly timestamp: number;
  /** Seconds after `timestamp`. */
  readonly expiry: number;
  readonly minFinalCltvExpiryDelta: number;
  readonly routeHints: readonly (readonly RouteHintHop[])[];
}

interface Section {
  readonly name: string;
  readonly letters?: string;
  readonly value?: unknown;
}

/**
 * Reads `text` as a BOLT 11 invoice for `network`, valid at `now` (unix seconds).
 * Throws an InvoiceError (field: invoice, checksum, network, amount, signature,
 * payee, paymentHash, expiry, ...) for anything a payer must refuse.
 */
export function readBolt11(text: string, now: number, network: Bolt11Network): Bolt11Invoice {
  checkInteger('now', now, 0, Number.MAX_SAFE_INTEGER);
  const words = checkBech32(text);
  const sections = decodeSections(text);
  const found = section(sections, 'coin_network')?.letters;
  if (found !== network) throw new InvoiceError('network', `for ${found}, not ${network}`);
  const hrp = text.slice(0, text.lastIndexOf('1')).toLowerCase();
  const claimed = fixedHex(sections, 'payee', 33);
  const signature = packWords(words.slice(-SIGNATURE_WORDS));
  const payee = checkSignature(signature, signingDigest(hrp, words.slice(0, -SIGNATURE_WORDS)), claimed);
  const paymentHash = fixedHex(sections, 'payment_hash', 32);
  if (!paymentHash) throw new InvoiceError('paymentHash', 'no 32-byte payment hash (p field)');
  const timestamp = integer(sections, 'timestamp') ?? 0;
  const expiry = integer(sections, 'expiry') ?? DEFAULT_EXPIRY;
  if (timestamp + expiry <= now) throw new InvoiceError('expiry', `expired ${now - timestamp - expiry} s ago, at ${new Date((timestamp + expiry) * 1000).toISOString()}`);
  const description = section(sections, 'description')?.value;
  return {
    paymentRequest: text.toLowerCase(),
    network,
    amountMsat: amount(sections),
    paymentHash,
    paymentSecret: fixedHex(sections, 'payment_secret', 32),
    payee,
    description: typeof description === 'string' ? description : undefined,
    descriptionHash: fixedHex(sections, 'description_hash', 32),
    timestamp,
    expiry,
    minFinalCltvExpiryDelta: integer(sections, 'min_final_cltv_expiry') ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
    routeHints: routeHints(sections),
  };
}

/** Size, prefix and checksum, before any decoding work; the data part's words. */
function checkBech32(text: string): number[] {
  if (typeof text !== 'string') throw new InvoiceError('invoice', 'expected a string');
  if (text.length > MAX_INVOICE_CHARS) {
    throw new InvoiceError('invoice', `${text.length} characters, more than ${MAX_INVOICE_CHARS}`);
  }
  if (!text.toLowerCase().startsWith('ln')) throw new InvoiceError('invoice', 'not a lightning invoice (no ln prefix)');
  let words: number[];
  try {
    words = bech32.decode(text, false).words;
  } catch (error) {
    const reason = (error as Error).message;
    throw new InvoiceError(/checksum/i.test(reason) ? 'checksum' : 'invoice', `not valid bech32: ${reason}`);
  }
  if (words.length < 7 + SIGNATURE_WORDS) throw new InvoiceError('invoice', 'too short for a timestamp and a signature');
  return words;
}

/** The decoder's sections; its errors become InvoiceErrors naming the field they are about. */
function decodeSections(text: string): readonly Section[] {
  try {
    return decode(text).sections as readonly Section[];
  } catch (error) {
    const reason = (error as Error).message;
    if (/prefix/i.test(reason)) throw new InvoiceError('network', reason);
    if (/amount|multiplier/i.test(reason)) throw new InvoiceError('amount', reason);
    throw new InvoiceError('invoice', reason);
  }
}

function section(sections: readonly Section[], name: string): Section | undefined {
  return sections.find((s) => s.name === name);
}

function integer(sections: readonly Section[], name: string): number | undefined {
  const value = section(sections, name)?.value;
  return typeof value === 'number' ? value : undefined;
}

/** The first `name` field of exactly `length` bytes: BOLT 11 has readers skip the others. */
function fixedHex(sections: readonly Section[], name: string, length: number): Uint8Array | undefined {
  const match = sections.find((s) => s.name === name && typeof s.value === 'string' && s.value.length === length * 2);
  return match ? checkHex(name, match.value, length) : undefined;
}

function amount(sections: readonly Section[]): bigint | undefined {
  const value = section(sections, 'amount')?.value;
  if (value === undefined) return undefined;
  const msat = BigInt(value as string);
  if (msat > MAX_AMOUNT_MSAT) throw new InvoiceError('amount', `${msat} msat is more than 21 million BTC`);
  return msat;
}

interface DecodedHop {
  pubkey: string;
  short_channel_id: string;
  fee_base_msat: number;
  fee_proportional_millionths: number;
  cltv_expiry_delta: number;
}

function routeHints(sections: readonly Section[]): RouteHintHop[][] {
  return sections
    .filter((s) => s.name === 'route_hint')
    .map((s) =>
      (s.value as DecodedHop[]).map((hop) => {
        const numbers = [hop.fee_base_msat, hop.fee_proportional_millionths, hop.cltv_expiry_delta];
        if (!/^[0-9a-f]{66}$/.test(hop.pubkey) || !/^[0-9a-f]{16}$/.test(hop.short_channel_id) || !numbers.every(Number.isInteger)) {
          throw new InvoiceError('routeHints', 'a hop is not 51 bytes');
        }
        return {
          nodeId: checkHex('routeHints', hop.pubkey, 33),
          shortChannelId: checkHex('routeHints', hop.short_channel_id, 8),
          feeBaseMsat: hop.fee_base_msat,
          feeProportionalMillionths: hop.fee_proportional_millionths,
          cltvExpiryDelta: hop.cltv_expiry_delta,
        };
      }),
    );
}
