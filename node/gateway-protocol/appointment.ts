/**
 * Watchtower appointments, as in The Eye of Satoshi: the tower is told how
 * to punish a revoked commitment without learning anything about it until
 * it appears on chain.
 *
 * - The locator is the first 16 bytes of the revoked commitment's txid, in
 *   internal byte order: the double SHA-256 of the transaction as Bitcoin
 *   serialises it, not reversed for display.
 * - The blob is the justice data encrypted with ChaCha20-Poly1305 under
 *   SHA-256 of the full 32-byte txid (internal order). The nonce is twelve
 *   zero bytes: each key encrypts exactly one blob, so it is never reused.
 *
 * Justice data comes in three forms, told apart by the plaintext's first byte:
 *
 * - `transaction` (a CBOR array, first byte 0x82: [0, the transaction]): the
 *   whole signed justice transaction (to_local and every HTLC output; about
 *   400 bytes and more), for a state with no `to_local` worth taking alone.
 * - `compact` (0x01 || per-commitment point (33) || feerate per kw (varint)
 *   || signature (64)): what differs from one revoked state of a channel to
 *   the next, 99 or 100 bytes (116 sealed). The rest, the same for every
 *   state, is in the channel's record (`tower-channel.ts`), sent once per tag:
 *   the tower derives the revocation and delayed keys from the point and the
 *   record's basepoints, rebuilds the script, finds the `to_local` output,
 *   rebuilds the same transaction and checks the signature before it
 *   broadcasts.
 * - `kit` (a CBOR array, first byte 0x87): the format of before compact
 *   appointments, the keys themselves, the delay and the script in each blob
 *   (167 bytes). Still read: a tower upgraded with such blobs in its store
 *   honours them. Nodes no longer write it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { equalBytes } from '@noble/curves/utils.js';
import type { Sweep } from '../bolt3/sweep.js';
import { buildJusticeTransaction, justiceWitness } from '../bolt3/justice.js';
import { p2wsh, toLocalScript } from '../bolt3/scripts.js';
import { encodeBitcoinSignature, verifySegwitInput } from '../bolt3/signatures.js';
import { SIGHASH_ALL, Transaction } from '../bolt3/transaction.js';
import { InvalidInputError, checkBytes, checkInteger } from '../core/input.js';
import { isPublicKey } from '../core/curve.js';
import { openChaCha20Poly1305, sealChaCha20Poly1305 } from '../core/aead.js';
import { type CborValue, DecodeError, decodeCbor, encodeCbor } from '../core/cbor.js';
import { readVarint, writeVarint } from '../core/varint.js';
import { derivePublicKey, deriveRevocationPublicKey } from '../bolt3/key-derivation.js';
import type { TowerChannelParams } from './tower-channel.js';

export const LOCATOR_LENGTH = 16;
/** A justice transaction sweeping 483 x 2 HTLC outputs stays well under this. */
export const MAX_JUSTICE_DATA_BYTES = 100_000;

export interface ToLocalKit {
  readonly revocationPubkey: Uint8Array;
  readonly localDelayedPubkey: Uint8Array;
  readonly toSelfDelay: number;
  readonly destinationScript: Uint8Array;
  readonly feeratePerKw: number;
  /** Compact signature of the rebuilt transaction's one input, SIGHASH_ALL. */
  readonly signature: Uint8Array;
}

/** A compact kit: with its channel's record (`tower-channel.ts`), a `ToLocalKit`. */
export interface CompactKit {
  /** The revoked commitment's per-commitment point. */
  readonly perCommitmentPoint: Uint8Array;
  readonly feeratePerKw: number;
  readonly signature: Uint8Array;
}

export type JusticeData =
  | { readonly kind: 'transaction'; readonly transaction: Uint8Array }
  | ({ readonly kind: 'kit' } & ToLocalKit)
  | ({ readonly kind: 'compact' } & CompactKit);

const COMPACT = 0x01;
/** point + the longest feerate varint + signature. */
const MAX_COMPACT_BYTES = 1 + 33 + 5 + 64;

export interface Appointment {
  readonly locator: Uint8Array;
  readonly blob: Uint8Array;
}

/** A per-channel tag, chosen by the node, opaque to the tower. */
export const MAX_TAG_BYTES = 32;

/** A per-channel tag, as the node chose it (at most `MAX_TAG_BYTES`): checked, or an `InvalidInputError` naming `field`. */
export function checkTowerTag(field: string, tag: unknown): Uint8Array {
  const bytes = checkBytes(field, tag);
  if (bytes.length > MAX_TAG_BYTES) throw new InvalidInputError(field, `at most ${MAX_TAG_BYTES} bytes, got ${bytes.length}`);
  return bytes;
}

/** The txid in internal byte order (what `Transaction.getHash()` returns). */
export function locatorOf(breachTxHash: Uint8Array): Uint8Array {
  return checkBytes('breachTxHash', breachTxHash, 32).slice(0, LOCATOR_LENGTH);
}

export function createAppointment(breachTxHash: Uint8Array, data: JusticeData): Appointment {
  const plaintext = encodeJusticeData(data);
  return { locator: locatorOf(breachTxHash), blob: sealChaCha20Poly1305(blobKeyOf(breachTxHash), BLOB_NONCE, NO_DATA, plaintext) };
}

/** Opens a blob with the txid of a transaction whose locator matched. Throws `DecodeError` if it is not for this transaction. */
export function openAppointment(breachTxHash: Uint8Array, blob: Uint8Array): JusticeData {
  checkBytes('blob', blob);
  if (blob.length > MAX_JUSTICE_DATA_BYTES + 16) throw new DecodeError('blob', 'larger than any justice data');
  const plaintext = openChaCha20Poly1305(blobKeyOf(breachTxHash), BLOB_NONCE, NO_DATA, blob);
  if (!plaintext) throw new DecodeError('blob', 'does not decrypt with this transaction\'s key: not an appointment for it');
  return decodeJusticeData(plaintext);
}

/** Each blob has a key of its own (the breach's txid hashed), so one fixed nonce serves all. */
const BLOB_NONCE = new Uint8Array(12);
const NO_DATA = new Uint8Array(0);

function blobKeyOf(breachTxHash: Uint8Array): Uint8Array {
  return sha256(checkBytes('breachTxHash', breachTxHash, 32));
}

export function encodeJusticeData(data: JusticeData): Uint8Array {
  if (data.kind === 'transaction') return encodeCbor([0, data.transaction]);
  if (data.kind === 'compact') {
    const feerate: number[] = [];
    writeVarint(feerate, checkInteger('feeratePerKw', data.feeratePerKw, 0, 0xffffffff), 'feeratePerKw');
    return concatBytes(Uint8Array.of(COMPACT), checkBytes('perCommitmentPoint', data.perCommitmentPoint, 33), Uint8Array.from(feerate), checkBytes('signature', data.signature, 64));
  }
  return encodeCbor([1, data.revocationPubkey, data.localDelayedPubkey, data.toSelfDelay, data.destinationScript, data.feeratePerKw, data.signature]);
}

export function decodeJusticeData(bytes: Uint8Array): JusticeData {
  return bytes[0] === COMPACT ? decodeCompact(bytes) : decodeCborArray(bytes);
}

function decodeCompact(bytes: Uint8Array): JusticeData {
  if (bytes.length > MAX_COMPACT_BYTES) throw new DecodeError('justice', `a compact kit is at most ${MAX_COMPACT_BYTES} bytes, got ${bytes.length}`);
  const perCommitmentPoint = bytes.slice(1, 34);
  if (!isPublicKey(perCommitmentPoint)) throw new DecodeError('justice.perCommitmentPoint', 'expected a compressed public key');
  const reader = { bytes, offset: 34 };
  const feeratePerKw = readVarint(reader, 0xffffffff, (reason) => new DecodeError('justice.feeratePerKw', reason));
  if (bytes.length - reader.offset !== 64) throw new DecodeError('justice.signature', `expected 64 bytes, got ${bytes.length - reader.offset}`);
  return { kind: 'compact', perCommitmentPoint, feeratePerKw, signature: bytes.slice(reader.offset) };
}

/** The CBOR arrays: a whole transaction, or a kit of before compact kits. */
function decodeCborArray(bytes: Uint8Array): JusticeData {
  const value = decodeCbor(bytes, { maxBytes: MAX_JUSTICE_DATA_BYTES, maxDepth: 1 });
  if (!Array.isArray(value) || typeof value[0] !== 'number') throw new DecodeError('justice', 'expected [kind, ...]');
  if (value[0] === 0 && value.length === 2 && value[1] instanceof Uint8Array) return { kind: 'transaction', transaction: value[1] };
  if (value[0] !== 1 || value.length !== 7) throw new DecodeError('justice', `unknown justice data (kind ${value[0]}, ${value.length - 1} fields)`);
  const [, revocationPubkey, localDelayedPubkey, toSelfDelay, destinationScript, feeratePerKw, signature] = value;
  const point = (field: string, item: CborValue) => {
    if (!(item instanceof Uint8Array) || !isPublicKey(item)) throw new DecodeError(`justice.${field}`, 'expected a compressed public key');
    return item;
  };
  if (typeof toSelfDelay !== 'number' || toSelfDelay > 0xffff) throw new DecodeError('justice.toSelfDelay', 'expected a delay up to 65535');
  if (!(destinationScript instanceof Uint8Array) || destinationScript.length > 42) throw new DecodeError('justice.destinationScript', 'expected a script of at most 42 bytes');
  if (typeof feeratePerKw !== 'number' || feeratePerKw > 0xffffffff) throw new DecodeError('justice.feeratePerKw', 'expected a feerate');
  if (!(signature instanceof Uint8Array) || signature.length !== 64) throw new DecodeError('justice.signature', 'expected 64 bytes');
  return {
    kind: 'kit',
    revocationPubkey: point('revocationPubkey', revocationPubkey!),
    localDelayedPubkey: point('localDelayedPubkey', localDelayedPubkey!),
    toSelfDelay,
    destinationScript,
    feeratePerKw,
    signature,
  };
}

/** A compact kit with its channel's record: the keys derived from the per-commitment point and the basepoints. */
export function kitOfCompact(compact: CompactKit, channel: TowerChannelParams): ToLocalKit {
  return {
    revocationPubkey: deriveRevocationPublicKey(channel.revocationBasepoint, compact.perCommitmentPoint),
    localDelayedPubkey: derivePublicKey(channel.delayedPaymentBasepoint, compact.perCommitmentPoint),
    toSelfDelay: channel.toSelfDelay,
    destinationScript: channel.destinationScript,
    feeratePerKw: compact.feeratePerKw,
    signature: compact.signature,
  };
}

/**
 * The transaction a kit describes, unsigned, for the breach it was made for:
 * the node builds it to sign, the tower to rebuild. Undefined when the breach
 * has no such `to_local` output.
 */
export function kitTransaction(breach: Transaction, kit: Omit<ToLocalKit, 'signature'>): { sweep: Sweep; witnessScript: Uint8Array; satoshis: number } | undefined {
  const witnessScript = toLocalScript(kit.revocationPubkey, kit.toSelfDelay, kit.localDelayedPubkey);
  const scriptPubKey = p2wsh(witnessScript);
  const vout = breach.outs.findIndex((output) => equalBytes(output.script, scriptPubKey));
  if (vout < 0) return undefined;
  const satoshis = Number(breach.outs[vout]!.value);
  const sweep = buildJusticeTransaction({
    revokedOutputs: [{ kind: 'to_local', outpoint: { txid: breach.getId(), vout }, satoshis, witnessScript }],
    destinationScript: kit.destinationScript,
    feeratePerKw: kit.feeratePerKw,
  });
  return { sweep, witnessScript, satoshis };
}

/** The tower's side: the signed justice transaction from a kit, or undefined if the kit does not fit this breach or its signature is wrong. */
export function justiceFromKit(breach: Transaction, kit: ToLocalKit): Transaction | undefined {
  const built = kitTransaction(breach, kit);
  if (!built) return undefined;
  const { sweep, witnessScript, satoshis } = built;
  if (!verifySegwitInput(sweep.tx, 0, witnessScript, satoshis, kit.signature, kit.revocationPubkey)) return undefined;
  sweep.tx.setWitness(0, justiceWitness('to_local', encodeBitcoinSignature(kit.signature, SIGHASH_ALL), kit.revocationPubkey, witnessScript));
  return sweep.tx;
}

/** The tower's side for a whole transaction: it must spend the breach. */
export function justiceFromTransaction(breach: Transaction, transaction: Uint8Array): Transaction | undefined {
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(transaction);
  } catch {
    return undefined;
  }
  const breachHash = breach.getHash();
  return tx.ins.some((input) => equalBytes(input.hash, breachHash)) ? tx : undefined;
}

