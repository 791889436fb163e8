/**
 * A channel's record for the watchtower: what every compact appointment of
 * the channel shares (the basepoints its keys derive from, the delay, where
 * justice pays), sent once per tag rather than in every appointment.
 *
 * Sealed with ChaCha20-Poly1305 under SHA-256 of a domain and the channel's
 * funding witness script (the 2-of-2 of both funding keys). The chain shows
 * that script only when the funding output is spent: its P2WSH output is a
 * different hash of it. So the tower cannot open a record before the
 * channel closes (cooperatively or not); after, it learns the basepoints and
 * delay (which unlock nothing without a revoked state's per-commitment point,
 * and those stay inside the per-txid blobs) and the sweep script (which a
 * close already shows, the node's shutdown pays to it).
 *
 *   record    = version (1, 0x01) || nonce (12) || sealed plaintext (with its 16-byte tag)
 *   plaintext = revocation basepoint (33) || their delayed payment basepoint (33) ||
 *               to_self_delay (varint) || script length (1) || destination script
 *
 * The nonce is the start of SHA-256(key || plaintext): one key per channel,
 * and a new plaintext (a changed sweep script) gets a new nonce, never a
 * reused one.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { DecodeError } from '../core/cbor.js';
import { checkBytes, checkInteger, InvalidInputError } from '../core/input.js';
import { checkPublicKey, isPublicKey } from '../core/curve.js';
import { readVarint, writeVarint } from '../core/varint.js';
import { openChaCha20Poly1305, sealChaCha20Poly1305 } from '../core/aead.js';

export interface TowerChannelParams {
  /** Our revocation basepoint: with a per-commitment point, the revocation key of their commitment. */
  readonly revocationBasepoint: Uint8Array;
  /** Their delayed payment basepoint: with a per-commitment point, their `to_local` key. */
  readonly delayedPaymentBasepoint: Uint8Array;
  /** The delay of their `to_local` output (the one we imposed). */
  readonly toSelfDelay: number;
  /** Where justice pays. */
  readonly destinationScript: Uint8Array;
}

const VERSION = 0x01;
const NONCE_BYTES = 12;
const AEAD_TAG_BYTES = 16;
/** The longest standard output script (a witness program of 40 bytes). */
const MAX_DESTINATION_SCRIPT_BYTES = 42;
/** A 2-of-2 funding script is 71 bytes; anything much larger is not one. */
const MAX_FUNDING_SCRIPT_BYTES = 80;
/** version + nonce + two keys + delay (3) + script (1 + 42) + the AEAD tag. */
export const MAX_CHANNEL_RECORD_BYTES = 1 + NONCE_BYTES + 66 + 3 + 1 + MAX_DESTINATION_SCRIPT_BYTES + AEAD_TAG_BYTES;
const MIN_CHANNEL_RECORD_BYTES = 1 + NONCE_BYTES + 66 + 1 + 1 + AEAD_TAG_BYTES;
const DOMAIN = new TextEncoder().encode('lnmesh/tower/channel/1');

function keyOf(fundingScript: Uint8Array): Uint8Array {
  return sha256(concatBytes(DOMAIN, fundingScript));
}

/** The node's side: the record of a channel whose funding witness script is `fundingScript`. */
export function sealChannelRecord(fundingScript: Uint8Array, params: TowerChannelParams): Uint8Array {
  checkBytes('fundingScript', fundingScript);
  const script = checkBytes('destinationScript', params.destinationScript);
  if (script.length > MAX_DESTINATION_SCRIPT_BYTES) throw new InvalidInputError('destinationScript', `at most ${MAX_DESTINATION_SCRIPT_BYTES} bytes, got ${script.length}`);
  const delay: number[] = [];
  writeVarint(delay, checkInteger('toSelfDelay', params.toSelfDelay, 0, 0xffff), 'toSelfDelay');
  const plaintext = concatBytes(
    checkPublicKey('revocationBasepoint', params.revocationBasepoint),
    checkPublicKey('delayedPaymentBasepoint', params.delayedPaymentBasepoint),
    Uint8Array.from(delay),
    Uint8Array.of(script.length),
    script,
  );
  const key = keyOf(fundingScript);
  const nonce = sha256(concatBytes(key, plaintext)).slice(0, NONCE_BYTES);
  return concatBytes(Uint8Array.of(VERSION), nonce, sealChaCha20Poly1305(key, nonce, new Uint8Array(0), plaintext));
}

/** Checks a record's shape as the tower receives it (it cannot open it); an `InvalidInputError` naming `field`. */
export function checkChannelRecord(field: string, record: unknown): Uint8Array {
  const bytes = checkBytes(field, record);
  if (bytes.length < MIN_CHANNEL_RECORD_BYTES || bytes.length > MAX_CHANNEL_RECORD_BYTES) {
    throw new InvalidInputError(field, `expected ${MIN_CHANNEL_RECORD_BYTES} to ${MAX_CHANNEL_RECORD_BYTES} bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== VERSION) throw new InvalidInputError(field, `unknown channel record version ${bytes[0]}`);
  return bytes;
}

/** The tower's side, at a breach: opens a record with the funding script the breach revealed. Throws `DecodeError` if it is not this channel's. */
export function openChannelRecord(fundingScript: Uint8Array, record: Uint8Array): TowerChannelParams {
  if (fundingScript.length > MAX_FUNDING_SCRIPT_BYTES) throw new DecodeError('fundingScript', 'longer than a funding script');
  try {
    checkChannelRecord('record', record);
  } catch (error) {
    throw new DecodeError('record', (error as InvalidInputError).reason);
  }
  const plaintext = openChaCha20Poly1305(keyOf(fundingScript), record.subarray(1, 1 + NONCE_BYTES), new Uint8Array(0), record.subarray(1 + NONCE_BYTES));
  if (!plaintext) throw new DecodeError('record', 'does not open with this funding script: not this channel\'s');
  return decodePlaintext(plaintext);
}

function decodePlaintext(plaintext: Uint8Array): TowerChannelParams {
  const point = (field: string, bytes: Uint8Array) => {
    if (!isPublicKey(bytes)) throw new DecodeError(`record.${field}`, 'expected a compressed public key');
    return bytes;
  };
  const revocationBasepoint = point('revocationBasepoint', plaintext.slice(0, 33));
  const delayedPaymentBasepoint = point('delayedPaymentBasepoint', plaintext.slice(33, 66));
  const reader = { bytes: plaintext, offset: 66 };
  const toSelfDelay = readVarint(reader, 0xffff, (reason) => new DecodeError('record.toSelfDelay', reason));
  const scriptLength = plaintext[reader.offset];
  if (scriptLength === undefined || scriptLength > MAX_DESTINATION_SCRIPT_BYTES || reader.offset + 1 + scriptLength !== plaintext.length) {
    throw new DecodeError('record.destinationScript', `expected a length byte (at most ${MAX_DESTINATION_SCRIPT_BYTES}) and that many bytes to the end`);
  }
  return { revocationBasepoint, delayedPaymentBasepoint, toSelfDelay, destinationScript: plaintext.slice(reader.offset + 1) };
}
